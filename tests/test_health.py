"""Layout drift: a source whose pages stop parsing is marked degraded once (one HEALTH alert) and recovers by itself."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from sqlalchemy import func, select

from pipeline import steps, store
from pipeline.config import load_settings
from pipeline.crawl import run_crawl
from pipeline.db import make_engine, make_sessionmaker, upgrade_database
from pipeline.mirror.articles import article_url, load_site, parse_time
from pipeline.mirror.outlets import OutletMirror
from pipeline.mirror.replies import Page, Reply
from pipeline.mirror.server import TEXT
from pipeline.mirror.stories import STORIES
from pipeline.mirror.templates import render_article
from pipeline.mirror.written_outlets import kyiv_independent_page, kyiv_independent_routes, slug
from pipeline.models import Alert, Source
from pipeline.sources import crawl_arguments, find_source

FAST = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_TIMEOUT": 20, "RETRY_TIMES": 0}
# The Moscow Times markup with its classes renamed, as after a site redesign.
RENAMED = (("article__content", "story-body"), ("article__header", "story-header"), ("article__block", "story-block"),
           ("byline__", "credit__"), ("article-container", "story-container"), ('class="article"', 'class="story"'),
           ("article__", "story__"))
# A redesign to a client-rendered app: the HTML is a shell, the article arrives by script.
SHELL = (b'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>The Kyiv Independent</title>'
         b'<script src="/assets/app.js" defer></script></head><body><div id="app" data-page="post"></div>'
         b"<noscript>Enable JavaScript to read The Kyiv Independent.</noscript></body></html>")


def make_settings(tmp_path, **extra):
    env = {"TW_STATE_DIR": str(tmp_path / "state"), "TW_DATABASE_URL": f"sqlite:///{tmp_path / 'tw.db'}", **extra}
    return load_settings(env)


def health_state(settings, key: str) -> tuple[str, str | None, int]:
    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine)() as session:
        source = session.scalar(select(Source).where(Source.key == key))
        alerts = session.scalar(select(func.count()).select_from(Alert).where(Alert.kind == "HEALTH"))
        state = (source.status, source.status_reason, alerts)
    engine.dispose()
    return state


def test_update_source_health_degrades_once_and_recovers(tmp_path):
    settings = make_settings(tmp_path)
    upgrade_database(settings.database_url)
    engine = make_engine(settings.database_url)
    Session = make_sessionmaker(engine)
    with Session() as session, session.begin():
        source_id = store.upsert_source(session, "outlet", "Outlet", "https://outlet.example").id
        other_id = store.upsert_source(session, "steady", "Steady", "https://steady.example").id
    bad, good = ["empty_body", "no_date"], ["no_authors"]

    def run(problems: list[list[str]], key: str, source: int = source_id) -> list[str]:
        with Session() as session, session.begin():
            return steps.update_source_health(session, {source: problems}, key)["health"]

    assert run([bad, bad, good, good], "run-0") == []  # half bad is not "more than half"
    changes = run([bad, bad, bad, good], "run-1")
    assert changes == ["outlet degraded: 3 of 4 pages without title, date or body, or missing site selectors"]
    assert run([bad, bad, bad], "run-2") == []  # still degraded: no second alert
    assert run([bad, bad], "run-3") == []  # too few pages to judge either way
    assert run([good, good, ["short_body"]], "run-4") == ["outlet recovered"]
    assert run([good] * 3, "run-5", other_id) == []
    with Session() as session:
        alerts = session.scalars(select(Alert).where(Alert.kind == "HEALTH")).all()
        steady = session.get(Source, other_id)
        assert [a.source_id for a in alerts] == [source_id]
        assert "layout may have changed" in alerts[0].summary and steady.status == "ok"
    engine.dispose()


def test_renamed_classes_degrade_the_moscow_times_through_the_parse_step(tmp_path):
    """Selectors that stop matching are drift even when generic extraction still finds a body."""
    settings = make_settings(tmp_path, TW_SOURCES="moscow_times")
    steps.prepare_database(settings)
    base = "https://www.themoscowtimes.com"
    articles = load_site()["articles"]
    assert len(articles) >= 8

    def store_pages(chosen: list[dict], renamed: bool) -> None:
        engine = make_engine(settings.database_url)
        with make_sessionmaker(engine)() as session, session.begin():
            source = session.scalar(select(Source).where(Source.key == "moscow_times"))
            for article in chosen:
                html = render_article(article, base)
                for old, new in RENAMED if renamed else ():
                    html = html.replace(old, new)
                store.upsert_raw_page(session, source_id=source.id, identity=f"moscow_times:a{article['id']}",
                                      url=article_url(article, base), html=html.encode())
        engine.dispose()

    store_pages(articles[:4], renamed=True)
    summary = steps.parse_pages(settings, "drift-1")
    assert summary["health"] == ["moscow_times degraded: 4 of 4 pages without title, date or body, or missing site selectors"]
    assert health_state(settings, "moscow_times")[0::2] == ("degraded", 1)
    store_pages(articles[4:8], renamed=False)
    summary = steps.parse_pages(settings, "drift-2")
    assert summary["health"] == ["moscow_times recovered"]
    assert health_state(settings, "moscow_times") == ("ok", None, 1)


def edition(run: int, layout: str) -> list[Page]:
    """Three new Kyiv Independent stories for a run, in the normal layout or the script-rendered shell."""
    pages = []
    for story in STORIES:
        story = {**story, "title": f"{story['title']} (update {run})"}
        path = f"/{slug(story['title'])}/"
        html = kyiv_independent_page(story, parse_time("2024-08-04T09:30:00+00:00"), path).encode()
        pages.append(Page(path, story["title"], SHELL if layout == "shell" else html))
    return pages


def test_layout_drift_found_by_real_crawls_gives_one_alert_and_recovers(tmp_path):
    mirror = OutletMirror().start()
    try:
        settings = make_settings(tmp_path, TW_SOURCES="kyiv_independent",
                                 TW_SOURCE_KYIV_INDEPENDENT_BASE_URL=mirror.source_url("kyiv_independent"))
        settings = replace(settings, allow_private_hosts=True)
        steps.prepare_database(settings)
        arguments = crawl_arguments(settings, find_source(settings, "kyiv_independent"))
        arguments["overrides"].update(FAST)
        seen = []
        for run, layout in enumerate(["shell", "shell", "normal"], start=1):
            mirror.routes.clear()
            mirror.routes["/robots.txt"] = lambda base: Reply(200, TEXT, b"User-agent: *\n")
            mirror.routes.update(kyiv_independent_routes(edition(run, layout), datetime.now(timezone.utc)))
            crawl = run_crawl(settings, f"drift-{run}", source="kyiv_independent", **arguments)
            assert crawl["new"] == 3, crawl
            parsed = steps.parse_pages(settings, f"drift-{run}")
            assert parsed["new"] == 3
            seen.append((parsed["health"], health_state(settings, "kyiv_independent")))
    finally:
        mirror.stop()
    (first, state1), (second, state2), (third, state3) = seen
    assert first == ["kyiv_independent degraded: 3 of 3 pages without title, date or body, or missing site selectors"]
    assert state1 == ("degraded", "3 of 3 pages without title, date or body, or missing site selectors", 1)
    assert second == [] and state2 == state1  # still degraded, still one alert
    assert third == ["kyiv_independent recovered"]
    assert state3 == ("ok", None, 1)
