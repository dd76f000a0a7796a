"""Secret redaction: webhook URLs, SMTP passwords and URL credentials never reach errors or logs."""

from __future__ import annotations

import contextlib
import logging
import re
from typing import Iterator, Sequence
from urllib.parse import urlsplit

REDACTED = "<redacted>"
# Shapes of secrets we may not know about (a webhook configured elsewhere, a URL with a password).
SECRET_PATTERNS = [
    re.compile(r"hooks\.slack\.com/services/[^\s'\"),]+"),
    re.compile(r"/services/T[A-Za-z0-9]+/B[A-Za-z0-9]+/[A-Za-z0-9]+"),
    re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"),
]
# Loggers that may print a request line (and so a webhook path) while we deliver.
NOISY_LOGGERS = ("urllib3.connectionpool", "urllib3.connection", "urllib3.util.retry", "requests", "pipeline.alerts")


def redact(text: str, secrets: Sequence[str]) -> str:
    """Return text with every secret, and anything shaped like a webhook or URL password, replaced.

    Args:
        text: an error message or log line.
        secrets: exact values to remove (longest first, so a URL goes before its path).
    """
    if not text:
        return text
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    for pattern in SECRET_PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


def url_secrets(url: str) -> list[str]:
    """Return the parts of a webhook URL that grant access: the URL itself, its path and query.

    Args:
        url: a webhook URL.
    """
    if not url:
        return []
    parts = urlsplit(url)
    values = [url, url.rstrip("/")]
    path_and_query = parts.path + (f"?{parts.query}" if parts.query else "")
    if len(parts.path.strip("/")) >= 8:
        values += [path_and_query, parts.path, parts.path.lstrip("/")]
    if parts.query:
        values.append(parts.query)
    if parts.password:
        values.append(parts.password)
    return values


@contextlib.contextmanager
def redacted_logging(secrets: Sequence[str]) -> Iterator[None]:
    """Scrub secrets from records of the HTTP and alert loggers while the block runs.

    urllib3 logs request lines at DEBUG, and a Slack webhook's path is its credential.

    Args:
        secrets: exact values to scrub (patterns of webhook URLs are scrubbed too).
    """
    log_filter = _RedactingFilter(list(secrets))
    loggers = [logging.getLogger(name) for name in NOISY_LOGGERS]
    for logger in loggers:
        logger.addFilter(log_filter)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(log_filter)


class _RedactingFilter(logging.Filter):
    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self.secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
