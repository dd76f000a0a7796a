"""Page generator of the local Moscow Times mirror: article data -> HTML, RSS, sitemaps, robots.txt.

The markup follows docs/moscow-times-site.md (the real site's structure, mid-2024). Every function
takes the base URL, so feeds, sitemaps and canonicals name whatever host serves them.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

ARTICLES_FILE = Path(__file__).parent / "pages" / "articles.json"
SITE_NAME = "The Moscow Times"
LISTING_PAGE_SIZE = 18
FEED_SIZE = 50
# Section feeds the real site has (docs: there is no business or ukraine-war feed).
SECTION_FEEDS = ("news", "opinion", "city", "meanwhile", "podcasts", "in-depth", "arts-and-life")
LISTING_SECTIONS = ("news", "ukraine-war", "opinion", "business", "arts-and-life", "climate",
                    "diaspora", "features", "lectures")
NAV_LINKS = (("/news", "News"), ("/ukraine-war", "Ukraine War"), ("/opinion", "Opinion"),
             ("/business", "Business"), ("/arts-and-life", "Arts and Life"), ("/podcasts", "Podcasts"))
DISALLOWED_PATHS = ("/preview/", "/search/", "*?utm", "*&utm")


def load_site(path: Path = ARTICLES_FILE) -> dict:
    """Read the mirror's article data, filling the defaults of fault pages.

    Args:
        path: the JSON data file.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    data["faults"] = [fault_article(entry) for entry in data.get("faults", [])]
    return data


def fault_article(entry: dict) -> dict:
    """Turn a short fault entry into a full (minimal) article record."""
    published = entry.get("published", "2023-11-02T12:00:00+03:00")
    return {
        "type": "News", "section": "News", "section_key": "news", "listed": "faults",
        "subtitle": "", "authors": ["The Moscow Times"], "tags": ["Test"], "intro": "", "image": None,
        "published": published, "modified": published, "claims": [], "near_misses": [],
        "blocks": [{"type": "html", "paragraphs": [f"{entry['title']} is a page the mirror breaks on purpose."]}],
        **entry,
    }


def parse_time(value: str) -> datetime:
    """Parse an ISO 8601 time with offset."""
    return datetime.fromisoformat(value)


def slugify(text: str) -> str:
    """Make a URL slug the way the site does for tags and authors."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def section_slug(article: dict) -> str:
    """Return the URL form of an article's section key (ukraine_war -> ukraine-war)."""
    return article["section_key"].replace("_", "-")


def article_path(article: dict) -> str:
    """Return the site path of an article: /YYYY/MM/DD/<slug>-a<id>."""
    day = parse_time(article["published"])
    return f"/{day:%Y/%m/%d}/{article['slug']}-a{article['id']}"


def article_url(article: dict, base_url: str) -> str:
    """Return the absolute canonical URL of an article.

    Args:
        article: an article record.
        base_url: scheme and host of the serving site, no trailing slash.
    """
    return base_url + article_path(article)


def is_updated(article: dict) -> bool:
    """Tell whether the article was modified after publication."""
    return parse_time(article["modified"]) > parse_time(article["published"])


def human_date(moment: datetime) -> str:
    """Format a date the way the byline shows it ("November 01, 2023")."""
    return moment.strftime("%B %d, %Y")


def author_names(article: dict) -> str:
    """Join the authors as the site does in feed titles ("A and B")."""
    return " and ".join(article["authors"])


def excerpt(article: dict) -> str:
    """Return the short description used in <meta> and RSS."""
    if article["subtitle"]:
        return article["subtitle"]
    return expected_body(article)[0]


def expected_body(article: dict) -> list[str]:
    """Return the body paragraphs a correct parser extracts, in order (headers and quotes included).

    Args:
        article: an article record.
    """
    paragraphs: list[str] = []
    for block in article["blocks"]:
        if block["type"] == "html":
            paragraphs.extend(block["paragraphs"])
        elif block["type"] in {"header", "quote"}:
            paragraphs.append(block["text"])
    return paragraphs


