-- Schema version 10: a load run records whether its endpoint labelled what it served as SYNTHETIC
-- (atomscope's own test emulators do; collect/synthetic_label.py). The publication guard refuses data
-- from such runs, instead of refusing every loopback endpoint.
ALTER TABLE load_runs ADD COLUMN synthetic BOOLEAN DEFAULT false;
