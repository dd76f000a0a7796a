"""Pipeline steps on each supported database: a full run against the mirror, then a run that adds nothing."""

from __future__ import annotations


from sqlalchemy import func, select

from pipeline import steps
from pipeline.config import load_settings
from pipeline.mirror import start_mirror
from pipeline.models import Alert, Article, Claim, ClaimCluster, Delivery, RawPage


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_run_twice_on_each_database(database_url, tmp_path, receiver):
    env = {
        "TW_DATABASE_URL": database_url,
        "TW_STATE_DIR": str(tmp_path / "state"),
        "TW_SOURCES": "moscow_times",
        "TW_ALLOW_PRIVATE_HOSTS": "1",
        "TW_SLACK_WEBHOOK_URL": receiver.url,
        "TW_ALERT_RATE_PER_SECOND": "100",
        # The mirror needs no politeness; the production delays would only slow the suite.
        "TW_SCRAPY_AUTOTHROTTLE_ENABLED": "False",
        "TW_SCRAPY_DOWNLOAD_DELAY": "0",
    }
    with start_mirror() as mirror:
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

    assert first["crawl"]["new"] == len(mirror.expected_articles())
    assert before[Article] == len(mirror.expected_articles())
    assert before[Alert] == first["detect"]["alerts_new"] + first["detect"].get("alerts_update", 0) > 0
    assert seed == 1
    assert after == before, "a second run over the same pages changed the store"
    assert second["crawl"]["new"] == 0 and second["crawl"].get("fetched", 0) == 0
    assert second["detect"].get("articles", 0) == 0
    assert unsent == 0
    assert len(receiver.bodies) == before[Alert]
