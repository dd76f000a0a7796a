"""Dates of articles and claims: stored datetimes read as UTC, a claim dated by its article."""

from __future__ import annotations

from datetime import datetime, timezone

from pipeline.models import Article


def aware(value: datetime | None) -> datetime | None:
    """Read naive datetimes as UTC (SQLite and freshly built rows may lack an offset).

    Args:
        value: a datetime with or without an offset, or None.
    """
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def claim_time(article: Article) -> datetime:
    """A claim is dated by its article's publication, else by when the article was first seen.

    Args:
        article: the article the claim was found in.
    """
    when = aware(article.published) or aware(article.first_seen_at) or datetime.now(timezone.utc)
    return when.astimezone(timezone.utc)