def render_blocks(article: dict, base_url: str, *, with_chrome: bool = True) -> str:
    """Render the body blocks; `with_chrome` adds the ad, newsletter, related and donation blocks."""
    parts = []
    for block in article["blocks"]:
        kind = block["type"]
        if kind == "html":
            inner = "".join(f"<p>{escape(text, quote=False)}</p>" for text in block["paragraphs"])
            parts.append(f'<div class="article__block article__block--html">{inner}</div>')
        elif kind == "header":
            parts.append(f'<div class="article__block article__block--header"><h2>{escape(block["text"], quote=False)}</h2></div>')
        elif kind == "quote":
            parts.append(
                '<div class="article__block article__block--quote">'
                f'<blockquote class="article__quote"><p>{escape(block["text"], quote=False)}</p>'
                f'<footer class="article__quote__author">{escape(block["author"])}</footer></blockquote></div>'
            )
        elif with_chrome:
            parts.append(render_chrome_block(block, base_url))
    return "\n".join(part for part in parts if part)


def render_chrome_block(block: dict, base_url: str) -> str:
    """Render an in-body block that is not article text (ad, related link, newsletter, donation)."""
    kind = block["type"]
    if kind == "ad":
        return ('<section class="banner banner--article" y-name="banner" data-slot="article_inread">'
                '<div class="banner__label">Advertisement</div><div class="banner__content"></div></section>')
    if kind == "related":
        url = f"{base_url}/{block['date']}/{block['slug']}-a{block['id']}"
        return (
            '<div class="article__block article__block--link">'
            '<aside class="article__related-article related-article">'
            '<span class="related-article__label">Related article</span>'
            f'<a href="{escape(url)}" class="related-article__link">'
            f'<h3 class="related-article__title">{escape(block["title"])}</h3></a></aside></div>'
        )
    if kind == "newsletter":
        return (
            '<div class="article__block article__block--newsletter"><div class="article__newsletter newsletter">'
            '<h3 class="newsletter__title">Sign up for our free weekly newsletter</h3>'
            '<p class="newsletter__text">Our weekly newsletter contains a hand-picked selection of news, '
            'features, analysis and more.</p>'
            '<form class="newsletter__form" action="/newsletter/subscribe" method="post">'
            '<input type="email" name="email" placeholder="Your email"><button type="submit">Subscribe</button>'
            '</form></div></div>'
        )
    if kind == "contribute":
        return (
            '<div class="contribute-banner"><div class="contribute-banner__text">'
            '<p>A message from The Moscow Times:</p><p>Dear readers, we are facing unprecedented challenges. '
            'Independent journalism needs your support now more than ever.</p></div>'
            f'<a class="contribute-banner__button button" href="{base_url}/contribute">Support us</a></div>'
        )
    return ""


