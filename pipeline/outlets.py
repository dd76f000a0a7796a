"""Crawling outlets: one outlet's crawl (what one mapped Airflow task runs), several at once (the CLI),
what each crawl reads (feeds always; sitemaps and listings when their YAML interval has passed, or
back to a date in a history walk), and how the run's outlets fared.

Each outlet's crawl records its outcome in the store (table source_crawls) before it returns or
raises, so the run summary can name every outlet that failed and why, whichever worker ran it.
"""

from __future__ import annotations

import logging
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from pipeline import store
from pipeline.config import Settings
from pipeline.models import utcnow

log = logging.getLogger(__name__)

# Reasons retrying soon will not cure: the outlet fails at once, and the next scheduled run tries again.
FAIL_FAST_REASONS = ("dns", "refused", "tls", "no_route", "private_host")
DEFAULT_CONCURRENCY = 4
# A walk due "every 60 minutes" is not put off by a run starting a few seconds early.
WALK_SLACK = timedelta(seconds=30)
WALK_KINDS = ("sitemaps", "listings")


class OutletFailed(RuntimeError):
    """An outlet's crawl failed. `retry` is False when trying again within minutes cannot help (DNS, refused, TLS)."""

    def __init__(self, key: str, reason: str, retry: bool):
        super().__init__(f"{key}: {reason}")
        self.key, self.reason, self.retry = key, reason, retry


@dataclass(frozen=True)
class RunOptions:
    """What a run is asked for: which outlets, a history walk back to `since`, alerts for history, no sending."""

    outlets: tuple[str, ...] = ()
    since: date | None = None
    alert_history: bool = False
    dry_run: bool = False

    def to_dict(self) -> dict:
        """The options as stored with the run (JSON)."""
        return {"outlets": list(self.outlets), "since": self.since.isoformat() if self.since else None,
                "alert_history": self.alert_history, "dry_run": self.dry_run}


def make_run_options(outlets=None, since=None, alert_history=False, dry_run=False) -> RunOptions:
    """Build RunOptions from loose input (a DAG's params or CLI flags), with clear errors.

    Args:
        outlets: source keys, as a list or a comma-separated string; empty means every enabled source.
        since: a date ("2024-01-31", a date or datetime) to walk history back to; empty for none.
        alert_history: alert claims found in old articles of a history walk too.
        dry_run: store everything but send no alert (they stay queued for the next run).

    Raises:
        ValueError: since is not a date, or lies in the future.
    """
    if isinstance(outlets, str):
        outlets = outlets.split(",")
    keys = tuple(dict.fromkeys(k.strip() for k in outlets or () if k and k.strip()))
    day = None
    if isinstance(since, datetime):
        day = since.date()
    elif isinstance(since, date):
        day = since
    elif since and str(since).strip():
        try:
            day = date.fromisoformat(str(since).strip()[:10])
        except ValueError:
            raise ValueError(f"since must be a date such as 2024-01-31, not {since!r}") from None
    if day and day > datetime.now(timezone.utc).date():
        raise ValueError(f"since {day} is in the future")
    return RunOptions(keys, day, bool(alert_history), bool(dry_run))


def select_outlets(settings: Settings, options: RunOptions) -> list:
    """Return the sources a run crawls: the named ones (enabled or not), else every enabled one.

    Args:
        settings: the run's settings.
        options: the run's options.

    Raises:
        SourceFileError: a named outlet has no source file (the message lists the known keys).
    """
    from pipeline.sources import SourceFileError, find_source, load_sources, read_source_files, sources_dir

    if not options.outlets:
        return load_sources(settings)
    known = {f.key for f, _ in read_source_files(sources_dir(settings))}
    unknown = [key for key in options.outlets if key not in known]
    if unknown:
        raise SourceFileError(f"unknown outlet(s) {unknown}; known: {sorted(known)}")
    return [find_source(settings, key) for key in options.outlets]


