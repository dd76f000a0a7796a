"""Documents in the shapes outlets share: RSS channels, sitemaps, Google News entries and plain listing pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape


def ago(now: datetime, index: int) -> datetime:
    """The feed date of the index-th newest item: a few hours apart, all within the last two days."""
    return now - timedelta(hours=2 + 5 * index)


def rss(base: str, title: str, link: str, items: list[str], namespaces: str = "") -> str:
    """An RSS 2.0 document around ready-made <item> strings."""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"{namespaces}><channel>'
            f"<title>{escape(title)}</title><link>{escape(link)}</link><description>{escape(title)}</description>"
            + "".join(items) + "</channel></rss>\n")


def urlset(entries: list[str], news: bool = False) -> str:
    """A sitemap urlset around ready-made <url> strings."""
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
            f"{ns}>" + "".join(entries) + "</urlset>\n")


def sitemap_index(children: list[tuple[str, datetime]]) -> str:
    """A sitemap index of (URL, lastmod) children."""
    items = "".join(f"<sitemap><loc>{escape(url)}</loc><lastmod>{moment.isoformat()}</lastmod></sitemap>"
                    for url, moment in children)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + items + "</sitemapindex>\n")


def news_url(url: str, title: str, moment: datetime, publication: str) -> str:
    """One Google News sitemap entry."""
    return (f"<url><loc>{escape(url)}</loc><news:news><news:publication><news:name>{escape(publication)}"
            f"</news:name><news:language>en</news:language></news:publication><news:publication_date>"
            f"{moment.isoformat()}</news:publication_date><news:title>{escape(title)}</news:title></news:news></url>")


def listing(title: str, links: list[tuple[str, str]]) -> str:
    """A plain section page: navigation links plus article links."""
    cards = "".join(f'<div class="card"><a href="{escape(href)}">{escape(text)}</a></div>' for href, text in links)
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{escape(title)}</title></head>"
            f'<body><nav><a href="/">Home</a> <a href="/about">About</a></nav><main><h1>{escape(title)}</h1>'
            f"{cards}</main></body></html>")
