"""What a reader sees of a metric, shared by the metric modules, the report and the dashboard: the shapes of a
report section (layout.py), how findings word numbers and regions (wording.py), the Altair chart specs and
their rendering (charts.py), and the dashboard's chart hint (hints.py). Below `metrics/`, so a metric module
can carry its own section, findings and chart hint."""
