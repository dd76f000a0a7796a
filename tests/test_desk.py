"""The desk's read model on real SQLite and PostgreSQL: filters, keyset pages, claim record, outbox, export."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from pipeline.benchmarks import synthesize_claims
from pipeline.db import make_engine, make_sessionmaker, upgrade_database
from pipeline.desk import (
    ClaimFilters,
    decode_cursor,
    export_rows,
    list_claim_page,
    list_outbox,
    retry_delivery,
    source_health,
)
from pipeline.models import ClaimCluster, Delivery


@pytest.fixture
def synthetic(database_url):
    """A migrated store with 600 generated claim clusters."""
    upgrade_database(database_url)
    engine = make_engine(database_url)
    Session = make_sessionmaker(engine)
    with Session() as session, session.begin():
        synthesize_claims(session, 600, seed=3)
    yield Session
    engine.dispose()


def all_pages(session, filters, **kwargs) -> list[dict]:
    rows, after = [], None
    while True:
        page = list_claim_page(session, filters, after=after, limit=37, **kwargs)
        rows += page["rows"]
        if not page["next"]:
            return rows
        after = page["next"]


def test_keyset_pages_cover_every_filtered_cluster_once_in_order(synthetic):
    with synthetic() as session:
        expected = session.scalars(
            select(ClaimCluster).where(ClaimCluster.supplier == "PRK").order_by(
                ClaimCluster.last_seen_at.desc(), ClaimCluster.id.desc())).all()
        rows = all_pages(session, ClaimFilters(supplier="PRK"))
        assert len(expected) > 37, "the test needs several pages"
        assert [r["id"] for r in rows] == [c.id for c in expected]
        ascending = all_pages(session, ClaimFilters(party="RUS"), sort="sources", descending=False)
        keys = [(r["source_count"], r["id"]) for r in ascending]
        assert keys == sorted(keys) and len(set(keys)) == len(keys)
        assert all("RUS" in (r["supplier"], r["recipient"]) for r in ascending)


def test_every_filter_narrows_the_list(synthetic):
    with synthetic() as session:
        first = session.get(ClaimCluster, 1)
        pair = all_pages(session, ClaimFilters(supplier=first.supplier, recipient=first.recipient))
        assert pair and {(r["supplier"], r["recipient"]) for r in pair} == {(first.supplier, first.recipient)}
        drones = all_pages(session, ClaimFilters(category="drones", status="delivered", stance="hedged"))
        assert drones and {(r["category"], r["status"], r["stance"]) for r in drones} == {("drones", "delivered", "hedged")}
        dismissed = all_pages(session, ClaimFilters(review="dismissed"))
        assert dismissed and {r["review_state"] for r in dismissed} == {"dismissed"}
        window = all_pages(session, ClaimFilters(since=date(2024, 3, 1), until=date(2024, 3, 31)))
        assert window and all(str(r["last_seen"]) >= "2024-03-01" and str(r["first_seen"]) < "2024-04-01"
                              for r in window)
        outlet = all_pages(session, ClaimFilters(outlet="outlet4"))
        everything = all_pages(session, ClaimFilters())
        assert 0 < len(outlet) < len(everything) == 600
        assert all_pages(session, ClaimFilters(run="no-such-run")) == []
        assert len(all_pages(session, ClaimFilters(run="synthetic"))) == 600


def test_rows_carry_claimants_outlets_and_alert_state(synthetic):
    with synthetic() as session:
        rows = list_claim_page(session, ClaimFilters(), sort="id", descending=False, limit=6)["rows"]
    assert [r["id"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[2]["alert_state"] in {"sent", "failed"} and rows[0]["alert_state"] == "none"
    assert all(r["claimants"] and r["latest_sentence"] and r["outlet_count"] >= 1 for r in rows)


def test_bad_parameters_are_refused_with_a_reason():
    with pytest.raises(ValueError, match="date"):
        ClaimFilters.from_params({"since": "yesterday"})
    with pytest.raises(ValueError, match="review"):
        ClaimFilters.from_params({"review": "maybe"})
    with pytest.raises(ValueError, match="cursor"):
        decode_cursor("not-a-cursor", "last_seen")
    assert ClaimFilters.from_params({"party": " prk ", "category": ""}) == ClaimFilters(party="PRK")


def test_outbox_lists_states_and_retry_now_requeues_a_failed_row(synthetic):
    with synthetic() as session, session.begin():
        failed = list_outbox(session, "failed")
        assert failed and {r["state"] for r in failed} == {"failed"}
        assert retry_delivery(session, failed[0]["delivery_id"]) is True
        row = session.get(Delivery, failed[0]["delivery_id"])
        assert (row.state, row.attempts, row.next_attempt_at) == ("pending", 0, None)
        sent = list_outbox(session, "sent")[0]
        assert retry_delivery(session, sent["delivery_id"]) is False
    with pytest.raises(ValueError):
        with synthetic() as session:
            list_outbox(session, "lost")


def test_export_has_provenance_and_review_columns(synthetic):
    with synthetic() as session:
        rows = export_rows(session, ClaimFilters(supplier="PRK"))
        health = source_health(session)
    assert rows and {r["supplier"] for r in rows} == {"PRK"}
    for column in ("sentence", "claimant", "outlet", "url", "published", "review_state", "reviewed_by"):
        assert column in rows[0]
    assert rows[0]["outlet"].startswith("Outlet") and rows[0]["url"].startswith("https://")
    assert len(health) == 9 and all(h["articles"] > 0 for h in health)
