"""Alert outbox: queue an alert and one delivery row per accepting channel; list and retry them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from pipeline.alerts.channels import Channel
from pipeline.models import Alert, Delivery

PROVENANCE_KEYS = (
    "supplier", "recipient", "category", "item", "quantity", "status", "stance", "claimant", "sentence",
    "outlet", "url", "title", "published", "corroboration",
)


def enqueue_alert(
    session: Session,
    *,
    kind: str,
    uid: str,
    summary: str,
    payload: dict,
    channels: Sequence[Channel],
    cluster_id: int | None = None,
    claim_id: int | None = None,
    source_id: int | None = None,
    change: str | None = None,
    run_id: int | None = None,
) -> Alert | None:
    """Queue an alert and one delivery per accepting channel; return None when `uid` is already queued.

    Call it in the transaction that stores the claim, so both commit or neither does.

    Args:
        session: the caller's session (the caller commits).
        kind: "NEW", "UPDATE" or "HEALTH".
        uid: the alert's stable id (at most 64 characters); the same event always gets the same uid.
        summary: one line for lists and logs.
        payload: what the message shows (shape in the pipeline.alerts docstring).
        channels: the configured channels; each decides through `accepts` whether it wants the alert.
        cluster_id: the claim cluster the alert is about.
        claim_id: the claim that triggered it.
        source_id: the source it concerns (HEALTH alerts).
        change: what changed, for UPDATE alerts.
        run_id: the CrawlRun that found it.
    """
    if len(uid) > 64:
        raise ValueError("alert uid longer than 64 characters")
    if session.scalar(select(Alert.id).where(Alert.uid == uid)) is not None:
        return None
    payload = _jsonable({**payload, "kind": kind, "alert_id": uid})
    if change and not payload.get("change"):
        payload["change"] = change
    alert = Alert(
        uid=uid,
        kind=kind,
        summary=summary,
        payload=payload,
        change=change,
        cluster_id=cluster_id,
        claim_id=claim_id,
        source_id=source_id,
        run_id=run_id,
    )
    names: list[str] = []
    for channel in channels:
        if channel.name not in names and channel.accepts(payload):
            names.append(channel.name)
    alert.deliveries = [Delivery(channel=name, state="pending", attempts=0) for name in names]
    session.add(alert)
    session.flush()
    return alert


def list_alerts(session: Session, *, limit: int | None = None) -> list[dict]:
    """Return alerts, newest first, each with its deliveries' state, attempts and last error.

    Args:
        session: a session.
        limit: at most this many alerts (all by default).
    """
    query = select(Alert).options(selectinload(Alert.deliveries)).order_by(Alert.id.desc())
    if limit:
        query = query.limit(limit)
    result = []
    for alert in session.scalars(query):
        result.append(
            {
                "id": alert.id,
                "uid": alert.uid,
                "kind": alert.kind,
                "summary": alert.summary,
                "change": alert.change,
                "cluster_id": alert.cluster_id,
                "claim_id": alert.claim_id,
                "source_id": alert.source_id,
                "run_id": alert.run_id,
                "created_at": _iso(alert.created_at),
                # What the message showed: the claim's fields and provenance (sentence, claimant, outlet, link).
                **{key: alert.payload.get(key) for key in PROVENANCE_KEYS if key in alert.payload},
                "deliveries": [
                    {
                        "channel": d.channel,
                        "state": "sending" if d.state == "pending" and d.sending_at else d.state,
                        "attempts": d.attempts,
                        "last_error": d.last_error,
                        "next_attempt_at": _iso(d.next_attempt_at),
                        "sending_at": _iso(d.sending_at),
                        "sent_at": _iso(d.sent_at),
                    }
                    for d in sorted(alert.deliveries, key=lambda d: d.channel)
                ],
            }
        )
    return result


def retry_failed(session: Session, *, channel: str | None = None) -> int:
    """Queue failed deliveries again and let waiting ones go at the next send; return how many.

    For use after fixing a channel: failed rows start over, and pending rows waiting out their
    backoff become due now. Rows being sent are left alone.

    Args:
        session: the caller's session (the caller commits).
        channel: only this channel's rows; all channels by default.
    """
    failed = (
        update(Delivery)
        .where(Delivery.state == "failed")
        .values(state="pending", attempts=0, next_attempt_at=None, sending_at=None)
    )
    waiting = update(Delivery).where(Delivery.state == "pending", Delivery.next_attempt_at.is_not(None))
    waiting = waiting.values(next_attempt_at=None)
    if channel:
        failed = failed.where(Delivery.channel == channel)
        waiting = waiting.where(Delivery.channel == channel)
    return (session.execute(failed).rowcount or 0) + (session.execute(waiting).rowcount or 0)


def _jsonable(payload: dict) -> dict:
    return json.loads(json.dumps(payload, default=str))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
