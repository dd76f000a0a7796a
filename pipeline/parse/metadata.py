"""Turn a news page (HTML) into an Article: title, authors, dates, body paragraphs, tags.

Pure: no network, no database. Two paths:

* Site rules (pipeline/sites/): BeautifulSoup selectors kept as data, chosen by URL host (or by
  og:site_name for a page served from elsewhere, e.g. the local mirror; or passed explicitly).
  When the required selectors (title, body) stop matching, the page still gets an article
  from the generic path, flagged "selectors_missed" (layout drift).
* Generic: trafilatura 2.3 (reader comments excluded; fallbacks to readability/jusText kept)
  on a comment-free lxml tree with embedded tweets lifted out of their widget wrappers, then
  clean_body: drops repeats of the page's own headlines, lines that are another link's text
  (teasers), short furniture lines (newsletter, share, "Read more", copyright, credits) and
  hidden second copies of long paragraphs. Measured in bench/bench_extract.py.

Order of trust for metadata (first source that yields a value wins, per field):

1. Site rules, when the page's site has them (selectors written for that layout).
2. JSON-LD (schema.org Article/NewsArticle/BlogPosting..., then WebPage): the publisher's
   structured record, the most specific and the least likely to be a template leftover.
3. OpenGraph and article:* meta (og:title, article:published_time, article:section, ...).
4. Other meta tags (name=author, parsely-*, sailthru.*, dc.*, pubdate, keywords ...). A <meta>
   inside <body> (an image's author, a teaser's date) counts only for keys <head> lacks.
5. Page structure: <h1> (when there is one), <time datetime>, rel=author / itemprop=author /
   byline links (first byline only), <html lang>, <title> minus the site name.
   Without any declared language, a body that reads as English (function-word share) gets "en".
6. The URL: /YYYY/MM/DD/ dates (midnight UTC) and the URL itself as canonical.

Title exceptions: a publisher listed in pipeline/sites/headlines.json gets its own headline
field first (og:title for some: which of its headlines is "the" headline is the publisher's
choice); an <h1> marked itemprop=headline outranks JSON-LD; and a headline carrying a
live-blog banner ("... LIVE: ...") loses to any source without one (see title_candidates).

Times are returned timezone-aware in UTC; a time written without an offset is taken as UTC.

Input hygiene: bytes are decoded with decode_html (BOM, then strict UTF-8, then the declared
charset, then detection); at most MAX_HTML_CHARS characters and MAX_TAGS tags are parsed
(larger pages are cut, flagged "truncated_input"); unusable input gives an Article with
problems listed, and only a wrong argument type raises ParseError. Problems: truncated_input,
empty_page, selectors_missed, no_title, empty_body, short_body, no_date, no_authors.
"""

from __future__ import annotations

import codecs
import html as html_lib
import json
import re
import sys
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import IO, Any, Iterable
from urllib.parse import urljoin, urlsplit

import lxml.html
import trafilatura
from bs4 import BeautifulSoup
from charset_normalizer import from_bytes
from dateutil import parser as date_parser
from lxml import etree

from pipeline.sites import find_rules, find_rules_by_site_name, headline_fields
from pipeline.sites.rules import SiteRules, apply_rules

# Real article pages rarely exceed 2 MB and 4,000 elements (the benchmark sets: at most 1.7 MB,
# 3,138 elements). trafilatura's time grows faster than linearly with the element count
# (40,000 paragraphs take seconds, 160,000 minutes), so both size and tag count are capped.
MAX_HTML_CHARS = 4_000_000
MAX_TAGS = 40_000

ARTICLE_TYPES = {
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle", "blogposting",
    "liveblogposting", "report", "scholarlyarticle", "techarticle", "socialmediaposting",
    "askpublicnewsarticle", "satiricalarticle", "medicalscholarlyarticle",
}
PAGE_TYPES = {"webpage", "itempage", "collectionpage", "medicalwebpage"}

TRAFILATURA_OPTIONS = {"include_comments": False, "include_tables": True}


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


