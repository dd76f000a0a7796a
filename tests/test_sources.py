"""Sources as configuration: YAML validation, base-URL overrides, identity rules, and a real crawl of each
shipped outlet against a local mirror in that outlet's shape (real pages from ../shared where present)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from pipeline.cli_sources import sources_app
from pipeline.config import load_settings
from pipeline.crawl import run_crawl
from pipeline.db import make_engine, make_sessionmaker, upgrade_database
from pipeline.mirror.outlets import OUTLETS, OutletMirror, outlet_routes, source_overrides
from pipeline.mirror.shared_outlets import SHARED_OUTLETS, read_shared_pages
from pipeline.mirror.written_outlets import written_pages
from pipeline.models import RawPage
from pipeline.parse import parse_article
from pipeline.sites.selectors import site_rules
from pipeline.source_check import check_source, list_sources
from pipeline.sources import (
    SourceFileError,
    crawl_arguments,
    find_source,
    is_article_url,
    load_sources,
    read_source_file,
    source_identity,
)
from pipeline.store import read_raw_html

PROJECT_ROOT = Path(__file__).resolve().parents[1]
NEWS_PAGES = PROJECT_ROOT.parent / "shared" / "data" / "news-pages"
FAST = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "DOWNLOAD_TIMEOUT": 20, "RETRY_TIMES": 0}
VALID = """key: example
name: Example News
base_url: https://www.example.com
feeds: [/rss]
"""


def settings_for(tmp_path: Path, **extra: str):
    env = {"TW_STATE_DIR": str(tmp_path / "state"), "TW_DATABASE_URL": f"sqlite:///{tmp_path / 'tw.db'}", **extra}
    return load_settings(env)


def write_source(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        (VALID + "feeeds: [/x]\n", "feeeds", "Extra inputs are not permitted"),
        (VALID.replace("key: example", "key: Example News"), "key", "pattern"),
        (VALID.replace("https://www.example.com", "www.example.com"), "base_url", "absolute http(s) URL"),
        (VALID + "article_pattern: '^/news/(['\n", "article_pattern", "not a valid regular expression"),
        (VALID + "identity:\n  id_pattern: '/a/\\d+'\n", "identity.id_pattern", "needs a group"),
        (VALID + "listings: [/news/]\n", "(file)", "listings need article_pattern"),
        (VALID + "selectors:\n  body: 'div.story >> p'\n", "selectors", "is not a CSS selector"),
        (VALID + "selectors:\n  headline: h1\n", "selectors", "unknown selector field"),
        (VALID + "politeness:\n  download_delay: -1\n", "politeness.download_delay", "greater than or equal"),
        (VALID + "allow_private_hosts: [intranet]\n", "allow_private_hosts", "not an IP address"),
        (VALID.replace("feeds: [/rss]\n", ""), "(file)", "at least one of feeds, sitemaps or listings"),
    ],
)
def test_invalid_source_file_names_the_file_and_the_field(tmp_path, text, field, words):
    path = write_source(tmp_path, "example.yaml", text)
    with pytest.raises(SourceFileError) as caught:
        read_source_file(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert f"field {field!r}" in message or (field == "(file)" and "field '(file)'" in message)
    assert words in message


def test_source_folder_problems_are_clear(tmp_path):
    folder = tmp_path / "sources"
    write_source(folder, "a.yaml", VALID)
    write_source(folder, "b.yaml", VALID.replace("Example News", "Another"))
    with pytest.raises(SourceFileError, match=r"b\.yaml: key 'example' is already used by .*a\.yaml"):
        load_sources(settings_for(tmp_path, TW_SOURCES_DIR=str(folder)))
    (folder / "b.yaml").write_text("- just\n- a list\n")
    with pytest.raises(SourceFileError, match=r"b\.yaml: expected a mapping"):
        load_sources(settings_for(tmp_path, TW_SOURCES_DIR=str(folder)))
    (folder / "b.yaml").write_text("key: [unclosed\n")
    with pytest.raises(SourceFileError, match=r"b\.yaml: cannot read YAML"):
        load_sources(settings_for(tmp_path, TW_SOURCES_DIR=str(folder)))
    with pytest.raises(SourceFileError, match="does not exist"):
        load_sources(settings_for(tmp_path, TW_SOURCES_DIR=str(tmp_path / "missing")))


def test_tw_sources_selects_and_disabled_sources_stay_out(tmp_path):
    folder = tmp_path / "sources"
    write_source(folder, "a.yaml", VALID)
    write_source(folder, "b.yaml", VALID.replace("key: example", "key: other") + "enabled: false\n")
    assert [s.key for s in load_sources(settings_for(tmp_path, TW_SOURCES_DIR=str(folder)))] == ["example"]
    chosen = load_sources(settings_for(tmp_path, TW_SOURCES_DIR=str(folder), TW_SOURCES="other"))
    assert [s.key for s in chosen] == ["other"]
    with pytest.raises(SourceFileError, match="unknown source"):
        load_sources(settings_for(tmp_path, TW_SOURCES_DIR=str(folder), TW_SOURCES="nope"))


# --- the shipped sources ---------------------------------------------------------------------


def test_shipped_sources_cover_the_outlets_and_keep_the_pipeline_fields(tmp_path):
    sources = {s.key: s for s in load_sources(settings_for(tmp_path))}
    assert set(OUTLETS) | {"moscow_times"} <= set(sources)
    assert sources["moscow_times"].spider == "moscow_times"
    assert sources["moscow_times"].base_url == "https://www.themoscowtimes.com"
    for key in OUTLETS:
        source = sources[key]
        assert source.spider == "generic" and source.name and source.base_url.startswith("https://")
        assert source.feeds or source.sitemaps or source.listings
        assert source.article_pattern, f"{key} has no article_pattern"
        assert not source.mirrored and source.allow_private_hosts is False


@pytest.mark.parametrize(
    ("key", "articles", "others"),
    [
        ("bbc", ["https://www.bbc.com/news/articles/clymn8zyrp9o", "https://www.bbc.com/news/explainers-63159607",
                 "https://www.bbc.co.uk/news/world-europe-68123456"],
         ["https://www.bbc.com/news/world", "https://www.bbc.com/news/av/world-68000001",
          "https://www.bbc.com/sport/football/68000002"]),
        ("guardian", ["https://www.theguardian.com/world/2024/feb/24/death-toll-in-valencia-fire",
                      "https://www.theguardian.com/world/live/2024/mar/07/russia-ukraine-war-live"],
         ["https://www.theguardian.com/world/ukraine", "https://www.theguardian.com/profile/luke-harding"]),
        ("ap", ["https://apnews.com/article/mexico-economy-growth-3cc842471fb9df42315d658d88c8403a",
                "https://apnews.com/article/3cc842471fb9df42315d658d88c8403a"],
         ["https://apnews.com/hub/russia-ukraine", "https://apnews.com/video/ukraine-war-abc123"]),
        ("reuters", ["https://www.reuters.com/world/middle-east/israeli-tank-likely-2024-03-07/"],
         ["https://www.reuters.com/world/europe/", "https://www.reuters.com/pf/api/v3/content"]),
        ("kyiv_independent", ["https://kyivindependent.com/ukraine-receives-first-f-16-fighter-jets/"],
         ["https://kyivindependent.com/tag/war/", "https://kyivindependent.com/news-archive/",
          "https://kyivindependent.com/author/olena-goncharova/"]),
        ("meduza_en", ["https://meduza.io/en/news/2024/08/04/north-korea-shipped-more-shells"],
         ["https://meduza.io/en/podcasts/the-naked-pravda", "https://meduza.io/en"]),
        ("yonhap_en", ["https://en.yna.co.kr/view/AEN20240804001500315"], ["https://en.yna.co.kr/nk/index"]),
        ("rferl", ["https://www.rferl.org/a/iran-missiles-russia/33060102.html"],
         ["https://www.rferl.org/z/632", "https://www.rferl.org/author/mike-eckel/ppp.html"]),
    ],
)
def test_article_patterns_accept_article_urls_and_reject_the_rest(tmp_path, key, articles, others):
    source = find_source(settings_for(tmp_path), key)
    for url in articles:
        assert is_article_url(url, source), url
    for url in others:
        assert not is_article_url(url, source), url


def test_identity_uses_the_outlets_id_where_it_has_one(tmp_path):
    settings = settings_for(tmp_path)
    ap, bbc, guardian = (find_source(settings, k) for k in ("ap", "bbc", "guardian"))
    hex_id = "151f82b59473d29a448ef1cea9afe471"
    assert source_identity(f"https://apnews.com/article/old-slug-{hex_id}", ap) == f"ap:{hex_id}"
    assert source_identity(f"https://apnews.com/article/new-slug-{hex_id}?utm_source=x", ap) == f"ap:{hex_id}"
    assert source_identity("https://www.bbc.com/news/articles/clymn8zyrp9o", bbc) == "bbc:clymn8zyrp9o"
    assert source_identity("https://www.bbc.co.uk/news/world-europe-68123456", bbc) == "bbc:68123456"
    plain = "https://www.theguardian.com/world/2024/feb/24/death-toll"
    assert source_identity(plain + "?CMP=share_btn_tw", guardian) == source_identity(plain, guardian)
    assert source_identity(plain, guardian).startswith("guardian:https://")
    # The Moscow Times keeps its rule in pipeline.dedupe.
    mt = find_source(settings, "moscow_times")
    assert source_identity("https://www.themoscowtimes.com/2023/11/01/x-a82959?utm_source=rss", mt) == "moscow_times:a82959"


def test_base_url_override_moves_the_outlets_own_hosts_and_nothing_else(tmp_path):
    mirror = "http://127.0.0.1:8765/bbc"
    live = find_source(settings_for(tmp_path), "bbc")
    moved = find_source(settings_for(tmp_path, TW_SOURCE_BBC_BASE_URL=mirror), "bbc")
    assert live.feeds[0] == "https://feeds.bbci.co.uk/news/world/rss.xml"
    assert moved.feeds[0] == f"{mirror}/news/world/rss.xml"
    assert moved.sitemaps == (f"{mirror}/sitemaps/https-index-com-news.xml",)
    assert moved.mirrored and moved.allowed_domains == ("127.0.0.1",)
    # Only the path prefix differs: the same article pattern and identity hold on the mirror.
    assert is_article_url(f"{mirror}/news/articles/clymn8zyrp9o", moved)
    assert source_identity(f"{mirror}/news/articles/clymn8zyrp9o", moved) == "bbc:clymn8zyrp9o"
    mt = find_source(settings_for(tmp_path, TW_MOSCOW_TIMES_BASE_URL="http://127.0.0.1:9000"), "moscow_times")
    assert mt.base_url == "http://127.0.0.1:9000"
    assert mt.sitemaps == ("http://127.0.0.1:9000/sitemap/sitemap.xml",)


def test_yaml_selectors_become_site_rules_that_read_a_real_page(tmp_path):
    if not NEWS_PAGES.is_dir():
        pytest.skip("../shared/data/news-pages not present: the Guardian page is read from there")
    source = find_source(settings_for(tmp_path), "guardian")
    rules = site_rules(source)
    assert rules is not None and rules.body_parts == "div.article-body-commercial-selector p"
    assert rules.published == (("meta[property='article:published_time']", "content"),)
    from bs4 import BeautifulSoup

    from pipeline.sites.rules import apply_rules

    page = read_shared_pages(NEWS_PAGES, "guardian")[0]
    values = apply_rules(BeautifulSoup(page.html, "lxml"), rules)
    assert values["title"] == page.title
    assert values["published"] == "2024-02-24T11:42:23.000Z"
    assert len(values["body"]) >= 5 and values["missed"] == []
    assert site_rules(find_source(settings_for(tmp_path), "bbc")) is None


# --- each outlet against its mirror ------------------------------------------------------------


def outlet_pages(key: str):
    """The pages an outlet's mirror serves, or a skip when they come from ../shared and it is absent."""
    if key in SHARED_OUTLETS:
        if not NEWS_PAGES.is_dir():
            pytest.skip(f"../shared/data/news-pages not present: the {key} mirror serves real pages from there")
        return read_shared_pages(NEWS_PAGES, key)
    return written_pages(key)


