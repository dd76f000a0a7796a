"""Idempotent writes and reads over the models; every function takes the caller's session."""

from __future__ import annotations

import gzip
import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.models import Article, Claim, CrawlCheckpoint, CrawlRun, RawPage, Source, SourceCrawl, utcnow


def upsert_source(session: Session, key: str, name: str, base_url: str) -> Source:
    """Return the source with `key`, creating it or updating its name and base URL.

    Safe when several crawls register sources at once: the insert yields to a concurrent one.

    Args:
        session: the caller's session (the caller commits).
        key: stable short name, e.g. "moscow_times".
        name: human name of the outlet.
        base_url: where the crawl starts (live site or a local mirror).
    """
    source = session.scalar(select(Source).where(Source.key == key))
    if source is None:
        insert_if_absent(session, Source, {"key": key, "name": name, "base_url": base_url}, ["key"])
        source = session.scalar(select(Source).where(Source.key == key))
    if (source.name, source.base_url) != (name, base_url):
        source.name, source.base_url = name, base_url
    return source


def upsert_run(session: Session, run_key: str, options: dict | None = None) -> CrawlRun:
    """Return the run named `run_key`, creating it on first use (every mapped crawl of a run may race here).

    Args:
        session: the caller's session.
        run_key: a unique name (Airflow run id or a CLI timestamp).
        options: what the run was asked for (outlets, since, alert_history, dry_run); kept when given.
    """
    run = session.scalar(select(CrawlRun).where(CrawlRun.run_key == run_key))
    if run is None:
        insert_if_absent(session, CrawlRun, {"run_key": run_key, "stats": {}, "options": options or {}}, ["run_key"])
        run = session.scalar(select(CrawlRun).where(CrawlRun.run_key == run_key))
    if options is not None and run.options != options:
        run.options = options
    return run


