"""Adapters: one folder per technology, each implementing ports from ``restman_core.ports``."""
