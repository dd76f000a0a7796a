"""Store: migrations match the models, upserts are idempotent on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timezone
from types import SimpleNamespace

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text

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


# --- concurrent writers -----------------------------------------------------------------------

WORKERS = 6
SHARED_PAGES = 30
OWN_PAGES = 30


def write_like_a_crawl(args: tuple[str, int, float]) -> str:
    """One crawl process's writes, one short transaction per page, started at the same moment as the others.

    Every worker registers the same run and outlets and stores the same shared identities (two runs of
    one outlet), plus pages only it has.
    """
    import time

    database_url, worker, start_at = args
    engine = make_engine(database_url)
    Session = make_sessionmaker(engine)
    time.sleep(max(0.0, start_at - time.time()))
    try:
        with Session() as session, session.begin():
            run = store.upsert_run(session, "run-1")
            source = store.upsert_source(session, f"outlet{worker % 3}", "Outlet", "https://example.org")
            store.start_source_crawl(session, run.id, source.id)
        pages = [(f"shared:{n}", b"<p>shared %d</p>" % n) for n in range(SHARED_PAGES)]
        pages += [(f"w{worker}:{n}", b"<p>worker %d page %d</p>" % (worker, n)) for n in range(OWN_PAGES)]
        for identity, html in pages:
            with Session() as session, session.begin():
                source = store.upsert_source(session, f"outlet{worker % 3}", "Outlet", "https://example.org")
                store.upsert_raw_page(session, source_id=source.id, identity=identity,
                                      url=f"https://example.org/{identity}", html=html,
                                      run_id=store.upsert_run(session, "run-1").id)
        with Session() as session, session.begin():
            store.finish_source_crawl(session, run.id, source.id, state="ok", stats={"pages": len(pages)})
    finally:
        engine.dispose()
    return "ok"


def test_concurrent_crawl_writers_lose_and_double_nothing(database_url):
    import multiprocessing
    import time

    from pipeline.models import CrawlRun, Source, SourceCrawl

    upgrade_database(database_url)
    start_at = time.time() + 8  # every worker imported and connected before the first write
    with multiprocessing.get_context("spawn").Pool(WORKERS) as pool:
        results = pool.map(write_like_a_crawl, [(database_url, worker, start_at) for worker in range(WORKERS)])
    assert results == ["ok"] * WORKERS  # no IntegrityError, no "database is locked"
    engine = make_engine(database_url)
    with make_sessionmaker(engine)() as session:
        identities = session.scalars(select(RawPage.identity)).all()
        assert len(identities) == len(set(identities)) == SHARED_PAGES + WORKERS * OWN_PAGES
        assert session.scalar(select(func.count()).select_from(CrawlRun)) == 1
        assert session.scalar(select(func.count()).select_from(Source)) == 3
        crawls = session.scalars(select(SourceCrawl)).all()
        assert len(crawls) == 3 and {c.state for c in crawls} == {"ok"}
        assert sum(c.attempts for c in crawls) == WORKERS
        if engine.dialect.name == "sqlite":
            assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()