@pytest.fixture(scope="module")
def outlets_mirror():
    pages = {key: read_shared_pages(NEWS_PAGES, key) for key in SHARED_OUTLETS} if NEWS_PAGES.is_dir() else {}
    mirror = OutletMirror(outlet_routes(pages)).start()
    yield mirror
    mirror.stop()


@pytest.mark.parametrize("key", OUTLETS)
def test_outlet_crawl_against_its_mirror_stores_every_article_once(tmp_path, outlets_mirror, key):
    pages = outlet_pages(key)
    settings = settings_for(tmp_path, **{f"TW_SOURCE_{key.upper()}_BASE_URL": outlets_mirror.source_url(key)})
    upgrade_database(settings.database_url)
    source = find_source(settings, key)
    arguments = crawl_arguments(settings, source)
    arguments["overrides"].update(FAST)
    # The source file allows no private hosts: the mirror on 127.0.0.1 is allowed for this run only.
    settings = replace(settings, allow_private_hosts=True)
    summary = run_crawl(settings, f"outlet-{key}", source=key, **arguments)

    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine)() as session:
        stored = {p.identity: p for p in session.scalars(select(RawPage))}
        expected = {source_identity(outlets_mirror.source_url(key) + p.path, source): p for p in pages}
        assert set(stored) == set(expected), summary
        assert summary["errors"] == {}
        for identity, page in expected.items():
            raw = stored[identity]
            assert read_raw_html(raw) == page.html
            article = parse_article(read_raw_html(raw), raw.url)
            assert article.title == page.title
            assert article.published is not None and len(article.body_text().split()) >= 40
    engine.dispose()
    # Nothing the source file rules out (video, sport, old sitemap entries, tag pages) was fetched.
    requested = [p for p in outlets_mirror.paths() if p.startswith(f"/{key}/")]
    assert all(p in outlets_mirror.routes or p.split("?")[0] in outlets_mirror.routes for p in requested), requested
    if source.id_pattern:
        assert all(identity.count(":") == 1 and "://" not in identity for identity in stored)


