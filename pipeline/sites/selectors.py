"""A source file's CSS selectors (pipeline.sources) as SiteRules, so parsing reads any outlet like a built-in site."""

from __future__ import annotations

import re

from pipeline.sites.rules import SiteRules
from pipeline.sources import SourceConfig


def site_rules(source: SourceConfig) -> SiteRules | None:
    """Return the source's CSS selectors as pipeline.sites SiteRules, or None when it gives none.

    A selector may end in " @attr" to read an attribute, e.g. "meta[property='article:published_time'] @content".

    Args:
        source: the source.
    """
    if not source.selectors:
        return None

    def read(name: str) -> tuple[tuple[str, str | None], ...]:
        return tuple(split_selector(value) for value in source.selectors.get(name, ()))

    body = ", ".join(css for css, _ in read("body"))
    return SiteRules(
        name=source.key,
        hosts=source.allowed_domains,
        article="html",
        title=read("title"),
        subtitle=read("subtitle"),
        authors=read("authors"),
        published=read("date"),
        modified=read("modified"),
        section=read("section"),
        tags=read("tags"),
        body_root="body",
        # Without a body selector nothing matches, so parsing falls back to generic extraction.
        body_parts=body or ":not(*)",
        drop=("script", "style", "noscript"),
        required=tuple(name for name in ("title", "body") if source.selectors.get(name)),
    )


def split_selector(text: str) -> tuple[str, str | None]:
    """Split "css @attr" into (css, attr); plain CSS reads the element's text.

    Args:
        text: a selector from a source file.
    """
    css, sep, attribute = text.rpartition(" @")
    if sep and re.fullmatch(r"[\w:-]+", attribute.strip()):
        return css.strip(), attribute.strip()
    return text.strip(), None