def insert_if_absent(session: Session, model, values: dict, keys: list[str]) -> bool:
    """Insert a row unless one with the same unique `keys` exists (or is being inserted); True if inserted.

    INSERT ... ON CONFLICT DO NOTHING: on PostgreSQL it waits for a concurrent insert of the same key
    and then yields, so two writers never both insert (no IntegrityError, no doubled row).

    Args:
        session: the caller's session.
        model: the mapped class.
        values: column values of the new row (column defaults fill the rest).
        keys: the columns of the unique constraint that decides "the same row".
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise NotImplementedError(f"insert_if_absent supports PostgreSQL and SQLite, not {dialect}")
    result = session.execute(insert(model).values(**values).on_conflict_do_nothing(index_elements=keys))
    return result.rowcount == 1


def upsert_raw_page(
    session: Session,
    *,
    source_id: int,
    identity: str,
    url: str,
    html: bytes,
    status_code: int = 200,
    content_type: str | None = None,
    run_id: int | None = None,
    fetched_at: datetime | None = None,
) -> tuple[RawPage, bool]:
    """Store a fetched page under its identity; return (page, changed) where changed means new content.

    Unchanged content only moves fetched_at, so refetching the same page twice changes nothing else.

    Args:
        session: the caller's session.
        source_id: id of the Source the page belongs to.
        identity: the article identity (e.g. "moscow_times:a82959"); one row per identity.
        url: the URL the page was fetched from.
        html: the raw response body as bytes.
        status_code: HTTP status of the response.
        content_type: the Content-Type header, kept so decoding can be redone.
        run_id: the CrawlRun that fetched it.
        fetched_at: when it was fetched (defaults to now).
    """
    digest = hashlib.sha256(html).hexdigest()
    page = session.scalar(select(RawPage).where(RawPage.identity == identity))
    if page is None:
        # Another crawl may store the same identity at this moment (two runs of one outlet): the
        # conditional insert lets exactly one row exist, and the loser updates it below.
        values = {"identity": identity, "source_id": source_id, "url": url, "sha256": digest,
                  "html_gz": gzip.compress(html, compresslevel=6), "status_code": status_code,
                  "content_type": content_type, "run_id": run_id, "fetched_at": fetched_at or utcnow()}
        inserted = insert_if_absent(session, RawPage, values, ["identity"])
        page = session.scalar(select(RawPage).where(RawPage.identity == identity))
        if inserted:
            return page, True
    if page.sha256 == digest:
        # Record the check: otherwise a newer feed date would trigger the same refetch every run.
        page.fetched_at = fetched_at or utcnow()
        return page, False
    page.url = url
    page.html_gz = gzip.compress(html, compresslevel=6)
    page.sha256 = digest
    page.status_code = status_code
    page.content_type = content_type
    page.run_id = run_id
    page.fetched_at = fetched_at or utcnow()
    session.flush()
    return page, True


def start_source_crawl(session: Session, run_id: int, source_id: int) -> SourceCrawl:
    """Mark an outlet's crawl in a run as running (again, on a retry) and return its row.

    Args:
        session: the caller's session.
        run_id: the CrawlRun.
        source_id: the Source being crawled.
    """
    insert_if_absent(session, SourceCrawl, {"run_id": run_id, "source_id": source_id, "stats": {}, "attempts": 0},
                     ["run_id", "source_id"])
    row = session.scalar(select(SourceCrawl).where(SourceCrawl.run_id == run_id, SourceCrawl.source_id == source_id))
    row.state, row.reason, row.finished_at = "running", None, None
    row.attempts += 1
    row.started_at = utcnow()
    return row


def finish_source_crawl(session: Session, run_id: int, source_id: int, *, state: str, reason: str | None = None,
                        stats: dict | None = None) -> None:
    """Record how an outlet's crawl ended: "ok" or "failed" with the reason.

    Args:
        session: the caller's session.
        run_id: the CrawlRun.
        source_id: the Source.
        state: "ok" or "failed".
        reason: why it failed (shown in the run summary).
        stats: the crawl's counts.
    """
    row = session.scalar(select(SourceCrawl).where(SourceCrawl.run_id == run_id, SourceCrawl.source_id == source_id))
    row.state, row.reason, row.stats, row.finished_at = state, reason, stats or {}, utcnow()


def list_source_crawls(session: Session, run_key: str) -> list[dict]:
    """Return each outlet's crawl in a run: key, name, state, reason, attempts and counts, by key.

    Args:
        session: the caller's session.
        run_key: the run's unique name.
    """
    rows = session.execute(
        select(SourceCrawl, Source).join(Source).join(CrawlRun, SourceCrawl.run_id == CrawlRun.id)
        .where(CrawlRun.run_key == run_key).order_by(Source.key)
    )
    return [{"key": source.key, "name": source.name, "state": crawl.state, "reason": crawl.reason,
             "attempts": crawl.attempts, "stats": crawl.stats or {}} for crawl, source in rows]


def last_crawl_seconds(session: Session) -> dict[str, float]:
    """Map each source key to how long its latest finished crawl took (to start the slowest first).

    Args:
        session: the caller's session.
    """
    rows = session.execute(
        select(Source.key, SourceCrawl.started_at, SourceCrawl.finished_at).join(Source)
        .where(SourceCrawl.finished_at.is_not(None)).order_by(SourceCrawl.finished_at)
    )
    return {key: (finished - started).total_seconds() for key, started, finished in rows}


def read_checkpoints(session: Session, source_id: int, prefix: str = "") -> dict[str, CrawlCheckpoint]:
    """Return a source's crawl checkpoints whose name starts with `prefix`, by name.

    Args:
        session: the caller's session.
        source_id: the Source.
        prefix: e.g. "walk:" or "history:".
    """
    rows = session.scalars(select(CrawlCheckpoint).where(CrawlCheckpoint.source_id == source_id,
                                                         CrawlCheckpoint.name.startswith(prefix, autoescape=True)))
    return {row.name: row for row in rows}


def save_checkpoint(session: Session, source_id: int, name: str, marker: str | None = None,
                    walked_at: datetime | None = None) -> None:
    """Record that a source's entry points (or one history sitemap) were walked.

    Args:
        session: the caller's session.
        source_id: the Source.
        name: "walk:sitemaps", "walk:listings" or "history:<sitemap URL>".
        marker: what was walked (a sitemap's lastmod), compared on the next walk.
        walked_at: when (default now).
    """
    when = walked_at or utcnow()
    if insert_if_absent(session, CrawlCheckpoint, {"source_id": source_id, "name": name, "marker": marker,
                                                    "walked_at": when}, ["source_id", "name"]):
        return
    row = session.scalar(select(CrawlCheckpoint).where(CrawlCheckpoint.source_id == source_id,
                                                       CrawlCheckpoint.name == name))
    row.marker, row.walked_at = marker, when


def read_raw_html(page: RawPage) -> bytes:
    """Return the decompressed body of a stored page.

    Args:
        page: a RawPage row.
    """
    return gzip.decompress(page.html_gz)


def fetched_identities(session: Session, source_key: str) -> dict[str, datetime]:
    """Map every stored identity of a source to the time it was last fetched (for incremental crawls).

    Args:
        session: the caller's session.
        source_key: the Source key.
    """
    rows = session.execute(
        select(RawPage.identity, RawPage.fetched_at).join(Source).where(Source.key == source_key)
    )
    return {identity: fetched_at for identity, fetched_at in rows}


def upsert_article(session: Session, *, page: RawPage, parsed) -> tuple[Article, str]:
    """Store the article parsed from `page`; return (article, "new" | "updated" | "unchanged").

    Args:
        session: the caller's session.
        page: the RawPage the article was parsed from (its identity becomes the article's).
        parsed: a pipeline.parse.Article.
    """
    body = "\n".join(parsed.body)
    digest = hashlib.sha256("\n".join([parsed.title or "", parsed.subtitle or "", body]).encode()).hexdigest()
    fields = {
        "source_id": page.source_id,
        "raw_page_id": page.id,
        "url": page.url,
        "canonical_url": parsed.canonical_url,
        "title": parsed.title,
        "subtitle": parsed.subtitle,
        "authors": list(parsed.authors),
        "published": parsed.published,
        "modified": parsed.modified,
        "section": parsed.section,
        "tags": list(parsed.tags),
        "language": parsed.language,
        "body": body,
        "problems": list(parsed.problems),
    }
    article = session.scalar(select(Article).where(Article.identity == page.identity))
    if article is None:
        article = Article(identity=page.identity, content_sha256=digest, **fields)
        session.add(article)
        session.flush()
        return article, "new"
    if article.content_sha256 == digest:
        return article, "unchanged"
    for name, value in fields.items():
        setattr(article, name, value)
    article.content_sha256 = digest
    article.updated_at = utcnow()
    # Changed text needs a fresh near-duplicate signature.
    article.minhash = None
    session.flush()
    return article, "updated"


def export_claims(session: Session) -> list[dict]:
    """Return every stored claim with its cluster, article and outlet, oldest first.

    Args:
        session: the caller's session.
    """
    rows = session.execute(
        select(Claim, Article, Source)
        .join(Article, Claim.article_id == Article.id)
        .join(Source, Article.source_id == Source.id)
        .order_by(Claim.created_at, Claim.id)
    )
    exported = []
    for claim, article, source in rows:
        exported.append(
            {
                "claim_id": claim.id,
                "cluster_id": claim.cluster_id,
                **claim_fields(claim),
                "cues": claim.cues,
                **article_fields(article, source),
                "found_at": claim.created_at,
            }
        )
    return exported


def claim_fields(claim: Claim) -> dict:
    """Return a stored claim's fields as transfer-claims.md names them, quantity as {min, max, unit}.

    Args:
        claim: a Claim row.
    """
    quantity = None
    if claim.quantity_min is not None or claim.quantity_max is not None:
        quantity = {"min": claim.quantity_min, "max": claim.quantity_max, "unit": claim.quantity_unit}
    return {
        "supplier": claim.supplier,
        "recipient": claim.recipient,
        "category": claim.category,
        "item": claim.item,
        "quantity": quantity,
        "status": claim.status,
        "stance": claim.stance,
        "claimant": claim.claimant,
        "sentence": claim.sentence,
    }


def article_fields(article: Article, source: Source) -> dict:
    """Return the provenance of a claim: outlet, link, title and publication time of its article.

    Args:
        article: an Article row.
        source: the article's Source row.
    """
    return {
        "outlet": source.name,
        "url": article.canonical_url or article.url,
        "title": article.title,
        "published": article.published.isoformat() if article.published else None,
    }
