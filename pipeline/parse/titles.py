"""Titles: headline candidates in order of trust, live-blog banners and site-name suffixes dropped."""

from __future__ import annotations

import re
from typing import Iterable
from urllib.parse import urlsplit

import lxml.html

from pipeline.parse.json_ld import json_ld_text
from pipeline.parse.meta_tags import meta_all, meta_first
from pipeline.parse.text import clean_text, first_value


def title_candidates(tree: lxml.html.HtmlElement, meta: dict, article: dict, ld: dict,
                     site_names: set[str], preferred: Iterable[str] = ()) -> list[str]:
    """Return the page's headline candidates, most trusted first, empty ones left out.

    Order: the publisher's own headline field when known (pipeline/sites/headlines.json), an
    <h1> marked itemprop=headline (schema.org microdata bound to the headline readers see),
    the JSON-LD headline, og:title, twitter:title, meta title, JSON-LD name, the single <h1>,
    <title>; site-name suffixes stripped. Pages often carry two headlines, JSON-LD (search)
    and og:title (social); JSON-LD wins by default: on news-pages, where the two differ, the
    expected value sides with it for 13 publishers of 21, and agreement between sources
    (<title>, <h1>, og:title) does not tell the two cases apart (see bench_extract.py). Which
    one a publisher treats as the headline is a fact about that publisher, hence the table.

    Args:
        tree: the parsed page.
        meta: meta_values(tree).
        article: the JSON-LD article object ({} when none).
        ld: the JSON-LD article object, else the page object.
        site_names: lower-cased site names (see site_names_of).
        preferred: the publisher's headline fields, tried first, in order (keys of the order
            above: "headline", "og:title", "twitter:title", "title", "h1", "<title>").
    """
    fields = {
        "microdata": _microdata_headline(tree),
        "headline": json_ld_text(article.get("headline")),
        "og:title": strip_site_name(meta_first(meta, "og:title"), site_names),
        "twitter:title": strip_site_name(meta_first(meta, "twitter:title"), site_names),
        "title": strip_site_name(meta_first(meta, "dc.title", "title"), site_names),
        "name": json_ld_text(ld.get("name")),
        "h1": _single_h1(tree),
        "<title>": strip_site_name(clean_text(tree.findtext(".//title")), site_names),
    }
    order = [key for key in preferred if key in fields] + list(fields)
    return [fields[key] for key in order if fields[key]]


# A live-blog banner ("UK riots LIVE: ...", "Ukraine war live: ...", "... - live updates") marks
# the page's state, not the story; sites usually drop it from the headline they share.
_LIVE_BANNER = re.compile(
    r"\bLIVE\b|\b[Ll]ive(?: updates| blog)?\s*[:|]|[-–—|]\s*[Ll]ive(?: updates)?\s*$")


def choose_title(candidates: list[str]) -> str | None:
    """Return the first headline candidate without a live-blog banner, else the first one.

    Args:
        candidates: headlines, most trusted first (see title_candidates).
    """
    plain = [c for c in candidates if not _LIVE_BANNER.search(c)]
    return first_value(*plain, *candidates)


def _microdata_headline(tree: lxml.html.HtmlElement) -> str | None:
    """Return the text of the first <h1> marked itemprop=headline (teaser cards use other tags)."""
    for heading in tree.xpath('//h1[@itemprop="headline"]')[:1]:
        return clean_text(heading.text_content()) or None
    return None


def _single_h1(tree: lxml.html.HtmlElement) -> str | None:
    headings = [clean_text(h.text_content()) for h in tree.iter("h1")]
    headings = [h for h in headings if h]
    return headings[0] if len(headings) == 1 else None


def site_names_of(meta: dict, url: str) -> set[str]:
    """Return lower-cased names the site calls itself (og:site_name, host labels)."""
    names = {n.casefold() for n in meta_all(meta, "og:site_name", "application-name", "publisher")}
    host = (urlsplit(url or "").hostname or "").removeprefix("www.")
    if host:
        names.add(host)
        names.add(host.split(".")[0])
    return {n for n in names if n}


_TITLE_SEPARATOR = re.compile(r"\s+[|*–—:-]\s+|\s+[|*]\s*")


def strip_site_name(title: str | None, site_names: set[str]) -> str | None:
    """Drop trailing " | Site" / " - Site" parts that name the site (not the story).

    Args:
        title: a title as the page gives it.
        site_names: lower-cased site names (see site_names_of).
    """
    if not title:
        return title
    parts = _TITLE_SEPARATOR.split(title)
    separators = _TITLE_SEPARATOR.findall(title)
    while len(parts) > 1 and _names_site(parts[-1], site_names):
        parts.pop()
        separators.pop()
    kept = parts[0] + "".join(sep + part for sep, part in zip(separators, parts[1:]))
    return kept.strip() or title


def _names_site(part: str, site_names: set[str]) -> bool:
    compact = re.sub(r"[^a-z0-9]", "", part.casefold())
    if not compact or re.match(r"by\s", part.strip(), re.I):
        return True
    return any(compact == re.sub(r"[^a-z0-9]", "", name) or
               (len(compact) >= 4 and compact in re.sub(r"[^a-z0-9]", "", name)) or
               re.sub(r"[^a-z0-9]", "", name.split(".")[0]) in compact
               for name in site_names if len(name) >= 3)
