"""Alembic environment: runs migrations against the URL set by pipeline.db.upgrade_database."""

from alembic import context
from sqlalchemy import pool

from pipeline.db import make_engine
from pipeline.models import Base

config = context.config


def render_item(type_, obj, autogen_context):
    """Render our UTCDateTime as a plain timezone-aware DateTime so migrations stay self-contained."""
    if type_ == "type" and type(obj).__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True, render_item=render_item
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
