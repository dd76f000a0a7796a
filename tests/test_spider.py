"""The moscow_times spider: discovery rules on bytes, and real `scrapy crawl` runs against the mirror."""

from __future__ import annotations

import gzip
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from pipeline.config import Settings
from pipeline.crawl import CrawlError, run_crawl, build_scrapy_overrides
from pipeline.db import make_engine, make_sessionmaker, upgrade_database
from pipeline.dedupe import url_identity
from pipeline.mirror import start_mirror
from pipeline.mirror.articles import article_path, article_url, is_updated, newest_first, section_slug
from pipeline.mirror.feeds import render_news_sitemap
from pipeline.mirror.templates import render_article
from pipeline.models import CrawlRun, RawPage, Source
from spiders import discovery
from spiders.middlewares import compute_backoff_delay
from spiders.spiders.moscow_times import is_private_host

RULES = discovery.DISCOVERY["moscow_times"]
# Quick timings for the local mirror; production keeps the polite defaults of spiders/settings.py.
FAST = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    # Far above a loaded machine's answer time, far below the slow page's wait.
    "DOWNLOAD_TIMEOUT": 10,
    "RETRY_TIMES": 1,
    "RETRY_BACKOFF_BASE": 0.05,
}
FAILING = {
    "server-error-story-a990501": "http_500",
    "vanished-story-a990404": "http_404",
    "very-slow-story-a990408": "timeout",
    "enormous-story-a990413": "too_large",
    "cut-connection-story-a990206": "data_loss",
}


# --- discovery rules, no network -------------------------------------------------------------


def test_article_url_drops_variants_and_rejects_non_articles():
    pattern = RULES["article_url"]
    canonical = "https://www.themoscowtimes.com/2023/11/01/some-story-a82959"
    for variant in (canonical, canonical + "?utm_source=rss&utm_medium=feed", canonical + "/pdf",
                    "https://www.themoscowtimes.com/amp/2023/11/01/some-story-a82959", canonical + "/#top"):
        assert discovery.canonical_article_url(variant, pattern) == canonical
    for other in ("https://www.themoscowtimes.com/live/1234", "https://www.themoscowtimes.com/news/18",
                  "https://www.themoscowtimes.com/preview/2023/11/01/draft-a1",
                  "https://www.themoscowtimes.com/tag/north-korea", "https://www.themoscowtimes.com/all/82959"):
        assert discovery.canonical_article_url(other, pattern) is None


def test_news_sitemap_with_a_bare_ampersand_keeps_every_entry():
    with start_mirror() as mirror:
        articles = [a for a in mirror.listed_articles() if section_slug(a) == "news"]
        body = render_news_sitemap(articles, mirror.base_url, "news").encode()
    kind, entries = discovery.read_sitemap(body)
    assert kind == "urlset"
    assert b" & " in body
    assert {e.url for e in entries} == {article_url(a, mirror.base_url) for a in articles}
    updated = next(a for a in articles if is_updated(a))
    dated = {e.url: e.date for e in entries}
    assert dated[article_url(updated, mirror.base_url)] == discovery.parse_date(updated["modified"])


def test_gzipped_sitemaps_are_read_and_bombs_refused():
    body = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"<url><loc>https://www.themoscowtimes.com/2023/11/01/x-a1</loc></url></urlset>")
    _, entries = discovery.read_sitemap(gzip.compress(body))
    assert [e.url for e in entries] == ["https://www.themoscowtimes.com/2023/11/01/x-a1"]
    with pytest.raises(ValueError, match="inflates past"):
        discovery.gunzip_capped(gzip.compress(b" " * 5000), limit=1000)


