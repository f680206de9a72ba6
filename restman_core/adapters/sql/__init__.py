"""SQL storage on SQLAlchemy 2 (asyncio): SQLite embedded; PostgreSQL, CockroachDB in production."""
