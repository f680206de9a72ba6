"""Embedded implementations of ports: what RestMan uses when no server is configured."""
