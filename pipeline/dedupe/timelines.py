"""Cluster listings and timelines: each cluster's sources (credited copies included), figures and alerts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from pipeline.dedupe.claimants import classify_claimant
from pipeline.dedupe.dates import aware, claim_time
from pipeline.dedupe.figures import cluster_quantity, format_quantity, quantity_of
from pipeline.dedupe.sql import chunks
from pipeline.models import Alert, Article, Claim, ClaimCluster, Source


def list_clusters(session: Session) -> list[dict]:
    """Return every claim cluster, most recently reported first, with its counts and latest report.

    Args:
        session: the caller's session.
    """
    reports = _reports_by_cluster(session)
    clusters = session.scalars(select(ClaimCluster)).all()
    listed = [_cluster_summary(cluster, reports.get(cluster.id, [])) for cluster in clusters]
    return sorted(listed, key=lambda c: (c["last_seen"], c["id"]), reverse=True)


def cluster_timeline(session: Session, cluster_id: int) -> dict | None:
    """Return one cluster and its timeline: every source in time order, its quantity history, its alerts.

    Sources are the articles with a claim in the cluster and their credited near-duplicate copies
    (marked with `copy_of`). None when there is no such cluster.

    Args:
        session: the caller's session.
        cluster_id: the ClaimCluster id.
    """
    cluster = session.get(ClaimCluster, cluster_id)
    if cluster is None:
        return None
    reports = _reports_by_cluster(session, cluster_id).get(cluster_id, [])
    alerts = session.scalars(select(Alert).where(Alert.cluster_id == cluster_id).order_by(Alert.created_at, Alert.id))
    return {
        **_cluster_summary(cluster, reports),
        "sources": reports,
        "history": list(cluster.history or []),
        "alerts": [
            {"id": a.id, "kind": a.kind, "created_at": a.created_at, "summary": a.summary, "change": a.change}
            for a in alerts
        ],
    }


def _reports_by_cluster(session: Session, cluster_id: int | None = None) -> dict[int, list[dict]]:
    """Every source of every cluster (or one): claims with their article and outlet, plus credited copies."""
    unread = (defer(Article.body), defer(Article.minhash))  # bodies are not shown; skip loading them
    query = (
        select(Claim, Article, Source)
        .join(Article, Claim.article_id == Article.id)
        .join(Source, Article.source_id == Source.id)
        .where(Claim.cluster_id.is_not(None))
        .options(*unread)
    )
    if cluster_id is not None:
        query = query.where(Claim.cluster_id == cluster_id)
    rows = session.execute(query).all()
    copies: dict[int, list[tuple[Article, Source]]] = {}
    for chunk in chunks(sorted({article.id for _claim, article, _source in rows})):
        copy_rows = session.execute(
            select(Article, Source)
            .join(Source, Article.source_id == Source.id)
            .where(Article.duplicate_of_id.in_(chunk))
            .options(*unread)
        )
        for copy, source in copy_rows:
            copies.setdefault(copy.duplicate_of_id, []).append((copy, source))
    reports: dict[int, list[dict]] = {}
    for claim, article, source in rows:
        kind = classify_claimant(claim.claimant, claim.stance, supplier=claim.supplier, recipient=claim.recipient)
        base = {
            "claim_id": claim.id,
            "claimant": claim.claimant,
            "claimant_kind": kind,
            "sentence": claim.sentence,
            "quantity": quantity_of(claim),
            "status": claim.status,
            "stance": claim.stance,
        }
        found = reports.setdefault(claim.cluster_id, [])
        found.append({**base, **_article_fields(article, source), "copy_of": None})
        for copy, copy_source in copies.get(article.id, []):
            found.append({**base, **_article_fields(copy, copy_source), "copy_of": article.id})
    for found in reports.values():
        found.sort(key=lambda r: (r["at"], r["article_id"], r["claim_id"]))
    return reports


def _article_fields(article: Article, source: Source) -> dict:
    return {
        "at": claim_time(article),
        "article_id": article.id,
        "outlet": source.name,
        "source": source.key,
        "url": article.canonical_url or article.url,
        "title": article.title,
    }


def _cluster_summary(cluster: ClaimCluster, reports: list[dict]) -> dict:
    # The latest article's best sentence reporting the transfer (denials show in the stance), from the
    # body rather than the headline that announces it.
    latest = max(reports, key=lambda r: (r["stance"] != "denied", r["at"], r["article_id"], not _is_headline(r),
                                         -r["claim_id"]), default={})
    corroborating = [r for r in reports if r["stance"] != "denied"]
    return {
        "id": cluster.id,
        "supplier": cluster.supplier,
        "recipient": cluster.recipient,
        "category": cluster.category,
        "quantity": cluster_quantity(cluster),
        "quantity_text": format_quantity(cluster_quantity(cluster)),
        "status": cluster.status,
        "stance": cluster.stance,
        "claimant_kinds": list(cluster.claimant_kinds or []),
        "source_count": cluster.source_count,
        "outlet_count": len({r["source"] for r in corroborating}),
        "denial_count": len({r["article_id"] for r in reports if r["stance"] == "denied"}),
        "first_seen": aware(cluster.first_seen_at),
        "last_seen": aware(cluster.last_seen_at),
        "latest_sentence": latest.get("sentence"),
        "latest_outlet": latest.get("outlet"),
        "latest_url": latest.get("url"),
        "review_state": cluster.review_state,
        "review_reason": cluster.review_reason,
        "reviewed_by": cluster.reviewed_by,
        "reviewed_at": cluster.reviewed_at,
        "merged_into_id": cluster.merged_into_id,
    }


def _is_headline(report: dict) -> bool:
    """Tell whether a report's sentence is its article's title (or a part of it)."""
    title, sentence = (report.get("title") or "").strip(), (report.get("sentence") or "").strip()
    return bool(title and sentence) and (sentence in title or title in sentence)
