"""The Moscow Times spider: discovery (robots.txt sitemaps, RSS, news sitemaps, listings) -> raw article pages.

No parsing happens here: article pages are stored raw and parsed by the pipeline's parse step.
Run: scrapy crawl moscow_times -a base_url=http://127.0.0.1:8765 -a run_key=manual -a summary_path=summary.json
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import socket
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urljoin

import scrapy
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectError, TimeoutError as TwistedTimeoutError

from pipeline.dedupe import url_identity
from spiders import discovery
from spiders.items import RawPageItem
from spiders.middlewares import fail_fast_reason
from spiders.pipelines import database_url_from, read_history_checkpoints, read_known_identities, save_history_checkpoint

log = logging.getLogger(__name__)

# How many failing URLs the summary lists by name (counts are always complete).
ERROR_SAMPLES = 50


def is_private_host(host: str) -> bool:
    """Tell whether a host is loopback, private or link-local (literal IP, localhost, or what it resolves to).

    Args:
        host: a host name or IP literal.
    """
    if host in {"localhost", ""} or host.endswith(".localhost"):
        return True
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, None)
        except OSError:
            return False  # unresolvable: the crawl fails on its own, with a clear DNS error
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    return any(a.is_private or a.is_loopback or a.is_link_local or a.is_unspecified for a in addresses)


def is_news(known_at: datetime | None, date: datetime | None) -> bool:
    """Tell whether a listed article is worth fetching: never stored, or dated after our last fetch.

    Args:
        known_at: when the article was last fetched (None: never).
        date: the date the feed or sitemap gives it (None: none).
    """
    return known_at is None or (date is not None and date > known_at)


def classify_failure(failure) -> str:
    """Name why a request failed, for the summary ("http_500", "timeout", "dns", "refused", "tls", "robots", ...)."""
    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    reason = fail_fast_reason(failure.value)
    if reason:
        return reason
    if failure.check(IgnoreRequest):
        return "robots" if "robots" in str(failure.value).lower() else "ignored"
    if failure.check(DownloadTimeoutError, TwistedTimeoutError):
        return "timeout"
    if failure.check(DownloadCancelledError):
        return "too_large" if "size" in str(failure.value).lower() else "cancelled"
    if failure.check(ResponseDataLossError):
        return "data_loss"
    if failure.check(DownloadConnectionRefusedError, ConnectError):
        return "connection"
    if failure.check(CannotResolveHostError):
        return "dns"
    return type(failure.value).__name__


class MoscowTimesSpider(scrapy.Spider):
    """Find article URLs of The Moscow Times and fetch each new (or updated) article once."""

    name = "moscow_times"
    source_key = "moscow_times"

    def __init__(self, base_url: str | None = None, run_key: str | None = None,
                 summary_path: str | None = None, *args, walk: str | None = None, since: str | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        # Feeds are read every crawl; sitemaps and listings when the caller says they are due.
        self.walk = set(walk.split(",")) if walk else {"sitemaps", "listings"}
        # A history walk: sitemaps back to this date, resumable through checkpoints.
        self.since = discovery.parse_date(since) if since else None
        if since and self.since is None:
            raise ValueError(f"since={since!r} is not a date (YYYY-MM-DD)")
        if self.since:
            self.walk.add("sitemaps")
        self.history_done: dict[str, str] = {}
        self.history_pending: dict[str, set[str]] = {}  # sitemap URL -> article identities not yet handled
        self.history_via: dict[str, list[str]] = {}  # article identity -> history sitemaps that listed it
        self.history_markers: dict[str, str] = {}  # history sitemap URL -> its lastmod in the index
        self.answered = 0  # entry points (robots, feeds, sitemaps, listings) that gave any HTTP answer
        self.entry_failures: Counter = Counter()
        self.failed_hosts: dict[str, str] = {}
        self.rules = discovery.DISCOVERY[self.source_key]
        self.source_name = self.rules["name"]
        self.base_url_arg = base_url
        self.run_key = run_key
        self.summary_path_arg = summary_path
        self.known: dict[str, datetime] = {}
        self.scheduled: set[str] = set()  # identities requested this run
        self.discovered: set[str] = set()
        self.known_seen: set[str] = set()
        self.over_limit: set[str] = set()
        self.refetching: set[str] = set()
        self.fetched = 0
        self.skipped: Counter = Counter()
        self.errors: Counter = Counter()
        self.error_pages: list[dict] = []
        self.entries_by_origin: Counter = Counter()
        self.started = time.monotonic()
        self.started_at = datetime.now(timezone.utc)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.configure(crawler.settings)
        return spider

    def configure(self, settings) -> None:
        """Read the base URL and limits from arguments and settings; refuse private hosts unless allowed."""
        self.base_url = (self.base_url_arg or settings.get("TW_MOSCOW_TIMES_BASE_URL")
                         or self.rules["base_url"]).rstrip("/")
        host = discovery.read_host(self.base_url)
        if is_private_host(host) and not settings.getbool("TW_ALLOW_PRIVATE_HOSTS"):
            raise ValueError(f"refusing to crawl private host {host!r}; set TW_ALLOW_PRIVATE_HOSTS for a mirror")
        self.allowed_domains = discovery.list_allowed_domains(self.base_url, self.rules["extra_hosts"])
        self.max_pages = settings.getint("TW_CRAWL_MAX_PAGES", 0)
        self.sitemap_months = settings.getint("TW_SITEMAP_MONTHS", 2)
        self.listing_pages = settings.getint("TW_LISTING_PAGES", 1)
        self.sitemap_override = settings.getlist("TW_SITEMAP_URLS")
        self.summary_path = self.summary_path_arg or settings.get("TW_SUMMARY_PATH")
        self.database_url = database_url_from(settings) if self.uses_store(settings) else None

    @staticmethod
    def uses_store(settings) -> bool:
        """Tell whether the store pipeline is on (a dry run without a database is allowed)."""
        pipelines = settings.getdict("ITEM_PIPELINES")
        return any("RawPageStorePipeline" in name for name, order in pipelines.items() if order is not None)

    # --- discovery -----------------------------------------------------------------------------

    async def start(self):
        """Load what is already stored, then ask for robots.txt, the feeds and the listings."""
        if self.database_url:
            self.known = read_known_identities(self.database_url, self.source_key)
            if self.since:
                self.history_done = read_history_checkpoints(self.database_url, self.source_key)
        log.info("%s: crawling %s; %d pages already stored; walking feeds%s%s", self.name, self.base_url,
                 len(self.known), "".join(f", {kind}" for kind in sorted(self.walk)),
                 f"; history back to {self.since:%Y-%m-%d}" if self.since else "")
        if "sitemaps" in self.walk:
            for request in self.sitemap_start_requests():
                yield request
        for path in self.rules["feeds"]:
            yield self.discovery_request(urljoin(self.base_url + "/", path.lstrip("/")), self.parse_feed, "rss")
        if "listings" in self.walk:
            for path in self.rules["listings"]:
                for url in discovery.build_listing_urls(self.base_url, path, self.listing_pages,
                                                        self.rules["listing_page_size"]):
                    yield self.discovery_request(url, self.parse_listing, "listing")

    def sitemap_start_requests(self):
        """Ask robots.txt which sitemaps the site has (parse_robots follows them)."""
        yield scrapy.Request(f"{self.base_url}/robots.txt", callback=self.parse_robots,
                             errback=self.on_robots_error, priority=20, dont_filter=True)

    def discovery_request(self, url: str, callback, origin: str, **cb_kwargs) -> scrapy.Request:
        """Build a request for a feed, sitemap or listing (ahead of article requests)."""
        return scrapy.Request(url, callback=callback, errback=self.on_discovery_error, priority=10,
                              cb_kwargs={"origin": origin, **cb_kwargs})

    def parse_robots(self, response):
        """Read the sitemaps robots.txt names (or the configured ones) and ask for them."""
        self.answered += 1
        named = discovery.read_robots_sitemaps(response.text) if response.status == 200 else []
        yield from self.sitemap_requests(named)

    def on_robots_error(self, failure):
        """Without robots.txt, fall back to the site's usual sitemap path."""
        reason = classify_failure(failure)
        self.note_entry_failure(failure, reason)
        log.info("robots.txt unavailable (%s); using default sitemap paths", reason)
        yield from self.sitemap_requests([])

    def note_entry_failure(self, failure, reason: str) -> None:
        """Count an entry point's failure: an HTTP answer still shows the site is there."""
        if failure.check(HttpError):
            self.answered += 1
            return
        self.entry_failures[reason] += 1
        self.failed_hosts.setdefault(discovery.read_host(failure.request.url), reason)

    def sitemap_requests(self, named: list[str]):
        """Yield requests for the sitemap indexes and their Google News siblings."""
        indexes = list(self.sitemap_override) or named or [
            urljoin(self.base_url + "/", path.lstrip("/")) for path in self.rules["sitemap_indexes"]]
        for index in indexes:
            if not discovery.is_allowed(index, self.allowed_domains):
                self.skipped["offsite"] += 1
                continue
            yield self.discovery_request(index, self.parse_sitemap, "sitemap", depth=0)
            for name in self.rules["news_indexes"]:
                yield self.discovery_request(urljoin(index, name), self.parse_sitemap, "news_sitemap", depth=0)

    def parse_sitemap(self, response, origin: str, depth: int, marker: str | None = None):
        """Follow an index (newest monthly children only) or read a urlset's article entries."""
        self.answered += 1
        try:
            kind, entries = discovery.read_sitemap(response.body)
        except ValueError:
            self.record_error(response.url, "discovery_too_large")  # a gzip bomb or an oversized sitemap
            return
        if kind == "index":
            yield from self.follow_index(entries, origin, depth)
            return
        self.entries_by_origin[origin] += len(entries)
        via = response.request.url if self.since and marker is not None else None
        if via:
            self.history_pending[via] = set()
            self.history_markers[via] = marker
        for entry in entries:
            yield from self.consider_article(entry.url, entry.date, via=via)
        if via:
            self.finish_history_entry(via, None)  # done now if every entry was known or skipped

    def follow_index(self, entries: list[discovery.Entry], origin: str, depth: int):
        """Request the children of a sitemap index; monthly ones are the newest months (back to `since` in a history walk).

        A history walk skips children it finished before with the same lastmod (a resumed walk).
        """
        if depth >= 2:
            return
        dates = {e.url: e.date for e in entries}
        urls = [e.url for e in entries if discovery.is_allowed(e.url, self.allowed_domains)]
        pattern = self.rules["month_sitemap"]
        monthly = [u for u in urls if discovery.read_month(u, pattern)]
        if self.since:
            first = (self.since.year, self.since.month)
            chosen = [u for u in monthly if discovery.read_month(u, pattern) >= first]
        else:
            chosen = discovery.pick_recent_months(monthly, pattern, self.sitemap_months)
        chosen += [u for u in urls if u not in monthly]
        for url in chosen:
            marker = dates[url].isoformat() if dates.get(url) else ""
            if self.since and self.history_done.get(url) == marker:
                self.skipped["history_done"] += 1
                continue
            yield self.discovery_request(url, self.parse_sitemap, origin, depth=depth + 1,
                                         marker=marker if self.since else None)

    def finish_history_entry(self, sitemap_url: str, identity: str | None) -> None:
        """Note that an article a history sitemap listed was handled; checkpoint the sitemap when all are.

        The checkpoint is written at once, so a walk killed halfway resumes after its finished sitemaps.
        """
        pending = self.history_pending.get(sitemap_url)
        if pending is None:
            return
        pending.discard(identity)
        if not pending:
            del self.history_pending[sitemap_url]
            if self.database_url:
                save_history_checkpoint(self.database_url, self.source_key, sitemap_url,
                                        self.history_markers.pop(sitemap_url, ""))

    def feed_entries(self, body: bytes) -> list[discovery.Entry]:
        """Return a feed's item links and publication dates (the site serves RSS 2.0)."""
        return discovery.read_rss(body)

    def parse_feed(self, response, origin: str):
        """Read a feed's item links and publication dates."""
        self.answered += 1
        entries = self.feed_entries(response.body)
        self.entries_by_origin[origin] += len(entries)
        for entry in entries:
            yield from self.consider_article(entry.url, entry.date)

    def parse_listing(self, response, origin: str):
        """Read article links from a listing page (other links are navigation and are ignored)."""
        self.answered += 1
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href)
            if self.article_url(url):
                self.entries_by_origin[origin] += 1
                yield from self.consider_article(url, None)

    def on_discovery_error(self, failure):
        """Count a feed, sitemap or listing that could not be read; the rest of the run goes on."""
        reason = classify_failure(failure)
        self.note_entry_failure(failure, reason)
        self.record_error(failure.request.url, f"discovery_{reason}")

    # --- articles ------------------------------------------------------------------------------

    def article_url(self, url: str) -> str | None:
        """Return the URL to fetch for an article link, or None when the link is not an article.

        Args:
            url: an absolute URL.
        """
        return discovery.canonical_article_url(url, self.rules["article_url"])

    def article_identity(self, url: str) -> str:
        """Return the stable identity of an article URL (the site's a<digits> id)."""
        return url_identity(url, self.source_key)

    def skip_reason(self, date: datetime | None) -> str | None:
        """Name why a listed article is not wanted regardless of its URL (None: it is wanted)."""
        return None

    def consider_article(self, url: str, date: datetime | None, via: str | None = None):
        """Request an article unless it is off-site, not an article, already requested or already stored.

        A stored article is fetched again only when the feed or sitemap dates it after our last fetch.
        `via` names the history sitemap that listed it, which is done when all its articles are.
        """
        reason, canonical, identity = self.judge_entry(url, date)
        if reason:
            self.skipped[reason] += 1
            return
        self.discovered.add(identity)
        if identity in self.scheduled:
            return
        known_at = self.known.get(identity)
        if not is_news(known_at, date):
            self.known_seen.add(identity)
            return
        if self.max_pages and len(self.scheduled) >= self.max_pages:
            self.over_limit.add(identity)
            return
        self.scheduled.add(identity)
        if known_at is not None:
            self.refetching.add(identity)
        if via:
            self.history_pending[via].add(identity)
            self.history_via.setdefault(identity, []).append(via)
        yield scrapy.Request(canonical, callback=self.parse_article, errback=self.on_article_error,
                             cb_kwargs={"identity": identity})

    def judge_entry(self, url: str, date: datetime | None) -> tuple[str | None, str | None, str | None]:
        """Return (why the link is not wanted, or None; its canonical URL; its identity) for a listed link.

        Shared with the feed check (spiders/probe.py), so both judge a link alike.
        """
        if not discovery.is_allowed(url, self.allowed_domains):
            return "offsite", None, None
        canonical = self.article_url(url)
        if canonical is None:
            return "not_article", None, None
        reason = self.skip_reason(date)
        if reason:
            return reason, None, None
        return None, canonical, self.article_identity(canonical)

    def parse_article(self, response, identity: str):
        """Yield the raw page (no parsing), unless the response is not an HTML article."""
        self.article_done(identity)
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1") or None
        if content_type and "html" not in content_type.lower():
            self.skipped["not_html"] += 1
            return
        final = self.article_url(response.url)
        if final is None:
            self.skipped["not_article"] += 1  # redirected away from the article (e.g. to a section page)
            return
        self.fetched += 1
        yield RawPageItem(
            url=final,
            source=self.source_key,
            identity=self.article_identity(final),
            html=response.body,
            status=response.status,
            content_type=content_type,
            fetched_at=datetime.now(timezone.utc),
        )

    def article_done(self, identity: str | None) -> None:
        """Note that an article request ended (fetched or failed), for history checkpoints."""
        for sitemap_url in self.history_via.pop(identity, []) if identity else []:
            self.finish_history_entry(sitemap_url, identity)

    def on_article_error(self, failure):
        """Count why an article was not fetched (robots, HTTP status, timeout, size...)."""
        self.article_done(failure.request.cb_kwargs.get("identity"))
        reason = classify_failure(failure)
        if reason == "robots":
            self.skipped["robots"] += 1
            return
        self.record_error(failure.request.url, reason)

    def record_error(self, url: str, reason: str) -> None:
        """Count an error and keep the first URLs as examples."""
        self.errors[reason] += 1
        if len(self.error_pages) < ERROR_SAMPLES:
            self.error_pages.append({"url": url, "reason": reason})
        log.warning("skipped %s: %s", url, reason)

    # --- summary -------------------------------------------------------------------------------

    def build_summary(self, finish_reason: str) -> dict:
        """Return the crawl summary the pipeline's crawl step reads."""
        stats = self.crawler.stats
        stored = {state: stats.get_value(f"tw/stored/{state}", 0) for state in ("new", "changed", "unchanged")}
        skipped = dict(self.skipped)
        skipped["known"] = len(self.known_seen - self.scheduled)
        skipped["max_pages"] = len(self.over_limit - self.scheduled)
        return {
            "source": self.source_key,
            "run_key": self.run_key,
            "base_url": self.base_url,
            "started_at": self.started_at.isoformat(),
            "finished_at": datetime.now(timezone.utc).isoformat(),
            "duration_seconds": round(time.monotonic() - self.started, 3),
            "finish_reason": finish_reason,
            "discovered": len(self.discovered),
            "requested": len(self.scheduled),
            "fetched": self.fetched,
            "new": stored["new"],
            "changed": stored["changed"],
            "unchanged": stored["unchanged"],
            "refetched": len(self.refetching),
            "known_skipped": skipped["known"],
            "skipped": {reason: count for reason, count in sorted(skipped.items()) if count},
            "errors": dict(sorted(self.errors.items())),
            "error_pages": self.error_pages,
            "entries": dict(self.entries_by_origin),
            "requests": stats.get_value("downloader/request_count", 0),
            "retries": stats.get_value("retry/count", 0),
            "walked": sorted({"feeds", *self.walk}),
            "since": self.since.date().isoformat() if self.since else None,
            "entry_points": {"answered": self.answered, "failed": dict(self.entry_failures)},
            "unreachable": self.unreachable(),
        }

    def unreachable(self) -> str | None:
        """Say why the outlet could not be reached at all ("dns: www.bbc.com, ..."), or None when it answered."""
        if self.answered or self.fetched or not self.entry_failures:
            return None
        reason = self.entry_failures.most_common(1)[0][0]
        hosts = sorted(host for host, why in self.failed_hosts.items() if why == reason)
        return f"{reason}: {', '.join(hosts)}" if hosts else reason

    def closed(self, reason: str) -> None:
        """Write the summary JSON (atomically) where the caller asked."""
        summary = self.build_summary(reason)
        log.info("crawl summary: %s", json.dumps({k: v for k, v in summary.items() if k != "error_pages"}))
        if not self.summary_path:
            return
        path = Path(self.summary_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(path.suffix + ".part")
        partial.write_text(json.dumps(summary, indent=2), encoding="utf-8")
        os.replace(partial, path)
