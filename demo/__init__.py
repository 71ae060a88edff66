"""The demo newsroom: outlets, sources, claims and a verification history built from the facts of
the seed reports (in our own words), loaded through the services like any other data."""
