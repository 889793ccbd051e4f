/* atomscope model page: the downloads history chart from the JSON embedded in the page. */
"use strict";

(() => {
  const { embed, baseConfig } = Atomscope;
  const data = JSON.parse(document.getElementById("model-data").textContent);
  const target = document.getElementById("downloads-chart");
  if (!target || !data.downloads.length) return;
  const rows = [];
  for (const r of data.downloads) {
    if (r.downloads_all_time !== null) rows.push({ date: r.snapshot_date, series: "all-time total", value: r.downloads_all_time });
    if (r.downloads_30d !== null) rows.push({ date: r.snapshot_date, series: "last 30 days", value: r.downloads_30d });
  }
  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: "container", height: 240, autosize: { type: "fit-x", contains: "padding" }, config: baseConfig(),
    data: { values: rows },
    mark: { type: "line", strokeWidth: 2, point: { size: 30 }, tooltip: true },
    encoding: {
      x: { field: "date", type: "temporal", title: "snapshot date" },
      y: { field: "value", type: "quantitative", title: "downloads", axis: { format: "~s" }, scale: { zero: false } },
      color: { field: "series", type: "nominal", title: null },
    },
  };
  embed(target, spec).then(() => { target.dataset.state = "ready"; });
})();