# --------------------------------------------------------------------------- decoding

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([a-zA-Z0-9_.:-]+)", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_html(data: bytes, content_type: str | None = None) -> str:
    """Decode page bytes to text, trusting evidence in this order.

    BOM; then strict UTF-8 (bytes with non-ASCII that decode as UTF-8 are UTF-8 whatever
    the label says: the reverse accident is vanishingly rare); then the HTTP header charset;
    then <meta charset>; then charset detection; finally UTF-8 with replacement characters.

    Args:
        data: raw bytes as fetched.
        content_type: the HTTP Content-Type header, if known.
    """
    if isinstance(data, str):
        return data
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ParseError(f"decode_html needs bytes, got {type(data).__name__}")
    data = bytes(data)
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for encoding in _declared_charsets(data, content_type):
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    guess = from_bytes(data[:200_000]).best()
    if guess is not None and guess.encoding:
        return data.decode(guess.encoding, errors="replace")
    return data.decode("utf-8", errors="replace")


def _declared_charsets(data: bytes, content_type: str | None) -> list[str]:
    """Return charsets named by the HTTP header and the page's own meta tags."""
    names = []
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        if match:
            names.append(match.group(1))
    match = _META_CHARSET.search(data[:4096])
    if match:
        names.append(match.group(1).decode("ascii", "ignore"))
    # Browsers read latin-1 labels as windows-1252, a superset.
    return ["cp1252" if n.lower() in ("iso-8859-1", "latin-1", "latin1", "ascii", "us-ascii")
            else n for n in names if n.lower() not in ("utf-8", "utf8")]


# --------------------------------------------------------------------------- small helpers

def clean_text(text: Any) -> str:
    """Collapse whitespace runs to one space; non-strings give ''."""
    if not isinstance(text, str):
        return ""
    return " ".join(text.split())


def parse_date(value: Any) -> datetime | None:
    """Parse a date/time string to a timezone-aware UTC datetime, or None.

    Args:
        value: ISO 8601, RFC 2822, compact YYYYMMDD or other common forms.
    """
    text = clean_text(value)
    if not text or len(text) > 64:
        return None
    parsed = _parse_iso(text)
    if parsed is None:
        parsed = _parse_loose(text)
    if parsed is None or not 1990 <= parsed.year <= 2100:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _parse_iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


# Zone abbreviations newsrooms print; dateutil knows only UTC/GMT by itself.
_ZONES = {
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "MSK": 3, "IST": 5.5,
    "AEST": 10, "AEDT": 11, "JST": 9, "KST": 9,
}


def _parse_loose(text: str) -> datetime | None:
    if re.fullmatch(r"\d{13}", text):  # epoch milliseconds
        return datetime.fromtimestamp(int(text) / 1000, tz=timezone.utc)
    if re.fullmatch(r"\d{10}", text):  # epoch seconds
        return datetime.fromtimestamp(int(text), tz=timezone.utc)
    if not re.search(r"\d{4}", text):  # no year: dateutil would invent today's
        return None
    zones = {name: int(hours * 3600) for name, hours in _ZONES.items()}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return date_parser.parse(text, tzinfos=zones)
    except (ValueError, OverflowError, TypeError, date_parser.ParserError):
        return None


_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-]?(0[1-9]|1[0-2])[/-]?(0[1-9]|[12]\d|3[01])(?:/|[^\d])")


def date_from_url(url: str) -> datetime | None:
    """Return the /YYYY/MM/DD/ date in a URL path as midnight UTC, or None.

    Args:
        url: the page URL.
    """
    match = _URL_DATE.search(urlsplit(url or "").path + "/")
    if not match:
        return None
    try:
        return datetime(*map(int, match.groups()), tzinfo=timezone.utc)
    except ValueError:
        return None


def first_value(*values: Any) -> Any:
    """Return the first value that is not empty."""
    for value in values:
        if value:
            return value
    return None


# --------------------------------------------------------------------------- HTML tree

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


def load_tree(text: str) -> lxml.html.HtmlElement | None:
    """Parse HTML text leniently; None when there is nothing to parse."""
    text = _XML_DECLARATION.sub("", text.replace("\x00", ""), count=1)
    if not text.strip():
        return None
    # Comments removed as trafilatura's own loader does: its readability fallback fails on them.
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
    try:
        return lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError):
        return None


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


# --------------------------------------------------------------------------- JSON-LD

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


# --------------------------------------------------------------------------- authors

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


# --------------------------------------------------------------------------- metadata