@pytest.mark.parametrize("key", OUTLETS)
def test_sources_check_reads_the_outlet_mirror_without_writing(tmp_path, outlets_mirror, key):
    pages = outlet_pages(key)
    settings = settings_for(tmp_path, TW_ALLOW_PRIVATE_HOSTS="1",
                            **{f"TW_SOURCE_{key.upper()}_BASE_URL": outlets_mirror.source_url(key)})
    report = check_source(settings, key, timeout=20)
    assert report["ok"], report["problems"]
    titles = {p.title for p in pages}
    assert report["article_links"] >= len(pages)
    assert report["sample"]["title"] in titles
    assert report["sample"]["body_words"] >= 40 and report["sample"]["published"]
    assert not (tmp_path / "tw.db").exists()


def test_sources_check_reports_a_broken_feed_path_and_a_private_mirror(tmp_path, outlets_mirror):
    folder = tmp_path / "sources"
    base = outlets_mirror.source_url("meduza_en")
    write_source(folder, "m.yaml", f"key: moved\nname: Moved\nbase_url: {base}\nfeeds: [/rss/en/everything]\n"
                                   "allow_private_hosts: [127.0.0.1]\n")
    report = check_source(settings_for(tmp_path, TW_SOURCES_DIR=str(folder)), "moved", timeout=20)
    assert not report["ok"] and report["article_links"] == 0 and report["sample"] is None
    assert any("/rss/en/everything: HTTP 404" in p for p in report["problems"])
    # Without the allowance the check refuses the loopback mirror instead of fetching it.
    write_source(folder, "m.yaml", f"key: moved\nname: Moved\nbase_url: {base}\nfeeds: [/rss/en/all]\n")
    before = len(outlets_mirror.paths())
    report = check_source(settings_for(tmp_path, TW_SOURCES_DIR=str(folder)), "moved", timeout=20)
    assert any("private address 127.0.0.1 refused" in p for p in report["problems"])
    assert len(outlets_mirror.paths()) == before


