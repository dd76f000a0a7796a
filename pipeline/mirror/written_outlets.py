"""Outlets whose pages are written here, each in its own markup: Kyiv Independent, Meduza, Yonhap and RFE/RL."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape

from pipeline.mirror.markup import ago, listing, rss, sitemap_index, urlset
from pipeline.mirror.replies import Handler, Page, page_handler, text_reply
from pipeline.mirror.server import HTML, RSS, XML
from pipeline.mirror.stories import ARCHIVE, STORIES

WRITTEN_OUTLETS = ("kyiv_independent", "meduza_en", "yonhap_en", "rferl")


def written_pages(key: str) -> list[Page]:
    """Return the pages written for an outlet without real pages here, in that outlet's markup.

    Args:
        key: the outlet key (kyiv_independent, meduza_en, yonhap_en, rferl).
    """
    published = datetime(2024, 8, 4, 9, 30, tzinfo=timezone.utc)
    return [write_page(key, story, published + timedelta(days=index), index) for index, story in enumerate(STORIES)]


def write_page(key: str, story: dict, moment: datetime, index: int) -> Page:
    """Return a story as a page of a written outlet, at the path and in the markup that outlet uses.

    Args:
        key: the outlet key (kyiv_independent, meduza_en, yonhap_en, rferl).
        story: {"title", "author", "paragraphs"}.
        moment: its publication time.
        index: a number that tells the outlet's ids apart.
    """
    renderers = {"kyiv_independent": (kyiv_independent_path, kyiv_independent_page),
                 "meduza_en": (meduza_path, meduza_page), "yonhap_en": (yonhap_path, yonhap_page),
                 "rferl": (rferl_path, rferl_page)}
    path_of, render = renderers[key]
    path = path_of(story, moment, index)
    return Page(path, story["title"], render(story, moment, path).encode("utf-8"))


def slug(text: str) -> str:
    """A URL slug of a title."""
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def paragraphs(story: dict) -> str:
    return "".join(f"<p>{escape(text)}</p>" for text in story["paragraphs"])


def json_ld(kind: str, story: dict, moment: datetime, url_path: str) -> str:
    data = {"@context": "https://schema.org", "@type": kind, "headline": story["title"],
            "datePublished": moment.isoformat(), "author": [{"@type": "Person", "name": story["author"]}]}
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def kyiv_independent_path(story: dict, moment: datetime, index: int) -> str:
    return f"/{slug(story['title'])}/"


def kyiv_independent_page(story: dict, moment: datetime, path: str) -> str:
    """A Ghost theme article page: article.post, h1.post__title, div.post__content, membership banner."""
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(story['title'])}</title>
<meta name="generator" content="Ghost 5.82"><meta property="og:type" content="article"><meta property="og:title" content="{escape(story['title'])}">
<meta property="article:published_time" content="{moment.isoformat()}">
<meta property="article:tag" content="Ukraine">{json_ld("Article", story, moment, path)}</head>
<body class="post-template"><header class="site-header"><a href="/">The Kyiv Independent</a>
<nav><a href="/news-archive/">News Feed</a> <a href="/tag/war/">War</a> <a href="/tag/opinion/">Opinion</a></nav></header>
<main><article class="post"><header class="post__header"><div class="post__tags"><a href="/tag/war/">War</a></div>
<h1 class="post__title">{escape(story['title'])}</h1>
<div class="post__authors"><a class="post__author-name" href="/author/{slug(story['author'])}/">{escape(story['author'])}</a></div>
<time class="post__date" datetime="{moment.date().isoformat()}">{moment:%B %-d, %Y}</time></header>
<div class="post__content">{paragraphs(story)}
<div class="membership-cta"><p>Support independent journalism in Ukraine. Become a member today.</p></div></div>
</article></main><footer class="site-footer"><p>The Kyiv Independent © 2024</p></footer></body></html>"""


