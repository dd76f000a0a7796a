"""Local mirror of other outlets, each under /<key>/, serving feeds, sitemaps, listings and pages in that outlet's shape.

A source file crawls its mirror by base URL alone: TW_SOURCE_<KEY>_BASE_URL=<mirror>/<key>. Feeds and
sitemaps are dated relative to the moment they are served (a mirror is always "today"), so a source's
age limit behaves as on the live site. Pages of outlets present in ../shared/data/news-pages (BBC, The
Guardian, AP, Reuters) are passed in by the caller; the others are written here after the outlet's markup.

The server is a route table (path, with query when the site uses one -> handler), so tests can add
hostile routes (gzip bombs, redirect loops, 429s...) beside the outlets.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from pipeline.mirror.server import HTML, RSS, TEXT, XML, LocalServer

OUTLETS = ("bbc", "guardian", "ap", "reuters", "kyiv_independent", "meduza_en", "yonhap_en", "rferl")
WRITTEN_OUTLETS = ("kyiv_independent", "meduza_en", "yonhap_en", "rferl")
# Outlets whose real pages are in ../shared/data/news-pages: key -> (country folder, publisher).
SHARED_OUTLETS = {"bbc": ("uk", "BBC"), "guardian": ("uk", "TheGuardian"), "ap": ("us", "APNews"),
                  "reuters": ("us", "Reuters")}


@dataclass
class Reply:
    """One HTTP answer. `chunks` (when set) is sent instead of `body`, for streamed or endless bodies."""

    status: int = 200
    content_type: str | None = HTML
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    chunks: Callable[[], object] | None = None


# A handler gets the mirror's base URL (no trailing slash) and returns a Reply.
Handler = Callable[[str], Reply]


@dataclass(frozen=True)
class Page:
    """An article the mirror serves: where, what, and whether feeds and listings show it."""

    path: str
    title: str
    html: bytes
    listed: bool = True


class OutletMirror(LocalServer):
    """A running outlets mirror on 127.0.0.1; use as a context manager or call stop().

    Attributes:
        base_url: e.g. http://127.0.0.1:51234 (no trailing slash); an outlet lives at base_url + "/<key>".
        routes: path (with query where the site uses one) -> handler; change it to change the site.
    """

    thread_name = "outlets-mirror"

    def __init__(self, routes: dict[str, Handler] | None = None, host: str = "127.0.0.1", port: int = 0):
        self.routes: dict[str, Handler] = dict(routes or {})
        super().__init__(host, port)

    def source_url(self, key: str) -> str:
        """Return the base URL of an outlet on this mirror (what TW_SOURCE_<KEY>_BASE_URL is set to)."""
        return f"{self.base_url}/{key}"

    def answer(self, target: str) -> Reply:
        """Find the handler of a request target (path with query, then path alone) and run it."""
        path = urlsplit(target).path
        handler = self.routes.get(target) or self.routes.get(path)
        if handler is None:
            return Reply(404, HTML, b"<!DOCTYPE html><html><body><h1>Not found</h1></body></html>")
        return handler(self.base_url)


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.0: every response closes its connection."""

    server_version = "OutletMirror/1.0"

    def do_GET(self) -> None:  # noqa: N802 (stdlib name)
        mirror: OutletMirror = self.server.mirror  # type: ignore[attr-defined]
        reply = mirror.answer(self.path)
        mirror.record(self.command, self.path, reply.status, dict(self.headers))
        if reply.delay and mirror.stopping.wait(reply.delay):
            return
        try:
            self.send_response(reply.status)
            if reply.content_type:
                self.send_header("Content-Type", reply.content_type)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.chunks is None:
                self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if reply.chunks is None:
                self.wfile.write(reply.body)
                return
            for chunk in reply.chunks():
                if mirror.stopping.is_set():
                    return
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            return  # the crawler hung up (size limit, timeout): expected

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (stdlib signature)
        """Stay quiet: the mirror keeps its own request log."""


OutletMirror.handler_class = _Handler


def start_outlets(pages: dict[str, list[Page]] | None = None, now: datetime | None = None) -> OutletMirror:
    """Start a mirror of every outlet in OUTLETS and return it.

    Args:
        pages: real pages per outlet key (bbc, guardian, ap, reuters) read from ../shared by the caller;
            an outlet without pages here is left out of the mirror.
        now: the serving moment feeds and sitemaps are dated from (default: now).
    """
    return OutletMirror(outlet_routes(pages or {}, now)).start()


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


def source_overrides(mirror: OutletMirror) -> dict[str, str]:
    """Return TW_SOURCE_<KEY>_BASE_URL settings pointing every outlet this mirror serves at it (for the demo).

    Args:
        mirror: a running outlets mirror.
    """
    served = [key for key in OUTLETS if any(path.startswith(f"/{key}/") and not path.endswith("/robots.txt")
                                            for path in mirror.routes)]
    return {f"TW_SOURCE_{key.upper()}_BASE_URL": mirror.source_url(key) for key in served}


