"""SQLAlchemy tables, engine setup, repositories (the only place SQL is written) and Alembic migrations."""