def render_head(article: dict, base_url: str) -> str:
    """Render the article's <head>: title, canonical, meta, Open Graph, article:*, JSON-LD."""
    url = article_url(article, base_url)
    image = f"{base_url}{article['image']['src']}" if article.get("image") else f"{base_url}/img/logo_tw_og.png"
    keywords = ", ".join(article["tags"])
    first_author = article["authors"][0]
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": article["title"],
        "description": excerpt(article),
        "image": [image],
        "datePublished": article["published"],
        "dateModified": article["modified"],
        "articleSection": article["section_key"],
        "keywords": keywords,
        "author": {"@type": "Person", "name": first_author, "url": f"{base_url}/author/{slugify(first_author)}"},
        "publisher": {"@type": "Organization", "name": SITE_NAME,
                      "logo": {"@type": "ImageObject", "url": f"{base_url}/img/logo_1280x1280.png"}},
    }
    tags = "\n".join(f'<meta property="article:tag" content="{escape(tag)}">' for tag in article["tags"])
    ld_text = json.dumps(ld, ensure_ascii=False).replace("</", "<\\/")
    return f"""<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(article['title'])} - {SITE_NAME}</title>
<link rel="canonical" href="{escape(url)}">
<link rel="amphtml" href="{escape(base_url + '/amp' + article_path(article))}">
<link rel="alternate" type="application/rss+xml" title="{SITE_NAME} - News" href="{base_url}/rss/news">
<meta name="description" content="{escape(excerpt(article))}">
<meta name="keywords" content="{escape(keywords)}">
<meta name="news_keywords" content="{escape(keywords)}">
<meta name="author" content="{escape(author_names(article))}">
<meta property="og:site_name" content="{SITE_NAME}">
<meta property="og:type" content="article">
<meta property="og:url" content="{escape(url)}">
<meta property="og:title" content="{escape(article['title'])}">
<meta property="og:description" content="{escape(excerpt(article))}">
<meta property="og:image" content="{escape(image)}">
<meta property="og:image:width" content="1360">
<meta property="og:image:height" content="765">
<meta property="article:published_time" content="{article['published']}">
<meta property="article:modified_time" content="{article['modified']}">
<meta property="article:section" content="{article['section_key']}">
{tags}
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:site" content="@MoscowTimes">
<meta name="twitter:title" content="{escape(article['title'])}">
<link rel="stylesheet" href="{base_url}/css/app.css">
<script type="application/ld+json">{ld_text}</script>
<script>window.dataLayer = window.dataLayer || [];</script>
</head>"""


def render_site_header(base_url: str) -> str:
    """Render the preheader advert and the header with navigation menus."""
    nav = "".join(f'<li class="nav-main__item"><a href="{base_url}{path}" class="nav-main__link">{name}</a></li>'
                  for path, name in NAV_LINKS)
    return f"""<div class="preheader_advert"><section class="banner" y-name="banner" data-slot="preheader">
<div class="banner__content"></div></section></div>
<header class="header" role="banner">
<div class="container header__container">
<a href="{base_url}/" class="header__logo"><img src="{base_url}/img/logo_tmt_30.svg" alt="{SITE_NAME}"></a>
<nav class="nav-main"><ul class="nav-main__list">{nav}</ul></nav>
<nav class="nav-secondary"><ul>
<li><a href="{base_url}/search">Search</a></li>
<li><a href="{base_url}/contribute" class="button button--contribute">Contribute</a></li>
<li><a href="{base_url}/newsletters">Newsletters</a></li></ul></nav>
</div></header>"""


def render_site_footer(base_url: str) -> str:
    """Render the footer with the about/contact links and the feeds."""
    return f"""<footer class="footer">
<div class="container">
<div class="footer__menu"><ul>
<li><a href="{base_url}/page/about-us">About us</a></li>
<li><a href="{base_url}/page/privacy-policy">Privacy policy</a></li>
<li><a href="{base_url}/rss/news">RSS</a></li></ul></div>
<p class="footer__copy">&copy; 2023 {SITE_NAME}. All rights reserved. (Local mirror for tests.)</p>
</div></footer>"""


def render_teaser(article: dict, base_url: str, kind: str) -> str:
    """Render a small linked teaser as used in the sidebar, the cluster and listings."""
    url = escape(article_url(article, base_url))
    title = escape(article["title"])
    moment = parse_time(article["published"])
    return (f'<div class="article-excerpt-{kind}"><a href="{url}" class="article-excerpt-{kind}__link" '
            f'title="{title}"><h3 class="article-excerpt-{kind}__headline">{title}</h3>'
            f'<div class="article-excerpt-{kind}__teaser">{escape(excerpt(article))}</div>'
            f'<time class="article-excerpt-{kind}__time" datetime="{article["published"]}">'
            f'{human_date(moment)}</time></a></div>')


