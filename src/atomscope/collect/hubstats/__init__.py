"""History from the public `cfahlgren1/hub-stats` dataset: its git revisions as daily Hub snapshots."""