def outlet_routes(pages: dict[str, list[Page]], now: datetime | None = None,
                  written: dict[str, list[Page]] | None = None) -> dict[str, Handler]:
    """Return the routes of every outlet: the written ones always, the real-page ones when pages are given.

    Args:
        pages: real pages per outlet key.
        now: the moment feeds and sitemaps are dated from.
        written: the written outlets' page lists (default: written_pages); feeds read them at each
            request, so a page put in front of a list is published (pipeline.mirror.newsroom).
    """
    now = now or datetime.now(timezone.utc)
    written = written if written is not None else {key: written_pages(key) for key in WRITTEN_OUTLETS}
    routes: dict[str, Handler] = {"/robots.txt": constant(Reply(200, TEXT, ROBOTS.encode()))}
    builders = {"bbc": bbc_routes, "guardian": guardian_routes, "ap": ap_routes, "reuters": reuters_routes}
    for key, builder in builders.items():
        if pages.get(key):
            routes.update(builder(pages[key], now))
    routes.update(kyiv_independent_routes(written["kyiv_independent"], now))
    routes.update(meduza_routes(written["meduza_en"], now))
    routes.update(yonhap_routes(written["yonhap_en"], now))
    routes.update(rferl_routes(written["rferl"], now))
    # The spider asks <base_url>/robots.txt for sitemaps; Scrapy itself obeys the one at the root.
    routes.update({f"/{key}/robots.txt": routes["/robots.txt"] for key in OUTLETS})
    return routes


ROBOTS = """User-agent: *
Disallow: /reuters/pf/
Disallow: /bbc/cbbc/search/
Disallow: /ap/search
"""


# --------------------------------------------------------------------------- small builders

def constant(reply: Reply) -> Handler:
    """A handler that always gives the same reply."""
    return lambda base: reply


def text_reply(render: Callable[[str], str], content_type: str) -> Handler:
    """A handler rendering text from the base URL (feeds and sitemaps name the serving host)."""
    return lambda base: Reply(200, content_type, render(base).encode("utf-8"))


def page_handler(page: Page) -> Handler:
    """A handler serving an article page."""
    return constant(Reply(200, HTML, page.html))


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


# --------------------------------------------------------------------------- outlets with real pages

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


# --------------------------------------------------------------------------- outlets with written pages

# Reporting of the kind Transfer Watch looks for; each outlet's pages wrap it in that outlet's markup.
STORIES = (
    {
        "title": "North Korea shipped more artillery shells to Russia, Seoul says",
        "author": "Kim Soo-yeon",
        "paragraphs": [
            "North Korea has shipped several million artillery shells to Russia since last year, South Korea's "
            "defence ministry said on Thursday, citing containers moved by rail through the port of Rajin.",
            "The ministry said it had tracked about 6,700 containers leaving North Korean ports, enough to carry "
            "more than three million rounds of 152-millimetre ammunition or half a million 122-millimetre rounds.",
            "Moscow and Pyongyang have denied any arms trade, which would breach United Nations Security Council "
            "resolutions that both countries once voted for.",
            "In return, Seoul believes Russia has provided food, raw materials and help with military satellites, "
            "officials said, without giving evidence for the technology transfers.",
        ],
    },
    {
        "title": "Ukraine receives first F-16 fighter jets from Denmark and the Netherlands",
        "author": "Olena Goncharova",
        "paragraphs": [
            "Ukraine has received the first F-16 fighter jets promised by Denmark and the Netherlands, President "
            "Volodymyr Zelensky said on Sunday at an air base in an undisclosed location.",
            "The aircraft arrived more than a year after the allies formed a coalition to train Ukrainian pilots "
            "and supply the American-made jets, which Kyiv has long requested to counter Russian air power.",
            "Denmark has pledged 19 of the aircraft and the Netherlands 24, while Norway and Belgium have also "
            "promised jets to be delivered over the coming years, officials said.",
            "Ukrainian officials did not say how many aircraft had arrived, citing security concerns.",
        ],
    },
    {
        "title": "Iran sent short-range ballistic missiles to Russia, U.S. officials say",
        "author": "Mike Eckel",
        "paragraphs": [
            "Iran has delivered short-range ballistic missiles to Russia for use in its war against Ukraine, "
            "United States officials said on Tuesday, a transfer Tehran has repeatedly denied.",
            "The shipment of Fath-360 missiles arrived at the Caspian port of Astrakhan, according to two "
            "officials who spoke on condition of anonymity to discuss intelligence assessments.",
            "Russian forces have previously used Iranian-designed Shahed drones against Ukrainian cities, and "
            "Moscow has since built its own version of the drone at a plant in Tatarstan.",
            "European governments said they would respond with new sanctions on Iranian shipping companies.",
        ],
    },
)


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


# Older reporting in RFE/RL's archive: the same transfer as its figure grew (days before the mirror's "now").
ARCHIVE = (
    {
        "days_ago": 700,
        "title": "North Korea has sent Russia a million artillery shells, Seoul's spy agency says",
        "author": "RFE/RL",
        "paragraphs": [
            "North Korea has sent Russia more than one million artillery shells, South Korea's National "
            "Intelligence Service told lawmakers on Wednesday.",
            "The agency said the shells were shipped in about ten rounds since August by ship and by air.",
        ],
    },
    {
        "days_ago": 520,
        "title": "Seoul says North Korean shell shipments to Russia near five million",
        "author": "RFE/RL",
        "paragraphs": [
            "North Korea has shipped up to 4.8 million artillery shells to Russia, South Korea's defence "
            "ministry said on Monday, citing some 13,000 containers moved since last year.",
            "Moscow and Pyongyang deny any arms trade between them.",
        ],
    },
    {
        "days_ago": 400,
        "title": "Russia gave North Korea air defence systems, Seoul says",
        "author": "RFE/RL",
        "paragraphs": [
            "Russia has delivered air defence systems to North Korea to protect Pyongyang, South Korea's "
            "national security adviser said on Friday.",
            "He said the equipment was sent in return for troops North Korea deployed to fight Ukraine.",
        ],
    },
)


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
