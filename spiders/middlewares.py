"""Downloader middlewares: retries with exponential backoff (Scrapy's own retries have no delay)."""

from __future__ import annotations

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater


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
        """Retry network failures later."""
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
