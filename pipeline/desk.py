"""The analysts' desk read model: claim pages with filters and keyset pagination, one claim's record,
source health, the alert outbox and exports. Plain queries over the store; plugins/ renders them.

Pages are keyset-paginated on (sort column, id) so the 1000th page costs what the first does, and
each filter has an index that ends in the default sort (see models.ClaimCluster).
"""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import and_, case, exists, func, or_, select, update
from sqlalchemy.orm import Session

from pipeline.dedupe import aware, classify_claimant, cluster_timeline, format_quantity
from pipeline.models import (
    Alert,
    Article,
    Claim,
    ClaimCluster,
    CrawlRun,
    Delivery,
    RawPage,
    Source,
    utcnow,
)
from pipeline.review import list_reviews, merged_into

PAGE_SIZE = 50
SORTS = {
    "last_seen": ClaimCluster.last_seen_at,
    "first_seen": ClaimCluster.first_seen_at,
    "sources": ClaimCluster.source_count,
    "id": ClaimCluster.id,
}
REVIEW_STATES = ("unreviewed", "confirmed", "dismissed", "merged", "any")
OUTBOX_STATES = ("pending", "retrying", "sending", "sent", "failed")


@dataclass(frozen=True)
class ClaimFilters:
    """What the Claims page filters on; empty fields filter nothing."""

    party: str | None = None
    supplier: str | None = None
    recipient: str | None = None
    category: str | None = None
    status: str | None = None
    stance: str | None = None
    review: str | None = None  # unreviewed, confirmed, dismissed, merged, any (default: all but merged)
    outlet: str | None = None  # a source key
    since: date | None = None
    until: date | None = None
    run: str | None = None  # an Airflow run id (CrawlRun.run_key): claims that run found

    @classmethod
    def from_params(cls, params: dict) -> "ClaimFilters":
        """Build filters from query parameters; blanks are ignored, codes upper-cased, bad dates refused.

        Args:
            params: a mapping of query parameters (strings).
        """
        values = {}
        for field in fields(cls):
            value = (params.get(field.name) or "").strip()
            if not value:
                continue
            if field.name in {"since", "until"}:
                try:
                    value = date.fromisoformat(value)
                except ValueError:
                    raise ValueError(f"{field.name} must be a date like 2024-01-31") from None
            elif field.name in {"party", "supplier", "recipient"}:
                value = value.upper()
            elif field.name == "review" and value not in REVIEW_STATES:
                raise ValueError(f"review must be one of {', '.join(REVIEW_STATES)}")
            values[field.name] = value
        return cls(**values)

    def as_params(self) -> dict[str, str]:
        """Return the non-empty filters as query parameters."""
        return {f.name: str(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name)}


def filter_clusters(query, filters: ClaimFilters):
    """Add the filters' conditions to a select over ClaimCluster.

    Args:
        query: a select() whose FROM holds ClaimCluster.
        filters: the ClaimFilters.
    """
    c = ClaimCluster
    if filters.supplier:
        query = query.where(c.supplier == filters.supplier)
    if filters.recipient:
        query = query.where(c.recipient == filters.recipient)
    if filters.party:
        query = query.where(or_(c.supplier == filters.party, c.recipient == filters.party))
    for name in ("category", "status", "stance"):
        if getattr(filters, name):
            query = query.where(getattr(c, name) == getattr(filters, name))
    review = filters.review
    if review == "unreviewed":
        query = query.where(c.review_state.is_(None))
    elif review in {"confirmed", "dismissed", "merged"}:
        query = query.where(c.review_state == review)
    elif review != "any":
        query = query.where(c.merged_into_id.is_(None))
    if filters.since:
        query = query.where(c.last_seen_at >= _start_of(filters.since))
    if filters.until:
        query = query.where(c.first_seen_at < _start_of(filters.until + timedelta(days=1)))
    if filters.outlet:
        source_id = select(Source.id).where(Source.key == filters.outlet).scalar_subquery()
        query = query.where(exists().where(
            Claim.cluster_id == c.id, Claim.article_id == Article.id, Article.source_id == source_id))
    if filters.run:
        run_id = select(CrawlRun.id).where(CrawlRun.run_key == filters.run).scalar_subquery()
        query = query.where(exists().where(Claim.cluster_id == c.id, Claim.run_id == run_id))
    return query


