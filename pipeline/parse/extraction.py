"""Page to Article: site rules when the site has them, generic metadata and body otherwise."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urljoin

from bs4 import BeautifulSoup

from pipeline.parse.article import Article, ParseError, assess_article
from pipeline.parse.authors import unique_names
from pipeline.parse.body import extract_body
from pipeline.parse.boilerplate import clean_body, page_headlines, page_link_texts
from pipeline.parse.dates import date_from_url, parse_date
from pipeline.parse.markup import cap_markup, decode_html, load_tree
from pipeline.parse.metadata import guess_english, read_metadata
from pipeline.sites import find_rules, find_rules_by_site_name
from pipeline.sites.rules import SiteRules, apply_rules


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
