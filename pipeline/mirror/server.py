"""The mirror's HTTP server: stdlib ThreadingHTTPServer serving the generated site on 127.0.0.1."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from pipeline.mirror import articles, feeds, templates

HTML = "text/html; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
XML = "application/xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
# A 1x1 transparent GIF, so pages viewed in a browser show no broken images.
PIXEL = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")

ARTICLE_PATH = re.compile(r"^/(\d{4})/(\d{2})/(\d{2})/[^/]*-a(\d+)(?:/pdf)?/?$")
AMP_PATH = re.compile(r"^/amp(/\d{4}/\d{2}/\d{2}/[^/]*-a\d+)/?$")
SECTION_PATH = re.compile(r"^/(" + "|".join(templates.LISTING_SECTIONS) + r")(?:/(\d+))?/?$")


@dataclass(frozen=True)
class LoggedRequest:
    """One request a local server received; status 0 marks a slow page logged before its late answer."""

    method: str
    path: str
    status: int
    headers: dict = field(default_factory=dict, compare=False)


class LocalServer:
    """A stdlib ThreadingHTTPServer on 127.0.0.1 in a background thread, with a request log.

    Subclasses set `handler_class`; the handler reaches the server object as `self.server.mirror`.

    Attributes:
        base_url: e.g. http://127.0.0.1:51234 (no trailing slash).
        stopping: set when the server stops, so slow answers can be cut short.
    """

    handler_class: type[BaseHTTPRequestHandler]
    thread_name = "local-server"

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self._lock = threading.Lock()
        self._log: list[LoggedRequest] = []
        self._hits: dict[str, int] = {}
        self.stopping = threading.Event()
        self._httpd = ThreadingHTTPServer((host, port), self.handler_class)
        self._httpd.daemon_threads = True
        self._httpd.mirror = self  # type: ignore[attr-defined]
        bound_host, bound_port = self._httpd.server_address[:2]
        self.base_url = f"http://{bound_host}:{bound_port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, name=self.thread_name, daemon=True)

    def start(self):
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (slow responses are cut short) and release the port."""
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def record(self, method: str, path: str, status: int, headers: dict | None = None) -> None:
        """Append a request to the log (called by the handler)."""
        with self._lock:
            self._log.append(LoggedRequest(method, path, status, dict(headers or {})))

    @property
    def requests(self) -> list[LoggedRequest]:
        """Every request answered so far, in order."""
        with self._lock:
            return list(self._log)

    def paths(self) -> list[str]:
        """The paths (with query) of every request so far."""
        return [entry.path for entry in self.requests]

    def clear_log(self) -> None:
        """Forget the requests logged so far."""
        with self._lock:
            self._log.clear()

    def count_hit(self, key: str) -> int:
        """Count a hit on a stateful resource and return how many came before."""
        with self._lock:
            before = self._hits.get(key, 0)
            self._hits[key] = before + 1
            return before