def list_claim_page(session: Session, filters: ClaimFilters, *, sort: str = "last_seen", descending: bool = True,
                    after: str | None = None, limit: int = PAGE_SIZE) -> dict:
    """Return one page of claim clusters: {"rows": [...], "next": cursor or None}.

    Args:
        session: a session.
        filters: what to show.
        sort: a key of SORTS.
        descending: newest/largest first.
        after: the cursor of the previous page's `next` (None for the first page).
        limit: rows per page.
    """
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}")
    column = SORTS[sort]
    query = filter_clusters(select(ClaimCluster), filters)
    if after:
        value, last_id = decode_cursor(after, sort)
        if sort == "id":
            query = query.where(ClaimCluster.id < last_id if descending else ClaimCluster.id > last_id)
        elif descending:
            query = query.where(or_(column < value, and_(column == value, ClaimCluster.id < last_id)))
        else:
            query = query.where(or_(column > value, and_(column == value, ClaimCluster.id > last_id)))
    order = (column.desc(), ClaimCluster.id.desc()) if descending else (column.asc(), ClaimCluster.id.asc())
    clusters = session.scalars(query.order_by(*order).limit(limit + 1)).all()
    more, clusters = len(clusters) > limit, clusters[:limit]
    following = encode_cursor(getattr(clusters[-1], column.key), clusters[-1].id) if more and clusters else None
    return {"rows": describe_clusters(session, clusters), "next": following}


def describe_clusters(session: Session, clusters: list[ClaimCluster]) -> list[dict]:
    """Return the Claims page's row for each cluster: fields, claimants, outlets, latest sentence, alert state.

    Args:
        session: a session.
        clusters: the clusters of one page.
    """
    ids = [cluster.id for cluster in clusters]
    reports: dict[int, list] = defaultdict(list)
    if ids:
        rows = session.execute(
            select(Claim.cluster_id, Claim.id, Claim.claimant, Claim.stance, Claim.sentence, Article.title,
                   Article.published, Article.first_seen_at, Article.id, Source.key, Source.name,
                   Article.canonical_url, Article.url)
            .join(Article, Claim.article_id == Article.id).join(Source, Article.source_id == Source.id)
            .where(Claim.cluster_id.in_(ids))
        )
        for row in rows:
            reports[row[0]].append(row)
    alert_states = alert_state_by_cluster(session, ids)
    described = []
    for cluster in clusters:
        found = reports.get(cluster.id, [])
        # The latest article's best sentence: one that reports the transfer (a denial shows as the
        # stance), from the body rather than the headline announcing it.
        latest = max(found, key=lambda r: (r.stance != "denied", aware(r.published or r.first_seen_at), r[8],
                                           not _headline(r), -r[1]), default=None)
        claimants = list(dict.fromkeys(r.claimant for r in found if r.claimant))
        quantity = _quantity(cluster)
        described.append({
            "id": cluster.id,
            "supplier": cluster.supplier,
            "recipient": cluster.recipient,
            "category": cluster.category,
            "quantity": quantity,
            "quantity_text": format_quantity(quantity) if quantity else "",
            "status": cluster.status,
            "stance": cluster.stance,
            "claimants": claimants,
            "outlet_count": len({r.key for r in found if r.stance != "denied"}),
            "source_count": cluster.source_count,
            "first_seen": aware(cluster.first_seen_at),
            "last_seen": aware(cluster.last_seen_at),
            "alert_state": alert_states.get(cluster.id, "none"),
            "review_state": cluster.review_state or "unreviewed",
            "reviewed_by": cluster.reviewed_by,
            "reviewed_at": aware(cluster.reviewed_at),
            "review_reason": cluster.review_reason,
            "merged_into_id": cluster.merged_into_id,
            "latest_sentence": latest.sentence if latest else None,
            "latest_claimant": latest.claimant if latest else None,
            "latest_outlet": latest.name if latest else None,
            "latest_url": (latest.canonical_url or latest.url) if latest else None,
            "latest_published": aware(latest.published) if latest else None,
        })
    return described


