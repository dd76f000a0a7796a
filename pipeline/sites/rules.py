"""Site rules as data, and the BeautifulSoup engine that applies them to a page."""

from __future__ import annotations

from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Tag

# A field source: a CSS selector and the attribute to read (None reads the element's text).
Source = tuple[str, str | None]


@dataclass(frozen=True)
class SiteRules:
    """Selectors for one site; every field lists sources tried in order."""

    name: str
    hosts: tuple[str, ...]
    article: str
    title: tuple[Source, ...] = ()
    subtitle: tuple[Source, ...] = ()
    authors: tuple[Source, ...] = ()
    published: tuple[Source, ...] = ()
    modified: tuple[Source, ...] = ()
    section: tuple[Source, ...] = ()
    tags: tuple[Source, ...] = ()
    canonical: tuple[Source, ...] = ()
    body_root: str = ""
    body_parts: str = ""
    drop: tuple[str, ...] = ()
    required: tuple[str, ...] = field(default=("title", "body"))
    # Names the site gives itself in og:site_name: picks the rules for a page served from
    # another host (a local mirror, a proxy) when the URL host does not match.
    site_names: tuple[str, ...] = ()


def matches_host(rules: SiteRules, host: str) -> bool:
    """Tell whether a URL host belongs to the site (the host itself or a subdomain).

    Args:
        rules: the site's rules.
        host: lower-case host name from the URL.
    """
    return any(host == h or host.endswith("." + h) for h in rules.hosts)


def clean_text(text: str) -> str:
    """Collapse runs of whitespace (including non-breaking spaces) to single spaces."""
    return " ".join(text.split())


def read_source(soup: BeautifulSoup, source: Source) -> list[str]:
    """Read every non-empty value one source yields, in document order."""
    selector, attribute = source
    values = []
    for element in soup.select(selector):
        value = element.get(attribute) if attribute else element.get_text(" ")
        if isinstance(value, list):
            value = " ".join(value)
        value = clean_text(value or "")
        if value:
            values.append(value)
    return values


def read_first(soup: BeautifulSoup, sources: tuple[Source, ...]) -> str | None:
    """Return the first value from the first source that yields one."""
    for source in sources:
        values = read_source(soup, source)
        if values:
            return values[0]
    return None


def read_all(soup: BeautifulSoup, sources: tuple[Source, ...]) -> list[str]:
    """Return the distinct values of the first source that yields any."""
    for source in sources:
        values = read_source(soup, source)
        if values:
            return list(dict.fromkeys(values))
    return []


def read_body(soup: BeautifulSoup, rules: SiteRules) -> list[str] | None:
    """Return body paragraphs in order, or None when the body container is missing.

    Non-article blocks are removed first, so text nested in them (related links, banners)
    never reaches the body.
    """
    root = soup.select_one(rules.body_root)
    if root is None:
        return None
    for selector in rules.drop:
        for element in root.select(selector):
            element.decompose()
    paragraphs = []
    for element in root.select(rules.body_parts):
        if _inside_selected(element, root, rules.body_parts):
            continue  # a <p> inside a quote already counted with the quote
        text = clean_text(element.get_text(" "))
        if text:
            paragraphs.append(text)
    return paragraphs


def _inside_selected(element: Tag, root: Tag, selector: str) -> bool:
    """Tell whether an ancestor of element (below root) also matches selector."""
    for parent in element.parents:
        if parent is root:
            return False
        if parent.css.match(selector):
            return True
    return False


def apply_rules(soup: BeautifulSoup, rules: SiteRules) -> dict:
    """Extract fields from a parsed page with the site's rules.

    Args:
        soup: the whole page; the body container is modified (non-article blocks removed).
        rules: the site's rules.

    Returns:
        A dict of raw field values (strings and lists, dates unparsed) plus "missed": the
        required fields whose selectors matched nothing (layout drift).
    """
    scope = soup.select_one(rules.article) or soup
    values = {
        "title": read_first(scope, rules.title),
        "subtitle": read_first(scope, rules.subtitle),
        "authors": read_all(scope, rules.authors),
        "published": read_first(soup, rules.published),
        "modified": read_first(soup, rules.modified),
        "section": read_first(soup, rules.section),
        "tags": read_all(scope, rules.tags),
        "canonical": read_first(soup, rules.canonical),
        "body": read_body(scope, rules),
    }
    missed = [name for name in rules.required if not values.get(name)]
    if scope is soup:
        missed.insert(0, "article")
    values["missed"] = missed
    return values