class MirrorServer(LocalServer):
    """A running Moscow Times mirror; use as a context manager or call stop().

    Attributes:
        base_url: e.g. http://127.0.0.1:51234 (no trailing slash).
        faults: whether fault pages (500, 404, slow, huge, data loss, flaky) are listed.
    """

    thread_name = "mirror"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, faults: bool = False,
                 slow_seconds: float = 5.0, data_file: Path = articles.ARTICLES_FILE):
        self.faults = faults
        self.slow_seconds = slow_seconds
        self.data = articles.load_site(data_file)
        self._articles = {a["id"]: a for a in self.data["articles"] + self.data["faults"]}
        super().__init__(host, port)

    # --- what the site lists -------------------------------------------------------------------

    def article(self, article_id: int) -> dict | None:
        """Return the current record of an article (fault pages included)."""
        return self._articles.get(article_id)

    def listed_articles(self) -> list[dict]:
        """Articles in feeds and listings (fault pages only when faults are on)."""
        listed = {"feeds", "faults"} if self.faults else {"feeds"}
        return [a for a in self._articles.values() if a["listed"] in listed]

    def sitemap_articles(self) -> list[dict]:
        """Articles in the monthly sitemaps (normal ones plus sitemap-only older ones)."""
        return [a for a in self._articles.values() if a["listed"] in {"feeds", "sitemap"}]

    def expected_articles(self) -> list[dict]:
        """Articles a full crawl stores: listed or in the sitemaps, minus pages that always fail."""
        failing = {"http_500", "http_404", "slow", "huge", "dataloss", "robots"}
        found = {a["id"]: a for a in self.listed_articles() + self.sitemap_articles()}
        return [a for a in found.values() if a.get("fault") not in failing]

    def touch_article(self, article_id: int, moment: datetime | None = None) -> dict:
        """Mark an article as updated (new modified time, changed text) and return the new record.

        Args:
            article_id: the article's numeric id.
            moment: the modification time; defaults to now rounded up to the next second.
        """
        moment = moment or articles.next_second(datetime.now(timezone.utc))
        with self._lock:
            updated = articles.shift_modified(self._articles[article_id], moment)
            self._articles[article_id] = updated
        return updated

    # --- routing -------------------------------------------------------------------------------

    def route(self, path: str) -> tuple[int, str, bytes | str, dict]:
        """Answer a GET path with (status, content type, body, extra headers) or a fault marker."""
        base = self.base_url
        listed = self.listed_articles()
        if path == "/robots.txt":
            forbidden = [articles.article_path(a) for a in listed if a.get("fault") == "robots"]
            return 200, TEXT, feeds.render_robots(base, forbidden), {}
        if path in {"/", ""}:
            return 200, HTML, templates.render_listing(articles.newest_first(listed), base, "news"), {}
        if path.startswith("/rss/"):
            return self.route_feed(path.removeprefix("/rss/").strip("/"), listed)
        if path.startswith("/sitemap/"):
            return self.route_sitemap(path.removeprefix("/sitemap/"), listed)
        if path.startswith("/broken/"):
            return 0, "fault", path.removeprefix("/broken/").strip("/"), {}
        if (match := SECTION_PATH.match(path)):
            return self.route_listing(match.group(1), int(match.group(2) or 0), listed)
        if (match := AMP_PATH.match(path)):
            path = match.group(1)
        if (match := ARTICLE_PATH.match(path)):
            return self.route_article(int(match.group(4)))
        if (match := re.match(r"^/all/(\d+)/?$", path)):
            article = self.article(int(match.group(1)))
            if article and not article.get("fault"):
                return 200, HTML, templates.render_article(article, base, fragment=True), {}
        if (match := re.match(r"^/live/(\d+)/?$", path)):
            return 200, HTML, templates.render_live_page(self.data["extra_pages"]["live"], base), {}
        if path.startswith("/preview/"):
            return 200, HTML, "<!DOCTYPE html><html><body><p>Preview (robots.txt disallows it).</p></body></html>", {}
        if re.match(r"^/(tag|author|all-about)/[^/]+/?$", path):
            return 200, HTML, templates.render_listing(articles.newest_first(listed), base, "news"), {}
        if path.startswith(("/image/", "/img/")):
            return 200, "image/gif", PIXEL, {}
        return 404, HTML, "<!DOCTYPE html><html><body><h1>Page not found</h1></body></html>", {}

    def route_feed(self, feed: str, listed: list[dict]) -> tuple[int, str, str, dict]:
        """Answer /rss/<feed>."""
        base = self.base_url
        utm_ids = {a["id"] for a in listed if a.get("utm_in_rss")}
        if feed == "all":
            live = feeds.live_rss_item(self.data["extra_pages"]["live"], base)
            normal = [a for a in listed if a["listed"] != "faults"]
            return 200, RSS, feeds.render_rss(normal, base, "all", extra_items=[live]), {}
        if feed in feeds.SECTION_FEEDS:
            return 200, RSS, feeds.render_rss(listed, base, feed, utm_ids=utm_ids), {}
        return 404, HTML, "<html><body>No such feed</body></html>", {}

    def route_sitemap(self, name: str, listed: list[dict]) -> tuple[int, str, str, dict]:
        """Answer /sitemap/... (index, monthly children, news index, news sitemaps)."""
        base = self.base_url
        in_sitemaps = self.sitemap_articles()
        if name == "sitemap.xml":
            return 200, XML, feeds.render_sitemap_index(in_sitemaps, base), {}
        if (match := re.match(r"^(\d{4})-(\d{1,2})\.xml$", name)):
            year, month = int(match.group(1)), int(match.group(2))
            if (year, month) in feeds.sitemap_months(in_sitemaps) and not match.group(2).startswith("0"):
                return 200, XML, feeds.render_month_sitemap(in_sitemaps, base, year, month), {}
        news = [a for a in listed if a["listed"] == "feeds"]
        if name == "newsmap.xml":
            return 200, XML, feeds.render_news_index(news, base), {}
        if (match := re.match(r"^news/([a-z-]+)\.xml$", name)) and match.group(1) in feeds.news_sitemap_names(news):
            return 200, XML, feeds.render_news_sitemap(news, base, match.group(1)), {}
        return 404, HTML, "<html><body>No such sitemap</body></html>", {}

    def route_listing(self, section: str, offset: int, listed: list[dict]) -> tuple[int, str, str, dict]:
        """Answer a section listing; /news/ also carries a utm variant and a /preview/ link."""
        base = self.base_url
        if section == "news":
            chosen = [a for a in listed if a["type"] == "News"]
        else:
            chosen = [a for a in listed if articles.section_slug(a) == section]
        extra = []
        if section == "news" and offset == 0:
            for article in listed:
                if article.get("utm_in_rss"):
                    url = articles.article_url(article, base) + "?utm_source=listing&utm_medium=promo"
                    extra.append(f'<div class="promo"><a href="{url}">{article["title"]}</a></div>')
            preview = self.data["extra_pages"]["preview"]
            extra.append(f'<div class="promo"><a href="{base}/preview/{preview["date"]}/{preview["slug"]}'
                         f'-a{preview["id"]}">{preview["title"]}</a></div>')
        page = templates.render_listing(articles.newest_first(chosen), base, section, offset, extra_links=extra)
        return 200, HTML, page, {}

    def route_article(self, article_id: int) -> tuple[int, str, bytes | str, dict]:
        """Answer an article URL by its id alone (the slug is ignored, as on the real site)."""
        article = self.article(article_id)
        if article is None:
            return 404, HTML, "<!DOCTYPE html><html><body><h1>Page not found</h1></body></html>", {}
        fault = article.get("fault")
        if fault == "flaky" and self.count_hit(f"article:{article_id}") == 0:
            return 503, HTML, "<html><body>Service temporarily unavailable</body></html>", {}
        if fault and fault not in {"flaky", "robots"}:
            return 0, "fault", fault, {"article": article}
        others = articles.newest_first([a for a in self._articles.values() if a["listed"] == "feeds"])
        return 200, HTML, templates.render_article(article, self.base_url, others), {}


