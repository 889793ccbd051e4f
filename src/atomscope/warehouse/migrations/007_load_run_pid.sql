-- atomscope warehouse, schema version 7: which process runs a load.
-- A writer holds DuckDB's exclusive file lock, so when a command opens the warehouse for writing, a run
-- still 'running' from another process belongs to a process that died (kill -9, power loss); db.connect
-- marks it 'failed'. The pid keeps runs of other connections of the same (live) process untouched.
ALTER TABLE load_runs ADD COLUMN pid INTEGER;