def read_metadata(tree: lxml.html.HtmlElement, url: str) -> dict:
    """Read title, authors, dates, language, section, tags, canonical URL from a page.

    Args:
        tree: the parsed page (not modified).
        url: the page URL (for its date and as the canonical fallback).

    Returns:
        A dict with keys title, authors, published, modified, language, section, tags, canonical,
        site_name.
    """
    meta = meta_values(tree)
    objects = read_json_ld(tree)
    article, page = pick_json_ld(objects)
    ld = article or page

    title = choose_title(title_candidates(tree, meta, article, ld, _site_names(meta, url),
                                          headline_fields(url)))
    authors = unique_names(first_value(
        json_ld_names(ld.get("author") or ld.get("creator"), objects),
        *([n for v in meta.get(key, []) for n in split_authors(v)] for key in (
            "author", "article:author", "dc.creator", "parsely-author", "sailthru.author", "byl")),
        authors_from_markup(tree),
    ) or [])
    published = first_value(
        parse_date(json_ld_text(article.get("datePublished"))),
        parse_date(json_ld_text(article.get("dateCreated"))),
        *(parse_date(meta_first(meta, key)) for key in (
            "article:published_time", "og:article:published_time", "datepublished",
            "parsely-pub-date", "sailthru.date", "pubdate", "publishdate", "publish-date",
            "dc.date.issued", "dcterms.created", "dc.date", "date", "og:published_time",
            "article.published", "published-date", "cxenseparse:recs:publishtime",
        )),
        parse_date(json_ld_text(page.get("datePublished"))),
        _time_element_date(tree),
        date_from_url(url),
    )
    modified = first_value(
        parse_date(json_ld_text(ld.get("dateModified"))),
        *(parse_date(meta_first(meta, key)) for key in (
            "article:modified_time", "og:updated_time", "datemodified", "last-modified",
            "dcterms.modified", "lastmod",
        )),
    )
    language = _language(tree, meta, ld)
    section = first_value(
        json_ld_text(article.get("articleSection")),
        meta_first(meta, "article:section", "parsely-section", "section", "category"),
    )
    tags = clean_tags(first_value(
        meta_all(meta, "article:tag"),
        json_ld_list(article.get("keywords")),
        meta_all(meta, "news_keywords", "keywords", "parsely-tags"),
    ) or [])
    canonical = first_value(
        _canonical_link(tree, url),
        meta_first(meta, "og:url"),
        json_ld_text(ld.get("url")),
        url or None,
    )
    return {
        "title": title, "authors": authors, "published": published, "modified": modified,
        "language": language, "section": section, "tags": tags, "canonical": canonical,
        "site_name": meta_first(meta, "og:site_name"),
    }


_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def clean_tags(values: list[str]) -> list[str]:
    """Split comma-joined tag values, drop ids and overlong values, dedupe case-insensitively.

    Args:
        values: raw tag values (meta contents or JSON-LD keywords).
    """
    tags = []
    for value in values:
        for tag in (clean_text(part) for part in value.split(",")):
            if tag and len(tag) <= 60 and not _UUID.match(tag):
                tags.append(tag)
    return unique_names(tags)


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
        site_names: lower-cased site names (see _site_names).
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


def _site_names(meta: dict, url: str) -> set[str]:
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
        site_names: lower-cased site names (see _site_names).
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


def _time_element_date(tree: lxml.html.HtmlElement) -> datetime | None:
    for element in tree.xpath("//time[@datetime] | //*[@itemprop='datePublished']")[:5]:
        value = parse_date(element.get("datetime") or element.get("content"))
        if value:
            return value
    return None


def _language(tree: lxml.html.HtmlElement, meta: dict, ld: dict) -> str | None:
    raw = first_value(
        tree.get("lang"), tree.get("xml:lang"),
        json_ld_text(ld.get("inLanguage")),
        meta_first(meta, "content-language", "og:locale", "language", "dc.language"),
    )
    match = re.match(r"\s*([a-zA-Z]{2,3})(?:[-_]|$)", raw or "")
    return match.group(1).lower() if match else None


# The commonest English function words: they make up a third or more of English news text
# (0.22-0.41 on the benchmark pages) and almost none of other languages' (at most 0.06 there).
_ENGLISH_WORDS = frozenset(
    "the of and to a in that is was for on it with as he she they his her their be by at from have"
    " has had are were this not but or an which who will would said its been also after more than"
    " about when there into can we you i our".split())
