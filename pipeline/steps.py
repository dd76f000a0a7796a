"""One function per pipeline step (and per DAG task): (settings, run_key) -> a summary of counts.

Steps talk to each other only through the store, so each can be retried or re-run on its own:
running a step twice changes nothing the second time.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
from typing import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline import alerts, store
from pipeline.config import Settings, remember_store
from pipeline.db import make_engine, make_sessionmaker, upgrade_database
from pipeline.models import Article, CrawlRun, Delivery, RawPage, Source, utcnow
from pipeline.outlets import (
    DEFAULT_CONCURRENCY,
    RunOptions,
    crawl_outlet,
    crawl_outlets,
    make_run_options,
    order_slowest_first,
    select_outlets,
    summarize_outlets,
)
from pipeline.sources import load_sources

log = logging.getLogger(__name__)

# A source is marked degraded when more than this share of a run's pages parse badly.
DRIFT_THRESHOLD = 0.5
DRIFT_MIN_PAGES = 3
# "selectors_missed": the site's own selectors stopped matching (a redesign), even when generic
# extraction still rescues the body; without it such drift would pass silently.
DRIFT_PROBLEMS = {"empty_body", "no_title", "no_date", "selectors_missed"}
# A history walk alerts no claim from an article published this long before the walk (stale news).
HISTORY_QUIET_DAYS = 30


@contextmanager
def open_sessions(settings: Settings) -> Iterator:
    """Yield a session factory for the run's database and dispose of the engine afterwards."""
    engine = make_engine(settings.database_url)
    try:
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()


def prepare_database(settings: Settings) -> dict:
    """Migrate the database to the newest schema and register the configured sources.

    Args:
        settings: the run's settings.
    """
    upgrade_database(settings.database_url)
    with open_sessions(settings) as Session, Session() as session, session.begin():
        for source in load_sources(settings):
            store.upsert_source(session, source.key, source.name, source.base_url)
    return {"database": _redact_url(settings.database_url)}


def prepare_run(settings: Settings, run_key: str, options: RunOptions | None = None) -> list[str]:
    """Migrate, register the sources, record the run with its options; return the outlets to crawl.

    Args:
        settings: the run's settings.
        run_key: the run's unique name.
        options: what the run is asked for (outlets, since, alert_history, dry_run).

    Returns:
        The source keys to crawl, the slowest (by its last crawl) first.
    """
    options = options or RunOptions()
    prepare_database(settings)
    chosen = select_outlets(settings, options)
    with open_sessions(settings) as Session, Session() as session, session.begin():
        store.upsert_run(session, run_key, options.to_dict())
        for source in chosen:
            store.upsert_source(session, source.key, source.name, source.base_url)
        return order_slowest_first(session, [source.key for source in chosen])


def crawl_source(settings: Settings, run_key: str, key: str) -> dict:
    """Crawl one outlet (one mapped DAG task): counts and skipped lines; raises OutletFailed if it failed.

    Args:
        settings: the run's settings.
        run_key: the run's unique name.
        key: the source key.
    """
    return crawl_outlet(settings, run_key, key)


def crawl_sources(settings: Settings, run_key: str) -> dict:
    """Crawl every outlet of the run, TW_CRAWL_CONCURRENCY (4) at a time; a failing one does not stop the others.

    Args:
        settings: the run's settings.
        run_key: the run's unique name (prepare_run records its options; a bare run crawls every enabled source).
    """
    with open_sessions(settings) as Session, Session() as session, session.begin():
        options = make_run_options(**store.upsert_run(session, run_key).options or {})
    keys = [source.key for source in select_outlets(settings, options)]
    with open_sessions(settings) as Session, Session() as session:
        keys = order_slowest_first(session, keys)
    concurrency = int(settings.extra.get("TW_CRAWL_CONCURRENCY") or DEFAULT_CONCURRENCY)
    return crawl_outlets(settings, run_key, keys, concurrency)


