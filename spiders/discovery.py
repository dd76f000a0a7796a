"""Pure discovery helpers: lenient XML reading of feeds and sitemaps, article URL rules as data.

Nothing here knows about Scrapy, so the rules can be tested on bytes alone.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

from lxml import etree

# Where each site's article links are found, as data (paths relative to the base URL).
DISCOVERY = {
    "moscow_times": {
        "name": "The Moscow Times",
        "base_url": "https://www.themoscowtimes.com",
        "feeds": ["/rss/news", "/rss/all"],
        "listings": ["/news/"],
        "listing_page_size": 18,
        # Used when robots.txt names no sitemap; the live site names static.themoscowtimes.com.
        "sitemap_indexes": ["/sitemap/sitemap.xml"],
        # Resolved against each sitemap index URL (the Google News index sits beside it).
        "news_indexes": ["newsmap.xml"],
        "extra_hosts": ["static.themoscowtimes.com"],
        # The canonical article URL; variants (/pdf, AMP, ?utm_) reduce to this group.
        "article_url": r"^(https?://[^/?#]+)(?:/amp)?(/\d{4}/\d{2}/\d{2}/[^/?#]+-a\d+)(?:/pdf)?/?(?:[?#].*)?$",
        "month_sitemap": r"/(\d{4})-(\d{1,2})\.xml$",
    },
}

# Largest sitemap we inflate from gzip (the protocol caps sitemaps at 50 MB uncompressed).
MAX_XML_BYTES = 50 * 1024 * 1024
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@dataclass(frozen=True)
class Entry:
    """A URL found in a feed or sitemap, with the newest date the document gives for it."""

    url: str
    date: datetime | None = None


def make_xml_parser() -> etree.XMLParser:
    """Return a lenient and safe lxml parser: recovers from bad markup, never resolves entities or fetches."""
    return etree.XMLParser(
        recover=True, resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, dtd_validation=False
    )


def parse_xml(body: bytes) -> etree._Element | None:
    """Parse XML leniently; None when nothing usable comes out.

    Args:
        body: the raw document.
    """
    try:
        root = etree.fromstring(body, make_xml_parser())
    except etree.XMLSyntaxError:
        return None
    return root


def parse_date(text: str | None) -> datetime | None:
    """Read an ISO 8601 (sitemaps) or RFC 2822 (RSS) date as aware UTC; None when unreadable.

    Args:
        text: the date as written in the document.
    """
    text = (text or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def pick_newest(*dates: datetime | None) -> datetime | None:
    """Return the latest of the given dates, ignoring missing ones."""
    present = [d for d in dates if d is not None]
    return max(present) if present else None


def read_rss(body: bytes) -> list[Entry]:
    """Return the item links of an RSS 2.0 feed with their pubDate.

    Args:
        body: the feed document.
    """
    root = parse_xml(body)
    entries = []
    if root is not None:
        for item in root.iter("item"):
            link = (item.findtext("link") or item.findtext("guid") or "").strip()
            if link:
                entries.append(Entry(link, parse_date(item.findtext("pubDate"))))
    if not entries:
        entries = [Entry(url) for url in scan_tag_texts(body, "link")]
    return entries


def gunzip_capped(body: bytes, limit: int = MAX_XML_BYTES) -> bytes:
    """Decompress a gzipped sitemap (.xml.gz served without Content-Encoding); refuse to grow past `limit`.

    Args:
        body: the raw response body; returned unchanged when it is not gzip.
        limit: the most bytes to inflate (a defence against decompression bombs).
    """
    if not body.startswith(b"\x1f\x8b"):
        return body
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    data = inflater.decompress(body, limit)
    if inflater.unconsumed_tail:
        raise ValueError(f"gzipped document inflates past {limit} bytes")
    return data


def read_sitemap(body: bytes) -> tuple[str, list[Entry]]:
    """Return ("index" | "urlset", entries) of a sitemap; dates from lastmod or news:publication_date.

    The lenient parser keeps the other entries when one is broken (a bare "&" in a news title); when
    it still yields fewer <loc> than a plain regex scan finds, the regex result is used instead.

    Args:
        body: the sitemap document (plain or gzipped).
    """
    body = gunzip_capped(body)
    root = parse_xml(body)
    kind = "index" if re.search(rb"<(?:\w+:)?sitemapindex[\s>]", body[:2000]) else "urlset"
    entries = []
    if root is not None:
        element = "sitemap" if kind == "index" else "url"
        for node in root.iter(SITEMAP_NS + element, element):
            loc = (node.findtext(SITEMAP_NS + "loc") or node.findtext("loc") or "").strip()
            if not loc:
                continue
            lastmod = parse_date(node.findtext(SITEMAP_NS + "lastmod") or node.findtext("lastmod"))
            published = parse_date(node.findtext(f"{NEWS_NS}news/{NEWS_NS}publication_date"))
            entries.append(Entry(loc, pick_newest(lastmod, published)))
    scanned = scan_tag_texts(body, "loc")
    if len(scanned) > len(entries):
        entries = [Entry(url) for url in scanned]
    return kind, entries


def scan_tag_texts(body: bytes, tag: str) -> list[str]:
    """Fallback scan: the text of every <tag>...</tag>, entity-decoded only for &amp;."""
    found = re.findall(rb"<" + tag.encode() + rb">\s*([^<\s]+)\s*</" + tag.encode() + rb">", body)
    return [value.decode("utf-8", "replace").replace("&amp;", "&") for value in found]


def read_robots_sitemaps(text: str) -> list[str]:
    """Return the sitemap URLs a robots.txt names.

    Args:
        text: the robots.txt content.
    """
    return [line.split(":", 1)[1].strip() for line in text.splitlines()
            if line.lower().startswith("sitemap:") and line.split(":", 1)[1].strip()]


def canonical_article_url(url: str, pattern: str) -> str | None:
    """Return the canonical article URL (no /pdf, AMP prefix, query or fragment), or None if not an article.

    Args:
        url: any absolute URL.
        pattern: the site's "article_url" regex from DISCOVERY.
    """
    match = re.match(pattern, url.strip())
    return match.group(1) + match.group(2) if match else None


def read_month(url: str, pattern: str) -> tuple[int, int] | None:
    """Return (year, month) of a monthly sitemap URL, or None.

    Args:
        url: a child sitemap URL.
        pattern: the site's "month_sitemap" regex.
    """
    match = re.search(pattern, url)
    return (int(match.group(1)), int(match.group(2))) if match else None


def pick_recent_months(urls: list[str], pattern: str, count: int) -> list[str]:
    """Pick the monthly sitemaps of the `count` newest months (the index order is not guaranteed).

    Args:
        urls: child sitemap URLs from the index.
        pattern: the site's "month_sitemap" regex.
        count: how many months to keep; 0 keeps none.
    """
    dated = sorted(((read_month(u, pattern), u) for u in urls if read_month(u, pattern)), reverse=True)
    return [url for _, url in dated[:count]]


def build_listing_urls(base_url: str, path: str, pages: int, page_size: int) -> list[str]:
    """Return the listing URLs to read: the first page and numeric offsets (/news/, /news/18, ...).

    Args:
        base_url: the site's base URL.
        path: the listing path, e.g. "/news/".
        pages: how many pages to read.
        page_size: the site's offset step.
    """
    first = urljoin(base_url + "/", path.lstrip("/"))
    return [first] + [f"{first.rstrip('/')}/{page_size * n}" for n in range(1, pages)]


def read_host(url: str) -> str:
    """Return the lower-case host of a URL (without port)."""
    return (urlsplit(url).hostname or "").lower()


def list_allowed_domains(base_url: str, extra_hosts: list[str]) -> list[str]:
    """Domains the spider may visit: the base URL's site (www. dropped, so subdomains count) plus extras.

    Args:
        base_url: the site's base URL (live or mirror).
        extra_hosts: more hosts, e.g. the live site's static host for sitemaps.
    """
    host = read_host(base_url)
    site = host.removeprefix("www.")
    return list(dict.fromkeys([site, *extra_hosts]))


def is_allowed(url: str, domains: list[str]) -> bool:
    """Tell whether a URL's host is one of the domains or their subdomains.

    Args:
        url: an absolute URL.
        domains: from allowed_domains.
    """
    host = read_host(url)
    return any(host == d or host.endswith("." + d) for d in domains)
