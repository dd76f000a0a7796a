"""HTML pages of the local Moscow Times mirror: article pages, section listings and the live blog.

The markup follows ../shared/docs/moscow-times-site.md (the real site's structure, mid-2024). Every function
takes the base URL, so links and canonicals name whatever host serves them.
"""

from __future__ import annotations

import json
from datetime import datetime
from html import escape

from pipeline.mirror.articles import (
    SITE_NAME,
    article_path,
    article_url,
    author_names,
    excerpt,
    is_updated,
    parse_time,
    slugify,
)

LISTING_PAGE_SIZE = 18
LISTING_SECTIONS = ("news", "ukraine-war", "opinion", "business", "arts-and-life", "climate",
                    "diaspora", "features", "lectures")
NAV_LINKS = (("/news", "News"), ("/ukraine-war", "Ukraine War"), ("/opinion", "Opinion"),
             ("/business", "Business"), ("/arts-and-life", "Arts and Life"), ("/podcasts", "Podcasts"))


def human_date(moment: datetime) -> str:
    """Format a date the way the byline shows it ("November 01, 2023")."""
    return moment.strftime("%B %d, %Y")


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


def render_live_page(live: dict, base_url: str) -> str:
    """Render a minimal live blog page (not an article: no a<id> URL)."""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(live["title"])}</title>'
            f'<link rel="canonical" href="{base_url}/live/{live["id"]}"></head><body>{render_site_header(base_url)}'
            f'<main class="container"><div class="live-blog"><h1>{escape(live["title"])}</h1>'
            f'<div class="live-blog__entry"><p>Live updates appear here.</p></div></div></main>'
            f'{render_site_footer(base_url)}</body></html>')