def parse_pages(settings: Settings, run_key: str) -> dict:
    """Parse every stored page whose content has not been parsed yet into an article.

    Args:
        settings: the run's settings.
        run_key: the run's unique name.
    """
    from pipeline.parse import decode_html, parse_article
    from pipeline.sites.selectors import site_rules

    rules_by_key = {source.key: site_rules(source) for source in load_sources(settings)}
    counts: Counter = Counter()
    skipped: list[str] = []
    problems_by_source: dict[int, list[list[str]]] = {}
    with open_sessions(settings) as Session:
        with Session() as session:
            pending = session.scalars(
                select(RawPage.id).where(
                    (RawPage.parsed_sha256.is_(None)) | (RawPage.parsed_sha256 != RawPage.sha256)
                )
            ).all()
        for page_id in pending:
            with Session() as session, session.begin():
                page = session.get(RawPage, page_id)
                try:
                    html = decode_html(store.read_raw_html(page), page.content_type)
                    parsed = parse_article(html, page.url, rules=rules_by_key.get(page.source.key))
                except Exception as error:  # a bad page is recorded and skipped, the rest goes on
                    page.error = f"parse failed: {type(error).__name__}: {error}"[:2000]
                    page.parsed_sha256 = page.sha256
                    counts["failed"] += 1
                    skipped.append(f"{page.url}: {page.error}")
                    continue
                _, state = store.upsert_article(session, page=page, parsed=parsed)
                page.parsed_sha256 = page.sha256
                page.error = None
                counts[state] += 1
                problems_by_source.setdefault(page.source_id, []).append(list(parsed.problems))
        with Session() as session, session.begin():
            health = update_source_health(
                session, problems_by_source, run_key, channels=alerts.load_channels(alert_env(settings))
            )
    return {**{k: counts[k] for k in ("new", "updated", "unchanged", "failed")}, "skipped": skipped, **health}


def update_source_health(
    session: Session, problems_by_source: dict[int, list[list[str]]], run_key: str, channels: list | None = None
) -> dict:
    """Mark sources degraded (one health alert) or recovered from this run's parse problems.

    Args:
        session: the caller's session.
        problems_by_source: for each source id, the problem list of every page parsed this run.
        run_key: the run's unique name, part of the health alert's id.
        channels: where health alerts go (default: the channels the environment configures).
    """
    if channels is None:
        channels = alerts.load_channels()

    changes: list[str] = []
    for source_id, page_problems in problems_by_source.items():
        source = session.get(Source, source_id)
        bad = sum(1 for problems in page_problems if DRIFT_PROBLEMS & set(problems))
        share = bad / len(page_problems)
        degraded = len(page_problems) >= DRIFT_MIN_PAGES and share > DRIFT_THRESHOLD
        if degraded and source.status != "degraded":
            source.status = "degraded"
            source.status_reason = f"{bad} of {len(page_problems)} pages without title, date or body, or missing site selectors"
            source.status_changed_at = utcnow()
            changes.append(f"{source.key} degraded: {source.status_reason}")
            payload = {"kind": "HEALTH", "outlet": source.name, "source": source.key, "reason": source.status_reason}
            alerts.enqueue_alert(
                session,
                kind="HEALTH",
                uid=_uid("HEALTH", source.key, run_key),
                summary=f"HEALTH: {source.name} layout may have changed ({source.status_reason})",
                payload=payload,
                channels=channels,
                source_id=source.id,
            )
        elif not degraded and source.status == "degraded" and len(page_problems) >= DRIFT_MIN_PAGES:
            source.status, source.status_reason, source.status_changed_at = "ok", None, utcnow()
            changes.append(f"{source.key} recovered")
    return {"health": changes}


def dedupe_articles(settings: Settings, run_key: str) -> dict:
    """Link near-duplicate articles (syndicated copies) to the first-seen copy.

    Args:
        settings: the run's settings.
        run_key: the run's unique name.
    """
    from pipeline.dedupe import mark_near_duplicates

    with open_sessions(settings) as Session, Session() as session, session.begin():
        ids = session.scalars(select(Article.id).where(Article.minhash.is_(None)).order_by(Article.id)).all()
        return mark_near_duplicates(session, list(ids))


def detect_claims_in_articles(settings: Settings, run_key: str) -> dict:
    """Detect claims in articles not yet analysed; record them, cluster them and queue their alerts.

    Claims and their outbox rows are written in one transaction per article, so an alert is
    queued exactly when its claim is stored.

    Args:
        settings: the run's settings.
        run_key: the run's unique name.
    """
    from pipeline.claims.detect import DETECT_BATCH, detect_many

    channels = alerts.load_channels(alert_env(settings))
    counts: Counter = Counter()
    if not settings.extra.get("TW_DATABASE_URL"):
        # Lists and the Claims page read the store claims were last detected in (see load_read_settings).
        remember_store(settings.state_dir, settings.database_url, "run")
    with open_sessions(settings) as Session:
        with Session() as session:
            run_id = store.upsert_run(session, run_key).id
            session.commit()
            # Originals before copies: a copy's own lines are judged against what is known.
            pending = session.scalars(
                select(Article.id)
                .where((Article.detected_sha256.is_(None)) | (Article.detected_sha256 != Article.content_sha256))
                .order_by(Article.duplicate_of_id.is_not(None), Article.published, Article.id)
            ).all()
        quiet_days = int(settings.extra.get("TW_HISTORY_QUIET_DAYS") or HISTORY_QUIET_DAYS)
        for start in range(0, len(pending), DETECT_BATCH):
            batch = pending[start:start + DETECT_BATCH]
            with Session() as session:
                inputs = [detector_input(session, session.get(Article, article_id)) for article_id in batch]
            # The parser reads a batch of articles at once (faster); each article is then stored in its own transaction.
            found = detect_many([text for text, _ in inputs])
            for article_id, (_, headline_end), claims in zip(batch, inputs, found):
                _store_article_claims(Session, article_id, claims, headline_end, channels, run_id, quiet_days, counts)
    return dict(counts)


