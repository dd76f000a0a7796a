"""Item pipeline: store raw pages through pipeline.store, one short transaction per page."""

from __future__ import annotations

import os
from datetime import datetime

from sqlalchemy import select

from pipeline.db import make_engine, make_sessionmaker
from pipeline.models import RawPage
from pipeline.models import Source
from pipeline.store import (
    fetched_identities,
    read_checkpoints,
    save_checkpoint,
    upsert_raw_page,
    upsert_run,
    upsert_source,
)

HISTORY_PREFIX = "history:"


def database_url_from(settings) -> str:
    """Return the database URL from the Scrapy setting, else the environment (kept off the command line).

    Args:
        settings: the crawler's Scrapy settings.
    """
    url = settings.get("TW_DATABASE_URL") or os.environ.get("TW_DATABASE_URL")
    if not url:
        raise RuntimeError("TW_DATABASE_URL is not set (Scrapy setting or environment variable)")
    return url


def read_known_identities(database_url: str, source_key: str) -> dict[str, datetime]:
    """Return identity -> last fetch time of every page already stored for a source.

    Args:
        database_url: SQLAlchemy URL of the store.
        source_key: the source key, e.g. "moscow_times".
    """
    engine = make_engine(database_url)
    try:
        with make_sessionmaker(engine)() as session:
            return fetched_identities(session, source_key)
    finally:
        engine.dispose()


def read_history_checkpoints(database_url: str, source_key: str) -> dict[str, str]:
    """Return sitemap URL -> lastmod marker of every history sitemap a source finished walking.

    Args:
        database_url: SQLAlchemy URL of the store.
        source_key: the source key.
    """
    engine = make_engine(database_url)
    try:
        with make_sessionmaker(engine)() as session:
            source_id = session.scalar(select(Source.id).where(Source.key == source_key))
            if source_id is None:
                return {}
            rows = read_checkpoints(session, source_id, HISTORY_PREFIX)
            return {name.removeprefix(HISTORY_PREFIX): row.marker or "" for name, row in rows.items()}
    finally:
        engine.dispose()


def save_history_checkpoint(database_url: str, source_key: str, sitemap_url: str, marker: str) -> None:
    """Record that every article of a history sitemap was handled (a resumed walk skips it).

    Args:
        database_url: SQLAlchemy URL of the store.
        source_key: the source key.
        sitemap_url: the sitemap's URL.
        marker: its lastmod as the index gave it ("" when none).
    """
    engine = make_engine(database_url)
    try:
        with make_sessionmaker(engine)() as session, session.begin():
            source_id = session.scalar(select(Source.id).where(Source.key == source_key))
            if source_id is not None:
                save_checkpoint(session, source_id, HISTORY_PREFIX + sitemap_url, marker)
    finally:
        engine.dispose()


class RawPageStorePipeline:
    """Upsert each RawPageItem under its identity; counts new/changed/unchanged in the crawl stats."""

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls()
        pipeline.crawler = crawler
        return pipeline

    def open_spider(self) -> None:
        """Open the engine and register the source and the run."""
        spider = self.crawler.spider
        self.engine = make_engine(database_url_from(self.crawler.settings))
        self.sessions = make_sessionmaker(self.engine)
        with self.sessions() as session, session.begin():
            source = upsert_source(session, spider.source_key, spider.source_name, spider.base_url)
            run = upsert_run(session, spider.run_key) if spider.run_key else None
            self.source_id = source.id
            self.run_id = run.id if run else None

    def close_spider(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def process_item(self, item):
        """Store the page; a refetch with identical content only records the new fetch time (store does it)."""
        with self.sessions() as session, session.begin():
            existed = session.scalar(select(RawPage.id).where(RawPage.identity == item["identity"])) is not None
            _, changed = upsert_raw_page(
                session,
                source_id=self.source_id,
                identity=item["identity"],
                url=item["url"],
                html=item["html"],
                status_code=item["status"],
                content_type=item["content_type"],
                run_id=self.run_id,
                fetched_at=item["fetched_at"],
            )
        state = "new" if not existed else ("changed" if changed else "unchanged")
        self.crawler.stats.inc_value(f"tw/stored/{state}")
        return item