class _Handler(BaseHTTPRequestHandler):
    """Routes requests to the MirrorServer; HTTP/1.0 so every response closes its connection."""

    server_version = "MoscowTimesMirror/1.0"

    def do_GET(self) -> None:  # noqa: N802 (stdlib name)
        self.answer(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self.answer(send_body=False)

    def answer(self, send_body: bool) -> None:
        mirror: MirrorServer = self.server.mirror  # type: ignore[attr-defined]
        path = urlsplit(self.path).path
        status, content_type, body, extra = mirror.route(path)
        if content_type == "fault" and body == "slow":
            # Logged on arrival with status 0: the client has usually given up before the answer.
            mirror.record(self.command, self.path, 0)
            self.play_fault(mirror, "slow", extra.get("article"), send_body)
            return
        if content_type == "fault":
            status = self.play_fault(mirror, str(body), extra.get("article"), send_body)
            mirror.record(self.command, self.path, status)
            return
        data = body.encode("utf-8") if isinstance(body, str) else body
        mirror.record(self.command, self.path, status)
        self.send_whole(status, content_type, data, send_body)

    def send_whole(self, status: int, content_type: str, data: bytes, send_body: bool = True) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if send_body:
            self.wfile.write(data)

    def play_fault(self, mirror: MirrorServer, fault: str, article: dict | None, send_body: bool) -> int:
        """Play a failure: http_500/500, http_404/404, slow, huge, dataloss, truncated. Returns the status."""
        page = templates.render_article(article, mirror.base_url) if article else _broken_page(mirror.base_url)
        try:
            if fault in {"http_500", "500"}:
                self.send_whole(500, HTML, b"<html><body><h1>Internal Server Error</h1></body></html>", send_body)
                return 500
            if fault in {"http_404", "404"}:
                self.send_whole(404, HTML, b"<html><body><h1>Page not found</h1></body></html>", send_body)
                return 404
            if fault == "slow":
                if mirror.stopping.wait(mirror.slow_seconds):
                    return 0
                self.send_whole(200, HTML, page.encode(), send_body)
                return 200
            if fault == "huge":
                return self.send_huge(page, send_body)
            if fault == "dataloss":
                data = page.encode()
                self.send_response(200)
                self.send_header("Content-Type", HTML)
                self.send_header("Content-Length", str(len(data) * 2))
                self.end_headers()
                if send_body:
                    self.wfile.write(data[: len(data) // 2])
                self.close_connection = True
                return 200
            if fault == "truncated":
                # Valid HTTP, but the HTML stops in the middle of the article body.
                data = page.encode()
                self.send_whole(200, HTML, data[: data.index(b"article__content") + 400], send_body)
                return 200
        except (BrokenPipeError, ConnectionResetError):
            return 0
        self.send_whole(404, HTML, b"<html><body>Unknown fault</body></html>", send_body)
        return 404

    def send_huge(self, page: str, send_body: bool) -> int:
        """Send a 6 MB page (above the spider's 5 MB DOWNLOAD_MAXSIZE)."""
        filler = ("<p>" + "padding " * 127 + "</p>\n").encode()
        repeats = (6 * 1024 * 1024) // len(filler) + 1
        head, tail = page.encode().split(b"</body>", 1)
        self.send_response(200)
        self.send_header("Content-Type", HTML)
        self.send_header("Content-Length", str(len(head) + len(filler) * repeats + len(tail) + 7))
        self.end_headers()
        if send_body:
            self.wfile.write(head)
            for _ in range(repeats):
                self.wfile.write(filler)
            self.wfile.write(b"</body>" + tail)
        return 200

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (stdlib signature)
        """Stay quiet: the mirror keeps its own request log."""


def _broken_page(base_url: str) -> str:
    """A plain article-like page for the /broken/... paths."""
    article = articles.fault_article({"id": 990999, "slug": "broken-page", "title": "Broken Page"})
    return templates.render_article(article, base_url)


MirrorServer.handler_class = _Handler


def start_mirror(host: str = "127.0.0.1", port: int = 0, faults: bool = False,
                 slow_seconds: float = 5.0) -> MirrorServer:
    """Start the mirror in a background thread and return it (call .stop() or use `with`).

    Args:
        host: interface to bind; keep 127.0.0.1.
        port: TCP port; 0 picks a free one.
        faults: list the fault pages (500, 404, slow, huge, data loss, flaky, robots-disallowed) in /news/
            and /rss/news.
        slow_seconds: how long the slow page waits before answering.
    """
    return MirrorServer(host, port, faults=faults, slow_seconds=slow_seconds).start()
