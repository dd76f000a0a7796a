"""A newsroom for the outlets mirror: publishes new articles while the mirror runs (the freshness benchmark).

A published article is served at once and put first in its outlet's feed, sitemap and listing,
exactly as a new story appears on the live site.
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone

from pipeline.mirror.outlets import OutletMirror, outlet_routes
from pipeline.mirror.replies import Page, page_handler
from pipeline.mirror.written_outlets import WRITTEN_OUTLETS, write_page, written_pages


class Newsroom:
    """Publishes stories on the written outlets of a running mirror.

    Attributes:
        mirror: the running OutletMirror.
    """

    def __init__(self, mirror: OutletMirror, written: dict[str, list[Page]]):
        self.mirror = mirror
        self.written = written
        self.lock = threading.Lock()
        self.count = 0

    def publish(self, key: str, story: dict, moment: datetime | None = None) -> str:
        """Publish a story on an outlet now; return its URL on the mirror.

        Args:
            key: a written outlet (kyiv_independent, meduza_en, yonhap_en, rferl).
            story: {"title", "author", "paragraphs"}.
            moment: its publication time (default now).
        """
        moment = moment or datetime.now(timezone.utc).replace(microsecond=0)
        with self.lock:
            self.count += 1
            page = write_page(key, story, moment, 10 + self.count)
            self.mirror.routes[f"/{key}{page.path}"] = page_handler(page)
            self.written[key].insert(0, page)
        return self.mirror.source_url(key) + page.path


def start_newsroom(pages: dict[str, list[Page]] | None = None) -> Newsroom:
    """Start an outlets mirror whose written outlets can publish; stop it with `newsroom.mirror.stop()`.

    Args:
        pages: real pages per outlet key (bbc, guardian, ap, reuters), as for start_outlets.
    """
    written = {key: written_pages(key) for key in WRITTEN_OUTLETS}
    mirror = OutletMirror(outlet_routes(pages or {}, written=written)).start()
    return Newsroom(mirror, written)