def alert_state_by_cluster(session: Session, cluster_ids: list[int]) -> dict[int, str]:
    """Summarise each cluster's alert deliveries: failed, retrying, pending, sent, or queued (no channel).

    Args:
        session: a session.
        cluster_ids: the clusters to summarise (missing ones had no alert).
    """
    if not cluster_ids:
        return {}
    states: dict[int, set[str]] = defaultdict(set)
    rows = session.execute(
        select(Alert.cluster_id, Delivery.state, Delivery.attempts, Delivery.sending_at)
        .outerjoin(Delivery, Delivery.alert_id == Alert.id)
        .where(Alert.cluster_id.in_(cluster_ids))
    )
    for cluster_id, state, attempts, sending_at in rows:
        states[cluster_id].add(_delivery_state(state, attempts, sending_at) if state else "queued")
    summary = {}
    for cluster_id, found in states.items():
        summary[cluster_id] = next(s for s in ("failed", "retrying", "sending", "pending", "sent", "queued") if s in found)
    return summary


def claim_record(session: Session, cluster_id: int) -> dict | None:
    """Return everything the claim page shows, or None when there is no such cluster.

    Its fields and review, the timeline of versions, every source sentence with outlet, date, link,
    the stored page and the cues that produced it, every alert with each channel's delivery, and
    every review decision.

    Args:
        session: a session.
        cluster_id: the ClaimCluster id.
    """
    timeline = cluster_timeline(session, cluster_id)
    if timeline is None:
        return None
    merged = merged_into(session, cluster_id)
    claim_ids = [s["claim_id"] for s in timeline["sources"]]
    cues = dict(_pairs(session, select(Claim.id, Claim.cues).where(Claim.id.in_(claim_ids)))) if claim_ids else {}
    article_ids = {s["article_id"] for s in timeline["sources"]}
    pages = dict(_pairs(session, 
        select(Article.id, Article.raw_page_id).where(Article.id.in_(article_ids)))) if article_ids else {}
    published = dict(_pairs(session, 
        select(Article.id, Article.published).where(Article.id.in_(article_ids)))) if article_ids else {}
    for source in timeline["sources"]:
        source["cues"] = list(cues.get(source["claim_id"]) or [])
        source["raw_page_id"] = pages.get(source["article_id"])
        source["published"] = aware(published.get(source["article_id"]))
        source["claimant_kind"] = source.get("claimant_kind") or classify_claimant(source.get("claimant"))
    alerts = session.scalars(
        select(Alert).where(Alert.cluster_id.in_([cluster_id, *merged])).order_by(Alert.created_at, Alert.id)
    ).all()
    deliveries = defaultdict(list)
    if alerts:
        for d in session.scalars(select(Delivery).where(Delivery.alert_id.in_([a.id for a in alerts]))):
            deliveries[d.alert_id].append(_delivery_fields(d))
    timeline["alerts"] = [
        {"id": a.id, "uid": a.uid, "kind": a.kind, "created_at": aware(a.created_at), "summary": a.summary,
         "change": a.change, "deliveries": sorted(deliveries.get(a.id, []), key=lambda d: d["channel"])}
        for a in alerts
    ]
    for entry in timeline["history"]:
        entry["quantity_text"] = format_quantity(entry["quantity"]) if entry.get("quantity") else None
    timeline["reviews"] = list_reviews(session, [cluster_id, *merged])
    timeline["merged_from"] = merged
    return timeline


def raw_page_html(session: Session, raw_page_id: int) -> tuple[str, bytes] | None:
    """Return (url, html bytes) of a stored page copy, or None.

    Args:
        session: a session.
        raw_page_id: the RawPage id.
    """
    from pipeline.store import read_raw_html

    page = session.get(RawPage, raw_page_id)
    return (page.url, read_raw_html(page)) if page is not None else None


