"""Local mirror of other outlets, each under /<key>/, serving feeds, sitemaps, listings and pages in that outlet's shape.

A source file crawls its mirror by base URL alone: TW_SOURCE_<KEY>_BASE_URL=<mirror>/<key>. Feeds and
sitemaps are dated relative to the moment they are served (a mirror is always "today"), so a source's
age limit behaves as on the live site. Pages of outlets present in ../shared/data/news-pages (BBC, The
Guardian, AP, Reuters) are passed in by the caller; the others are written here after the outlet's markup.

The server is a route table (path, with query when the site uses one -> handler), so tests can add
hostile routes (gzip bombs, redirect loops, 429s...) beside the outlets. Each outlet's routes are built in
shared_outlets (real pages) or written_outlets (pages written here).
"""

from __future__ import annotations

from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from pipeline.mirror.replies import Handler, Page, Reply, constant
from pipeline.mirror.server import HTML, TEXT, LocalServer
from pipeline.mirror.shared_outlets import ap_routes, bbc_routes, guardian_routes, reuters_routes
from pipeline.mirror.written_outlets import (
    WRITTEN_OUTLETS,
    kyiv_independent_routes,
    meduza_routes,
    rferl_routes,
    written_pages,
    yonhap_routes,
)

OUTLETS = ("bbc", "guardian", "ap", "reuters", "kyiv_independent", "meduza_en", "yonhap_en", "rferl")


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
