"""Alembic migrations: one history for the whole schema, runnable from code."""
