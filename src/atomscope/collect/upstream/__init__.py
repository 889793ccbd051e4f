"""Refreshing the bundled tables from their upstreams: catalog, fetching, transforms, updates, diffs."""