MIN_ENGLISH_SHARE = 0.15
MIN_LANGUAGE_WORDS = 30


def guess_english(paragraphs: list[str]) -> str | None:
    """Return "en" when the text reads as English (share of function words), else None.

    A fallback for pages declaring no language (no lang, og:locale or inLanguage); other
    languages are left undetected rather than guessed.

    Args:
        paragraphs: body paragraphs.
    """
    words = re.findall(r"[^\W\d_]+", " ".join(paragraphs).casefold())
    if len(words) < MIN_LANGUAGE_WORDS:
        return None
    share = sum(word in _ENGLISH_WORDS for word in words) / len(words)
    return "en" if share >= MIN_ENGLISH_SHARE else None


def _canonical_link(tree: lxml.html.HtmlElement, url: str) -> str | None:
    for link in tree.xpath('//link[@href and contains(concat(" ", normalize-space(@rel), " "), " canonical ")]'):
        href = clean_text(link.get("href"))
        if href:
            return urljoin(url or "", href)
    return None


# --------------------------------------------------------------------------- body

_EMBEDS = ('//blockquote[contains(@class, "twitter-tweet") or contains(@class, "instagram-media")'
           ' or contains(@class, "tiktok-embed")]')


def unwrap_embeds(tree: lxml.html.HtmlElement) -> None:
    """Lift embedded posts (tweets...) out of their widget wrappers, in place.

    Quoted posts are part of the story (people annotating news keep them), but wrappers named
    "social-media-embed" or "article-tweet" look like share widgets to boilerplate filters.
    """
    for quote in tree.xpath(_EMBEDS):
        node, text = quote, clean_text(quote.text_content())
        parent = node.getparent()
        while parent is not None and parent.tag not in ("body", "article", "html") \
                and clean_text(parent.text_content()) == text:
            node, parent = parent, parent.getparent()
        if node is not quote and parent is not None:
            quote.tail = node.tail
            parent.replace(node, quote)


def extract_body(tree: lxml.html.HtmlElement, url: str) -> list[str]:
    """Return body paragraphs found by trafilatura (reader comments left out).

    Args:
        tree: the parsed page; modified (embeds unwrapped), and trafilatura cleans it.
        url: the page URL.
    """
    unwrap_embeds(tree)
    try:
        text = trafilatura.extract(tree, url=url or None, **TRAFILATURA_OPTIONS)
    except Exception:  # noqa: BLE001 - a third-party failure must not stop the batch
        return []
    return [line for line in (clean_text(t) for t in (text or "").splitlines()) if line]


# Whole lines that are page furniture, not reporting: comment counters, share and newsletter
# prompts, "read more" teasers, copyright notices. Only short lines are tested (MAX_FURNITURE_WORDS).
_FURNITURE = re.compile(
    r"^(?:comments?|\d+\s+comments?|advertisement|advertising|sponsored|more:?|explore further"
    r"|related(?: (?:articles?|posts?|stories|content|coverage|links?|news))?:?"
    r"|(?:read|see|watch) (?:more|also|next)\b.*|related (?:post|article|story|video)s?:.*"
    r"|you (?:may|might) (?:also )?like.*|popular on .*|(?:most )?(?:popular|read|viewed)(?: now| stories)?"
    r"|don'?t miss.*|trending(?: now)?|recommended(?: for you)?|more (?:stories|news|from) .*"
    r"|share (?:this|on|via)\b.*|tell us what you think.*|thanks? (?:you )?for (?:signing up|subscribing).*"
    r"|sign up\b.*|.*\bsubscribe to (?:our|the)\b.*newsletters?.*|.*\bnewsletters?\b.*\b(?:sign up|subscribe|inbox)\b.*"
    r"|click here (?:to|for)\b.*|follow (?:us|[\w .'@]+) on (?:twitter|facebook|instagram|x)\b.*"
    r"|(?:copyright|\(c\)|©|ⓒ).*|all rights reserved.*|filed under:?.*|tags?:.*|print article|order reprints"
    r"|(?:additional )?reporting by .*|(?:editing|edited|compiled|translated) by .*"
    r"|.* contributed to this report\.?|.*\b(?:can|may) be reached at .*|write to .* at \S+@\S+"
    r")$",
    re.I,
)
MAX_FURNITURE_WORDS = 30
# Short lines legitimately repeat (interview questions, tweet attributions); long ones do not.
MIN_DEDUP_WORDS = 15
_BARE_VALUE = re.compile(r"^(?:https?://\S+|www\.\S+|\S+@\S+\.\w+|\d{4}-\d{2}-\d{2}[\dT:.+\-Z ]*)$", re.I)


