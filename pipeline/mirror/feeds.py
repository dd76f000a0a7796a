"""Feeds, sitemaps and robots.txt of the local Moscow Times mirror: what a crawler reads to find articles.

The shapes follow ../shared/docs/moscow-times-site.md. Every function takes the base URL, so feeds and
sitemaps name whatever host serves them.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime
from html import escape

from pipeline.mirror.articles import (
    SITE_NAME,
    article_url,
    author_names,
    excerpt,
    is_updated,
    newest_first,
    parse_time,
    section_slug,
)
from pipeline.mirror.templates import render_blocks

FEED_SIZE = 50
# Section feeds the real site has (docs: there is no business or ukraine-war feed).
SECTION_FEEDS = ("news", "opinion", "city", "meanwhile", "podcasts", "in-depth", "arts-and-life")
DISALLOWED_PATHS = ("/preview/", "/search/", "*?utm", "*&utm")


def rss_item(article: dict, base_url: str, *, full: bool, link: str | None = None) -> str:
    """Render one RSS <item>; `full` gives the /rss/all form (CDATA body, category, author prefix)."""
    url = article_url(article, base_url)
    link = link or url
    pub = format_datetime(parse_time(article["published"]))
    title = article["title"]
    if full and article["type"] == "Opinion":
        title = f"{author_names(article)}: {title}"
    if full:
        body = render_blocks(article, base_url, with_chrome=False).replace("]]>", "]]&gt;")
        description = f"<![CDATA[{body}]]>"
        category = f"<category>{escape(article['type'])} - {escape(article['section'])}</category>"
    else:
        description, category = escape(excerpt(article)), ""
    enclosure = ""
    if article.get("image"):
        enclosure = f'<enclosure url="{escape(base_url + article["image"]["src"])}" type="image/jpeg" length="0"/>'
    return (f"<item><title>{escape(title)}</title><link>{escape(link)}</link>"
            f"<description>{description}</description><pubDate>{pub}</pubDate>"
            f"<guid>{escape(link)}</guid>{category}{enclosure}</item>")


def render_rss(articles: list[dict], base_url: str, feed: str, extra_items: list[str] | None = None,
               utm_ids: set[int] | None = None) -> str:
    """Render an RSS 2.0 feed: "all" (every section, full bodies) or a section feed ("news", "opinion"...).

    Args:
        articles: the articles the feed may list (newest first after sorting here).
        base_url: scheme and host of the serving site.
        feed: "all" or a section feed name.
        extra_items: raw <item> elements to add (e.g. a live blog in /rss/all).
        utm_ids: article ids whose link carries ?utm_ tracking parameters in this feed.
    """
    full = feed == "all"
    chosen = newest_first(articles if full else [a for a in articles if in_section_feed(a, feed)])[:FEED_SIZE]
    utm_ids = utm_ids or set()
    items = []
    for article in chosen:
        link = None
        if article["id"] in utm_ids:
            link = article_url(article, base_url) + "?utm_source=rss&utm_medium=feed&utm_campaign=" + feed
        items.append(rss_item(article, base_url, full=full, link=link))
    items.extend(extra_items or [])
    newest = format_datetime(parse_time(chosen[0]["published"])) if chosen else ""
    title = SITE_NAME if full else f"{SITE_NAME} - {feed.replace('-', ' ').title()}"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>{escape(title)}</title>
<link>{base_url}/</link>
<description>Independent news from Russia</description>
<language>en</language>
<lastBuildDate>{newest}</lastBuildDate>
<ttl>600</ttl>
<atom:link href="{base_url}/rss/{feed}" rel="self" type="application/rss+xml"/>
{chr(10).join(items)}
</channel>
</rss>
"""


def in_section_feed(article: dict, feed: str) -> bool:
    """Tell whether an article belongs in a section feed (news takes every News-type article)."""
    if feed == "news":
        return article["type"] == "News"
    return section_slug(article) == feed


def month_key(article: dict) -> tuple[int, int]:
    """Return (year, month) of publication."""
    moment = parse_time(article["published"])
    return moment.year, moment.month


def sitemap_months(articles: list[dict], back: int = 4) -> list[tuple[int, int]]:
    """Return the months the index lists: every month with articles plus `back` empty older months."""
    months = {month_key(a) for a in articles}
    year, month = min(months)
    for _ in range(back):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        months.add((year, month))
    return sorted(months)


