"""Serial vs concurrent crawls of the mirrored outlets, side by side in one run.

Each outlet is crawled by the function one mapped Airflow task runs (pipeline.outlets.crawl_outlet),
a `scrapy crawl` subprocess with the production politeness settings (download delay, AutoThrottle):
first one after the other (the old single crawl task), then four at a time (the crawl pool's
default), each time into a fresh store. Nine outlets when ../shared/data/news-pages is present
(BBC, Guardian, AP and Reuters pages come from there), five otherwise.

Run: .venv/bin/python bench/bench_scale.py [--concurrency 4]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from pipeline import steps
from pipeline.config import load_settings
from pipeline.mirror import start_mirror
from pipeline.mirror.outlets import OutletMirror, outlet_routes, source_overrides
from pipeline.mirror.shared_outlets import SHARED_OUTLETS, read_shared_pages
from pipeline.outlets import crawl_outlets, make_run_options

NEWS_PAGES = Path(__file__).resolve().parents[2] / "shared" / "data" / "news-pages"


def crawl_all(env: dict[str, str], keys: list[str], concurrency: int) -> tuple[float, dict, dict[str, float]]:
    """Crawl `keys` into a fresh store; return (wall seconds, totals, seconds per outlet)."""
    with tempfile.TemporaryDirectory() as state:
        settings = load_settings({**env, "TW_STATE_DIR": state, "TW_DATABASE_URL": f"sqlite:///{state}/tw.db"})
        steps.prepare_run(settings, "bench", make_run_options(outlets=keys))
        started = time.perf_counter()
        totals = crawl_outlets(settings, "bench", keys, concurrency)
        wall = time.perf_counter() - started
        with steps.open_sessions(settings) as Session, Session() as session:
            from pipeline.store import last_crawl_seconds

            seconds = last_crawl_seconds(session)
    return wall, totals, seconds


def main() -> None:
    """Print serial and concurrent wall times and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=4, help="crawls at once in the concurrent pass")
    args = parser.parse_args()
    pages = {key: read_shared_pages(NEWS_PAGES, key) for key in SHARED_OUTLETS} if NEWS_PAGES.is_dir() else {}
    with start_mirror() as mirror, OutletMirror(outlet_routes(pages)).start() as outlets:
        env = {"TW_MOSCOW_TIMES_BASE_URL": mirror.base_url, "TW_ALLOW_PRIVATE_HOSTS": "1", **source_overrides(outlets)}
        keys = ["moscow_times"] + [key.removeprefix("TW_SOURCE_").removesuffix("_BASE_URL").lower()
                                   for key in source_overrides(outlets)]
        if not pages:
            print("../shared/data/news-pages is absent: BBC, Guardian, AP and Reuters are left out")
        serial_wall, serial, per_outlet = crawl_all(env, keys, 1)
        # The concurrent pass starts the slowest outlets first, as prepare does from the last crawls.
        keys = sorted(keys, key=lambda key: -per_outlet.get(key, 0))
        concurrent_wall, concurrent, _ = crawl_all(env, keys, args.concurrency)
    print(f"outlets: {len(keys)} ({', '.join(keys)}); production politeness (download delay, AutoThrottle)")
    for label, wall, totals in (("serial (1 at a time)", serial_wall, serial),
                                (f"concurrent ({args.concurrency} at a time)", concurrent_wall, concurrent)):
        print(f"{label:<26} wall {wall:7.1f} s   {totals.get('fetched', 0)} pages fetched, "
              f"{totals.get('requests', 0)} requests, {totals['outlets_ok']} outlets ok, {totals['outlets_failed']} failed")
    print("per outlet (serial): " + ", ".join(f"{key} {per_outlet.get(key, 0):.1f} s" for key in keys))
    longest = max(per_outlet.values(), default=0) or 1
    print(f"speed-up: {serial_wall / concurrent_wall:.2f}x  (target >= 3x with 4 concurrent crawls; no schedule "
          f"beats serial / slowest outlet = {serial_wall / longest:.2f}x here)")


if __name__ == "__main__":
    main()