def page_headlines(tree: lxml.html.HtmlElement, metadata: dict) -> set[str]:
    """Return folded headline variants of a page: its title, og/twitter titles and <h1>s."""
    meta = meta_values(tree)
    candidates = [metadata.get("title"), *meta_all(meta, "og:title"), *meta_all(meta, "twitter:title")]
    candidates += [h.text_content() for h in tree.iter("h1")]
    return {_fold(c) for c in candidates if c and c.strip()}


def page_link_texts(tree: lxml.html.HtmlElement) -> set[str]:
    """Return folded texts of links with at least 4 words: usually other stories' headlines."""
    texts = set()
    for anchor in tree.iter("a"):
        text = _fold(anchor.text_content())
        if len(text.split()) >= 4:
            texts.add(text)
    return texts


def clean_body(paragraphs: list[str], headlines: set[str], links: set[str]) -> list[str]:
    """Drop furniture lines, bare URLs/dates, the headline and teaser links from a body.

    Args:
        paragraphs: body lines from the extractor.
        headlines: folded headlines of this page (title, og:title, <h1>...).
        links: folded texts of the page's links with 4+ words (other stories' headlines).
    """
    kept = []
    seen: set[str] = set()
    for line in paragraphs:
        bare = line.lstrip("-•*> ").strip()
        folded = _fold(bare)
        if not any(c.isalnum() for c in folded) or folded in headlines or folded in links:
            continue
        if len(folded.split()) >= MIN_DEDUP_WORDS and folded in seen:
            continue  # hidden copies (noscript, app shells) and pull quotes repeat paragraphs
        seen.add(folded)
        if line.startswith("- ") and any(folded.startswith(link) for link in links):
            continue  # a teaser list item: another story's headline plus its blurb
        if _BARE_VALUE.match(bare):
            continue
        if len(bare.split()) <= MAX_FURNITURE_WORDS and _FURNITURE.match(bare):
            continue
        kept.append(line)
    return kept


_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def _fold(text: str) -> str:
    """Fold case, quotes and whitespace for loose equality."""
    return " ".join(text.translate(_QUOTES).casefold().split())


# --------------------------------------------------------------------------- public API

_TAG = re.compile(r"<[a-zA-Z/!]")


def cap_markup(html: str) -> tuple[str, bool]:
    """Cut html at MAX_HTML_CHARS characters or MAX_TAGS tags; tell whether it was cut.

    Args:
        html: page text.
    """
    truncated = len(html) > MAX_HTML_CHARS
    html = html[:MAX_HTML_CHARS]
    for count, match in enumerate(_TAG.finditer(html), start=1):
        if count > MAX_TAGS:
            return html[: match.start()], True
    return html, truncated


def parse_article(html: str | bytes, url: str, rules: SiteRules | None = None) -> Article:
    """Extract an article from a page, with site rules when the site has them.

    Args:
        html: the page as text, or raw bytes (decoded with decode_html).
        url: the page URL; its host chooses site rules and it fills URL-based fallbacks.
        rules: site rules to use instead of choosing them (e.g. from a source file). Without
            them, rules are chosen by URL host, else by the page's og:site_name (mirrors).

    Raises:
        ParseError: when html is neither str nor bytes.
    """
    if isinstance(html, (bytes, bytearray, memoryview)):
        html = decode_html(bytes(html))
    if not isinstance(html, str):
        raise ParseError(f"parse_article needs str or bytes, got {type(html).__name__}")
    url = url if isinstance(url, str) else ""
    html, truncated = cap_markup(html)
    problems = ["truncated_input"] if truncated else []
    tree = load_tree(html)
    if tree is None:
        article = Article(url=url, canonical_url=url or None, published=date_from_url(url))
        article.problems = problems + ["empty_page"] + assess_article(article)
        return article

    metadata = read_metadata(tree, url)
    rules = rules or find_rules(url) or find_rules_by_site_name(metadata["site_name"])
    site = apply_site_rules(html, rules) if rules else None
    article = build_article(url, metadata, site, rules)
    if site is not None and site["missed"]:
        problems.append("selectors_missed")
    if not article.body:
        headlines, links = page_headlines(tree, metadata), page_link_texts(tree)
        article.body = clean_body(extract_body(tree, url), headlines, links)
    article.language = article.language or guess_english(article.body)
    article.problems = problems + assess_article(article)
    return article