def source_health(session: Session, now: datetime | None = None) -> list[dict]:
    """Return each outlet's health: status, last successful fetch, articles per day (7 days), last error.

    Args:
        session: a session.
        now: the clock (tests pass one).
    """
    now = now or utcnow()
    week = now - timedelta(days=7)
    last_fetch = dict(_pairs(session, 
        select(RawPage.source_id, func.max(RawPage.fetched_at)).where(RawPage.status_code < 400)
        .group_by(RawPage.source_id)))
    recent = dict(_pairs(session, 
        select(Article.source_id, func.count()).where(Article.first_seen_at >= week).group_by(Article.source_id)))
    total = dict(_pairs(session, select(Article.source_id, func.count()).group_by(Article.source_id)))
    errors: dict[int, tuple] = {}
    for source_id, url, error, fetched in session.execute(
        select(RawPage.source_id, RawPage.url, RawPage.error, RawPage.fetched_at)
        .where(RawPage.error.is_not(None)).order_by(RawPage.fetched_at)
    ):
        errors[source_id] = (f"{url}: {error}", fetched)
    run_errors = _crawl_errors_by_source(session)
    health = []
    for source in session.scalars(select(Source).order_by(Source.key)):
        error, error_at = errors.get(source.id, (None, None))
        if source.key in run_errors and (error_at is None or aware(run_errors[source.key][1]) >= aware(error_at)):
            error, error_at = run_errors[source.key]
        health.append({
            "key": source.key,
            "name": source.name,
            "base_url": source.base_url,
            "status": source.status,
            "status_reason": source.status_reason,
            "status_changed_at": aware(source.status_changed_at),
            "last_success": aware(last_fetch.get(source.id)),
            "articles_per_day": round(recent.get(source.id, 0) / 7, 1),
            "articles": total.get(source.id, 0),
            "last_error": error,
            "last_error_at": aware(error_at),
        })
    return health


def list_outbox(session: Session, state: str | None = None, limit: int = 200) -> list[dict]:
    """Return outbox rows (one per alert and channel), newest first, with their alert's summary.

    Args:
        session: a session.
        state: only rows in this state (pending, retrying, sending, sent, failed).
        limit: at most this many rows.
    """
    query = select(Delivery, Alert).join(Alert, Delivery.alert_id == Alert.id).order_by(Delivery.id.desc())
    if state == "failed" or state == "sent":
        query = query.where(Delivery.state == state)
    elif state == "sending":
        query = query.where(Delivery.state == "pending", Delivery.sending_at.is_not(None))
    elif state == "retrying":
        query = query.where(Delivery.state == "pending", Delivery.sending_at.is_(None), Delivery.attempts > 0)
    elif state == "pending":
        query = query.where(Delivery.state == "pending", Delivery.sending_at.is_(None), Delivery.attempts == 0)
    elif state:
        raise ValueError(f"state must be one of {', '.join(OUTBOX_STATES)}")
    return [
        {**_delivery_fields(d), "alert_id": a.id, "uid": a.uid, "kind": a.kind, "summary": a.summary,
         "cluster_id": a.cluster_id, "created_at": aware(a.created_at)}
        for d, a in session.execute(query.limit(limit))
    ]


def retry_delivery(session: Session, delivery_id: int) -> bool:
    """Make one outbox row due at the next send (a failed row starts over); False if it is sent or sending.

    Args:
        session: the caller's session (the caller commits).
        delivery_id: the Delivery id.
    """
    result = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.state.in_(["pending", "failed"]), Delivery.sending_at.is_(None))
        .values(state="pending", next_attempt_at=None,
                attempts=case((Delivery.state == "failed", 0), else_=Delivery.attempts))
    )
    return bool(result.rowcount)