def test_xml_reading_never_resolves_entities(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    hostile = (f'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file://{secret}">'
               '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
               '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
               "<url><loc>https://www.themoscowtimes.com/2023/11/01/x-a1&x;&b;</loc></url></urlset>").encode()
    _, entries = discovery.read_sitemap(hostile)
    text = " ".join(e.url for e in entries)
    assert text.startswith("https://www.themoscowtimes.com/2023/11/01/x-a1")
    assert "TOP-SECRET-MARKER" not in text and "aaaaaaaaaa" not in text


def test_rss_and_robots_reading():
    feed = (b"<rss><channel><item><title>A &amp; B</title><link>https://x.test/2023/11/01/a-a1</link>"
            b"<pubDate>Wed, 01 Nov 2023 10:42:00 +0300</pubDate></item>"
            b"<item><title>C</title><link>https://x.test/live/5</link></item></channel></rss>")
    entries = discovery.read_rss(feed)
    assert [e.url for e in entries] == ["https://x.test/2023/11/01/a-a1", "https://x.test/live/5"]
    assert entries[0].date == datetime(2023, 11, 1, 7, 42, tzinfo=timezone.utc)
    assert entries[1].date is None
    robots = "User-agent: *\nDisallow: /preview/\nSitemap: https://static.themoscowtimes.com/sitemap/sitemap.xml\n"
    assert discovery.read_robots_sitemaps(robots) == ["https://static.themoscowtimes.com/sitemap/sitemap.xml"]


def test_recent_months_sorts_by_month_not_by_index_order():
    urls = [f"https://s.test/sitemap/{y}-{m}.xml" for y, m in [(2023, 9), (2024, 1), (2023, 12), (2023, 10)]]
    assert discovery.pick_recent_months(urls, RULES["month_sitemap"], 2) == [urls[1], urls[2]]
    assert discovery.pick_recent_months(urls, RULES["month_sitemap"], 0) == []


def test_allowed_domains_cover_the_site_and_its_static_host_only():
    domains = discovery.list_allowed_domains("https://www.themoscowtimes.com", RULES["extra_hosts"])
    assert discovery.is_allowed("https://static.themoscowtimes.com/sitemap/sitemap.xml", domains)
    assert discovery.is_allowed("https://www.themoscowtimes.com/2023/11/01/x-a1", domains)
    assert not discovery.is_allowed("https://evil.example/2023/11/01/x-a1", domains)
    assert not discovery.is_allowed("https://themoscowtimes.com.evil.example/x", domains)
    assert discovery.build_listing_urls("https://m.test", "/news/", 3, 18) == [
        "https://m.test/news/", "https://m.test/news/18", "https://m.test/news/36"]


def test_backoff_grows_and_is_capped():
    assert [compute_backoff_delay(n, 2.0, 60.0) for n in (1, 2, 3)] == [2.0, 4.0, 8.0]
    assert compute_backoff_delay(10, 2.0, 60.0) == 60.0
    assert compute_backoff_delay(1, 2.0, 60.0, retry_after="30") == 30.0
    assert compute_backoff_delay(1, 2.0, 60.0, retry_after="Wed, 21 Oct 2015 07:28:00 GMT") == 2.0


def test_private_hosts_are_recognised():
    assert is_private_host("127.0.0.1") and is_private_host("localhost") and is_private_host("10.1.2.3")
    assert not is_private_host("93.184.216.34")


def test_scrapy_overrides_take_settings_env_and_explicit_values(tmp_path):
    settings = Settings(database_url="sqlite://", state_dir=tmp_path, allow_private_hosts=True, crawl_max_pages=7,
                        extra={"TW_SCRAPY_DOWNLOAD_DELAY": "0", "TW_OTHER": "x"})
    values = build_scrapy_overrides(settings, {"RETRY_TIMES": 1})
    assert values == {"TW_ALLOW_PRIVATE_HOSTS": "True", "TW_CRAWL_MAX_PAGES": "7", "DOWNLOAD_DELAY": "0",
                      "RETRY_TIMES": "1", "TW_ROBOTS_CACHE_DIR": str(tmp_path / "robots")}


# --- real crawls against the mirror -----------------------------------------------------------


def stored_pages(database_url: str) -> dict[str, RawPage]:
    engine = make_engine(database_url)
    try:
        with make_sessionmaker(engine)() as session:
            return {page.identity: page for page in session.scalars(select(RawPage))}
    finally:
        engine.dispose()


def article_paths_requested(mirror) -> list[str]:
    return [path for path in mirror.paths() if discovery.canonical_article_url(mirror.base_url + path, RULES["article_url"])]


@pytest.fixture(scope="module")
def crawl_world(tmp_path_factory):
    """A faulty mirror and a fresh database, crawled once; tests below continue from there in order."""
    state = tmp_path_factory.mktemp("crawl")
    database_url = f"sqlite:///{state / 'tw.db'}"
    upgrade_database(database_url)
    with start_mirror(faults=True, slow_seconds=60) as mirror:
        settings = Settings(database_url=database_url, state_dir=state, moscow_times_base_url=mirror.base_url,
                            allow_private_hosts=True)
        first = run_crawl(settings, "run-1", overrides=FAST, timeout=900)
        world = {"mirror": mirror, "settings": settings, "first": first, "first_paths": mirror.paths()}
        yield world


def test_first_crawl_stores_every_mirror_article_once(crawl_world):
    mirror, settings, summary = crawl_world["mirror"], crawl_world["settings"], crawl_world["first"]
    pages = stored_pages(settings.database_url)
    expected = {url_identity(article_url(a, mirror.base_url), "moscow_times"): a
                for a in mirror.expected_articles()}
    assert any(a["listed"] == "sitemap" for a in expected.values())  # found through a monthly sitemap only
    assert set(pages) == set(expected)
    assert summary["new"] == summary["fetched"] == len(expected)
    for identity, page in pages.items():
        article = expected[identity]
        assert page.url == article_url(article, mirror.base_url)
        assert gzip.decompress(page.html_gz).decode() == render_article(
            mirror.article(article["id"]), mirror.base_url,
            newest_first([a for a in mirror.data["articles"] if a["listed"] == "feeds"]))
        assert page.content_type.startswith("text/html")
    seed_path = article_path(mirror.article(990160))
    assert crawl_world["first_paths"].count(seed_path) == 1
    assert not any("utm" in path for path in crawl_world["first_paths"])
    ok_paths = [article_path(a) for a in expected.values() if a.get("fault") != "flaky"]
    assert all(crawl_world["first_paths"].count(path) == 1 for path in ok_paths)


def test_first_crawl_records_the_run_and_source(crawl_world):
    engine = make_engine(crawl_world["settings"].database_url)
    with make_sessionmaker(engine)() as session:
        run = session.scalar(select(CrawlRun).where(CrawlRun.run_key == "run-1"))
        source = session.scalar(select(Source).where(Source.key == "moscow_times"))
        run_ids = set(session.scalars(select(RawPage.run_id)))
    engine.dispose()
    assert run is not None and run_ids == {run.id}
    assert source.base_url == crawl_world["mirror"].base_url


def test_robots_disallowed_and_old_months_are_not_fetched(crawl_world):
    paths, summary = crawl_world["first_paths"], crawl_world["first"]
    assert not any(path.startswith(("/preview/", "/search/")) for path in paths)
    assert not any("forbidden-story" in path for path in paths)
    assert summary["skipped"]["robots"] == 1
    assert "/sitemap/2023-11.xml" in paths and "/sitemap/2023-10.xml" in paths
    assert "/sitemap/2023-9.xml" not in paths  # only the two newest months are read
    assert summary["skipped"]["not_article"] >= 1  # the live blog in /rss/all


def test_failing_pages_are_counted_by_reason_and_the_rest_is_kept(crawl_world):
    summary = crawl_world["first"]
    assert summary["finish_reason"] == "finished"
    assert summary["errors"] == {reason: 1 for reason in FAILING.values()}
    by_url = {item["url"].rsplit("/", 1)[1]: item["reason"] for item in summary["error_pages"]}
    assert by_url == FAILING
    pages = stored_pages(crawl_world["settings"].database_url)
    assert not any(slug.rsplit("-a", 1)[1] in identity for slug in FAILING for identity in pages)
    assert "moscow_times:a990503" in pages  # the flaky page succeeded on its retry
    assert crawl_world["first_paths"].count("/2023/11/02/flaky-story-a990503") == 2


def test_second_crawl_fetches_no_known_article(crawl_world):
    mirror, settings = crawl_world["mirror"], crawl_world["settings"]
    before = {identity: page.fetched_at for identity, page in stored_pages(settings.database_url).items()}
    mirror.clear_log()
    summary = run_crawl(settings, "run-2", overrides=FAST, timeout=900)
    requested = article_paths_requested(mirror)
    assert summary["new"] == summary["fetched"] == 0
    assert summary["known_skipped"] == len(before)
    known_paths = {article_path(mirror.article(int(i.rsplit("a", 1)[1]))) for i in before}
    assert not known_paths & set(requested)
    assert {path.rsplit("/", 1)[1] for path in requested} == set(FAILING)  # failures are tried again
    after = {identity: page.fetched_at for identity, page in stored_pages(settings.database_url).items()}
    assert after == before


def test_updated_article_is_fetched_again(crawl_world):
    mirror, settings = crawl_world["mirror"], crawl_world["settings"]
    updated = mirror.touch_article(990170)
    mirror.clear_log()
    summary = run_crawl(settings, "run-3", overrides=FAST, timeout=900)
    requested = [p for p in article_paths_requested(mirror) if p.rsplit("/", 1)[1] not in FAILING]
    assert requested == [article_path(updated)]
    assert (summary["refetched"], summary["changed"], summary["new"]) == (1, 1, 0)
    page = stored_pages(settings.database_url)["moscow_times:a990170"]
    assert f"This article was updated at {updated['modified']}." in gzip.decompress(page.html_gz).decode()
    assert page.fetched_at > datetime.fromisoformat(updated["modified"])


def test_max_pages_limits_a_crawl(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'tw.db'}"
    upgrade_database(database_url)
    with start_mirror() as mirror:
        settings = Settings(database_url=database_url, state_dir=tmp_path, moscow_times_base_url=mirror.base_url,
                            allow_private_hosts=True, crawl_max_pages=3)
        summary = run_crawl(settings, "limited", overrides=FAST, timeout=900)
        requested = article_paths_requested(mirror)
    assert len(stored_pages(database_url)) == summary["fetched"] == 3 == len(requested)
    assert summary["skipped"]["max_pages"] == summary["discovered"] - 3 > 0


def test_private_base_url_is_refused_unless_allowed(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'tw.db'}"
    upgrade_database(database_url)
    with start_mirror() as mirror:
        settings = Settings(database_url=database_url, state_dir=tmp_path, moscow_times_base_url=mirror.base_url)
        with pytest.raises(CrawlError, match="private host"):
            run_crawl(settings, "refused", overrides=FAST, timeout=900)
        assert mirror.paths() == []
