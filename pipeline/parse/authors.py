"""Authors: bylines split into names, names deduplicated, byline markup read."""

from __future__ import annotations

import re
from typing import Any, Iterable

import lxml.html

from pipeline.parse.text import clean_text


_BY_PREFIX = re.compile(r"^\s*(?:(?:written|posted|reported|words|story|text)\s+)?by[:\s]+", re.I)
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|\||\band\b|&|\bund\b)\s*", re.I)


def split_authors(text: Any) -> list[str]:
    """Split a byline into names: drop 'By', split on commas and 'and', drop URLs.

    Args:
        text: a byline such as "By Jane Doe and John Roe".
    """
    text = clean_text(text)
    if not text or re.match(r"https?://|www\.", text, re.I):
        return []
    text = _BY_PREFIX.sub("", text)
    names = []
    for part in _AUTHOR_SPLIT.split(text):
        part = part.strip(" .-–—:")
        if _looks_like_name(part):
            names.append(part)
    return names


_NOT_NAME = re.compile(r"https?:|www\.|@|[()<>{}\[\]=/\\]|\b(image|images|photo|getty|istock|shutterstock)\b", re.I)


def _looks_like_name(text: str) -> bool:
    """Tell whether a byline part can be a person or newsroom (not a credit or a URL)."""
    return (0 < len(text) <= 60 and len(text.split()) <= 6 and any(c.isalpha() for c in text)
            and not _NOT_NAME.search(text))


def unique_names(names: Iterable[str]) -> list[str]:
    """Drop case-insensitive duplicates, keeping first spellings in order."""
    seen: dict[str, str] = {}
    for name in names:
        key = name.casefold()
        if key not in seen:
            seen[key] = name
    return list(seen.values())


def authors_from_markup(tree: lxml.html.HtmlElement) -> list[str]:
    """Return names from byline markup (rel=author, itemprop=author, byline classes)."""
    paths = (
        '//*[@itemprop="author"]//*[@itemprop="name"]',
        '//a[@rel="author"]',
        '//*[@rel="author"]',
        '//*[@itemprop="author"]',
        '//*[contains(@class, "byline")]//a[contains(@href, "author")]',
    )
    for path in paths:
        elements = tree.xpath(path)
        if not elements:
            continue
        # Only the first byline: later matches are usually teasers of other stories.
        byline = _byline_container(elements[0])
        names = []
        for element in elements[:10]:
            if byline is None or element is byline or byline in element.iterancestors():
                names.extend(split_authors(element.get("content") or element.text_content()))
        if names:
            return unique_names(names)
    return []


def _byline_container(element: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """Return the nearest ancestor (up to 3 levels) holding more than the name itself."""
    own = clean_text(element.text_content())
    for level, parent in enumerate(element.iterancestors()):
        if level >= 3:
            return parent
        if len(clean_text(parent.text_content())) > len(own) + 3:
            return parent
    return None
