"""Analysts' review of claim clusters: confirm, dismiss with a reason, merge two clusters.

Every decision is kept (claim_reviews) with the user's name and time; the latest also sits on the
cluster, where the Claims page filters on it and alerting reads it (dedupe.record_claim: a dismissed
cluster alerts again only when it materially changes; a merged one takes no new claims).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pipeline.dedupe import STATUS_RANK, aware, count_sources, merge_stance
from pipeline.models import Claim, ClaimCluster, ClaimReview, utcnow

DECISIONS = ("confirmed", "dismissed")
MAX_REASON = 2000


class ReviewError(ValueError):
    """A review that cannot be recorded (unknown cluster, missing reason, merge into itself)."""


def review_cluster(session: Session, cluster_id: int, decision: str, user: str, reason: str | None = None) -> ClaimCluster:
    """Record a confirm or dismiss decision on a cluster and return the cluster.

    Args:
        session: the caller's session (the caller commits).
        cluster_id: the ClaimCluster id.
        decision: "confirmed" or "dismissed".
        user: who decided (the Airflow user name).
        reason: why; required to dismiss.
    """
    if decision not in DECISIONS:
        raise ReviewError(f"decision must be one of {', '.join(DECISIONS)}")
    reason = _clean(reason)
    if decision == "dismissed" and not reason:
        raise ReviewError("a dismissal needs a reason")
    cluster = _open_cluster(session, cluster_id)
    _record(session, cluster, decision, user, reason)
    return cluster


def merge_clusters(session: Session, cluster_id: int, into_id: int, user: str, reason: str | None = None) -> ClaimCluster:
    """Merge a cluster into another: its claims move over, it stays as a pointer; return the target.

    Args:
        session: the caller's session (the caller commits).
        cluster_id: the cluster that goes away.
        into_id: the cluster that stays.
        user: who decided.
        reason: why (optional).
    """
    if cluster_id == into_id:
        raise ReviewError("a cluster cannot be merged into itself")
    source, target = _open_cluster(session, cluster_id), _open_cluster(session, into_id)
    session.execute(update(Claim).where(Claim.cluster_id == source.id).values(cluster_id=target.id))
    target.history = sorted([*(target.history or []), *(source.history or [])], key=lambda e: e.get("at") or "")
    target.first_seen_at = min(aware(target.first_seen_at), aware(source.first_seen_at))
    target.last_seen_at = max(aware(target.last_seen_at), aware(source.last_seen_at))
    target.claimant_kinds = list(dict.fromkeys([*(target.claimant_kinds or []), *(source.claimant_kinds or [])]))
    if STATUS_RANK.get(source.status, 0) > STATUS_RANK.get(target.status, 0):
        target.status = source.status
    target.stance = merge_stance(target.stance, source.stance)
    if target.quantity_min is None and target.quantity_max is None:
        target.quantity_min, target.quantity_max = source.quantity_min, source.quantity_max
        target.quantity_unit = source.quantity_unit
    session.flush()
    target.source_count = count_sources(session, target.id)
    source.source_count = 0
    source.merged_into_id = target.id
    _record(session, source, "merged", user, _clean(reason), merged_into_id=target.id)
    return target


def list_reviews(session: Session, cluster_ids: list[int]) -> list[dict]:
    """Return every decision on these clusters, oldest first.

    Args:
        session: a session.
        cluster_ids: the clusters (a cluster and those merged into it).
    """
    rows = session.scalars(
        select(ClaimReview).where(ClaimReview.cluster_id.in_(cluster_ids)).order_by(ClaimReview.created_at, ClaimReview.id)
    )
    return [
        {"cluster_id": r.cluster_id, "decision": r.decision, "reason": r.reason, "user": r.user,
         "at": aware(r.created_at), "merged_into_id": r.merged_into_id}
        for r in rows
    ]


def merged_into(session: Session, cluster_id: int) -> list[int]:
    """Return the ids of the clusters merged into this one.

    Args:
        session: a session.
        cluster_id: the surviving cluster.
    """
    return list(session.scalars(select(ClaimCluster.id).where(ClaimCluster.merged_into_id == cluster_id)))


def _open_cluster(session: Session, cluster_id: int) -> ClaimCluster:
    cluster = session.get(ClaimCluster, cluster_id)
    if cluster is None:
        raise ReviewError(f"no claim cluster with id {cluster_id}")
    if cluster.merged_into_id is not None:
        raise ReviewError(f"claim {cluster_id} was merged into {cluster.merged_into_id}; review that one")
    return cluster


def _record(session: Session, cluster: ClaimCluster, decision: str, user: str, reason: str | None,
            merged_into_id: int | None = None) -> None:
    if not user:
        raise ReviewError("a review needs the reviewer's name")
    now = utcnow()
    cluster.review_state, cluster.review_reason = decision, reason
    cluster.reviewed_by, cluster.reviewed_at = user[:200], now
    session.add(ClaimReview(cluster_id=cluster.id, decision=decision, reason=reason, user=user[:200],
                            created_at=now, merged_into_id=merged_into_id))
    session.flush()


def _clean(reason: str | None) -> str | None:
    reason = (reason or "").strip()
    return reason[:MAX_REASON] or None
