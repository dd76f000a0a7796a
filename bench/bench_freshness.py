"""Freshness: publication-to-alert latency while Airflow's scheduler runs the DAG on a short interval.

`airflow standalone` (the `make airflow` setup: LocalExecutor, the crawl pool) runs transfer_watch
every --interval seconds against the local mirrors (The Moscow Times and the other outlets). Once
the first run has loaded what the mirrors already hold, new articles, each reporting a transfer no
earlier article reported, are published on the mirror at random moments; a local webhook receiver
notes when each one's Slack alert arrives. Prints p50 and p95 latency in seconds and in intervals,
beside the target (p95 <= 2 intervals: with the default 5-minute schedule, alerts within 10 minutes).

Run: .venv/bin/python bench/bench_freshness.py [--interval 30] [--articles 10] [--spread 360]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import select

PROJECT_ROOT = Path(__file__).resolve().parents[1]
NEWS_PAGES = PROJECT_ROOT.parent / "shared" / "data" / "news-pages"
AIRFLOW = Path(sys.executable).with_name("airflow")
PUBLISHERS = ("kyiv_independent", "meduza_en", "yonhap_en", "rferl")
# (supplier, recipient, sentence): transfers none of the mirrors' articles report.
TRANSFERS = (
    ("Germany", "Lithuania", "Germany has delivered 18 Leopard 2 tanks to Lithuania, the German defence ministry said on Tuesday."),
    ("France", "Greece", "France has delivered six Rafale fighter jets to Greece, the Greek defence ministry said on Monday."),
    ("South Korea", "Poland", "South Korea has delivered 24 K9 howitzers to Poland, Poland's defence ministry said on Thursday."),
    ("Turkey", "Azerbaijan", "Turkey has supplied Azerbaijan with 12 Bayraktar TB2 drones, Azerbaijani officials said on Friday."),
    ("China", "Serbia", "China has delivered FK-3 air defence systems to Serbia, the Serbian president said on Sunday."),
    ("Israel", "India", "Israel has delivered 40 Heron drones to India, Indian defence officials said on Wednesday."),
    ("Sweden", "Thailand", "Sweden has delivered four Gripen fighter jets to Thailand, the Thai air force said on Tuesday."),
    ("Russia", "Mali", "Russia has delivered two Su-24 bombers to Mali, the Malian army said on Monday."),
    ("United States", "Taiwan", "The United States has delivered 20 HIMARS rocket launchers to Taiwan, Taiwan's defence ministry said on Saturday."),
    ("Italy", "Egypt", "Italy has delivered two FREMM frigates to Egypt, the Egyptian navy said on Thursday."),
    ("Brazil", "Portugal", "Brazil has delivered two KC-390 transport aircraft to Portugal, the Portuguese air force said on Friday."),
    ("Iran", "Venezuela", "Iran has supplied Venezuela with Mohajer-6 drones, a Venezuelan general said on Sunday."),
    ("Spain", "Morocco", "Spain has delivered 30 armoured vehicles to Morocco, the Moroccan army said on Tuesday."),
    ("Japan", "Philippines", "Japan has delivered a radar system to the Philippines, the Philippine military said on Wednesday."),
    ("Norway", "Estonia", "Norway has delivered NASAMS air defence systems to Estonia, the Estonian defence ministry said on Monday."),
    ("Pakistan", "Nigeria", "Pakistan has delivered three JF-17 fighter jets to Nigeria, the Nigerian air force said on Thursday."),
)


class Receiver:
    """A Slack-like webhook on 127.0.0.1 that notes when each message arrives."""

    def __init__(self):
        self.messages: list[tuple[float, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8", "replace")
                receiver.messages.append((time.time(), body))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/T0/B0/bench"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def arrival(self, url: str) -> float | None:
        """When the first message naming `url` arrived."""
        needle = json.dumps(url)[1:-1]
        return next((moment for moment, body in self.messages if needle in body), None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def detectable_stories() -> list[dict]:
    """The stories whose sentence the detector finds a claim in (the benchmark measures delivery, not detection)."""
    from pipeline.claims import detect_claims

    stories = []
    for supplier, recipient, sentence in TRANSFERS:
        if detect_claims(sentence):
            stories.append({"title": f"{supplier} sends arms to {recipient}", "author": "Staff",
                            "paragraphs": [sentence, f"Officials in {recipient} confirmed the delivery."]})
    return stories


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def airflow_env(home: Path, state: Path, interval: int, overrides: dict[str, str], webhook: str) -> dict[str, str]:
    """The environment of `airflow standalone`: this repo's airflow.cfg, the mirrors, a short schedule."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TW_", "AIRFLOW"))}
    port = free_port()
    env.update(overrides)
    env.update(
        AIRFLOW_HOME=str(home), AIRFLOW_CONFIG=str(PROJECT_ROOT / "airflow.cfg"),
        AIRFLOW__CORE__DAGS_FOLDER=str(PROJECT_ROOT / "dags"), AIRFLOW__CORE__PLUGINS_FOLDER=str(PROJECT_ROOT / "plugins"),
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        # standalone's parts must sign and check task tokens with one secret.
        AIRFLOW__API_AUTH__JWT_SECRET=secrets.token_urlsafe(48), AIRFLOW__API__SECRET_KEY=secrets.token_urlsafe(32),
        AIRFLOW__API__PORT=str(port), AIRFLOW__API__BASE_URL=f"http://127.0.0.1:{port}",
        AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(free_port()),
        AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=str(free_port()),
        PATH=f"{AIRFLOW.parent}{os.pathsep}{env.get('PATH', '')}",
        TW_DAG_SCHEDULE_SECONDS=str(interval), TW_STATE_DIR=str(state),
        TW_DATABASE_URL=f"sqlite:///{state / 'tw.db'}", TW_ALLOW_PRIVATE_HOSTS="1",
        TW_SLACK_WEBHOOK_URL=webhook, TW_ALERT_RATE_PER_SECOND="50",
    )
    return env


