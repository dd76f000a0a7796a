"""Outlets mirrored with their real pages from ../shared/data/news-pages: BBC, The Guardian, AP and Reuters."""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from pipeline.mirror.markup import ago, listing, news_url, rss, sitemap_index, urlset
from pipeline.mirror.replies import Handler, Page, page_handler, text_reply
from pipeline.mirror.server import HTML, RSS, XML

# Outlets whose real pages are in ../shared/data/news-pages: key -> (country folder, publisher).
SHARED_OUTLETS = {"bbc": ("uk", "BBC"), "guardian": ("uk", "TheGuardian"), "ap": ("us", "APNews"),
                  "reuters": ("us", "Reuters")}


def read_shared_pages(news_pages: Path, key: str) -> list[Page]:
    """Return an outlet's real pages from news-pages/, at their live paths, titled as the publisher's JSON says.

    Args:
        news_pages: the ../shared/data/news-pages folder.
        key: an outlet key in SHARED_OUTLETS.
    """
    country, publisher = SHARED_OUTLETS[key]
    folder = news_pages / country
    meta = json.loads((folder / "meta.info").read_text(encoding="utf-8"))
    expected = json.loads((folder / f"{publisher}.json").read_text(encoding="utf-8"))
    files = sorted(folder.glob(f"{publisher}_*.html.gz"))
    # The publisher's JSON keys, sorted, line up with its pages sorted by date (see data/README.md).
    return [Page(urlsplit(meta[f.name]["url"]).path, expected[k]["title"], gzip.decompress(f.read_bytes()))
            for f, k in zip(files, sorted(expected))]


def bbc_routes(pages: list[Page], now: datetime) -> dict[str, Handler]:
    """BBC: RSS on feeds.bbci.co.uk (tracking query on links, non-permalink guids), a Google News sitemap index."""
    def feed(base: str) -> str:
        items = [f"<item><title><![CDATA[{p.title}]]></title><description><![CDATA[{p.title}.]]></description>"
                 f"<link>{base}/bbc{p.path}?at_medium=RSS&amp;at_campaign=rss</link>"
                 f'<guid isPermaLink="false">{base}/bbc{p.path}#{i}</guid><pubDate>{format_datetime(ago(now, i))}'
                 "</pubDate></item>" for i, p in enumerate(pages) if p.listed]
        # Feeds also carry video and sport items, which are not news articles.
        items.append(f"<item><title>Watch: the day in pictures</title><link>{base}/bbc/news/av/world-68000001"
                     f"</link><pubDate>{format_datetime(ago(now, 0))}</pubDate></item>")
        items.append(f"<item><title>Football results</title><link>{base}/bbc/sport/football/68000002</link>"
                     f"<pubDate>{format_datetime(ago(now, 1))}</pubDate></item>")
        return rss(base, "BBC News - World", "https://www.bbc.co.uk/news/world", items,
                   ' xmlns:media="http://search.yahoo.com/mrss/" xmlns:atom="http://www.w3.org/2005/Atom"')

    def index(base: str) -> str:
        return sitemap_index([(f"{base}/bbc/sitemaps/https-sitemap-com-news-1.xml", ago(now, 0))])

    def child(base: str) -> str:
        return urlset([news_url(f"{base}/bbc{p.path}", p.title, ago(now, i), "BBC News")
                       for i, p in enumerate(pages)], news=True)

    routes = {f"/bbc/news/world{part}/rss.xml": text_reply(feed, RSS) for part in ("", "/europe", "/asia")}
    routes["/bbc/sitemaps/https-index-com-news.xml"] = text_reply(index, XML)
    routes["/bbc/sitemaps/https-sitemap-com-news-1.xml"] = text_reply(child, XML)
    routes.update({f"/bbc{p.path}": page_handler(p) for p in pages})
    return routes


def guardian_routes(pages: list[Page], now: datetime) -> dict[str, Handler]:
    """The Guardian: <section>/rss feeds with dc:creator, a Google News urlset at /sitemaps/news.xml."""
    def feed(base: str) -> str:
        items = [f"<item><title>{escape(p.title)}</title><link>{base}/guardian{p.path}</link>"
                 f"<description>&lt;p&gt;{escape(p.title)}&lt;/p&gt;</description>"
                 f"<category domain=\"https://www.theguardian.com/world/world\">World news</category>"
                 f"<pubDate>{format_datetime(ago(now, i))}</pubDate><guid>{base}/guardian{p.path}</guid>"
                 "<dc:creator>Guardian staff reporter</dc:creator></item>" for i, p in enumerate(pages) if p.listed]
        return rss(base, "World news | The Guardian", "https://www.theguardian.com/world", items,
                   ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/"')

    def news(base: str) -> str:
        return urlset([news_url(f"{base}/guardian{p.path}", p.title, ago(now, i), "The Guardian")
                       for i, p in enumerate(pages)], news=True)

    routes = {f"/guardian{path}/rss": text_reply(feed, RSS)
              for path in ("/world", "/world/ukraine", "/world/russia", "/world/north-korea")}
    routes["/guardian/sitemaps/news.xml"] = text_reply(news, XML)
    routes.update({f"/guardian{p.path}": page_handler(p) for p in pages})
    return routes


def ap_routes(pages: list[Page], now: datetime) -> dict[str, Handler]:
    """AP News: no RSS; a Google News sitemap and hub pages of PagePromo cards linking /article/<slug>-<hex>."""
    def news(base: str) -> str:
        return urlset([news_url(f"{base}/ap{p.path}", p.title, ago(now, i), "Associated Press")
                       for i, p in enumerate(pages)], news=True)

    def hub(base: str) -> str:
        links = [(f"/ap{p.path}", p.title) for p in pages if p.listed]
        links += [("/ap/hub/ukraine", "Ukraine"), ("/ap/video/ukraine-war-abc123", "Video"),
                  ("/ap/author/thomas-beaumont", "Thomas Beaumont")]
        return listing("Russia-Ukraine war | AP News", links)

    routes = {"/ap/news-sitemap-content.xml": text_reply(news, XML)}
    for path in ("/hub/russia-ukraine", "/hub/north-korea", "/world-news"):
        routes[f"/ap{path}"] = text_reply(hub, HTML)
    routes.update({f"/ap{p.path}": page_handler(p) for p in pages})
    return routes


def reuters_routes(pages: list[Page], now: datetime) -> dict[str, Handler]:
    """Reuters: the Arc outboundfeeds news sitemap index and children, addressed with ?outputType=xml."""
    def index(base: str) -> str:
        return sitemap_index([(f"{base}/reuters/arc/outboundfeeds/news-sitemap/?outputType=xml&from=0", ago(now, 0))])

    def child(base: str) -> str:
        return urlset([news_url(f"{base}/reuters{p.path}", p.title, ago(now, i), "Reuters")
                       for i, p in enumerate(pages)], news=True)

    routes = {
        "/reuters/arc/outboundfeeds/news-sitemap-index/?outputType=xml": text_reply(index, XML),
        "/reuters/arc/outboundfeeds/news-sitemap/?outputType=xml&from=0": text_reply(child, XML),
    }
    routes.update({f"/reuters{p.path}": page_handler(p) for p in pages})
    return routes