def _store_article_claims(Session, article_id: int, claims: list, headline_end: int, channels, run_id: int,
                          quiet_days: int, counts: Counter) -> None:
    """Record one article's claims, cluster them and queue their alerts, in one transaction."""
    from pipeline.dedupe import record_claim

    with Session() as session, session.begin():
        article = session.get(Article, article_id)
        counts["copies" if article.duplicate_of_id else "articles"] += 1
        quiet = is_stale_history(session, article, quiet_days)
        for claim in sorted(claims, key=lambda c: provenance_rank(c, headline_end)):
            decision = record_claim(session, article=article, claim=claim, run_id=run_id, quiet=quiet)
            counts["claims_new" if decision.is_new_row else "claims_known"] += 1
            counts["claims_history_quiet"] += quiet and decision.is_new_row
            if decision.kind is None:
                continue
            counts[f"alerts_{decision.kind.lower()}"] += 1
            payload = build_alert_payload(decision, article)
            alerts.enqueue_alert(
                session,
                kind=decision.kind,
                uid=_uid(decision.kind, str(decision.cluster.id), str(decision.claim_row.id)),
                summary=payload["headline"],
                payload=payload,
                channels=channels,
                cluster_id=decision.cluster.id,
                claim_id=decision.claim_row.id,
                source_id=article.source_id,
                change=decision.change,
                run_id=run_id,
            )
        article.detected_sha256 = article.content_sha256


def is_stale_history(session, article: Article, quiet_days: int = HISTORY_QUIET_DAYS) -> bool:
    """Tell whether an article is old news found by a history walk (its claims update clusters, alert no one).

    True when the run that fetched it walked history without alert_history, and the article was
    published more than `quiet_days` before that run started.

    Args:
        session: the caller's session.
        article: a stored article.
        quiet_days: how old an article must be to count as stale.
    """
    if article.published is None or article.raw_page_id is None:
        return False
    run = session.scalar(select(CrawlRun).join(RawPage, RawPage.run_id == CrawlRun.id)
                         .where(RawPage.id == article.raw_page_id))
    options = (run.options or {}) if run else {}
    if not options.get("since") or options.get("alert_history"):
        return False
    return article.published < run.started_at - timedelta(days=quiet_days)


def send_alerts(settings: Settings, run_key: str) -> dict:
    """Deliver every pending outbox row whose retry time has come (nothing in a dry run: rows stay queued).

    Args:
        settings: the run's settings.
        run_key: the run's unique name.
    """
    with open_sessions(settings) as Session:
        with Session() as session, session.begin():
            run = store.upsert_run(session, run_key)
            run_id, dry_run = run.id, bool((run.options or {}).get("dry_run"))
        if dry_run:
            with Session() as session:
                queued = session.scalar(select(func.count()).select_from(Delivery).where(Delivery.state == "pending"))
            log.info("dry run: %d delivery(ies) stay queued, nothing is sent", queued)
            return {"sent": 0, "dry_run": 1, "not_sent": queued}
        env = alert_env(settings)
        report = alerts.deliver_pending(
            Session, alerts.load_channels(env), run_id=run_id, policy=alerts.load_delivery_policy(env)
        )
    return report.as_dict() if hasattr(report, "as_dict") else dict(vars(report))


def finish_run(settings: Settings, run_key: str, summary: dict) -> None:
    """Record a run's summary and end time.

    Args:
        settings: the run's settings.
        run_key: the run's unique name.
        summary: the step summaries to keep with the run.
    """
    with open_sessions(settings) as Session, Session() as session, session.begin():
        run = store.upsert_run(session, run_key)
        run.stats = summary
        run.finished_at = utcnow()


