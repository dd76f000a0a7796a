"""A feed check without Scrapy: does any of an outlet's feeds list an article worth fetching?

Most scheduled runs find nothing new, and starting a `scrapy crawl` process only to read a feed
costs seconds of CPU per outlet every five minutes. This check reads each feed with one plain
request under the rules the crawl applies: the robots.txt the crawl kept, the private-address
check, and the spider's own judgement of each link (spider.judge_entry, is_news). Any doubt (no
fresh kept robots.txt, a refused address, an error, a feed without entries) answers "crawl", so
the spider stays the one that fetches, retries and reports.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
from protego import Protego

from spiders import settings as scrapy_defaults
from spiders.discovery import list_allowed_domains, read_host
from spiders.middlewares import kept_robots_path
from spiders.safety import refused_address
from spiders.spiders.generic import GenericSpider
from spiders.spiders.moscow_times import MoscowTimesSpider, is_news


def make_judge(source, known: dict, allow_private: bool):
    """Return a spider set up for `source` as a crawl sets it up, without a crawler (to judge links).

    Args:
        source: the SourceConfig.
        known: identity -> last fetch time of the outlet's stored pages.
        allow_private: TW_ALLOW_PRIVATE_HOSTS.
    """
    if source.spider == "moscow_times":
        spider = MoscowTimesSpider(base_url=source.base_url)
    else:
        spider = GenericSpider(source=source.key, base_url=source.base_url)
        spider.use_source(source)
    spider.base_url = source.base_url.rstrip("/")
    spider.allowed_domains = list_allowed_domains(spider.base_url, spider.rules["extra_hosts"])
    spider.known = known
    spider.probe_allow = True if allow_private else (source.allow_private_hosts if source.spider != "moscow_times"
                                                     else False)
    return spider


def probe_feeds(source, known: dict, robots_dir: Path, allow_private: bool = False,
                robots_max_age: float = 86400) -> dict | None:
    """Read an outlet's feeds; return a crawl-like summary when nothing is worth fetching, else None.

    Args:
        source: the SourceConfig.
        known: identity -> last fetch time of the outlet's stored pages.
        robots_dir: where the crawls keep robots.txt (TW_ROBOTS_CACHE_DIR).
        allow_private: TW_ALLOW_PRIVATE_HOSTS (a mirror on 127.0.0.1).
        robots_max_age: how long a kept robots.txt is trusted, in seconds.

    Returns:
        None when a crawl is needed (something new, or anything uncertain); else counts with
        "requests" (one per feed) and "known_skipped".
    """
    spider = make_judge(source, known, allow_private)
    feeds = [urljoin(spider.base_url + "/", path.lstrip("/")) if not urlsplit(path).scheme else path
             for path in spider.rules["feeds"]]
    if not feeds:
        return None
    seen: set[str] = set()
    for url in feeds:
        if not robots_allow(url, robots_dir, robots_max_age) or refused_address(read_host(url), spider.probe_allow):
            return None
        body = fetch(url)
        if body is None:
            return None
        entries = spider.feed_entries(body)
        if not entries:
            return None
        for entry in entries:
            reason, _, identity = spider.judge_entry(entry.url, entry.date)
            if reason:
                continue
            if is_news(known.get(identity), entry.date):
                return None
            seen.add(identity)
    return {"fetched": 0, "new": 0, "changed": 0, "unchanged": 0, "refetched": 0, "known_skipped": len(seen),
            "requests": len(feeds), "retries": 0, "probed": 1, "errors": {}, "skipped": {}, "unreachable": None}


def robots_allow(url: str, robots_dir: Path, max_age: float) -> bool:
    """Tell whether a fresh kept robots.txt lets us fetch `url` (no fresh copy: False, let the crawl fetch it)."""
    path = kept_robots_path(robots_dir, url)
    try:
        if time.time() - path.stat().st_mtime > max_age:
            return False
        rules = Protego.parse(path.read_bytes().decode("utf-8", "replace"))
    except (OSError, ValueError):
        return False
    return rules.can_fetch(url, scrapy_defaults.USER_AGENT)


def fetch(url: str) -> bytes | None:
    """GET a feed as the spider would (its User-Agent and size cap); None on any trouble.

    A slow answer is trouble too: the crawl then tries with its own timeouts and polite retries.
    """
    try:
        with requests.get(url, headers={"User-Agent": scrapy_defaults.USER_AGENT}, stream=True, allow_redirects=False,
                          timeout=(5, 10)) as response:
            if response.status_code != 200:
                return None
            body = b""
            for chunk in response.iter_content(64 * 1024):
                body += chunk
                if len(body) > scrapy_defaults.DOWNLOAD_MAXSIZE:
                    return None
            return body
    except requests.RequestException:
        return None