def render_sitemap_index(articles: list[dict], base_url: str) -> str:
    """Render the sitemap index: monthly children sitemap/<YYYY>-<M>.xml with lastmod, oldest first.

    Args:
        articles: every article the monthly sitemaps list.
        base_url: scheme and host of the serving site.
    """
    entries = []
    for year, month in sitemap_months(articles):
        inside = [a for a in articles if month_key(a) == (year, month)]
        if inside:
            lastmod = max((parse_time(a["modified"]) for a in inside)).isoformat()
        else:
            lastmod = datetime(year + month // 12, month % 12 + 1, 1).isoformat() + "+03:00"
        entries.append(f"<sitemap><loc>{base_url}/sitemap/{year}-{month}.xml</loc><lastmod>{lastmod}</lastmod></sitemap>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "\n".join(entries) + "\n</sitemapindex>\n")


def render_month_sitemap(articles: list[dict], base_url: str, year: int, month: int) -> str:
    """Render a monthly child sitemap: <loc> only, in no particular order (ids ascending).

    Args:
        articles: every article (filtered to the month here).
        base_url: scheme and host of the serving site.
        year: the year.
        month: the month, 1-12.
    """
    inside = sorted((a for a in articles if month_key(a) == (year, month)), key=lambda a: a["id"])
    urls = "\n".join(f"<url><loc>{escape(article_url(a, base_url))}</loc></url>" for a in inside)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + urls + "\n</urlset>\n")


def news_sitemap_names(articles: list[dict]) -> list[str]:
    """Return the per-section news sitemap names (section slugs) in a stable order."""
    return sorted({section_slug(a) for a in articles})


def render_news_index(articles: list[dict], base_url: str) -> str:
    """Render the Google News index sitemap/newsmap.xml pointing at per-section news sitemaps.

    Args:
        articles: the articles the news sitemaps list.
        base_url: scheme and host of the serving site.
    """
    entries = "\n".join(f"<sitemap><loc>{base_url}/sitemap/news/{name}.xml</loc></sitemap>"
                        for name in news_sitemap_names(articles))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + entries + "\n</sitemapindex>\n")


def render_news_sitemap(articles: list[dict], base_url: str, name: str) -> str:
    """Render one section's Google News sitemap; titles are NOT escaped, as on the real site.

    A bare "&" in a title therefore makes the document invalid XML on purpose. Updated articles
    carry a <lastmod> (the modification time) so an incremental crawl can tell they changed.

    Args:
        articles: every article (filtered to the section here).
        base_url: scheme and host of the serving site.
        name: the section slug (e.g. "news", "ukraine-war").
    """
    entries = []
    for article in newest_first([a for a in articles if section_slug(a) == name])[:100]:
        lastmod = f"<lastmod>{article['modified']}</lastmod>" if is_updated(article) else ""
        entries.append(
            f"<url><loc>{escape(article_url(article, base_url))}</loc>{lastmod}<news:news>"
            f"<news:publication><news:name>{SITE_NAME}</news:name><news:language>en</news:language>"
            f"</news:publication><news:publication_date>{article['published']}</news:publication_date>"
            f"<news:title>{article['title']}</news:title>"
            f"<news:keywords>{', '.join(article['tags'])}</news:keywords></news:news></url>"
        )
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n' + "\n".join(entries) + "\n</urlset>\n")


def render_robots(base_url: str, extra_disallowed: list[str] | None = None) -> str:
    """Render robots.txt as the site's (disallows per the docs), naming the mirror's own sitemap.

    Args:
        base_url: scheme and host of the serving site.
        extra_disallowed: more paths to disallow (the fault mode forbids one article page).
    """
    rules = "\n".join(f"Disallow: {path}" for path in [*DISALLOWED_PATHS, *(extra_disallowed or [])])
    return f"User-agent: *\n{rules}\n\nSitemap: {base_url}/sitemap/sitemap.xml\n"


def live_rss_item(live: dict, base_url: str) -> str:
    """Render the live blog's item for /rss/all."""
    url = f"{base_url}/live/{live['id']}"
    pub = format_datetime(parse_time(live["published"]))
    return (f"<item><title>{escape(live['title'])}</title><link>{url}</link>"
            f"<description><![CDATA[<p>Live updates.</p>]]></description><pubDate>{pub}</pubDate>"
            f"<guid>{url}</guid><category>Live - News</category></item>")
