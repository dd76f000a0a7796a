"""<meta> tags: contents by name/property, <head> outranking <body>."""

from __future__ import annotations

import lxml.html

from pipeline.parse.text import clean_text


def meta_values(tree: lxml.html.HtmlElement) -> dict[str, list[str]]:
    """Map each lower-cased meta name/property/itemprop to its non-empty contents.

    A <meta> in <body> describes an embedded item (an image's author, a teaser's date), so it
    counts only for keys the <head> does not give.
    """
    head: dict[str, list[str]] = {}
    body: dict[str, list[str]] = {}
    for meta in tree.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop") or meta.get("http-equiv")
        content = clean_text(meta.get("content"))
        if key and content:
            in_head = any(parent.tag == "head" for parent in meta.iterancestors())
            (head if in_head else body).setdefault(key.strip().lower(), []).append(content)
    return {**body, **head}


def meta_first(meta: dict[str, list[str]], *keys: str) -> str | None:
    """Return the first content for the first key present."""
    for key in keys:
        if meta.get(key):
            return meta[key][0]
    return None


def meta_all(meta: dict[str, list[str]], *keys: str) -> list[str]:
    """Return all contents of the first key present."""
    for key in keys:
        if meta.get(key):
            return meta[key]
    return []
