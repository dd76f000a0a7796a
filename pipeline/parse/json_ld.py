"""JSON-LD: the page's schema.org records, flattened, and their text, list and name values."""

from __future__ import annotations

import html as html_lib
import json
import re
from typing import Any

import lxml.html

from pipeline.parse.authors import split_authors
from pipeline.parse.text import clean_text


ARTICLE_TYPES = {
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle", "blogposting",
    "liveblogposting", "report", "scholarlyarticle", "techarticle", "socialmediaposting",
    "askpublicnewsarticle", "satiricalarticle", "medicalscholarlyarticle",
}
PAGE_TYPES = {"webpage", "itempage", "collectionpage", "medicalwebpage"}


def read_json_ld(tree: lxml.html.HtmlElement) -> list[dict]:
    """Return every JSON-LD object on the page, @graph and lists flattened."""
    objects: list[dict] = []
    for script in tree.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        data = _load_json(script.text or "")
        objects.extend(_flatten_json_ld(data))
    return objects


def _load_json(text: str) -> Any:
    text = text.strip()
    text = re.sub(r"^(<!--|//\s*<!\[CDATA\[)|(-->|//\s*\]\]>)$", "", text).strip()
    for candidate in (text, re.sub(r",\s*([}\]])", r"\1", text)):
        try:
            return json.loads(candidate, strict=False)
        except (json.JSONDecodeError, RecursionError):
            continue
    return None


def _flatten_json_ld(data: Any) -> list[dict]:
    found: list[dict] = []
    stack = [data]
    while stack:
        item = stack.pop(0)
        if isinstance(item, list):
            stack[:0] = item
        elif isinstance(item, dict):
            found.append(item)
            if isinstance(item.get("@graph"), list):
                stack.extend(item["@graph"])
            main = item.get("mainEntity")
            if isinstance(main, dict):
                stack.append(main)
    return found


def _types(obj: dict) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


def pick_json_ld(objects: list[dict]) -> tuple[dict, dict]:
    """Return (the article object, the page object); either may be empty."""
    article = next((o for o in objects if _types(o) & ARTICLE_TYPES), {})
    page = next((o for o in objects if _types(o) & PAGE_TYPES), {})
    return article, page


def json_ld_names(value: Any, objects: list[dict]) -> list[str]:
    """Return person/organisation names from a JSON-LD author-like value.

    Args:
        value: a string, object, or list of them; {"@id": ...} references are resolved.
        objects: all JSON-LD objects on the page (to resolve references).
    """
    names: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict) and "name" not in item and item.get("@id"):
            item = next((o for o in objects if o.get("@id") == item["@id"] and "name" in o), item)
        if isinstance(item, dict):
            name = item.get("name")
            if isinstance(name, list):
                name = name[0] if name else None
            if isinstance(name, dict):
                name = name.get("@value") or name.get("name")
            names.extend(split_authors(name) if isinstance(name, str) else [])
        elif isinstance(item, str):
            names.extend(split_authors(item))
    return names


def json_ld_text(value: Any) -> str | None:
    """Return a plain string from a JSON-LD value (string, list or object)."""
    if isinstance(value, list):
        value = next((v for v in value if v), None)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or value.get("@id")
    text = clean_text(html_lib.unescape(value)) if isinstance(value, str) else ""
    return text or None


def json_ld_list(value: Any) -> list[str]:
    """Return a list of strings from a JSON-LD keywords-like value."""
    if isinstance(value, str):
        return [t for t in (clean_text(p) for p in value.split(",")) if t]
    if isinstance(value, list):
        return [t for t in (json_ld_text(v) for v in value) if t]
    return []
