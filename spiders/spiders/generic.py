"""The generic spider: crawls any outlet described by a YAML file in sources/ (feeds, sitemaps, listings).

It is The Moscow Times spider driven by a source file instead of built-in rules: the same discovery
helpers (spiders/discovery.py), incremental skipping, store pipeline and summary. What differs is
which links are articles (article_pattern), the article identity (the outlet's id or the canonical
URL), the age limit on sitemap entries, and a check on every request's address (spiders/safety.py).
No parsing happens here.

Run: scrapy crawl generic -a source=bbc [-a base_url=http://127.0.0.1:8765/bbc] -a run_key=manual
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit, urlunsplit

from scrapy import signals
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest

from pipeline.config import load_settings
from pipeline.sources import (
    SourceConfig,
    build_source,
    find_source,
    host_allowed,
    is_article_url,
    read_source_file,
    source_identity,
)
from spiders import discovery
from spiders.feeds import read_feed
from spiders.safety import PRIVATE_REASON, resolve_addresses
from spiders.spiders.moscow_times import MoscowTimesSpider

log = logging.getLogger(__name__)

# Children of a sitemap index read per run (newest first when the index dates them).
MAX_SITEMAP_CHILDREN = 5


def load_source(key: str, base_url: str | None = None, sources_dir: str | None = None) -> SourceConfig:
    """Return the source `key` from the sources folder, pointed at base_url if given.

    Args:
        key: the source key.
        base_url: a base URL from the command line (a mirror), overriding the file's.
        sources_dir: the folder of source files (default TW_SOURCES_DIR, else sources/).
    """
    env = dict(os.environ)
    if sources_dir:
        env["TW_SOURCES_DIR"] = sources_dir
    source = find_source(load_settings(env), key)
    if base_url and base_url.rstrip("/") != source.base_url:
        source = build_source(read_source_file(source.path), source.path, base_url.rstrip("/"))
    return source


class GenericSpider(MoscowTimesSpider):
    """Find an outlet's article URLs from its source file and fetch each new (or updated) article once."""

    name = "generic"

    def __init__(self, source: str | None = None, base_url: str | None = None, *args, **kwargs):
        # The parent sets up the crawl state; its built-in rules are replaced in configure().
        super().__init__(base_url, *args, **kwargs)
        self.source_arg = source

    def use_source(self, config: SourceConfig) -> None:
        """Take discovery rules, identity, politeness and private-host allowance from a source file.

        Args:
            config: the resolved source.
        """
        self.config = config
        self.source_key = config.key
        self.source_name = config.name
        self.base_url_arg = config.base_url
        self.allow_private_hosts = config.allow_private_hosts
        self.rules = {
            "name": config.name,
            "base_url": config.base_url,
            "feeds": list(config.feeds),
            "listings": list(config.listings),
            "listing_page_size": 1,
            # A history walk also reads the archive sitemaps (years of links a regular crawl never needs).
            "sitemap_indexes": list(config.sitemaps) + (list(config.history_sitemaps) if self.since else []),
            "news_indexes": [],
            "extra_hosts": list(config.allowed_domains),
            "month_sitemap": r"(\d{4})-(\d{1,2})\.xml$",
        }
        if not config.mirrored:
            # Politeness overrides are for the live site; a mirror runs at the run's own pace.
            if config.download_delay is not None:
                self.download_delay = config.download_delay
            if config.concurrency is not None:
                self.max_concurrent_requests = config.concurrency
        self.cutoff = (datetime.now(timezone.utc) - timedelta(days=config.max_age_days)
                       if config.max_age_days else None)
        if self.since:
            self.cutoff = self.since

    @classmethod
    def update_settings(cls, settings):
        """Add the private-address check to the project's downloader middlewares."""
        super().update_settings(settings)
        middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
        middlewares["spiders.safety.PrivateHostMiddleware"] = 40
        settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority="spider")

    def configure(self, settings) -> None:
        """Load the source (-a source=, else the TW_SOURCE setting), then configure as the parent does.

        A base URL on a private address is accepted when the source file allows that address.
        """
        key = self.source_arg or settings.get("TW_SOURCE")
        if not key:
            raise ValueError("the generic spider needs a source: scrapy crawl generic -a source=<key>")
        self.use_source(load_source(key, self.base_url_arg, settings.get("TW_SOURCES_DIR")))
        self.crawler.signals.connect(self.on_request_dropped, signal=signals.request_dropped)
        host = discovery.read_host(self.config.base_url)
        addresses = resolve_addresses(host)
        if addresses and all(host_allowed(a, self.allow_private_hosts) for a in addresses):
            settings = settings.copy()
            settings.set("TW_ALLOW_PRIVATE_HOSTS", True, priority="cmdline")
        super().configure(settings)
        self.listing_pages = 1

    # --- discovery -----------------------------------------------------------------------------

    def sitemap_start_requests(self):
        """Go straight to the sitemaps the source file names (no robots.txt round trip for their names)."""
        yield from self.sitemap_requests([])

    def sitemap_requests(self, named: list[str]):
        """Read only the sitemaps the source file names (robots.txt often lists years of archives)."""
        yield from super().sitemap_requests([])

    def follow_index(self, entries: list[discovery.Entry], origin: str, depth: int):
        """Follow the newest children of a sitemap index, skipping those dated before the age limit.

        A history walk follows every child dated since its start date.
        """
        fresh = [e for e in entries if not self.skip_reason(e.date)]
        fresh.sort(key=lambda e: e.date or datetime.max.replace(tzinfo=timezone.utc), reverse=True)
        yield from super().follow_index(fresh if self.since else fresh[:MAX_SITEMAP_CHILDREN], origin, depth)

    def feed_entries(self, body: bytes) -> list[discovery.Entry]:
        """Return a feed's links and dates: outlets serve RSS 2.0 or Atom."""
        return read_feed(body)

    # --- articles ------------------------------------------------------------------------------

    def article_url(self, url: str) -> str | None:
        """Return the article URL without query or fragment, or None when the link is not an article.

        Args:
            url: an absolute URL.
        """
        parts = urlsplit(url.strip())
        if parts.scheme not in {"http", "https"} or not discovery.is_allowed(url, self.allowed_domains):
            return None
        clean = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        return clean if is_article_url(clean, self.config) else None

    def article_identity(self, url: str) -> str:
        """Return the identity the source file's identity rule gives an article URL."""
        return source_identity(url, self.config)

    def skip_reason(self, date: datetime | None) -> str | None:
        """Skip feed and sitemap entries dated before the source's age limit."""
        return "too_old" if self.cutoff and date and date < self.cutoff else None

    def on_request_dropped(self, request, spider=None) -> None:
        """Record an article whose redirect led back to a URL already requested (a redirect loop).

        The scheduler drops such a request as a duplicate without calling any errback.
        """
        chain = request.meta.get("redirect_urls")
        if chain and request.cb_kwargs.get("identity"):
            self.article_done(request.cb_kwargs["identity"])
            self.record_error(chain[0], "redirect_loop")

    def on_article_error(self, failure):
        """Count why an article was not fetched, naming hostile-input reasons the parent lumps together."""
        reason = name_hostile_failure(failure)
        if reason:
            self.article_done(failure.request.cb_kwargs.get("identity"))
            # After redirects, name the article URL the feed gave, not the last hop.
            self.record_error((failure.request.meta.get("redirect_urls") or [failure.request.url])[0], reason)
            return
        super().on_article_error(failure)

    def on_discovery_error(self, failure):
        """Count a feed, sitemap or listing that could not be read; the rest of the run goes on."""
        reason = name_hostile_failure(failure)
        if reason:
            if reason == "private_host":
                self.note_entry_failure(failure, reason)  # we refused to go there: not reached
            else:
                self.answered += 1  # the host answered; what it sent was refused
            self.record_error(failure.request.url, f"discovery_{reason}")
            return
        super().on_discovery_error(failure)


def name_hostile_failure(failure) -> str | None:
    """Name failures from hostile input: "private_host", "too_large" (also gzip bombs), "redirect_limit".

    Returns None for the rest, which the parent's classifier names.

    Args:
        failure: the Twisted failure of a request.
    """
    message = str(failure.value)
    if failure.check(IgnoreRequest):
        if PRIVATE_REASON in message:
            return "private_host"
        if "DOWNLOAD_MAXSIZE" in message or "max size" in message.lower():
            return "too_large"  # HttpCompressionMiddleware stops a decompression bomb this way
        if "redirect" in message.lower():
            return "redirect_limit"
    # Scrapy cancels a body that grows past DOWNLOAD_MAXSIZE (no Content-Length) without naming the size.
    if failure.check(DownloadCancelledError):
        return "too_large"
    return None