def render_byline(article: dict, base_url: str) -> str:
    """Render the byline: author links and the publication (or "Updated:") time."""
    authors = "".join(
        f'<div class="byline__author"><a href="{base_url}/author/{slugify(name)}" class="byline__author__name" '
        f'title="{escape(name)}">{escape(name)}</a></div>'
        for name in article["authors"]
    )
    if is_updated(article):
        stamp, label = article["modified"], "Updated: "
    else:
        stamp, label = article["published"], ""
    shown = f"{label}{human_date(parse_time(stamp))}"
    url = escape(article_url(article, base_url))
    return f"""<div class="article__byline byline">
<div class="row-flex"><div class="col"><div class="byline__details">
<div class="byline__details__column">{authors}
<time class="byline__datetime timeago" datetime="{stamp}" pubdate>{shown}</time>
</div></div></div>
<div class="col-auto"><div class="byline__social">
<a href="https://www.facebook.com/sharer/sharer.php?u={url}" class="social__link">Share on Facebook</a>
<a href="https://twitter.com/intent/tweet?url={url}" class="social__link">Share on X</a>
</div></div></div></div>"""


def render_article(article: dict, base_url: str, others: list[dict] | None = None,
                   *, fragment: bool = False) -> str:
    """Render an article page as the site does (head, chrome, article.article, sidebar, cluster, footer).

    Args:
        article: an article record from the data file.
        base_url: scheme and host of the serving site, no trailing slash.
        others: articles for the "most read" sidebar and the "read more" cluster.
        fragment: render only the article container, as the site's /all/<id> infinite-scroll fragment.
    """
    url = escape(article_url(article, base_url))
    others = [item for item in (others or []) if item["id"] != article["id"]]
    label = ""
    if article["type"] == "Opinion":
        label = ('<ul class="article__labels"><li>'
                 '<span class="label article__label label--opinion">Opinion</span></li></ul>')
    intro = f'<div class="article__intro"><p>{escape(article["intro"])}</p></div>' if article["intro"] else ""
    figure = ""
    if article.get("image"):
        image = article["image"]
        figure = (f'<figure class="article__featured-image featured-image">'
                  f'<img src="{base_url}{image["src"]}" alt="{escape(image["caption"])}">'
                  f'<figcaption><span class="article__featured-image__caption featured-image__caption">'
                  f'{escape(image["caption"])}</span> <span class="article__featured-image__credits '
                  f'featured-image__credits">{escape(image["credits"])}</span></figcaption></figure>')
    disclaimer = ""
    if article["type"] == "Opinion":
        disclaimer = ('<div class="article__disclaimer">The views expressed in opinion pieces do not '
                      'necessarily reflect the position of The Moscow Times.</div>')
    tags = "".join(f'<a href="{base_url}/tag/{slugify(tag)}" class="tag article__tags__tag">{escape(tag)}</a>'
                   for tag in article["tags"])
    container = f"""<div class="article-container" id="article-id-{article['id']}" data-page-id="{article['id']}" data-url="{url}">
<article class="article article--{slugify(article['type'])}">
<header class="article__header">
{label}
<h1><a href="{url}">{escape(article['title'])}</a></h1>
<h2>{escape(article['subtitle'])}</h2>
</header>
{render_byline(article, base_url)}
{intro}
{figure}
<div class="article__content-container">
<div class="article__content" data-io-article-url="{url}">
{render_blocks(article, base_url)}
</div>
</div>
{disclaimer}
<div class="article__bottom"><div class="article__tags">{tags}</div></div>
<div class="article__sticky-article-banner"><section class="banner" y-name="banner" data-slot="sticky">
<div class="banner__content"></div></section></div>
</article>
</div>"""
    if fragment:
        return container
    most_read = "".join(render_teaser(item, base_url, "tiny") for item in others[:5])
    cluster = "".join(render_teaser(item, base_url, "default") for item in others[5:9] or others[:4])
    return f"""<!DOCTYPE html>
<html lang="en">
{render_head(article, base_url)}
<body class="page page--article">
<div class="gtm-section" data-section="{article['section_key']}"></div>
<div class="gtm-type" data-type="article"></div>
{render_site_header(base_url)}
<main class="container">
<div class="row-flex">
<div class="col">
{container}
<div id="load-next-article" data-url="{base_url}/all/"></div>
</div>
<div class="col-auto hidden-sm-down">
<aside class="sidebar"><section class="sidebar__section"><h2 class="sidebar__title">Most read</h2>
{most_read}</section></aside>
</div>
</div>
<section class="cluster"><h2 class="cluster__title">Read more</h2><div class="cluster__items">{cluster}</div></section>
</main>
{render_site_footer(base_url)}
</body>
</html>
"""


