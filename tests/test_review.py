"""Review decisions: stored with user and time, honoured by alerting, merges that keep every source."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pipeline import dedupe
from pipeline.db import make_engine, make_sessionmaker, upgrade_database
from pipeline.models import Claim, ClaimCluster, ClaimReview
from pipeline.review import ReviewError, list_reviews, merge_clusters, review_cluster
from tests.test_dedupe import _article, _claim, _source, _when


@pytest.fixture
def Session(database_url):
    upgrade_database(database_url)
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def test_a_dismissed_cluster_alerts_again_only_on_a_material_change(Session):
    with Session() as session, session.begin():
        source = _source(session, "mt")
        first = dedupe.record_claim(session, article=_article(session, source, "a1", "", _when(2024, 1, 1)),
                                    claim=_claim("North Korea sent shells to Russia.", claimant="US officials"))
        assert first.kind == "NEW"
        review_cluster(session, first.cluster.id, "dismissed", "analyst", "old stock, not a transfer")
        # A new kind of claimant would be an UPDATE for an open cluster; dismissed, it stays quiet.
        quiet = dedupe.record_claim(session, article=_article(session, source, "a2", "", _when(2024, 1, 5)),
                                    claim=_claim("Seoul's spy agency said North Korea sent shells.",
                                                 claimant="the National Intelligence Service"))
        assert quiet.cluster.id == first.cluster.id and quiet.kind is None
        figure = dedupe.record_claim(session, article=_article(session, source, "a3", "", _when(2024, 2, 1)),
                                     claim=_claim("North Korea sent 1 million shells.",
                                                  quantity={"min": 1e6, "max": 1e6, "unit": "rounds"}))
    assert figure.kind == "UPDATE" and figure.cluster.id == first.cluster.id
    assert "1 million" in figure.change and "dismissed by analyst: old stock" in figure.change


def test_an_open_cluster_still_alerts_on_a_new_claimant(Session):
    with Session() as session, session.begin():
        source = _source(session, "mt")
        first = dedupe.record_claim(session, article=_article(session, source, "a1", "", _when(2024, 1, 1)),
                                    claim=_claim("North Korea sent shells to Russia.", claimant="US officials"))
        review_cluster(session, first.cluster.id, "confirmed", "analyst")
        update = dedupe.record_claim(session, article=_article(session, source, "a2", "", _when(2024, 1, 5)),
                                     claim=_claim("Seoul's spy agency said North Korea sent shells.",
                                                  claimant="the National Intelligence Service"))
    assert update.kind == "UPDATE"


def test_decisions_are_recorded_with_user_and_time_and_need_a_reason_to_dismiss(Session):
    with Session() as session, session.begin():
        source = _source(session, "mt")
        cluster = dedupe.record_claim(session, article=_article(session, source, "a1", "", _when(2024, 1, 1)),
                                      claim=_claim("North Korea sent shells to Russia.")).cluster
        with pytest.raises(ReviewError, match="reason"):
            review_cluster(session, cluster.id, "dismissed", "analyst", "   ")
        with pytest.raises(ReviewError, match="decision"):
            review_cluster(session, cluster.id, "approved", "analyst")
        review_cluster(session, cluster.id, "confirmed", "alice")
        review_cluster(session, cluster.id, "dismissed", "bob", "a 2019 delivery")
        cluster_id = cluster.id
    with Session() as session:
        stored = session.get(ClaimCluster, cluster_id)
        assert (stored.review_state, stored.reviewed_by, stored.review_reason) == ("dismissed", "bob", "a 2019 delivery")
        assert stored.reviewed_at is not None
        record = list_reviews(session, [cluster_id])
    assert [(r["user"], r["decision"]) for r in record] == [("alice", "confirmed"), ("bob", "dismissed")]


def test_merge_moves_every_claim_and_the_merged_cluster_takes_no_new_claims(Session):
    with Session() as session, session.begin():
        source = _source(session, "mt")
        known = dedupe.record_claim(session, article=_article(session, source, "a1", "", _when(2024, 1, 1)),
                                    claim=_claim("North Korea sent shells to Russia.")).cluster
        vague = dedupe.record_claim(session, article=_article(session, source, "a2", "", _when(2024, 1, 3)),
                                    claim=_claim("Shells reached Russia.", supplier=None)).cluster
        assert known.id != vague.id
        target = merge_clusters(session, vague.id, known.id, "carol", "same shipment")
        assert target.id == known.id and target.source_count == 2
        assert {c.cluster_id for c in session.scalars(select(Claim))} == {known.id}
        with pytest.raises(ReviewError, match="merged into"):
            review_cluster(session, vague.id, "confirmed", "carol")
        with pytest.raises(ReviewError, match="itself"):
            merge_clusters(session, known.id, known.id, "carol")
        later = dedupe.record_claim(session, article=_article(session, source, "a3", "", _when(2024, 1, 9)),
                                    claim=_claim("Shells again reached Russia.", supplier=None))
        assert later.cluster.id not in {vague.id}
        merged = session.get(ClaimCluster, vague.id)
        assert (merged.review_state, merged.merged_into_id, merged.reviewed_by) == ("merged", known.id, "carol")
        assert session.scalar(select(ClaimReview.decision).where(ClaimReview.cluster_id == vague.id)) == "merged"


def test_an_update_alert_shows_the_clusters_stance_after_a_denial(Session):
    from pipeline.steps import build_alert_payload

    with Session() as session, session.begin():
        source = _source(session, "mt")
        dedupe.record_claim(session, article=_article(session, source, "a1", "", _when(2024, 1, 1)),
                            claim=_claim("North Korea sent shells to Russia.", claimant="US officials"))
        dedupe.record_claim(session, article=_article(session, source, "a2", "", _when(2024, 1, 2)),
                            claim=_claim("Moscow denied it.", stance="denied", claimant="the Kremlin"))
        article = _article(session, source, "a3", "", _when(2024, 1, 3))
        update = dedupe.record_claim(session, article=article, claim=_claim(
            "North Korea sent 1 million shells.", quantity={"min": 1e6, "max": 1e6, "unit": "rounds"}))
        payload = build_alert_payload(update, article)
    assert update.kind == "UPDATE"
    assert (payload["stance"], payload["claim_stance"]) == ("disputed", "affirmed")
