"""Route handlers, one module per context. Handlers are thin: parse, call a use case, return a
view from :mod:`restman_core.views`."""
