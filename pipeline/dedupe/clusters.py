"""Claim clusters: claims from any article that describe the same transfer join one ClaimCluster.

The cluster decides whether a claim is NEW, an UPDATE (and what changed) or a silent re-report.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from pipeline.dedupe.claimants import ALERTING_KINDS, classify_claimant
from pipeline.dedupe.dates import aware, claim_time
from pipeline.dedupe.figures import (
    CURRENCY_SIGNS,
    MONEY_UNITS,
    cluster_quantity,
    format_quantity,
    has_quantity,
    is_close,
    quantity_of,
    read_quantity,
    unit_family,
)
from pipeline.dedupe.sql import equals_or_null
from pipeline.models import Article, Claim, ClaimCluster


# A report more than this long after a cluster's last one (or before its first) starts a new cluster.
MAX_GAP = timedelta(days=365)
# Quantities within this relative distance are the same figure ("about 1.1 million" vs "over 1 million").
QUANTITY_TOLERANCE = 0.10
# Categories a detector may give one transfer under either name (Patriot interceptors: missiles or air
# defence). "unspecified" (weapons, military aid in general) joins any cluster of the same two parties.
COMPATIBLE_CATEGORIES = ({"missiles", "air_defense"},)
STATUS_RANK = {"unclear": 0, "committed": 1, "delivered": 2}


@dataclass
class ClaimDecision:
    """What recording one claim meant: kind is NEW, UPDATE or None (a re-report, or a claim seen before)."""

    kind: str | None
    cluster: ClaimCluster
    claim_row: Claim
    change: str | None
    is_new_row: bool


def record_claim(session: Session, *, article: Article, claim, run_id: int | None = None,
                 quiet: bool = False) -> ClaimDecision:
    """Store a detected claim, put it in its cluster and say whether it deserves an alert.

    NEW when no cluster describes the transfer yet; UPDATE when the claim moves the figure outside
    every figure the cluster has seen, brings a new kind of claimant (see classify_claimant), a denial,
    or a delivery after a commitment; None for a re-report, for a claim already recorded (same
    claim_key), and for a change that is no news: reported by an article older than the cluster's last
    alert (a backfill), or by an article that already gave this cluster an alert (one story, one
    alert: a headline and its body sentence are one report). Such changes still go in the history.

    Args:
        session: the caller's session (the caller commits; alerts go in the same transaction).
        article: the stored article the claim was found in.
        claim: an object with the detector's fields (supplier, recipient, category, item, quantity,
            status, stance, claimant, sentence, start, end, cues).
        run_id: the CrawlRun that found it.
        quiet: record the claim and its place in the cluster's history, but decide no alert (stale
            news found by a history walk).
    """
    key = claim_key(article, claim)
    row = session.scalar(select(Claim).where(Claim.claim_key == key))
    if row is not None and row.cluster is not None:
        return ClaimDecision(None, row.cluster, row, None, False)
    is_new_row = row is None
    if row is None:
        row = _new_claim_row(key, article, claim, run_id)
        session.add(row)
        session.flush()
    when = claim_time(article)
    kind = classify_claimant(row.claimant, row.stance, supplier=row.supplier, recipient=row.recipient)
    cluster = find_cluster(session, row, when)
    if cluster is None:
        cluster = _new_cluster(row, when, kind)
        session.add(cluster)
        session.flush()
        row.cluster = cluster
        _append_history(cluster, row, article, when, kind, alert=None if quiet else "NEW", change=None)
        cluster.source_count = count_sources(session, cluster.id)
        return ClaimDecision(None if quiet else "NEW", cluster, row, None, is_new_row)
    changes = describe_changes(cluster, row, kind)
    old_news = _is_old_news(cluster, when)
    alert = "UPDATE" if changes and not quiet and not old_news and not _article_alerted(cluster, article.id) else None
    if alert and cluster.review_state == "dismissed" and not _material_change(cluster, row):
        # An analyst dismissed this transfer: only a new figure or a delivery is worth telling again.
        alert = None
    if alert and cluster.review_state == "dismissed":
        changes = [*changes, f"was dismissed by {cluster.reviewed_by}: {cluster.review_reason or 'no reason'}"]
    change = "; ".join(changes) or None
    if changes:
        if has_quantity(row) and row.stance != "denied" and not old_news and _quantity_change(cluster, row):
            cluster.quantity_min, cluster.quantity_max = row.quantity_min, row.quantity_max
            cluster.quantity_unit = row.quantity_unit
        _append_history(cluster, row, article, when, kind, alert=alert, change=change)
    row.cluster = cluster
    _merge_into_cluster(cluster, row, when, kind)
    session.flush()
    cluster.source_count = count_sources(session, cluster.id)
    return ClaimDecision(alert, cluster, row, change if alert else None, is_new_row)


def claim_key(article: Article, claim) -> str:
    """Return the claim's natural key: article identity, sentence offsets, supplier, recipient, category.

    Args:
        article: the article the claim was found in.
        claim: the detected claim.
    """
    parts = [article.identity, claim.start, claim.end, claim.supplier, claim.recipient, claim.category]
    return hashlib.sha256("|".join(str(part) for part in parts).encode()).hexdigest()


def find_cluster(session: Session, claim: Claim, when: datetime) -> ClaimCluster | None:
    """Return the cluster a stored claim belongs to, or None when it describes a transfer not seen yet.

    Same supplier and recipient (both as stated, None only matching None), a compatible category,
    a report within MAX_GAP of the cluster's period, and no clash of exact money amounts (two aid
    packages of different sizes are two transfers). Among several, the same category wins, then the
    most recently reported.

    Args:
        session: the caller's session.
        claim: the stored claim row (not yet in a cluster).
        when: the claim's time (its article's publication, else first-seen time).
    """
    query = select(ClaimCluster).where(
        equals_or_null(ClaimCluster.supplier, claim.supplier),
        equals_or_null(ClaimCluster.recipient, claim.recipient),
        # A cluster an analyst merged away lives on in the one it was merged into.
        ClaimCluster.merged_into_id.is_(None),
    )
    candidates = []
    for cluster in session.scalars(query):
        if not _categories_compatible(claim, cluster):
            continue
        first, last = aware(cluster.first_seen_at), aware(cluster.last_seen_at)
        if when > last + MAX_GAP or when < first - MAX_GAP:
            continue
        if not _quantities_compatible(claim, cluster):
            continue
        candidates.append(cluster)
    if not candidates:
        return None
    return max(candidates, key=lambda c: (c.category == claim.category, aware(c.last_seen_at), -c.id))


def describe_changes(cluster: ClaimCluster, claim: Claim, kind: str) -> list[str]:
    """Return what a claim adds to its cluster, in words; an empty list for a re-report.

    Args:
        cluster: the claim's cluster, before the claim is merged.
        claim: the stored claim.
        kind: the claim's claimant kind (classify_claimant).
    """
    changes = []
    if has_quantity(claim) and claim.stance != "denied":
        change = _quantity_change(cluster, claim)
        if change:
            changes.append(change)
    if kind in ALERTING_KINDS and kind not in (cluster.claimant_kinds or []):
        who = claim.claimant or "a party"
        changes.append(f"denied by {who}" if kind == "denial" else f"new claimant: {kind} ({who})")
    if claim.stance != "denied" and claim.status == "delivered" and cluster.status == "committed":
        changes.append("status: delivered, was committed")
    return changes


def _material_change(cluster: ClaimCluster, claim: Claim) -> bool:
    """A new figure, or a delivery after a commitment: what reopens a dismissed cluster."""
    if claim.stance == "denied":
        return False
    if has_quantity(claim) and _quantity_change(cluster, claim):
        return True
    return claim.status == "delivered" and cluster.status == "committed"


def count_sources(session: Session, cluster_id: int) -> int:
    """Count the distinct articles corroborating a cluster, syndicated copies included.

    The articles with a claim in the cluster that is not a denial, plus their near-duplicate copies
    (credited; only the lines a copy adds are analysed). Distinct articles, not outlets: the same
    outlet repeating a claim in a later story is one more report; list_clusters also gives
    outlet_count.

    Args:
        session: the caller's session.
        cluster_id: the ClaimCluster id.
    """
    analysed = select(Claim.article_id).where(Claim.cluster_id == cluster_id, Claim.stance != "denied")
    copies = select(Article.id).where(Article.duplicate_of_id.in_(analysed))
    return session.scalar(select(func.count()).select_from(union(analysed, copies).subquery()))


def _new_claim_row(key: str, article: Article, claim, run_id: int | None) -> Claim:
    quantity = read_quantity(getattr(claim, "quantity", None))
    return Claim(
        claim_key=key,
        article_id=article.id,
        supplier=claim.supplier,
        recipient=claim.recipient,
        category=claim.category or "unspecified",
        item=getattr(claim, "item", None),
        quantity_min=quantity["min"],
        quantity_max=quantity["max"],
        quantity_unit=quantity["unit"],
        status=getattr(claim, "status", None) or "unclear",
        stance=getattr(claim, "stance", None) or "affirmed",
        claimant=getattr(claim, "claimant", None),
        sentence=getattr(claim, "sentence", "") or "",
        start=claim.start,
        end=claim.end,
        cues=list(getattr(claim, "cues", None) or []),
        run_id=run_id,
    )


def _new_cluster(claim: Claim, when: datetime, kind: str) -> ClaimCluster:
    denied = claim.stance == "denied"
    return ClaimCluster(
        supplier=claim.supplier,
        recipient=claim.recipient,
        category=claim.category,
        quantity_min=None if denied else claim.quantity_min,
        quantity_max=None if denied else claim.quantity_max,
        quantity_unit=None if denied else claim.quantity_unit,
        status="unclear" if denied else claim.status,
        stance=claim.stance,
        claimant_kinds=[kind],
        history=[],
        source_count=0,
        first_seen_at=when,
        last_seen_at=when,
    )


def _merge_into_cluster(cluster: ClaimCluster, claim: Claim, when: datetime, kind: str) -> None:
    """Fold a claim's period, claimant kind, status and stance into its cluster."""
    cluster.first_seen_at = min(aware(cluster.first_seen_at), when)
    cluster.last_seen_at = max(aware(cluster.last_seen_at), when)
    if kind not in (cluster.claimant_kinds or []):
        cluster.claimant_kinds = [*(cluster.claimant_kinds or []), kind]
    if claim.stance != "denied" and STATUS_RANK.get(claim.status, 0) > STATUS_RANK.get(cluster.status, 0):
        cluster.status = claim.status
    cluster.stance = merge_stance(cluster.stance, claim.stance)


