"""Downloader middlewares: retries with exponential backoff (Scrapy's own retries have no delay), and
fail-fast on hosts that cannot be reached at all.

A DNS failure, a refused connection or a TLS handshake error will not go away in the seconds a retry
waits: retrying them only turned a dead outlet into a minute of waiting per entry point. They are
not retried, and the host is marked unreachable for the rest of the crawl, so its other entry points
fail at once. Timeouts, dropped connections and 5xx/429 answers keep their polite retries.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError, IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.error import ConnectionRefusedError as TxConnectionRefusedError
from twisted.internet.error import DNSLookupError, NoRouteError
from twisted.internet.task import deferLater

log = logging.getLogger(__name__)


class HostUnreachable(IgnoreRequest):
    """A request to a host this crawl already found unreachable (DNS, refused, TLS, no route)."""

    def __init__(self, host: str, reason: str):
        super().__init__(f"host unreachable ({reason}): {host}")
        self.host = host
        self.reason = reason


def fail_fast_reason(error: BaseException) -> str | None:
    """Name an error that retrying will not cure: "dns", "refused", "tls", "no_route"; else None.

    Args:
        error: the exception a download raised.
    """
    if isinstance(error, HostUnreachable):
        return error.reason
    if isinstance(error, (CannotResolveHostError, DNSLookupError)):
        return "dns"
    if isinstance(error, (DownloadConnectionRefusedError, TxConnectionRefusedError)):
        return "refused"
    if isinstance(error, NoRouteError):
        return "no_route"
    if _is_tls_error(error):
        return "tls"
    return None


def _is_tls_error(error: BaseException) -> bool:
    """Tell whether an error (or the failures it wraps) is an OpenSSL handshake error."""
    from OpenSSL import SSL

    seen: set[int] = set()
    pending = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, SSL.Error):
            return True
        # twisted's ResponseNeverReceived / ResponseFailed carry Failures in .reasons.
        pending += [getattr(reason, "value", None) for reason in getattr(current, "reasons", None) or []]
        pending.append(current.__cause__)
    return False


class HostBreakerMiddleware:
    """Fail requests to a host at once after one of them met a DNS, refused, TLS or no-route error."""

    def __init__(self, crawler=None):
        self.crawler = crawler
        self.dead: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request: Request, spider=None):
        """Drop a request to a host already found unreachable."""
        host = _host(request.url)
        if host in self.dead:
            raise HostUnreachable(host, self.dead[host])
        return None

    def process_exception(self, request: Request, exception: Exception, spider=None):
        """Remember a host that cannot be reached; the error itself goes on to the request's errback."""
        reason = fail_fast_reason(exception)
        host = _host(request.url)
        if reason and not isinstance(exception, HostUnreachable) and host not in self.dead:
            self.dead[host] = reason
            log.warning("%s is unreachable (%s): its other requests in this crawl fail at once", host, reason)
            if self.crawler is not None:
                self.crawler.stats.inc_value(f"tw/unreachable/{reason}")
        return None


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{parts.port or ''}"


def compute_backoff_delay(attempt: int, base: float, cap: float, retry_after: str | None = None) -> float:
    """Return how long to wait before retry number `attempt` (1-based): base * 2^(attempt-1), capped.

    A numeric Retry-After header (429/503) wins when it asks for longer, still within the cap.

    Args:
        attempt: the retry number, starting at 1.
        base: the first delay in seconds.
        cap: the longest delay in seconds.
        retry_after: the server's Retry-After header value, if any.
    """
    delay = base * 2 ** max(attempt - 1, 0)
    if retry_after and retry_after.strip().isdigit():
        delay = max(delay, float(retry_after.strip()))
    return min(delay, cap)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware that marks each retry with a delay (RETRY_BACKOFF_BASE, RETRY_BACKOFF_MAX)."""

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    def process_response(self, request: Request, response: Response, spider=None):
        """Retry retryable statuses later, honouring Retry-After."""
        result = super().process_response(request, response)
        if isinstance(result, Request):
            retry_after = response.headers.get(b"Retry-After", b"").decode("latin-1") or None
            self.mark_delay(result, retry_after)
        return result

    def process_exception(self, request: Request, exception: Exception, spider=None):
        """Retry network failures later, except those retrying cannot cure (DNS, refused, TLS, no route)."""
        if fail_fast_reason(exception):
            return None
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            self.mark_delay(result, None)
        return result

    def mark_delay(self, request: Request, retry_after: str | None) -> None:
        """Store the wait for the delay middleware in the retried request's meta."""
        attempt = request.meta.get("retry_times", 1)
        request.meta["retry_delay"] = compute_backoff_delay(attempt, self.backoff_base, self.backoff_max, retry_after)


class RetryDelayMiddleware:
    """Wait `meta["retry_delay"]` seconds before sending a retried request (without blocking the reactor)."""

    async def process_request(self, request: Request, spider=None) -> None:
        """Sleep asynchronously, then let the request go on."""
        delay = request.meta.pop("retry_delay", 0)
        if delay > 0:
            from twisted.internet import reactor  # the running one; importing earlier would install a default

            await maybe_deferred_to_future(deferLater(reactor, delay, lambda: None))
        return None


def kept_robots_path(folder: Path, url: str) -> Path:
    """Where the robots.txt of a URL's scheme, host and port is kept (CachedRobotsTxtMiddleware).

    Args:
        folder: the TW_ROBOTS_CACHE_DIR folder.
        url: any URL on the host.
    """
    parts = urlsplit(url)
    return folder / f"{hashlib.sha256(f'{parts.scheme}://{parts.netloc}'.encode()).hexdigest()[:32]}.txt"


class CachedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, keeping each host's robots.txt on disk between crawls.

    A run every five minutes would otherwise fetch robots.txt as often as the feed itself. A kept
    answer is trusted for TW_ROBOTS_CACHE_SECONDS (a day, as Google does); 5xx answers are not kept.
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        folder = crawler.settings.get("TW_ROBOTS_CACHE_DIR")
        self.folder = Path(folder) if folder else None
        self.max_age = crawler.settings.getfloat("TW_ROBOTS_CACHE_SECONDS", 86400)

    async def robot_parser(self, request: Request):
        """Use a fresh kept robots.txt for the host when there is one, else fetch it as Scrapy does."""
        netloc = urlparse_cached(request).netloc
        if self.folder is not None and netloc not in self._parsers:
            body = self.read_kept(request)
            if body is not None:
                self._parsers[netloc] = build_from_crawler(self._parserimpl, self.crawler, body)
                self._stats.inc_value("tw/robots_kept")
        return await super().robot_parser(request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if self.folder is not None and response.status < 500:
            path = self.kept_path(request)
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".part")
            partial.write_bytes(response.body)
            os.replace(partial, path)
        await super()._parse_robots(response, netloc, request)

    def kept_path(self, request: Request) -> Path:
        """Where the robots.txt of the request's scheme, host and port is kept."""
        return kept_robots_path(self.folder, request.url)

    def read_kept(self, request: Request) -> bytes | None:
        """Return the kept robots.txt of the request's host if it is fresh enough, else None."""
        path = self.kept_path(request)
        try:
            if time.time() - path.stat().st_mtime > self.max_age:
                return None
            return path.read_bytes()
        except OSError:
            return None