def export_rows(session: Session, filters: ClaimFilters, limit: int = 100_000) -> list[dict]:
    """Return the filtered clusters for CSV/JSON export, each with its provenance and review.

    Args:
        session: a session.
        filters: the Claims page's filters.
        limit: at most this many clusters.
    """
    query = filter_clusters(select(ClaimCluster), filters)
    query = query.order_by(ClaimCluster.last_seen_at.desc(), ClaimCluster.id.desc()).limit(limit)
    rows = []
    clusters = session.scalars(query).all()
    for start in range(0, len(clusters), 500):
        for row in describe_clusters(session, clusters[start:start + 500]):
            rows.append({
                "claim_id": row["id"], "supplier": row["supplier"], "recipient": row["recipient"],
                "category": row["category"], "quantity": row["quantity_text"], "status": row["status"],
                "stance": row["stance"], "claimants": "; ".join(row["claimants"]),
                "sources": row["source_count"], "outlets": row["outlet_count"],
                "first_seen": _iso(row["first_seen"]), "last_seen": _iso(row["last_seen"]),
                "sentence": row["latest_sentence"], "claimant": row["latest_claimant"],
                "outlet": row["latest_outlet"], "url": row["latest_url"],
                "published": _iso(row["latest_published"]), "alert_state": row["alert_state"],
                "review_state": row["review_state"], "reviewed_by": row["reviewed_by"],
                "reviewed_at": _iso(row["reviewed_at"]), "review_reason": row["review_reason"],
            })
    return rows


def encode_cursor(value, cluster_id: int) -> str:
    """Return an opaque cursor for keyset pagination after (value, id).

    Args:
        value: the sort column's value of the page's last row.
        cluster_id: the page's last row's id.
    """
    if isinstance(value, datetime):
        value = aware(value).isoformat()
    return base64.urlsafe_b64encode(json.dumps([value, cluster_id]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple:
    """Read a cursor back into (value, id); a tampered cursor is a ValueError.

    Args:
        cursor: from encode_cursor.
        sort: the sort key the cursor was made for.
    """
    try:
        value, cluster_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if sort in {"last_seen", "first_seen"}:
            value = datetime.fromisoformat(value)
        elif sort in {"sources", "id"}:
            value = int(value)
        return value, int(cluster_id)
    except (ValueError, TypeError, json.JSONDecodeError):
        raise ValueError("bad page cursor") from None


def _crawl_errors_by_source(session: Session) -> dict[str, tuple[str, datetime]]:
    """The latest run summaries' crawl failures per source key ("bbc: 4 page(s) failed: discovery_dns")."""
    found: dict[str, tuple[str, datetime]] = {}
    runs = session.execute(
        select(CrawlRun.stats, CrawlRun.finished_at).where(CrawlRun.finished_at.is_not(None))
        .order_by(CrawlRun.finished_at.desc()).limit(20)
    )
    for stats, finished in runs:
        for line in ((stats or {}).get("crawl") or {}).get("skipped") or []:
            key, _, _rest = str(line).partition(":")
            if "failed" in line and key not in found:
                found[key] = (line, finished)
    return found


def _pairs(session: Session, query) -> list[tuple]:
    """Rows of a two-column query as tuples (for dict())."""
    return [tuple(row) for row in session.execute(query)]


def _delivery_state(state: str, attempts: int, sending_at) -> str:
    if state == "pending" and sending_at:
        return "sending"
    if state == "pending" and attempts:
        return "retrying"
    return state


def _delivery_fields(d: Delivery) -> dict:
    return {
        "delivery_id": d.id, "channel": d.channel, "state": _delivery_state(d.state, d.attempts, d.sending_at),
        "attempts": d.attempts, "last_error": d.last_error, "next_attempt_at": aware(d.next_attempt_at),
        "sent_at": aware(d.sent_at),
    }


def _headline(row) -> bool:
    title, sentence = (row.title or "").strip(), (row.sentence or "").strip()
    return bool(title and sentence) and (sentence in title or title in sentence)


def _quantity(cluster: ClaimCluster) -> dict | None:
    if cluster.quantity_min is None and cluster.quantity_max is None:
        return None
    return {"min": cluster.quantity_min, "max": cluster.quantity_max, "unit": cluster.quantity_unit}


def _start_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


def _iso(value) -> str | None:
    return value.isoformat() if value else None