def merge_stance(current: str, new: str) -> str:
    """Return a cluster's stance after a claim: affirmed beats hedged; a denial beside either makes it "disputed".

    Args:
        current: the cluster's stance.
        new: the claim's stance.
    """
    stances = {current, new}
    if "disputed" in stances or ("denied" in stances and stances - {"denied"}):
        return "disputed"
    if "affirmed" in stances:
        return "affirmed"
    return "hedged" if "hedged" in stances else "denied"


def _append_history(cluster: ClaimCluster, claim: Claim, article: Article, when: datetime, kind: str, *,
                    alert: str | None, change: str | None) -> None:
    """Record a change (or the first report) in the cluster's history; the JSON list is replaced, not mutated."""
    entry = {
        "at": when.isoformat(),
        "alert": alert,
        "claim_id": claim.id,
        "article_id": article.id,
        "quantity": quantity_of(claim) if claim.stance != "denied" else None,
        "claimant": claim.claimant,
        "claimant_kind": kind,
        "status": claim.status,
        "stance": claim.stance,
        "change": change,
    }
    cluster.history = [*(cluster.history or []), entry]


def _quantity_change(cluster: ClaimCluster, claim: Claim) -> str | None:
    """Describe a figure outside every figure the cluster has recorded in the same kind of unit."""
    family = unit_family(claim.quantity_unit)
    seen = [
        value
        for entry in cluster.history or []
        if entry.get("quantity") and unit_family(entry["quantity"].get("unit")) == family
        for value in (entry["quantity"].get("min"), entry["quantity"].get("max"))
        if value is not None
    ]
    current = cluster_quantity(cluster)
    new = quantity_of(claim)
    if seen:
        low, high = min(seen), max(seen)
        values = [v for v in (claim.quantity_min, claim.quantity_max) if v is not None]
        if all(low * (1 - QUANTITY_TOLERANCE) <= v <= high * (1 + QUANTITY_TOLERANCE) for v in values):
            return None
    if current and unit_family(current.get("unit")) == family:
        unit = "" if (claim.quantity_unit or "items") == "items" or claim.quantity_unit in CURRENCY_SIGNS else (
            f" {claim.quantity_unit}")
        return f"{format_quantity(new, unit=False)}, was {format_quantity(current, unit=False)}{unit}"
    return f"{format_quantity(new)}, was {format_quantity(current)}"