def report_run(settings: Settings, run_key: str) -> dict:
    """Close a run: record how each outlet fared and the end time; the counts and failed outlets by name.

    Args:
        settings: the run's settings.
        run_key: the run's unique name.
    """
    outcome = summarize_outlets(settings, run_key)
    with open_sessions(settings) as Session, Session() as session, session.begin():
        run = store.upsert_run(session, run_key)
        run.stats = {**(run.stats or {}), "outlets": outcome}
        run.finished_at = utcnow()
    return outcome


def run_pipeline(settings: Settings, run_key: str, *, crawl: bool = True, options: RunOptions | None = None) -> dict:
    """Run every step once, in order, and return their summaries by step name.

    Args:
        settings: the run's settings.
        run_key: the run's unique name.
        crawl: False to work only on pages already stored.
        options: outlets, since, alert_history, dry_run (default: every enabled outlet, no history).
    """
    keys = prepare_run(settings, run_key, options)
    summary = {"prepare": {"database": _redact_url(settings.database_url), "outlets": len(keys)}}
    if crawl:
        concurrency = int(settings.extra.get("TW_CRAWL_CONCURRENCY") or DEFAULT_CONCURRENCY)
        summary["crawl"] = crawl_outlets(settings, run_key, keys, concurrency)
    summary["parse"] = parse_pages(settings, run_key)
    summary["dedupe"] = dedupe_articles(settings, run_key)
    summary["detect"] = detect_claims_in_articles(settings, run_key)
    summary["alert"] = send_alerts(settings, run_key)
    finish_run(settings, run_key, summary)
    return summary


def provenance_rank(claim, headline_end: int = 0) -> tuple:
    """Order an article's claims so the best-sourced sentence of a transfer is the one alerted.

    An article alerts a cluster once; a body sentence naming its claimant and a figure beats a
    headline that repeats it.

    Args:
        claim: a pipeline.claims.Claim.
        headline_end: where the article's title and subtitle end in the detector's text.
    """
    in_headline = claim.start < headline_end
    return (claim.claimant is None, claim.quantity is None, claim.stance == "denied", in_headline, claim.start)


def detector_input(session, article: Article) -> tuple[str, int]:
    """Return the text to detect claims in and where its headline part ends.

    An original gives its whole text; a near-duplicate copy only the lines its original lacks.

    Args:
        session: the caller's session.
        article: a stored article.
    """
    from pipeline.dedupe import added_lines

    text, headline = article_text(article), article_text(article, body=False)
    if article.duplicate_of_id is None:
        return text, len(headline)
    original = article_text(session.get(Article, article.duplicate_of_id))
    lines, new_headline = added_lines(text, original), added_lines(headline, original)
    return "\n".join(lines), len("\n".join(new_headline))


def article_text(article: Article, body: bool = True) -> str:
    """Return the text the detector reads: title, subtitle and body, one paragraph a line.

    Args:
        article: a stored article.
        body: False for the title and subtitle alone.
    """
    parts = [article.title or "", article.subtitle or "", article.body or "" if body else ""]
    return "\n".join(part for part in parts if part)


def build_alert_payload(decision, article: Article) -> dict:
    """Return what an alert shows: the claim's fields, its sentence, claimant, outlet and link.

    Args:
        decision: the ClaimDecision from dedupe.record_claim.
        article: the article the claim was found in.
    """
    claim = decision.claim_row
    category = claim.category.replace("_", " ")
    headline = f"{decision.kind} transfer claim: {claim.supplier or '?'} -> {claim.recipient or '?'} {category}"
    return {
        "kind": decision.kind,
        "headline": headline,
        "alert_id": None,
        "cluster_id": decision.cluster.id,
        **store.claim_fields(claim),
        # What the cluster stands at after this claim (a denial makes it "disputed"), as lists show it.
        "status": decision.cluster.status,
        "stance": decision.cluster.stance,
        "claim_stance": claim.stance,
        **store.article_fields(article, article.source),
        "corroboration": decision.cluster.source_count,
        "change": decision.change,
        "cues": list(claim.cues or []),
    }


def alert_env(settings: Settings) -> dict[str, str]:
    """Return what alert configuration reads: the run's TW_* settings and Airflow's own variables.

    Args:
        settings: the run's settings.
    """
    airflow = {key: value for key, value in os.environ.items() if key.startswith("AIRFLOW")}
    return {**airflow, **settings.extra}


def _uid(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def _redact_url(url: str) -> str:
    """Hide a password in a database URL before it is printed."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable database URL>"


def default_run_key() -> str:
    """Return a unique run name for a run started from the command line."""
    return f"cli-{utcnow().strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
