"""Crawling outlets: dead outlets fail fast and are named, slow and failing ones keep polite retries,
a run with nothing new reads only the feeds, and a history walk goes back to a date, resumably and
without alerting stale news. Real `scrapy crawl` subprocesses against servers on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import urllib.request
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from pipeline import steps
from pipeline.config import load_settings
from pipeline.mirror.newsroom import start_newsroom
from pipeline.mirror.markup import rss
from pipeline.mirror.outlets import OutletMirror, start_outlets
from pipeline.mirror.replies import Reply
from pipeline.mirror.server import RSS
from pipeline.mirror.written_outlets import rferl_archive
from pipeline.models import Alert, Article, Claim, ClaimCluster, CrawlCheckpoint, SourceCrawl
from pipeline.outlets import OutletFailed, crawl_outlet, crawl_outlets, due_walks, make_run_options
from tests.servers import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# Scrapy's production retries stay on (3 retries, backoff from 2 s): only the mirror's pace is raised.
MIRROR_PACE = {"TW_SCRAPY_DOWNLOAD_DELAY": "0", "TW_SCRAPY_AUTOTHROTTLE_ENABLED": "False"}


class CountingServer:
    """A TCP server on 127.0.0.1 that counts connections and answers each with a plain HTTP 400.

    Spoken to over https, it makes every TLS handshake fail.
    """

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            try:
                connection.recv(4096)
                connection.sendall(b"HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            except OSError:
                pass
            connection.close()

    def close(self):
        self.sock.close()


def write_source(folder: Path, key: str, base_url: str, extra: str = "") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{key}.yaml").write_text(
        f"key: {key}\nname: {key.title()} News\nbase_url: {base_url}\nallow_private_hosts: true\n{extra}",
        encoding="utf-8")


def make_settings(tmp_path: Path, database_url: str | None = None, **extra: str):
    env = {"TW_STATE_DIR": str(tmp_path / "state"),
           "TW_DATABASE_URL": database_url or f"sqlite:///{tmp_path / 'tw.db'}", **MIRROR_PACE, **extra}
    return load_settings(env)


def crawl_once(settings, run_key: str, key: str, **options) -> dict:
    """Prepare a run with the given options and crawl one outlet in it."""
    steps.prepare_run(settings, run_key, make_run_options(outlets=[key], **options))
    return crawl_outlet(settings, run_key, key)


def source_crawls(settings) -> dict[str, SourceCrawl]:
    with steps.open_sessions(settings) as Session, Session() as session:
        return {row.source.key: row for row in session.scalars(select(SourceCrawl))}


# --- fail fast ------------------------------------------------------------------------------


def test_dead_outlets_fail_at_once_without_retries_and_the_others_are_crawled(tmp_path):
    tls_server = CountingServer()
    folder = tmp_path / "sources"
    feeds = "feeds: [/a, /b, /c]\n"
    # .invalid never resolves (RFC 2606): what a machine without network sees for every outlet.
    write_source(folder, "nodns", "https://www.dead-outlet.invalid", feeds)
    write_source(folder, "refused", f"http://127.0.0.1:{free_port()}", feeds)
    write_source(folder, "badtls", f"https://127.0.0.1:{tls_server.port}", feeds)
    with start_outlets() as mirror:
        write_source(folder, "alive", mirror.source_url("meduza_en"),
                     "feeds: [/rss/en/all]\narticle_pattern: '^/en/(?:news|feature)/'\n")
        settings = make_settings(tmp_path, TW_SOURCES_DIR=str(folder))
        keys = steps.prepare_run(settings, "run-1")
        result = crawl_outlets(settings, "run-1", keys, concurrency=4)
    tls_server.close()

    assert sorted(keys) == ["alive", "badtls", "nodns", "refused"]
    assert (result["outlets_ok"], result["outlets_failed"]) == (1, 3)
    assert result["fetched"] == result["new"] == 3  # the live outlet's three articles
    failed = "\n".join(result["failed"])
    assert "nodns: could not be reached (dns: www.dead-outlet.invalid)" in failed
    assert "refused: could not be reached (refused: 127.0.0.1)" in failed
    assert "badtls: could not be reached (tls: 127.0.0.1)" in failed
    crawls = source_crawls(settings)
    for key in ("nodns", "refused", "badtls"):
        assert crawls[key].state == "failed" and crawls[key].stats["retries"] == 0, crawls[key].stats
    assert crawls["alive"].state == "ok" and crawls["alive"].reason is None
    # robots.txt found the handshake broken; the three feeds behind it never opened a connection.
    assert tls_server.connections == 1


def test_dns_refused_and_tls_failures_are_not_worth_an_airflow_retry_but_timeouts_are(tmp_path):
    routes = {
        "/flaky/rss": lambda base: (Reply(503, body=b"busy") if mirror.count_hit("flaky") < 2
                                    else Reply(200, RSS, rss(base, "Flaky", base, []).encode())),
        "/slow/rss": lambda base: Reply(200, RSS, b"<rss/>", delay=5),
    }
    folder = tmp_path / "sources"
    write_source(folder, "nodns", "https://www.dead-outlet.invalid", "feeds: [/rss]\n")
    with OutletMirror(routes).start() as mirror:
        write_source(folder, "flaky", f"{mirror.base_url}/flaky", "feeds: [/rss]\n")
        write_source(folder, "slow", f"{mirror.base_url}/slow", "feeds: [/rss]\n")
        # Requests are counted here: every crawl is a real one (no feed check before it).
        settings = make_settings(tmp_path, TW_SOURCES_DIR=str(folder), TW_SCRAPY_RETRY_TIMES="2",
                                 TW_SCRAPY_RETRY_BACKOFF_BASE="0.2", TW_SCRAPY_DOWNLOAD_TIMEOUT="1",
                                 TW_FEED_CHECK="0")
        steps.prepare_run(settings, "run-1")
        flaky = crawl_outlet(settings, "run-1", "flaky")
        with pytest.raises(OutletFailed) as slow:
            crawl_outlet(settings, "run-1", "slow")
        with pytest.raises(OutletFailed) as dead:
            crawl_outlet(settings, "run-1", "nodns")
        paths = mirror.paths()

    # A 503 and a timeout are retried politely by the spider...
    assert flaky["retries"] == 2 and paths.count("/flaky/rss") == 3
    assert paths.count("/slow/rss") == 3 and "timeout" in slow.value.reason
    # ...and a timeout is worth another try later (an Airflow retry); a DNS failure is not.
    assert slow.value.retry is True and dead.value.retry is False
    assert source_crawls(settings)["slow"].state == "failed"


def test_cli_run_says_plainly_that_no_outlet_could_be_reached(tmp_path):
    folder = tmp_path / "sources"
    write_source(folder, "nodns", "https://www.dead-outlet.invalid", "feeds: [/rss, /world/rss]\n")
    write_source(folder, "refused", f"http://127.0.0.1:{free_port()}", "feeds: [/rss]\nsitemaps: [/s.xml]\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TW_", "AIRFLOW"))}
    env.update(TW_STATE_DIR=str(tmp_path / "state"), TW_SOURCES_DIR=str(folder), COLUMNS="200")
    result = subprocess.run([sys.executable, "-m", "pipeline", "run"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 1, result.stderr[-3000:]
    assert "No outlet could be reached (2 tried)" in result.stdout
    assert "outlet failed: nodns: could not be reached (dns: www.dead-outlet.invalid)" in result.stdout
    assert "outlet failed: refused: could not be reached (refused: 127.0.0.1)" in result.stdout
    assert "0 of 2 outlet(s) crawled" in result.stdout


# --- what a crawl reads ---------------------------------------------------------------------


def test_due_walks_follow_each_sources_interval():
    source = SimpleNamespace(sitemaps=("/s.xml",), history_sitemaps=(), listings=("/news/",),
                             walk_every={"sitemaps": 60, "listings": 0})
    now = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    walked = lambda minutes: SimpleNamespace(walked_at=now - timedelta(minutes=minutes))  # noqa: E731
    assert due_walks(source, {}, now) == ["sitemaps", "listings"]
    assert due_walks(source, {"walk:sitemaps": walked(10), "walk:listings": walked(5)}, now) == ["listings"]
    assert due_walks(source, {"walk:sitemaps": walked(59.8)}, now) == ["sitemaps", "listings"]
    assert due_walks(source, {"walk:sitemaps": walked(10)}, now, since=date(2025, 1, 1))[0] == "sitemaps"
    feeds_only = SimpleNamespace(sitemaps=(), history_sitemaps=(), listings=(), walk_every={})
    assert due_walks(feeds_only, {}, now) == []


def test_run_options_are_checked():
    options = make_run_options("bbc, guardian,bbc", "2024-05-01", alert_history=True)
    assert options.outlets == ("bbc", "guardian") and options.since == date(2024, 5, 1)
    assert make_run_options([], "", dry_run=True).to_dict() == {"outlets": [], "since": None,
                                                                "alert_history": False, "dry_run": True}
    with pytest.raises(ValueError, match="since must be a date"):
        make_run_options(since="last spring")
    with pytest.raises(ValueError, match="in the future"):
        make_run_options(since=(datetime.now(timezone.utc) + timedelta(days=3)).date().isoformat())


def test_a_run_with_nothing_new_reads_each_feed_once_and_walks_sitemaps_on_their_interval(tmp_path):
    with start_outlets() as mirror:
        settings = make_settings(tmp_path, TW_SOURCE_RFERL_BASE_URL=mirror.source_url("rferl"),
                                 TW_SOURCE_MEDUZA_EN_BASE_URL=mirror.source_url("meduza_en"),
                                 TW_ALLOW_PRIVATE_HOSTS="1")
        first = {key: crawl_once(settings, "run-1", key) for key in ("rferl", "meduza_en")}
        first_paths = mirror.paths()
        mirror.clear_log()
        second = {key: crawl_once(settings, "run-2", key) for key in ("rferl", "meduza_en")}
        second_paths = mirror.paths()
        # An hour later the sitemaps are due again.
        with steps.open_sessions(settings) as Session, Session() as session, session.begin():
            for checkpoint in session.scalars(select(CrawlCheckpoint)):
                checkpoint.walked_at -= timedelta(minutes=61)
        mirror.clear_log()
        crawl_once(settings, "run-3", "rferl")
        third_paths = mirror.paths()

    assert first["rferl"]["new"] == first["meduza_en"]["new"] == 3
    assert {"/robots.txt", "/rferl/sitemap.xml", "/rferl/sitemap_1.xml"} <= set(first_paths)
    # Nothing new: one request per feed, robots.txt kept from the first crawl, sitemaps not yet due,
    # and the feed check saw it without starting a crawl.
    assert sorted(second_paths) == ["/meduza_en/rss/en/all", "/rferl/api/zrqiteuuir"]
    assert second["rferl"]["requests"] == second["meduza_en"]["requests"] == 1
    assert second["rferl"]["probed"] == second["meduza_en"]["probed"] == 1
    assert "/rferl/sitemap.xml" in third_paths and "/robots.txt" not in third_paths


def test_the_feed_check_starts_a_crawl_only_when_a_feed_lists_something_new(tmp_path):
    story = {"title": "Germany sends tanks to Lithuania", "author": "Staff",
             "paragraphs": ["Germany has delivered 18 Leopard 2 tanks to Lithuania, the ministry said on Tuesday."]}
    newsroom = start_newsroom()
    try:
        settings = make_settings(tmp_path, TW_SOURCE_MEDUZA_EN_BASE_URL=newsroom.mirror.source_url("meduza_en"),
                                 TW_ALLOW_PRIVATE_HOSTS="1")
        first = crawl_once(settings, "run-1", "meduza_en")
        quiet = crawl_once(settings, "run-2", "meduza_en")
        url = newsroom.publish("meduza_en", story)
        newsroom.mirror.clear_log()
        fresh = crawl_once(settings, "run-3", "meduza_en")
        paths = newsroom.mirror.paths()
    finally:
        newsroom.mirror.stop()
    logs = sorted(path.name for path in (tmp_path / "state" / "logs").glob("crawl-*"))
    assert first["new"] == 3 and "probed" not in first  # no robots.txt kept yet: a real crawl
    assert quiet["probed"] == 1 and quiet["new"] == 0 and quiet["known_skipped"] == 3
    assert "probed" not in fresh and fresh["new"] == 1 and urlsplit(url).path in paths
    assert logs == ["crawl-run-1-meduza_en.log", "crawl-run-3-meduza_en.log"]  # no crawl process for run-2


# --- history --------------------------------------------------------------------------------


def history_world(tmp_path: Path, mirror, alert_history: bool) -> dict:
    """A normal run, then a history walk back ~two years, then the same walk again; counts after each."""
    settings = make_settings(tmp_path, TW_SOURCE_RFERL_BASE_URL=mirror.source_url("rferl"), TW_ALLOW_PRIVATE_HOSTS="1")
    since = (datetime.now(timezone.utc) - timedelta(days=800)).date().isoformat()
    seen = {}
    for run_key, options in (("normal", {}), ("history", {"since": since, "alert_history": alert_history}),
                             ("history-again", {"since": since})):
        mirror.clear_log()
        steps.run_pipeline(settings, run_key, options=make_run_options(outlets=["rferl"], **options))
        with steps.open_sessions(settings) as Session, Session() as session:
            archived = session.scalars(select(Article.id).where(Article.identity.like("rferl:3100000%"))).all()
            seen[run_key] = {
                "paths": mirror.paths(),
                "archived": archived,
                "archive_claims": session.scalar(select(func.count()).select_from(Claim)
                                                 .where(Claim.article_id.in_(archived or [0]))),
                "alerts": session.scalar(select(func.count()).select_from(Alert)),
                "archive_alerts": session.scalar(select(func.count()).select_from(Alert).join(Claim)
                                                 .where(Claim.article_id.in_(archived or [0]))),
                "timelines": [c.history for c in session.scalars(select(ClaimCluster))],
            }
    return seen


def test_history_walks_back_to_a_date_resumably_and_alerts_no_stale_news(tmp_path):
    with start_outlets() as mirror:
        archive = [page.path for page, _ in rferl_archive(datetime.now(timezone.utc))]
        seen = history_world(tmp_path, mirror, alert_history=False)
    normal, history, again = seen["normal"], seen["history"], seen["history-again"]
    # A normal run stays within the outlet's age limit: the archive is not read.
    assert normal["archived"] == [] and not any("/rferl/sitemap_2" in p for p in normal["paths"])
    assert normal["alerts"] > 0
    # The history walk reads every archive sitemap since the date and stores each archived article...
    assert len(history["archived"]) == len(archive) == 3
    assert all(f"/rferl{path}" in history["paths"] for path in archive)
    # ...whose claims join the clusters' timelines without raising a single alert.
    assert history["archive_claims"] >= 1 and history["archive_alerts"] == 0
    assert history["alerts"] == normal["alerts"]
    archived_ids = set(history["archived"])
    assert any(entry["article_id"] in archived_ids and entry["alert"] is None
               for timeline in history["timelines"] for entry in timeline)
    # Walking again resumes: finished archive sitemaps and stored articles are not fetched again.
    assert not any(p.startswith(("/rferl/sitemap_2", "/rferl/sitemap_3", "/rferl/sitemap_4", "/rferl/a/"))
                   for p in again["paths"])
    assert "/rferl/sitemap.xml" in again["paths"] and again["alerts"] == normal["alerts"]


def test_history_alerts_old_news_only_when_asked(tmp_path):
    with start_outlets() as mirror:
        seen = history_world(tmp_path, mirror, alert_history=True)
    assert seen["history"]["archive_alerts"] >= 1


def test_a_history_walk_interrupted_after_one_sitemap_resumes_after_it(tmp_path):
    from spiders.pipelines import save_history_checkpoint

    with start_outlets() as mirror:
        settings = make_settings(tmp_path, TW_SOURCE_RFERL_BASE_URL=mirror.source_url("rferl"),
                                 TW_ALLOW_PRIVATE_HOSTS="1")
        since = (datetime.now(timezone.utc) - timedelta(days=800)).date().isoformat()
        archive = rferl_archive(datetime.now(timezone.utc))
        steps.prepare_run(settings, "setup", make_run_options(outlets=["rferl"]))
        # What a walk killed after finishing the oldest archive sitemap leaves behind.
        with urllib.request.urlopen(f"{mirror.source_url('rferl')}/sitemap.xml", timeout=30) as answer:
            index = answer.read().decode()
        lastmod = index.split("sitemap_4.xml</loc><lastmod>")[1].split("<")[0]
        save_history_checkpoint(settings.database_url, "rferl", f"{mirror.source_url('rferl')}/sitemap_4.xml", lastmod)
        mirror.clear_log()
        summary = crawl_once(settings, "resumed", "rferl", since=since)
        paths = mirror.paths()
    assert "/rferl/sitemap_4.xml" not in paths and f"/rferl{archive[2][0].path}" not in paths
    assert "/rferl/sitemap_2.xml" in paths and f"/rferl{archive[0][0].path}" in paths
    assert "rferl: 1 link(s) not followed: history_done" in summary["skipped"]
