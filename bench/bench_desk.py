"""Benchmark: the Claims page's filtered first page over 100,000 generated claim clusters.

Builds a migrated store (SQLite in a temporary folder, or --database-url), fills it with
pipeline.benchmarks.synthesize_claims, then times the server's work for a first page under several
filters: the keyset query with its row details (pipeline.desk.list_claim_page) and the same plus
the HTML rendering the plugin does. Baseline: what `claims list` did before the desk existed, loading
every cluster (dedupe.list_clusters) and filtering in Python. Target: under 300 ms per page.

    .venv/bin/python bench/bench_desk.py [--clusters 100000] [--database-url URL] [--repeat 15]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins"))

TARGET_MS = 300
FILTERS = {
    "PRK -> RUS": {"supplier": "PRK", "recipient": "RUS"},
    "party UKR, unreviewed": {"party": "UKR", "review": "unreviewed"},
    "drones, delivered": {"category": "drones", "status": "delivered"},
    "outlet4, 2024": {"outlet": "outlet4", "since": date(2024, 1, 1), "until": date(2024, 12, 31)},
    "no filter, by sources": {},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=100_000)
    parser.add_argument("--database-url", help="an empty database to fill (default: SQLite in a temp folder)")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    from pipeline.benchmarks import synthesize_claims
    from pipeline.db import make_engine, make_sessionmaker, upgrade_database

    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade_database(url)
        engine = make_engine(url)
        Session = make_sessionmaker(engine)
        started = time.perf_counter()
        with Session() as session, session.begin():
            counts = synthesize_claims(session, args.clusters)
        print(f"store: {url.split(':')[0]}, {counts['clusters']:,} clusters, {counts['claims']:,} claims, "
              f"{counts['alerts']:,} alerts (generated in {time.perf_counter() - started:.1f}s)")
        figures = {"clusters": counts["clusters"], "target_ms": TARGET_MS, "pages": {}}
        with Session() as session:
            # The old path does the same work whatever the filter: time it once.
            baseline_ms = time_baseline(session, {"supplier": "PRK", "recipient": "RUS"})
            figures["baseline_ms"] = baseline_ms
            print(f"{'first page of':<24}{'rows':>6}{'query ms':>10}{'page ms':>10}{'p95 ms':>9}"
                  f"{'baseline ms':>13}  verdict")
            for name, filters in FILTERS.items():
                result = time_page(session, filters, args.repeat, sort="sources" if not filters else "last_seen")
                result["baseline_ms"] = baseline_ms
                figures["pages"][name] = result
                verdict = "ok" if result["page_ms"] < TARGET_MS else "SLOW"
                print(f"{name:<24}{result['rows']:>6}{result['query_ms']:>10.1f}{result['page_ms']:>10.1f}"
                      f"{result['p95_ms']:>9.1f}{result['baseline_ms']:>13.0f}  {verdict}")
        engine.dispose()
    print(json.dumps(figures))


def time_page(session, params: dict, repeat: int, sort: str) -> dict:
    """Median time of the first page's query and of query plus HTML rendering."""
    from pipeline.desk import ClaimFilters, list_claim_page
    from tw_desk.app import TEMPLATES
    from jinja2 import Environment, FileSystemLoader

    filters = ClaimFilters(**params)
    templates = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    templates.filters.update(day=lambda v: str(v)[:10], minute=lambda v: str(v)[:16], label=lambda v: str(v))
    template = templates.get_template("claims.html")
    query_times, page_times, rows = [], [], 0
    for _ in range(repeat):
        session.expire_all()
        started = time.perf_counter()
        page = list_claim_page(session, filters, sort=sort)
        query_times.append(time.perf_counter() - started)
        page.update(sort=sort, order="desc")
        template.render(prefix="/transfer-watch", user="bench", can_review=True, store_note=None,
                        csrf_field="csrf_token", csrf_token="x", page=page, filters=filters,
                        options={"categories": [], "outlets": [], "sorts": []}, params={}, urlencode=_urlencode)
        page_times.append(time.perf_counter() - started)
        rows = len(page["rows"])
    return {"rows": rows, "query_ms": statistics.median(query_times) * 1000,
            "page_ms": statistics.median(page_times) * 1000,
            "p95_ms": sorted(page_times)[int(0.95 * (len(page_times) - 1))] * 1000}


def time_baseline(session, params: dict) -> float:
    """The old way: every cluster summarised, then filtered and cut to a page in Python (one run)."""
    from pipeline.dedupe import list_clusters

    started = time.perf_counter()
    clusters = list_clusters(session)
    keep = [c for c in clusters if all(c.get(k) == v for k, v in params.items() if k in {"supplier", "recipient", "category", "status"})]
    keep[:50]
    return (time.perf_counter() - started) * 1000


def _urlencode(mapping) -> str:
    from urllib.parse import urlencode

    return urlencode(mapping)


if __name__ == "__main__":
    main()
