"""SQLAlchemy models, repositories, Alembic migrations and the audit chain."""
