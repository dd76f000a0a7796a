"""The item the spiders yield: one fetched article page, raw."""

from __future__ import annotations

import scrapy


class RawPageItem(scrapy.Item):
    """A fetched article page, stored as is (the store compresses it) for parsing later."""

    url = scrapy.Field()  # canonical article URL the page was fetched from
    source = scrapy.Field()  # source key, e.g. "moscow_times"
    identity = scrapy.Field()  # pipeline.dedupe.url_identity of the URL
    html = scrapy.Field()  # response body, bytes
    status = scrapy.Field()  # HTTP status
    content_type = scrapy.Field()  # Content-Type header, kept so decoding can be redone
    fetched_at = scrapy.Field()  # aware UTC datetime

    def __repr__(self) -> str:
        # Keep logs readable: never print the whole page.
        html = self.get("html") or b""
        return f"RawPageItem({self.get('identity')!r}, {self.get('url')!r}, {len(html)} bytes)"
