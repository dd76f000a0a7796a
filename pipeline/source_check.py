"""`sources list` and `sources check`: what is configured, and does a source still work (a dry run, no DB writes).

The check reads a source the way the spider does (same feed/sitemap readers, same article pattern and
identity rule, same private-address rule, robots.txt obeyed), then fetches one article and parses it
with pipeline.parse.parse_article, so a broken feed path or a layout change shows before a real run.
"""

from __future__ import annotations

import urllib.error
import urllib.request
import urllib.robotparser
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import lxml.html

from pipeline.config import Settings
from pipeline.sites.selectors import site_rules
from pipeline.sources import SourceConfig, find_source, is_article_url, load_sources, source_identity

MAX_BYTES = 5 * 1024 * 1024
TIMEOUT_SECONDS = 20
SITEMAP_CHILDREN = 3


@dataclass
class Fetched:
    """A fetched document, or why it could not be fetched."""

    url: str
    status: int = 0
    body: bytes = b""
    content_type: str | None = None
    error: str | None = None


def list_sources(settings: Settings) -> list[dict]:
    """Return one row per configured source: key, name, spider, base URL, discovery counts, file.

    Args:
        settings: the run's settings (TW_SOURCES_DIR, TW_SOURCES, base URL overrides).
    """
    return [
        {
            "key": s.key,
            "name": s.name,
            "spider": s.spider,
            "base_url": s.base_url,
            "mirrored": s.mirrored,
            "language": s.language,
            "feeds": len(s.feeds),
            "sitemaps": len(s.sitemaps),
            "listings": len(s.listings),
            "identity": "id_pattern" if s.id_pattern else "canonical URL",
            "selectors": sorted(s.selectors),
            "file": str(s.path) if s.path else None,
        }
        for s in load_sources(settings)
    ]


def check_source(settings: Settings, key: str, *, timeout: float = TIMEOUT_SECONDS) -> dict:
    """Dry-run a source: fetch its feeds, sitemaps and listings, count article links, parse one article.

    Args:
        settings: the run's settings.
        key: the source key.
        timeout: seconds per request.

    Returns:
        {"source", "name", "base_url", "documents": [{url, kind, status, entries, articles, error}],
        "article_links", "sample": {url, identity, title, published, authors, body_chars, body_words,
        problems, selectors} or None, "problems": [...], "ok"}.
    """
    from spiders import discovery
    from spiders.feeds import read_feed

    source = find_source(settings, key)
    fetcher = Fetcher(source, allow_all=settings.allow_private_hosts, timeout=timeout)
    documents, links = [], {}
    plan = [(url, "feed") for url in source.feeds] + [(url, "sitemap") for url in source.sitemaps]
    plan += [(url, "listing") for url in source.listings]
    while plan:
        url, kind = plan.pop(0)
        fetched = fetcher.get(url)
        row = {"url": url, "kind": kind, "status": fetched.status, "entries": 0, "articles": 0, "error": fetched.error}
        documents.append(row)
        if fetched.error:
            continue
        if kind == "feed":
            found = [entry.url for entry in read_feed(fetched.body)]
        elif kind == "listing":
            found = listing_links(fetched.body, url)
        else:
            sitemap_kind, entries = discovery.read_sitemap(fetched.body)
            found = [entry.url for entry in entries]
            if sitemap_kind == "index":
                newest = sorted(entries, key=lambda e: e.date.timestamp() if e.date else 0, reverse=True)
                plan += [(entry.url, "sitemap") for entry in newest[:SITEMAP_CHILDREN]]
                row["entries"] = len(found)
                continue
        row["entries"] = len(found)
        for link in found:
            article = article_link(link, source)
            if article:
                row["articles"] += 1
                links.setdefault(source_identity(article, source), article)
    problems = [f"{row['kind']} {row['url']}: {row['error']}" for row in documents if row["error"]]
    problems += [f"{row['kind']} {row['url']}: no article links" for row in documents
                 if not row["error"] and row["kind"] != "sitemap" and not row["articles"]]
    if not links:
        problems.append("no article links found in any feed, sitemap or listing")
    sample = check_article(fetcher, source, next(iter(links.values()))) if links else None
    if sample:
        problems += [f"sample article: {problem}" for problem in sample["problems"]
                     if problem in {"no_title", "empty_body", "no_date", "selectors_missed", "fetch_failed"}]
    return {
        "source": source.key,
        "name": source.name,
        "base_url": source.base_url,
        "documents": documents,
        "article_links": len(links),
        "sample": sample,
        "problems": problems,
        "ok": not problems,
    }


