"""Time crawls of the local mirror: cold and incremental `scrapy crawl`, fast and polite settings.

Baseline: fetching the same article pages one by one with urllib (no discovery, no politeness,
no subprocess). Run: .venv/bin/python bench/bench_crawl.py [--polite]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import urllib.request
from pathlib import Path

from pipeline.config import Settings
from pipeline.crawl import run_crawl
from pipeline.db import upgrade_database
from pipeline.mirror import start_mirror
from pipeline.mirror.articles import article_url

FAST = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 8}


def time_baseline(base_url: str, articles: list[dict]) -> float:
    """Fetch every article page sequentially with urllib; return seconds."""
    started = time.perf_counter()
    for article in articles:
        with urllib.request.urlopen(article_url(article, base_url), timeout=10) as response:
            response.read()
    return time.perf_counter() - started


def time_crawl(settings: Settings, run_key: str, overrides: dict) -> tuple[float, dict]:
    """Run one crawl; return (wall seconds, summary)."""
    started = time.perf_counter()
    summary = run_crawl(settings, run_key, overrides=overrides, timeout=600)
    return time.perf_counter() - started, summary


def main() -> None:
    """Print crawl figures beside the urllib baseline."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--polite", action="store_true",
                        help="also time crawls with the production settings (DOWNLOAD_DELAY, AutoThrottle)")
    args = parser.parse_args()
    modes = [("fast", FAST)] + ([("polite", {})] if args.polite else [])
    with start_mirror() as mirror:
        articles = mirror.expected_articles()
        baseline = time_baseline(mirror.base_url, articles)
        print(f"baseline  urllib sequential fetch of {len(articles)} article pages: {baseline:6.2f} s")
        for label, overrides in modes:
            with tempfile.TemporaryDirectory() as state:
                url = f"sqlite:///{Path(state) / 'bench.db'}"
                upgrade_database(url)
                settings = Settings(database_url=url, state_dir=Path(state), moscow_times_base_url=mirror.base_url,
                                    allow_private_hosts=True)
                for run in ("cold", "incremental"):
                    wall, summary = time_crawl(settings, f"bench-{run}", overrides)
                    print(f"{label:<10} {run:<12} wall {wall:6.2f} s, in spider {summary['duration_seconds']:6.2f} s, "
                          f"{summary['requests']} requests, {summary['fetched']} fetched, {summary['new']} new, "
                          f"{summary['known_skipped']} known skipped")


if __name__ == "__main__":
    main()