def order_slowest_first(session, keys: list[str]) -> list[str]:
    """Order outlet keys by their last crawl's duration, longest first, so a bounded pool ends sooner.

    Args:
        session: the caller's session.
        keys: the outlets to crawl.
    """
    seconds = store.last_crawl_seconds(session)
    return sorted(keys, key=lambda key: -seconds.get(key, float("inf")))


def due_walks(source, checkpoints: dict, now: datetime, since: date | None = None) -> list[str]:
    """Return which entry points besides the feeds a crawl reads: sitemaps and/or listings.

    Each kind is read when the source has it and its `walk_every` minutes have passed since the last
    walk (0: every run); a history walk always reads the sitemaps.

    Args:
        source: the SourceConfig.
        checkpoints: the source's "walk:<kind>" checkpoints by name.
        now: the crawl's start.
        since: the history walk's start date, if any.
    """
    present = {"sitemaps": bool(source.sitemaps or source.history_sitemaps), "listings": bool(source.listings)}
    due = []
    for kind in WALK_KINDS:
        if not present[kind]:
            continue
        last = checkpoints.get(f"walk:{kind}")
        interval = timedelta(minutes=source.walk_every.get(kind, 60))
        if (kind == "sitemaps" and since) or last is None or now - last.walked_at >= interval - WALK_SLACK:
            due.append(kind)
    return due


def crawl_outlet(settings: Settings, run_key: str, key: str) -> dict:
    """Crawl one outlet for a run (a `scrapy crawl` subprocess) and record how it went.

    Args:
        settings: the run's settings.
        run_key: the run's unique name (the run's options say whether this is a history walk).
        key: the source key.

    Returns:
        The crawl's counts (fetched, new, changed, known_skipped, requests...) and its skipped lines.

    Raises:
        OutletFailed: the outlet could not be reached, or the crawl itself failed.
    """
    from pipeline.crawl import CrawlError, run_crawl
    from pipeline.sources import crawl_arguments, find_source
    from pipeline.steps import open_sessions

    source = find_source(settings, key)
    started = utcnow()
    with open_sessions(settings) as Session:
        with Session() as session, session.begin():
            run = store.upsert_run(session, run_key)
            source_id = store.upsert_source(session, source.key, source.name, source.base_url).id
            store.start_source_crawl(session, run.id, source_id)
            since = (run.options or {}).get("since")
            walk = due_walks(source, store.read_checkpoints(session, source_id, "walk:"), started,
                             date.fromisoformat(since) if since else None)
            known = store.fetched_identities(session, source.key) if not (walk or since) else {}
        failure, summary = None, None
        if not (walk or since) and settings.extra.get("TW_FEED_CHECK", "1") != "0":
            summary = check_feeds(settings, source, known)
        if summary is None:
            log.info("crawling %s from %s (feeds%s%s)", source.name, source.base_url,
                     "".join(f", {kind}" for kind in walk), f", history since {since}" if since else "")
            try:
                arguments = crawl_arguments(settings, source)
                summary = run_crawl(settings, run_key, source=source.key, **arguments,
                                    spider_args={"walk": ",".join(walk) or "none", "since": since or ""})
            except CrawlError as error:
                failure = OutletFailed(key, f"crawl failed: {error}".strip()[:2000], retry=True)
                summary = {}
        if failure is None and summary.get("unreachable"):
            reason = summary["unreachable"]
            failure = OutletFailed(key, f"could not be reached ({reason})", retry=reason.split(":")[0] not in FAIL_FAST_REASONS)
        counts = {name: value for name, value in summary.items() if isinstance(value, int)}
        with Session() as session, session.begin():
            store.finish_source_crawl(session, run.id, source_id, state="failed" if failure else "ok",
                                      reason=failure.reason if failure else None, stats=counts)
            if failure is None:
                for kind in walk:
                    store.save_checkpoint(session, source_id, f"walk:{kind}", walked_at=started)
    if failure:
        log.error("%s", failure)
        raise failure
    log.info("%s: %s page(s) fetched, %s new, %s request(s)", source.name, counts.get("fetched", 0),
             counts.get("new", 0), counts.get("requests", 0))
    return {**counts, "skipped": skipped_lines(key, summary)}