def check_article(fetcher: "Fetcher", source: SourceConfig, url: str) -> dict:
    """Fetch and parse one article; report its fields, its parse problems and which selectors matched.

    Args:
        fetcher: the check's fetcher.
        source: the source.
        url: the article URL.
    """
    from bs4 import BeautifulSoup

    from pipeline.parse import decode_html, parse_article
    from pipeline.sites.rules import read_source

    fetched = fetcher.get(url)
    report = {"url": url, "identity": source_identity(url, source), "status": fetched.status}
    if fetched.error:
        return {**report, "error": fetched.error, "problems": ["fetch_failed"]}
    text = decode_html(fetched.body, fetched.content_type)
    rules = site_rules(source)
    # The source file's selectors, when it gives some, are the rules this outlet's pages are parsed with.
    article = parse_article(text, url, rules=rules) if rules else parse_article(text, url)
    selectors = {}
    if rules is not None:
        soup = BeautifulSoup(text, "lxml")
        for name, sources in (("title", rules.title), ("date", rules.published), ("authors", rules.authors)):
            if sources:
                selectors[name] = any(read_source(soup, s) for s in sources)
        if source.selectors.get("body"):
            selectors["body"] = bool(soup.select(rules.body_parts))
    problems = list(article.problems)
    if selectors and not all(selectors.values()) and "selectors_missed" not in problems:
        problems.append("selectors_missed")
    return {
        **report,
        "title": article.title,
        "published": article.published.isoformat() if article.published else None,
        "authors": article.authors,
        "body_chars": len(article.body_text()),
        "body_words": len(article.body_text().split()),
        "extractor": article.extractor,
        "selectors": selectors,
        "problems": problems,
    }


def article_link(url: str, source: SourceConfig) -> str | None:
    """Return the link without query and fragment when it is one of the source's articles, else None.

    Args:
        url: a link from a feed, sitemap or listing.
        source: the source.
    """
    from spiders import discovery

    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not discovery.is_allowed(url, list(source.allowed_domains)):
        return None
    clean = f"{parts.scheme}://{parts.netloc}{parts.path}"
    return clean if is_article_url(clean, source) else None


def listing_links(body: bytes, url: str) -> list[str]:
    """Return every absolute link of an HTML listing page.

    Args:
        body: the page.
        url: its URL (relative links resolve against it).
    """
    try:
        tree = lxml.html.fromstring(body)
    except (ValueError, lxml.etree.ParserError):
        return []
    return [urljoin(url, href) for href in tree.xpath("//a/@href")]


class Fetcher:
    """GET with the crawler's manners: its User-Agent, robots.txt, a size limit and the private-address rule."""

    def __init__(self, source: SourceConfig, allow_all: bool = False, timeout: float = TIMEOUT_SECONDS):
        from spiders.settings import USER_AGENT

        self.source = source
        self.allow = True if allow_all else source.allow_private_hosts
        self.timeout = timeout
        self.user_agent = USER_AGENT
        self.robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self.opener = urllib.request.build_opener(_CheckedRedirects(self))

    def refused(self, url: str) -> str | None:
        """Return why a URL may not be fetched (private address), else None."""
        from spiders.safety import refused_address

        address = refused_address((urlsplit(url).hostname or "").lower(), self.allow)
        return f"private address {address} refused (allow_private_hosts)" if address else None

    def robots_allow(self, url: str) -> bool:
        """Tell whether robots.txt of the URL's host lets us fetch it (unreadable robots.txt allows)."""
        parts = urlsplit(url)
        root = f"{parts.scheme}://{parts.netloc}"
        if root not in self.robots:
            fetched = self.raw_get(root + "/robots.txt")
            parser = None
            if not fetched.error:
                parser = urllib.robotparser.RobotFileParser()
                parser.parse(fetched.body.decode("utf-8", "replace").splitlines())
            self.robots[root] = parser
        parser = self.robots[root]
        return parser is None or parser.can_fetch(self.user_agent, url)

    def get(self, url: str) -> Fetched:
        """Fetch a URL unless robots.txt or the private-address rule forbids it."""
        reason = self.refused(url)
        if reason:
            return Fetched(url, error=reason)
        if not self.robots_allow(url):
            return Fetched(url, error="disallowed by robots.txt")
        return self.raw_get(url)

    def raw_get(self, url: str) -> Fetched:
        """Fetch a URL (at most MAX_BYTES); errors are returned, not raised."""
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent})
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                body = response.read(MAX_BYTES + 1)
                status, content_type = response.status, response.headers.get("Content-Type")
        except urllib.error.HTTPError as error:
            return Fetched(url, status=error.code, error=f"HTTP {error.code}")
        except (urllib.error.URLError, OSError, ValueError) as error:
            return Fetched(url, error=f"{type(error).__name__}: {getattr(error, 'reason', error)}")
        if len(body) > MAX_BYTES:
            return Fetched(url, status=status, error=f"larger than {MAX_BYTES} bytes")
        return Fetched(url, status=status, body=body, content_type=content_type)


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to addresses the source may reach."""

    def __init__(self, fetcher: Fetcher):
        self.fetcher = fetcher

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        reason = self.fetcher.refused(newurl)
        if reason:
            raise urllib.error.URLError(f"redirect to {newurl}: {reason}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)