def render_listing(articles: list[dict], base_url: str, section: str, offset: int = 0,
                   extra_links: list[str] | None = None) -> str:
    """Render a section listing page (/news/, /news/18, ...) of newest-first teasers.

    Args:
        articles: the articles of the section, newest first.
        base_url: scheme and host of the serving site.
        section: the section path name (news, ukraine-war, ...).
        offset: how many articles the page skips (the site's numeric offset).
        extra_links: raw <a> elements added to the listing (test variants such as a utm link).
    """
    page = articles[offset:offset + LISTING_PAGE_SIZE]
    teasers = "\n".join(render_teaser(item, base_url, "default") for item in page)
    extra = "\n".join(extra_links or [])
    more = ""
    if offset + LISTING_PAGE_SIZE < len(articles):
        more = (f'<div class="listed-articles__more"><a href="{base_url}/{section}/{offset + LISTING_PAGE_SIZE}" '
                f'class="button" rel="next">Load more</a></div>')
    title = section.replace("-", " ").title()
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{escape(title)} - {SITE_NAME}</title>
<link rel="canonical" href="{base_url}/{section}/{offset or ''}"></head>
<body class="page page--listing">
<div class="gtm-section" data-section="{section.replace('-', '_')}"></div>
{render_site_header(base_url)}
<main class="container"><h1 class="section-title">{escape(title)}</h1>
<div class="listed-articles">
{teasers}
{extra}
</div>
{more}
</main>
{render_site_footer(base_url)}
</body></html>
"""


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


def newest_first(articles: list[dict]) -> list[dict]:
    """Sort articles by publication time, newest first."""
    return sorted(articles, key=lambda a: parse_time(a["published"]), reverse=True)


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


def render_live_page(live: dict, base_url: str) -> str:
    """Render a minimal live blog page (not an article: no a<id> URL)."""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(live["title"])}</title>'
            f'<link rel="canonical" href="{base_url}/live/{live["id"]}"></head><body>{render_site_header(base_url)}'
            f'<main class="container"><div class="live-blog"><h1>{escape(live["title"])}</h1>'
            f'<div class="live-blog__entry"><p>Live updates appear here.</p></div></div></main>'
            f'{render_site_footer(base_url)}</body></html>')


def live_rss_item(live: dict, base_url: str) -> str:
    """Render the live blog's item for /rss/all."""
    url = f"{base_url}/live/{live['id']}"
    pub = format_datetime(parse_time(live["published"]))
    return (f"<item><title>{escape(live['title'])}</title><link>{url}</link>"
            f"<description><![CDATA[<p>Live updates.</p>]]></description><pubDate>{pub}</pubDate>"
            f"<guid>{url}</guid><category>Live - News</category></item>")


def shift_modified(article: dict, moment: datetime) -> dict:
    """Return a copy of the article modified at `moment`, with a changed last paragraph.

    Args:
        article: an article record.
        moment: the new modification time (aware).
    """
    updated = json.loads(json.dumps(article))
    updated["modified"] = moment.astimezone(parse_time(article["published"]).tzinfo).isoformat(timespec="seconds")
    note = f"This article was updated at {updated['modified']}."
    updated["blocks"].append({"type": "html", "paragraphs": [note]})
    return updated


def next_second(moment: datetime) -> datetime:
    """Round an aware time up to the next whole second (feeds carry seconds only)."""
    return moment.replace(microsecond=0) + timedelta(seconds=1)
