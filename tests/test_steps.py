"""Pipeline steps on each supported database: a full run against the mirror, then a run that adds nothing."""

from __future__ import annotations


from sqlalchemy import func, select

from pipeline import steps
from pipeline.config import load_settings
from pipeline.mirror import start_mirror
from pipeline.mirror.outlets import start_outlets
from pipeline.models import Alert, Article, Claim, ClaimCluster, Delivery, RawPage


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


WRITTEN = ("kyiv_independent", "meduza_en", "yonhap_en", "rferl")


def test_run_twice_on_each_database(database_url, tmp_path, receiver):
    """Five outlets crawled four at a time write to one store: every article once, every claim alerted once."""
    env = {
        "TW_DATABASE_URL": database_url,
        "TW_STATE_DIR": str(tmp_path / "state"),
        "TW_SOURCES": ",".join(("moscow_times",) + WRITTEN),
        "TW_CRAWL_CONCURRENCY": "4",
        "TW_ALLOW_PRIVATE_HOSTS": "1",
        "TW_SLACK_WEBHOOK_URL": receiver.url,
        "TW_ALERT_RATE_PER_SECOND": "100",
        # The mirror needs no politeness; the production delays would only slow the suite.
        "TW_SCRAPY_AUTOTHROTTLE_ENABLED": "False",
        "TW_SCRAPY_DOWNLOAD_DELAY": "0",
    }
    with start_mirror() as mirror, start_outlets() as outlets:
        env.update({f"TW_SOURCE_{key.upper()}_BASE_URL": outlets.source_url(key) for key in WRITTEN})
        settings = load_settings({**env, "TW_MOSCOW_TIMES_BASE_URL": mirror.base_url})
        first = steps.run_pipeline(settings, "run-1")
        with steps.open_sessions(settings) as Session, Session() as session:
            before = {model: count(session, model) for model in (RawPage, Article, Claim, ClaimCluster, Alert)}
        second = steps.run_pipeline(settings, "run-2")
        with steps.open_sessions(settings) as Session, Session() as session:
            after = {model: count(session, model) for model in (RawPage, Article, Claim, ClaimCluster, Alert)}
            unsent = session.scalar(select(func.count()).select_from(Delivery).where(Delivery.state != "sent"))
            seed = session.scalar(
                select(func.count()).select_from(ClaimCluster).where(
                    ClaimCluster.supplier == "PRK", ClaimCluster.recipient == "RUS",
                    ClaimCluster.category == "artillery_ammunition")
            )

    expected = len(mirror.expected_articles()) + 3 * len(WRITTEN)
    assert first["crawl"]["new"] == expected and first["crawl"]["outlets_ok"] == 5
    assert before[Article] == before[RawPage] == expected
    assert before[Alert] == first["detect"]["alerts_new"] + first["detect"].get("alerts_update", 0) > 0
    assert seed == 1
    assert after == before, "a second run over the same pages changed the store"
    assert second["crawl"]["new"] == 0 and second["crawl"].get("fetched", 0) == 0
    assert second["detect"].get("articles", 0) == 0
    assert unsent == 0
    assert len(receiver.bodies) == before[Alert]


def test_a_syndicated_copy_is_analysed_for_the_lines_it_adds_only(sqlite_url, tmp_path):
    from datetime import datetime, timezone

    from pipeline import store
    from tests.test_dedupe import AFP_STORY

    added = ("Ukraine's military intelligence said on Thursday that Iran had delivered 200 more "
             "Shahed attack drones to Russia by ship across the Caspian Sea in October.")
    settings = load_settings({"TW_DATABASE_URL": sqlite_url, "TW_STATE_DIR": str(tmp_path / "state")})
    steps.prepare_database(settings)
    with steps.open_sessions(settings) as Session:
        with Session() as session, session.begin():
            for key, body, day in (("afp", AFP_STORY, 1), ("yonhap", AFP_STORY + "\n" + added, 2)):
                source = store.upsert_source(session, key, key.upper(), f"https://{key}.example")
                session.add(Article(
                    identity=f"{key}:1", source_id=source.id, url=f"https://{key}.example/1",
                    title="North Korea sent Russia over 1 million shells, Seoul says", body=body,
                    content_sha256=key, published=datetime(2023, 11, day, tzinfo=timezone.utc)))
        assert steps.dedupe_articles(settings, "run-1")["duplicates"] == 1
        first = steps.detect_claims_in_articles(settings, "run-1")
        again = steps.detect_claims_in_articles(settings, "run-2")
        with Session() as session:
            copy = session.scalar(select(Article).where(Article.identity == "yonhap:1"))
            copy_claims = session.scalars(select(Claim).where(Claim.article_id == copy.id)).all()
            alerted = session.execute(
                select(ClaimCluster.supplier, Alert.kind, Alert.payload, Claim.article_id)
                .join(Alert, Alert.cluster_id == ClaimCluster.id)
                .join(Claim, Claim.id == Alert.claim_id)).all()

    assert copy.duplicate_of_id is not None
    assert (first["articles"], first["copies"]) == (1, 1)
    # The copy's one new paragraph gives one claim and one NEW alert, credited to the copy.
    assert [(c.supplier, c.recipient, c.category) for c in copy_claims] == [("IRN", "RUS", "drones")]
    iran = [row for row in alerted if row.supplier == "IRN"]
    assert [(row.kind, row.article_id) for row in iran] == [("NEW", copy.id)]
    assert "Caspian" in str(iran[0].payload)
    # The shared story alerts from the original only, once per cluster.
    shared = [row for row in alerted if row.supplier != "IRN"]
    assert shared and {row.article_id for row in shared} == {copy.duplicate_of_id}
    assert all(row.kind == "NEW" for row in shared)
    assert again.get("articles", 0) == again.get("copies", 0) == 0


def test_a_dry_run_sends_nothing_and_the_next_run_sends_each_alert_once(sqlite_url, tmp_path, receiver):
    from datetime import datetime, timezone

    from pipeline import store
    from pipeline.outlets import make_run_options

    settings = load_settings({"TW_DATABASE_URL": sqlite_url, "TW_STATE_DIR": str(tmp_path / "state"),
                              "TW_SLACK_WEBHOOK_URL": receiver.url, "TW_ALERT_RATE_PER_SECOND": "100"})
    steps.prepare_run(settings, "dry", make_run_options(dry_run=True))
    with steps.open_sessions(settings) as Session, Session() as session, session.begin():
        source = store.upsert_source(session, "wire", "Wire", "https://wire.example")
        session.add(Article(
            identity="wire:1", source_id=source.id, url="https://wire.example/1", title="Shells for Russia",
            body="North Korea has sent Russia more than one million artillery shells, South Korea's spy agency said.",
            content_sha256="wire-1", published=datetime(2023, 11, 1, tzinfo=timezone.utc)))
    detected = steps.detect_claims_in_articles(settings, "dry")
    dry = steps.send_alerts(settings, "dry")
    with steps.open_sessions(settings) as Session, Session() as session:
        pending = session.scalar(select(func.count()).select_from(Delivery).where(Delivery.state == "pending"))
    assert detected.get("alerts_new", 0) >= 1
    assert dry["dry_run"] and dry["sent"] == 0 and dry["not_sent"] == pending >= 1
    assert receiver.bodies == []

    steps.prepare_run(settings, "next")
    sent = steps.send_alerts(settings, "next")
    assert sent["sent"] == pending and len(receiver.uids()) == len(set(receiver.uids())) == pending
