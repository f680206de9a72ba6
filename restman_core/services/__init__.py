"""Use cases: one module per context; each use case is one unit of work."""
