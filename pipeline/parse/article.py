"""The Article record, the error for unusable input, and what an article lacks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class ParseError(ValueError):
    """Raised when parse functions get input they cannot work on at all."""


@dataclass
class Article:
    """One extracted article."""

    url: str
    canonical_url: str | None = None
    title: str | None = None
    subtitle: str | None = None
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    modified: datetime | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    language: str | None = None
    extractor: str = "generic"
    problems: list[str] = field(default_factory=list)

    def body_text(self) -> str:
        """Return the body as plain text, one paragraph a line."""
        return "\n".join(self.body)


def assess_article(article: Article) -> list[str]:
    """List what an article lacks (for per-source degraded status).

    Args:
        article: an extracted article.

    Returns:
        Problems among "no_title", "empty_body", "short_body", "no_date", "no_authors".
    """
    problems = []
    if not article.title:
        problems.append("no_title")
    words = len(article.body_text().split())
    if words == 0:
        problems.append("empty_body")
    elif words < 50:
        problems.append("short_body")
    if article.published is None:
        problems.append("no_date")
    if not article.authors:
        problems.append("no_authors")
    return problems