def kyiv_independent_routes(pages: list[Page], now: datetime) -> dict[str, Handler]:
    """The Kyiv Independent (Ghost): /rss/ with CDATA fields and non-permalink guids; /news-archive/ listing."""
    def feed(base: str) -> str:
        items = [f"<item><title><![CDATA[{p.title}]]></title><description><![CDATA[{p.title}]]></description>"
                 f"<link>{base}/kyiv_independent{p.path}</link><guid isPermaLink=\"false\">65f0c1{i:06d}</guid>"
                 f"<category><![CDATA[War]]></category><dc:creator><![CDATA[Staff]]></dc:creator>"
                 f"<pubDate>{format_datetime(ago(now, i))}</pubDate></item>" for i, p in enumerate(pages) if p.listed]
        return rss(base, "The Kyiv Independent", "https://kyivindependent.com/", items,
                   ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/"')

    def archive(base: str) -> str:
        links = [(f"{base}/kyiv_independent{p.path}", p.title) for p in pages if p.listed]
        links += [(f"{base}/kyiv_independent/tag/war/", "War"), (f"{base}/kyiv_independent/news-archive/", "News"),
                  (f"{base}/kyiv_independent/author/olena-goncharova/", "Olena Goncharova")]
        return listing("News Feed - The Kyiv Independent", links)

    routes = {"/kyiv_independent/rss/": text_reply(feed, RSS), "/kyiv_independent/news-archive/": text_reply(archive, HTML)}
    routes.update({f"/kyiv_independent{p.path}": page_handler(p) for p in pages})
    return routes


def meduza_path(story: dict, moment: datetime, index: int) -> str:
    kind = "feature" if index == 1 else "news"
    return f"/en/{kind}/{moment:%Y/%m/%d}/{slug(story['title'])}"


def meduza_page(story: dict, moment: datetime, path: str) -> str:
    """A Meduza (Next.js) page: #__next, h1[data-testid=simple-title], div.GeneralMaterial-article."""
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(story['title'])} — Meduza</title>
<meta property="og:type" content="article"><meta property="og:title" content="{escape(story['title'])}">
<meta property="article:published_time" content="{moment.isoformat()}">{json_ld("NewsArticle", story, moment, path)}</head><body><div id="__next"><div class="Layout-root">
<header class="Header-root"><a href="/en">Meduza</a><a href="/en/news">News</a><a href="/en/feature">Features</a></header>
<div class="GeneralMaterial-root"><div class="GeneralMaterial-materialHeader">
<h1 class="SimpleTitle-root" data-testid="simple-title">{escape(story['title'])}</h1>
<div class="MaterialMeta-root"><time data-testid="timestamp" datetime="{moment.isoformat()}">{moment:%-I:%M %p, %B %-d, %Y}</time>
<span class="MaterialMeta-source">Source: Meduza</span></div></div>
<div class="GeneralMaterial-article" data-testid="article">{paragraphs(story)}</div>
<div class="DonatesTeaser-root"><p>Meduza is banned in Russia. Support our work with a donation.</p></div></div>
</div></div></body></html>"""


def meduza_routes(pages: list[Page], now: datetime) -> dict[str, Handler]:
    """Meduza (English): /rss/en/all, links without query, guid = link."""
    def feed(base: str) -> str:
        items = [f"<item><title>{escape(p.title)}</title><link>{base}/meduza_en{p.path}</link>"
                 f"<guid>{base}/meduza_en{p.path}</guid><pubDate>{format_datetime(ago(now, i))}</pubDate>"
                 f"<description>{escape(p.title)}</description></item>" for i, p in enumerate(pages) if p.listed]
        items.append(f"<item><title>The Naked Pravda podcast</title><link>{base}/meduza_en/en/podcasts/the-naked-pravda"
                     f"</link><pubDate>{format_datetime(ago(now, 0))}</pubDate></item>")
        return rss(base, "Meduza", "https://meduza.io/en", items)

    routes = {"/meduza_en/rss/en/all": text_reply(feed, RSS)}
    routes.update({f"/meduza_en{p.path}": page_handler(p) for p in pages})
    return routes


def yonhap_path(story: dict, moment: datetime, index: int) -> str:
    return f"/view/AEN{moment:%Y%m%d}00{index + 1}{'3' if index % 2 else '5'}00315"


def yonhap_page(story: dict, moment: datetime, path: str) -> str:
    """A Yonhap English page: div.content03 with h1.tit, article.story-news with a dateline paragraph."""
    first, *rest = story["paragraphs"]
    body = f"<p>SEOUL, {moment:%B %-d} (Yonhap) -- {escape(first)}</p>" + "".join(f"<p>{escape(t)}</p>" for t in rest)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(story['title'])} | Yonhap News Agency</title>
<meta property="og:title" content="{escape(story['title'])}"><meta property="article:published_time" content="{moment.isoformat()}">
</head><body><div id="header"><a href="/">Yonhap News Agency</a>
<a href="/nk/index">N. Korea</a></div><div class="container"><div class="content03"><div class="inner">
<h1 class="tit">{escape(story['title'])}</h1><p class="txt-time">{moment:%Y-%m-%d %H:%M}</p></div></div>
<div class="content01"><article class="story-news article">{body}<p class="adrs">(END)</p></article>
<aside class="aside-box"><h2>Most Viewed</h2><ul><li><a href="/view/AEN20240101000100315">Older story</a></li></ul></aside>
</div></div></body></html>"""