def _quantities_compatible(claim: Claim, cluster: ClaimCluster) -> bool:
    """Two exact money amounts that differ are two packages; every other pair of figures may be one transfer."""
    unit = claim.quantity_unit
    if unit not in MONEY_UNITS or unit != cluster.quantity_unit:
        return True
    pairs = ((claim.quantity_min, claim.quantity_max), (cluster.quantity_min, cluster.quantity_max))
    if any(low is None or high is None or not is_close(low, high, 0.0) for low, high in pairs):
        return True
    return is_close(claim.quantity_min, cluster.quantity_min, QUANTITY_TOLERANCE)


def _categories_compatible(claim: Claim, cluster: ClaimCluster) -> bool:
    """Same or compatible category; a general claim ("weapons") joins a specific cluster unless it brings
    a figure of another kind (a "$2.5 billion package" is not a count of HIMARS)."""
    if claim.category == cluster.category:
        return True
    if claim.category == "unspecified":
        if not has_quantity(claim):
            return True
        return cluster.quantity_unit is not None and (
            unit_family(claim.quantity_unit) == unit_family(cluster.quantity_unit)
        )
    return any({claim.category, cluster.category} <= group for group in COMPATIBLE_CATEGORIES)


def _is_old_news(cluster: ClaimCluster, when: datetime) -> bool:
    """A change reported by an article older than the cluster's last alert is history, not news."""
    alerted = [datetime.fromisoformat(entry["at"]) for entry in cluster.history or [] if entry.get("alert")]
    return bool(alerted) and when < max(alerted)


def _article_alerted(cluster: ClaimCluster, article_id: int) -> bool:
    """Tell whether this article already gave the cluster an alert (NEW or UPDATE)."""
    return any(entry.get("alert") and entry.get("article_id") == article_id for entry in cluster.history or [])
