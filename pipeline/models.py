"""SQLAlchemy 2.0 models: sources, crawl runs, raw pages, articles, claim clusters, claims, alerts."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Float,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A DateTime that always comes back timezone-aware UTC (SQLite forgets offsets)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Source(Base):
    """A news outlet we crawl; `status` turns 'degraded' when its layout seems to have drifted."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    base_url: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="ok")
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CrawlRun(Base):
    """One execution of the pipeline (a CLI run or an Airflow DAG run)."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_key: Mapped[str] = mapped_column(String(250), unique=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # What the run was asked to do: outlets, since (a history walk), alert_history, dry_run.
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SourceCrawl(Base):
    """One outlet's crawl within a run: written by the outlet's own task, so runs name what failed and why."""

    __tablename__ = "source_crawls"
    __table_args__ = (UniqueConstraint("run_id", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    state: Mapped[str] = mapped_column(String(16), default="running")  # running | ok | failed
    reason: Mapped[str | None] = mapped_column(Text)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    source: Mapped[Source] = relationship()


class CrawlCheckpoint(Base):
    """When an outlet's entry points of one kind were last walked, and which history sitemaps are done."""

    __tablename__ = "crawl_checkpoints"
    __table_args__ = (UniqueConstraint("source_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    # "walk:sitemaps", "walk:listings", or "history:<sitemap URL>".
    name: Mapped[str] = mapped_column(String(700))
    walked_at: Mapped[datetime] = mapped_column(default=utcnow)
    # For a history sitemap: the lastmod it had when all its articles were handled.
    marker: Mapped[str | None] = mapped_column(String(64))


class RawPage(Base):
    """A fetched page, compressed, keyed by the article identity so refetches update in place."""

    __tablename__ = "raw_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    identity: Mapped[str] = mapped_column(String(500), unique=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    url: Mapped[str] = mapped_column(Text)
    status_code: Mapped[int] = mapped_column(Integer, default=200)
    content_type: Mapped[str | None] = mapped_column(String(200))
    html_gz: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    # Null until the parse step has handled this exact content (sha256 at parse time).
    parsed_sha256: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)

    source: Mapped[Source] = relationship()


class Article(Base):
    """A parsed article; near-duplicates point at the first-seen copy through duplicate_of_id."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    identity: Mapped[str] = mapped_column(String(500), unique=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    raw_page_id: Mapped[int | None] = mapped_column(ForeignKey("raw_pages.id"))
    url: Mapped[str] = mapped_column(Text)
    canonical_url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    subtitle: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list[Any]] = mapped_column(default=list)
    published: Mapped[datetime | None]
    modified: Mapped[datetime | None]
    section: Mapped[str | None] = mapped_column(String(200))
    tags: Mapped[list[Any]] = mapped_column(default=list)
    language: Mapped[str | None] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text, default="")
    content_sha256: Mapped[str] = mapped_column(String(64))
    problems: Mapped[list[Any]] = mapped_column(default=list)
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Content hash the detector last ran on; differs from content_sha256 when detection is pending.
    detected_sha256: Mapped[str | None] = mapped_column(String(64))

    source: Mapped[Source] = relationship()


class ClaimCluster(Base):
    """One transfer as the world reports it: every claim that describes it joins here.

    `review_state` is the analysts' latest decision (None, confirmed, dismissed, merged); the full
    record is in claim_reviews. The indexes serve the Claims page: each filter column followed by the
    default sort (last seen, id), so a filtered first page reads only the rows it shows.
    """

    __tablename__ = "claim_clusters"
    __table_args__ = (
        Index("ix_claim_clusters_last_seen", "last_seen_at", "id"),
        Index("ix_claim_clusters_first_seen", "first_seen_at", "id"),
        Index("ix_claim_clusters_sources", "source_count", "id"),
        Index("ix_claim_clusters_pair_last_seen", "supplier", "recipient", "last_seen_at", "id"),
        Index("ix_claim_clusters_recipient_last_seen", "recipient", "last_seen_at", "id"),
        Index("ix_claim_clusters_category_last_seen", "category", "last_seen_at", "id"),
        Index("ix_claim_clusters_review_last_seen", "review_state", "last_seen_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier: Mapped[str | None] = mapped_column(String(16))
    recipient: Mapped[str | None] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(40))
    quantity_min: Mapped[float | None] = mapped_column(Float)
    quantity_max: Mapped[float | None] = mapped_column(Float)
    quantity_unit: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))
    stance: Mapped[str] = mapped_column(String(16))
    claimant_kinds: Mapped[list[Any]] = mapped_column(default=list)
    history: Mapped[list[Any]] = mapped_column(default=list)
    source_count: Mapped[int] = mapped_column(Integer, default=0)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    review_state: Mapped[str | None] = mapped_column(String(16))
    review_reason: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[datetime | None]
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("claim_clusters.id"))

    claims: Mapped[list["Claim"]] = relationship(back_populates="cluster")


class ClaimReview(Base):
    """One analyst decision on a cluster (confirm, dismiss with a reason, merge), kept for the record."""

    __tablename__ = "claim_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("claim_clusters.id"), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("claim_clusters.id"))
    user: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Claim(Base):
    """A transfer claim found in one sentence of one article (fields of transfer-claims.md)."""

    __tablename__ = "claims"
    __table_args__ = (UniqueConstraint("claim_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_key: Mapped[str] = mapped_column(String(64))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("claim_clusters.id"), index=True)
    supplier: Mapped[str | None] = mapped_column(String(16))
    recipient: Mapped[str | None] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(40))
    item: Mapped[str | None] = mapped_column(Text)
    quantity_min: Mapped[float | None] = mapped_column(Float)
    quantity_max: Mapped[float | None] = mapped_column(Float)
    quantity_unit: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))
    stance: Mapped[str] = mapped_column(String(16))
    claimant: Mapped[str | None] = mapped_column(Text)
    sentence: Mapped[str] = mapped_column(Text)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    cues: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"), index=True)

    article: Mapped[Article] = relationship()
    cluster: Mapped[ClaimCluster | None] = relationship(back_populates="claims")


class Alert(Base):
    """An alert event (NEW, UPDATE or HEALTH); `uid` is stable so a resend can be recognised."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("claim_clusters.id"), index=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    summary: Mapped[str] = mapped_column(Text)
    change: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))

    deliveries: Mapped[list["Delivery"]] = relationship(back_populates="alert")


class Delivery(Base):
    """The outbox: one row per (alert, channel), sent by the alert step with retries across runs."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("alert_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"))
    channel: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]
    sending_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    alert: Mapped[Alert] = relationship(back_populates="deliveries")
