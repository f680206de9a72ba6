"""Helpers shared by the test suite: real services, free ports, waiting on conditions."""