def yonhap_routes(pages: list[Page], now: datetime) -> dict[str, Handler]:
    """Yonhap (English): /RSS/<section>.xml with ?input=rss on links; /nk/index listing."""
    def feed(base: str) -> str:
        items = [f"<item><title><![CDATA[{p.title}]]></title><link>{base}/yonhap_en{p.path}?input=rss</link>"
                 f"<description><![CDATA[{p.title}]]></description><pubDate>{format_datetime(ago(now, i))}</pubDate>"
                 f"<guid>{base}/yonhap_en{p.path}</guid></item>" for i, p in enumerate(pages) if p.listed]
        return rss(base, "Yonhap News Agency", "https://en.yna.co.kr", items)

    def nk(base: str) -> str:
        return listing("N. Korea | Yonhap News Agency",
                       [(f"/yonhap_en{p.path}", p.title) for p in pages if p.listed] + [("/yonhap_en/nk/index", "N. Korea")])

    routes = {"/yonhap_en/RSS/news.xml": text_reply(feed, RSS), "/yonhap_en/RSS/northkorea.xml": text_reply(feed, RSS),
              "/yonhap_en/nk/index": text_reply(nk, HTML)}
    routes.update({f"/yonhap_en{p.path}": page_handler(p) for p in pages})
    return routes


def rferl_path(story: dict, moment: datetime, index: int) -> str:
    return f"/a/{slug(story['title'])[:60].rstrip('-')}/{33060100 + index}.html"


def rferl_page(story: dict, moment: datetime, path: str) -> str:
    """A Pangea CMS page (RFE/RL, VOA): h1.pg-title, time[pubdate], div#article-content div.wsw."""
    return f"""<!DOCTYPE html><html lang="en" dir="ltr"><head><meta charset="utf-8"><title>{escape(story['title'])}</title>
<meta property="og:type" content="article"><meta property="og:title" content="{escape(story['title'])}">
<meta name="author" content="{escape(story['author'])}">{json_ld("NewsArticle", story, moment, path)}</head><body><div class="hdr"><a href="/">RFE/RL</a>
<a href="/z/632">Ukraine</a></div><div class="container"><div class="col-title"><h1 class="title pg-title">{escape(story['title'])}</h1></div>
<div class="published"><span class="date"><time pubdate="pubdate" datetime="{moment.isoformat()}">{moment:%B %d, %Y %H:%M GMT}</time></span></div>
<div class="links"><a class="links__item-link" href="/author/{slug(story['author'])}/ppp.html">{escape(story['author'])}</a></div>
<div id="article-content" class="content-floated-wrap fb-quotable"><div class="wsw">{paragraphs(story)}</div></div>
<div class="media-block-wrap"><h2>Related</h2><a href="/a/older-story/32000001.html">An older story</a></div>
</div></body></html>"""


def rferl_routes(pages: list[Page], now: datetime) -> dict[str, Handler]:
    """RFE/RL (Pangea): /api/<code> RSS whose guids are the short /a/<id>.html; a sitemap index whose older
    children are the archive (dated months back: only a history walk reads them)."""
    archive = rferl_archive(now)

    def feed(base: str) -> str:
        items = [f"<item><title>{escape(p.title)}</title><link>{base}/rferl{p.path}</link>"
                 f"<guid>{base}/rferl/a/{p.path.rsplit('/', 1)[1]}</guid><pubDate>{format_datetime(ago(now, i))}</pubDate>"
                 f"<category>Ukraine</category><description>{escape(p.title)}</description></item>"
                 for i, p in enumerate(pages) if p.listed]
        return rss(base, "RFE/RL", "https://www.rferl.org", items)

    def index(base: str) -> str:
        return sitemap_index([(f"{base}/rferl/sitemap_1.xml", ago(now, 0))]
                             + [(f"{base}/rferl/sitemap_{n}.xml", moment) for n, (_, moment) in enumerate(archive, 2)])

    def fresh(base: str) -> str:
        return urlset([f"<url><loc>{base}/rferl{p.path}</loc><lastmod>{ago(now, i).isoformat()}</lastmod></url>"
                       for i, p in enumerate(pages)])

    def old(page: Page, moment: datetime) -> Handler:
        return text_reply(lambda base: urlset([f"<url><loc>{base}/rferl{page.path}</loc>"
                                               f"<lastmod>{moment.isoformat()}</lastmod></url>"]), XML)

    routes = {"/rferl/api/zrqiteuuir": text_reply(feed, RSS), "/rferl/sitemap.xml": text_reply(index, XML),
              "/rferl/sitemap_1.xml": text_reply(fresh, XML)}
    for n, (page, moment) in enumerate(archive, 2):
        routes[f"/rferl/sitemap_{n}.xml"] = old(page, moment)
        routes[f"/rferl{page.path}"] = page_handler(page)
    routes.update({f"/rferl{p.path}": page_handler(p) for p in pages})
    return routes


def rferl_archive(now: datetime) -> list[tuple[Page, datetime]]:
    """Return RFE/RL's archived pages with their publication moments, oldest first.

    Args:
        now: the mirror's serving moment; archive stories are dated days before it.
    """
    archive = []
    for index, story in enumerate(ARCHIVE):
        moment = (now - timedelta(days=story["days_ago"])).replace(microsecond=0)
        path = f"/a/{slug(story['title'])[:60].rstrip('-')}/{31000001 + index}.html"
        archive.append((Page(path, story["title"], rferl_page(story, moment, path).encode("utf-8"), listed=False),
                        moment))
    return archive
