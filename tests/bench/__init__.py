"""Unit tests of the benchmark's helpers (no server, no load)."""