def apply_site_rules(html: str, rules: SiteRules) -> dict:
    """Run a site's selectors over the page; on any failure report every field missed."""
    try:
        return apply_rules(BeautifulSoup(html, "lxml"), rules)
    except Exception:  # noqa: BLE001 - broken markup must degrade to the generic path
        return {"missed": ["article"]}


def build_article(url: str, metadata: dict, site: dict | None, rules: SiteRules | None) -> Article:
    """Merge site-rule values (trusted first) with generic metadata into an Article."""
    site = site or {}
    body = site.get("body") or []
    canonical = urljoin(url, site["canonical"]) if site.get("canonical") else metadata["canonical"]
    return Article(
        url=url,
        canonical_url=canonical,
        title=site.get("title") or metadata["title"],
        subtitle=site.get("subtitle") or None,
        authors=unique_names(site.get("authors") or metadata["authors"]),
        published=_site_published(site, metadata, canonical) if rules else metadata["published"],
        modified=parse_date(site.get("modified")) or metadata["modified"],
        section=site.get("section") or metadata["section"],
        tags=site.get("tags") or metadata["tags"],
        body=body,
        language=metadata["language"],
        extractor=rules.name if rules and body else "generic",
    )


def _site_published(site: dict, metadata: dict, canonical: str | None) -> datetime | None:
    """Published time on a site-rules page: the rules, then the URL date, then generic metadata.

    The URL date outranks the generic guess here because a bare <time> on such pages may be
    the "Updated" time, which the rules deliberately skipped.
    """
    return (parse_date(site.get("published")) or date_from_url(canonical or "")
            or metadata["published"])


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


def extract_record(record: dict) -> dict:
    """Extract one page record, the stable `extract --jsonl` contract.

    Args:
        record: {"id", "url", "html"}.

    Returns:
        {"id", "title", "body", "published", "authors", "section", "tags"}; body is plain
        text, one paragraph a line; published is ISO 8601 (UTC) or None.

    Raises:
        ParseError: when the record is not a dict or its html is missing or not text.
    """
    if not isinstance(record, dict):
        raise ParseError(f"record must be an object, got {type(record).__name__}")
    html = record.get("html")
    if not isinstance(html, str):
        raise ParseError("record has no 'html' string")
    article = parse_article(html, record.get("url") or "")
    return {
        "id": record.get("id"),
        "title": article.title,
        "body": article.body_text(),
        "published": article.published.isoformat() if article.published else None,
        "authors": article.authors,
        "section": article.section,
        "tags": article.tags,
    }


def extract_jsonl(in_stream: IO[str], out_stream: IO[str]) -> int:
    """Extract every JSON line of in_stream to out_stream; return the count of lines written.

    A bad line gives an output line {"id" (when known), "error"} and a message on stderr;
    the loop never stops early.

    Args:
        in_stream: text stream of {"id","url","html"} JSON objects, one a line.
        out_stream: text stream receiving one JSON object per input line.
    """
    written = 0
    for number, line in enumerate(in_stream, start=1):
        if not line.strip():
            continue
        record_id = None
        try:
            record = json.loads(line)
            record_id = record.get("id") if isinstance(record, dict) else None
            result = extract_record(record)
        except Exception as error:  # noqa: BLE001 - one bad page must not stop the batch
            message = f"{type(error).__name__}: {error}"
            print(f"extract: line {number} (id={record_id}): {message}", file=sys.stderr)
            result = {"id": record_id, "error": message} if record_id is not None else {"error": message}
        out_stream.write(json.dumps(result, ensure_ascii=False) + "\n")
        written += 1
    return written