def check_feeds(settings: Settings, source, known: dict) -> dict | None:
    """Read the outlet's feeds without Scrapy: a summary when nothing is new, None when a crawl is needed.

    Args:
        settings: the run's settings.
        source: the SourceConfig.
        known: identity -> last fetch time of its stored pages.
    """
    from pathlib import Path

    from spiders.probe import probe_feeds

    try:
        summary = probe_feeds(source, known, Path(settings.state_dir) / "robots", settings.allow_private_hosts)
    except Exception:  # the crawl decides: a broken check must never hide an article
        log.exception("feed check of %s failed; crawling instead", source.key)
        return None
    if summary is not None:
        log.info("%s: nothing new in its feeds (%d request(s)); no crawl needed", source.name, summary["requests"])
    return summary


def skipped_lines(key: str, summary: dict) -> list[str]:
    """Lines naming what an outlet's crawl could not fetch and why (known articles are not news).

    Args:
        key: the source key.
        summary: the crawl summary.
    """
    lines = [f"{key}: {count} page(s) failed: {reason}" for reason, count in (summary.get("errors") or {}).items()]
    lines += [f"{key}: {count} link(s) not followed: {reason}"
              for reason, count in (summary.get("skipped") or {}).items() if reason != "known"]
    return lines


def crawl_outlets(settings: Settings, run_key: str, keys: list[str], concurrency: int = DEFAULT_CONCURRENCY) -> dict:
    """Crawl several outlets at once (each its own subprocess) and add up what they did.

    Args:
        settings: the run's settings.
        run_key: the run's unique name.
        keys: the outlets, slowest first.
        concurrency: how many crawls run at the same time.

    Returns:
        Totals of the crawl counts, "outlets_ok", "outlets_failed", "skipped" lines and "failed" lines.
    """
    totals: Counter = Counter()
    skipped: list[str] = []
    failed: list[str] = []
    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="crawl") as pool:
        futures = {pool.submit(crawl_outlet, settings, run_key, key): key for key in keys}
        for future in as_completed(futures):
            key = futures[future]
            try:
                result = future.result()
            except OutletFailed as error:
                failed.append(str(error))
                continue
            except Exception as error:  # one outlet's bug must not cost the others their run
                log.exception("crawl of %s failed", key)
                failed.append(f"{key}: crawl failed: {type(error).__name__}: {error}")
                continue
            totals.update({name: value for name, value in result.items() if isinstance(value, int)})
            skipped += result["skipped"]
    return {**totals, "outlets_ok": len(keys) - len(failed), "outlets_failed": len(failed),
            "failed": sorted(failed), "skipped": sorted(skipped)}


def summarize_outlets(settings: Settings, run_key: str) -> dict:
    """Say how a run's outlets fared, from what each crawl recorded: counts and a line per failure.

    An outlet whose crawl never finished (a worker lost mid-crawl) is named as such.

    Args:
        settings: the run's settings.
        run_key: the run's unique name.
    """
    from pipeline.steps import open_sessions

    with open_sessions(settings) as Session, Session() as session:
        crawls = store.list_source_crawls(session, run_key)
    failed = [f"{c['key']}: {c['reason'] or 'failed'}" for c in crawls if c["state"] == "failed"]
    failed += [f"{c['key']}: crawl did not finish (worker lost or killed)" for c in crawls if c["state"] == "running"]
    return {"outlets": len(crawls), "outlets_ok": sum(c["state"] == "ok" for c in crawls),
            "outlets_failed": len(failed), "failed": failed}