def unpause(env: dict[str, str]) -> bool:
    """Un-pause transfer_watch; True once Airflow's metadata says it is un-paused."""
    import sqlite3

    subprocess.run([str(AIRFLOW), "dags", "unpause", "transfer_watch"], env=env, capture_output=True, timeout=120)
    with sqlite3.connect(Path(env["AIRFLOW_HOME"]) / "airflow.db") as meta:
        row = meta.execute("select is_paused from dag where dag_id = 'transfer_watch'").fetchone()
    return row is not None and not row[0]


def finished_runs(database_url: str) -> list[tuple[float, float]]:
    """(start, end) epoch seconds of every finished run in the store."""
    from pipeline.db import make_engine, make_sessionmaker
    from pipeline.models import CrawlRun

    engine = make_engine(database_url)
    try:
        with make_sessionmaker(engine)() as session:
            rows = session.execute(select(CrawlRun.started_at, CrawlRun.finished_at)
                                   .where(CrawlRun.finished_at.is_not(None)).order_by(CrawlRun.id)).all()
    except Exception:  # not migrated yet
        return []
    finally:
        engine.dispose()
    return [(start.timestamp(), end.timestamp()) for start, end in rows]


def wait_for(check, seconds: float, what: str, process: subprocess.Popen):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"airflow standalone exited while waiting for {what}")
        result = check()
        if result:
            return result
        time.sleep(1)
    raise SystemExit(f"timed out after {seconds:.0f}s waiting for {what}")


def main() -> None:
    """Run the scheduler against the mirrors, publish articles at random moments, print the latencies."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=int, default=30, help="the DAG's schedule in seconds")
    parser.add_argument("--articles", type=int, default=10, help="how many articles to publish")
    parser.add_argument("--spread", type=int, default=360, help="publish them over this many seconds")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    from pipeline.mirror import start_mirror
    from pipeline.mirror.newsroom import start_newsroom
    from pipeline.mirror.outlets import source_overrides
    from pipeline.mirror.shared_outlets import SHARED_OUTLETS, read_shared_pages

    # A plain `kill` still stops Airflow and the mirrors (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    rng = random.Random(args.seed)
    stories = detectable_stories()[: args.articles]
    pages = {key: read_shared_pages(NEWS_PAGES, key) for key in SHARED_OUTLETS} if NEWS_PAGES.is_dir() else {}
    receiver = Receiver()
    newsroom = start_newsroom(pages)
    mirror = start_mirror()
    work = Path(tempfile.mkdtemp(prefix="tw-freshness-"))
    overrides = {"TW_MOSCOW_TIMES_BASE_URL": mirror.base_url, **source_overrides(newsroom.mirror)}
    env = airflow_env(work / "airflow", work / "state", args.interval, overrides, receiver.url)
    (work / "airflow").mkdir()
    for command in (["db", "migrate"], ["pools", "set", "transfer_watch_crawl", "4", "crawls at once"]):
        subprocess.run([str(AIRFLOW), *command], env=env, check=True, capture_output=True, timeout=600)
    log = (work / "standalone.log").open("w")
    process = subprocess.Popen([str(AIRFLOW), "standalone"], env=env, cwd=PROJECT_ROOT, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    database_url = env["TW_DATABASE_URL"]
    published: list[tuple[str, float]] = []
    try:
        # The DAG starts paused: un-pause it once the dag-processor has stored it (before, the command
        # finds no DAG and still succeeds, so the metadata database is asked).
        wait_for(lambda: unpause(env), 600, "the DAG to be un-paused", process)
        print(f"{len(overrides)} mirrored outlets, schedule every {args.interval} s; waiting for the first run "
              f"(it loads what the mirrors already hold)...", flush=True)
        wait_for(lambda: finished_runs(database_url), 1200, "the first run", process)
        start = time.time()
        moments = sorted(rng.uniform(0, args.spread) for _ in stories)
        for story, moment in zip(stories, moments):
            time.sleep(max(0.0, start + moment - time.time()))
            url = newsroom.publish(rng.choice(PUBLISHERS), story)
            published.append((url, time.time()))
            print(f"  published at +{time.time() - start:5.0f} s: {url}", flush=True)
        wait_for(lambda: all(receiver.arrival(url) for url, _ in published) or None,
                 max(600, 12 * args.interval), "the last alert", process)
    except SystemExit as error:
        print(error, flush=True)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        newsroom.mirror.stop()
        mirror.stop()
        receiver.server.shutdown()

    latencies = [receiver.arrival(url) - moment for url, moment in published if receiver.arrival(url)]
    runs = [end - begin for begin, end in finished_runs(database_url)[1:]]
    print(f"articles published: {len(published)}, alerted: {len(latencies)}"
          + (f", missing: {[url for url, _ in published if not receiver.arrival(url)]}" if len(latencies) < len(published) else ""))
    if runs:
        print(f"runs after the first: {len(runs)}, duration median {statistics.median(runs):.0f} s, "
              f"max {max(runs):.0f} s (schedule every {args.interval} s)")
    if latencies:
        for label, share in (("p50", 0.5), ("p95", 0.95)):
            value = percentile(latencies, share)
            print(f"{label} publication-to-alert: {value:6.1f} s = {value / args.interval:4.2f} intervals")
        p95 = percentile(latencies, 0.95) / args.interval
        print(f"target: p95 <= 2 intervals -> {'met' if p95 <= 2 else 'NOT met'} "
              f"(at the default 5-minute schedule this is alerts within 10 minutes)")
    print(f"logs: {work}")


if __name__ == "__main__":
    main()
