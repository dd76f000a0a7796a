"""Store: migrations match the models, upserts are idempotent on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timezone
from types import SimpleNamespace

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from pipeline import store
from pipeline.db import make_engine, make_sessionmaker, upgrade_database
from pipeline.models import Article, Base, RawPage


def _parsed(body: list[str], title: str = "Title") -> SimpleNamespace:
    return SimpleNamespace(
        canonical_url="https://example.org/a1", title=title, subtitle=None, authors=["A. Writer"],
        published=None, modified=None, section="news", tags=["war"], language="en", body=body, problems=[],
    )


def test_migrations_match_models(database_url):
    upgrade_database(database_url)
    engine = make_engine(database_url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ; add an Alembic revision: {diff}"


def test_upserts_are_idempotent(database_url):
    upgrade_database(database_url)
    engine = make_engine(database_url)
    Session = make_sessionmaker(engine)
    html = b"<html><body><p>Hello</p></body></html>"
    for _ in range(2):
        with Session() as session, session.begin():
            source = store.upsert_source(session, "example", "Example", "https://example.org")
            run = store.upsert_run(session, "run-1")
            page, changed = store.upsert_raw_page(
                session, source_id=source.id, identity="example:a1", url="https://example.org/a1",
                html=html, run_id=run.id,
            )
            article, state = store.upsert_article(session, page=page, parsed=_parsed(["Hello"]))
    with Session() as session:
        assert session.scalar(select(func.count()).select_from(RawPage)) == 1
        assert session.scalar(select(func.count()).select_from(Article)) == 1
        assert changed is False and state == "unchanged"
        stored = session.scalar(select(RawPage))
        assert store.read_raw_html(stored) == html
        assert stored.fetched_at.tzinfo is not None and stored.fetched_at.utcoffset() == timezone.utc.utcoffset(None)
    engine.dispose()


def test_changed_content_updates_in_place(sqlite_url):
    upgrade_database(sqlite_url)
    engine = make_engine(sqlite_url)
    Session = make_sessionmaker(engine)
    with Session() as session, session.begin():
        source = store.upsert_source(session, "example", "Example", "https://example.org")
        page, _ = store.upsert_raw_page(session, source_id=source.id, identity="example:a1", url="u", html=b"one")
        store.upsert_article(session, page=page, parsed=_parsed(["First version."]))
    with Session() as session, session.begin():
        page, changed = store.upsert_raw_page(session, source_id=source.id, identity="example:a1", url="u", html=b"two")
        article, state = store.upsert_article(session, page=page, parsed=_parsed(["Second version."]))
    assert changed is True and state == "updated"
    with Session() as session:
        assert session.scalar(select(func.count()).select_from(RawPage)) == 1
        assert session.scalar(select(Article.body)) == "Second version."
    engine.dispose()