def test_list_sources_and_the_cli_sub_app(tmp_path, monkeypatch):
    rows = {row["key"]: row for row in list_sources(settings_for(tmp_path))}
    assert rows["ap"]["identity"] == "id_pattern" and rows["guardian"]["identity"] == "canonical URL"
    assert rows["moscow_times"]["spider"] == "moscow_times" and rows["bbc"]["feeds"] == 3
    monkeypatch.delenv("TW_SOURCES_DIR", raising=False)
    result = CliRunner().invoke(sources_app, ["list", "--json"])
    assert result.exit_code == 0, result.output
    assert {row["key"] for row in json.loads(result.output)} == set(rows)
    missing = CliRunner().invoke(sources_app, ["check", "no_such_source"])
    assert missing.exit_code == 2 and "no source 'no_such_source'" in missing.output


def test_source_overrides_point_each_served_outlet_at_the_mirror(outlets_mirror):
    overrides = source_overrides(outlets_mirror)
    for key in ("kyiv_independent", "meduza_en", "yonhap_en", "rferl"):
        assert overrides[f"TW_SOURCE_{key.upper()}_BASE_URL"] == outlets_mirror.source_url(key)
    served = {key for key in SHARED_OUTLETS if f"TW_SOURCE_{key.upper()}_BASE_URL" in overrides}
    assert served == (set(SHARED_OUTLETS) if NEWS_PAGES.is_dir() else set())
    assert "TW_SOURCE_MOSCOW_TIMES_BASE_URL" not in overrides


def test_sources_check_of_the_moscow_times_mirror_uses_its_own_identity_rule(tmp_path):
    from pipeline.mirror import start_mirror

    with start_mirror() as mirror:
        settings = settings_for(tmp_path, TW_MOSCOW_TIMES_BASE_URL=mirror.base_url, TW_ALLOW_PRIVATE_HOSTS="1")
        report = check_source(settings, "moscow_times", timeout=20)
    assert report["ok"], report["problems"]
    kinds = {row["kind"] for row in report["documents"] if row["articles"]}
    assert kinds == {"feed", "sitemap", "listing"}
    assert report["sample"]["identity"].startswith("moscow_times:a") and report["sample"]["title"]
    assert not any("/preview/" in row["url"] for row in report["documents"])
