"""Pure domain model: rules and values with no I/O and no framework imports."""
