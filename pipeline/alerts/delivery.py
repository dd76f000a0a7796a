"""Delivery: send due outbox rows to their channels, with a sending lease, backoff across runs and a failure cap."""

from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Sequence

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from pipeline.alerts.channels import Channel, DeliveryError, OutgoingAlert
from pipeline.alerts.redaction import redact, redacted_logging
from pipeline.models import Alert, Delivery, utcnow

# The stage's one logger, by name not __name__: redacted_logging filters it, and a logger's filters
# never see records from its children.
log = logging.getLogger("pipeline.alerts")


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard and how often delivery retries; read from TW_ALERT_* by load_delivery_policy."""

    retry_base_seconds: float = 300.0
    retry_max_seconds: float = 6 * 3600.0
    max_attempts: int = 10
    # Longer than one send can take (timeouts plus Retry-After waits): a row marked sending more
    # recently than this belongs to a live process and is left alone.
    sending_lease_seconds: float = 300.0
    failures_per_run: int = 3

    def backoff(self, attempts: int) -> timedelta:
        """Return the wait before the next try after `attempts` failed tries.

        Args:
            attempts: tries made so far (1 after the first failure).
        """
        seconds = self.retry_base_seconds * (2 ** max(0, attempts - 1))
        return timedelta(seconds=min(seconds, self.retry_max_seconds))


@dataclass
class DeliveryReport:
    """What one delivery run did; `as_dict` feeds the run summary and the Airflow task log."""

    sent: int = 0
    failed: int = 0
    pending_retry: int = 0
    resent: int = 0
    in_flight: int = 0
    deferred: int = 0
    unconfigured: int = 0
    messages: int = 0
    digests: int = 0
    digest_alerts: int = 0
    failed_total: int = 0
    permanent_failures: list[str] = field(default_factory=list)
    channel_errors: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Return the report as plain JSON-able values."""
        return asdict(self)


@dataclass(frozen=True)
class _DueRow:
    id: int
    uid: str
    kind: str
    payload: dict
    was_in_flight: bool


def deliver_pending(
    session_factory: Callable[[], Session],
    channels: Sequence[Channel],
    *,
    now: datetime | None = None,
    run_id: int | None = None,
    policy: DeliveryPolicy | None = None,
) -> DeliveryReport:
    """Send every due outbox row, one short transaction per step; return what happened.

    Each row is marked `sending_at` (committed) before its send and marked sent (committed) right
    after, so a kill at any moment loses nothing and can double at most the message in flight.

    Args:
        session_factory: makes sessions (pipeline.db.make_sessionmaker); no session is held while sending.
        channels: the configured channels (load_channels()).
        now: the clock to use for due times and stamps (tests move it forward); default the real time.
        run_id: the CrawlRun doing the delivery, for the log.
        policy: retry settings; default load_delivery_policy() from the environment.
    """
    policy = policy or load_delivery_policy()
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
    report = DeliveryReport()
    secrets = [secret for channel in channels for secret in channel.secrets()]
    with redacted_logging(secrets):
        for channel in channels:
            try:
                _deliver_channel(session_factory, channel, clock, policy, report)
            finally:
                channel.close()
        _summarise(session_factory, [channel.name for channel in channels], report)
        _log_report(report, run_id)
    return report


def load_delivery_policy(env: dict[str, str] | None = None) -> DeliveryPolicy:
    """Build the retry policy from TW_ALERT_RETRY_BASE_SECONDS, _RETRY_MAX_SECONDS, _MAX_ATTEMPTS, ...

    Args:
        env: a mapping to read instead of os.environ.
    """
    env = dict(os.environ if env is None else env)
    defaults = DeliveryPolicy()

    def number(key: str, default: float) -> float:
        return float(env.get(key) or default)

    return DeliveryPolicy(
        retry_base_seconds=number("TW_ALERT_RETRY_BASE_SECONDS", defaults.retry_base_seconds),
        retry_max_seconds=number("TW_ALERT_RETRY_MAX_SECONDS", defaults.retry_max_seconds),
        max_attempts=int(number("TW_ALERT_MAX_ATTEMPTS", defaults.max_attempts)),
        sending_lease_seconds=number("TW_ALERT_SENDING_LEASE_SECONDS", defaults.sending_lease_seconds),
        failures_per_run=int(number("TW_ALERT_FAILURES_PER_RUN", defaults.failures_per_run)),
    )


def _deliver_channel(session_factory, channel: Channel, clock, policy: DeliveryPolicy, report: DeliveryReport) -> None:
    rows, busy = _due_rows(session_factory, channel.name, clock(), policy)
    report.in_flight += busy
    batch_size = max(1, getattr(channel, "digest_max", 250)) if channel.mode == "digest" else 1
    failures = 0
    for start in range(0, len(rows), batch_size):
        if failures >= policy.failures_per_run:
            report.deferred += len(rows) - start
            log.warning("%s: %d deliveries left for the next run after %d failures", channel.name, len(rows) - start, failures)
            return
        batch = rows[start : start + batch_size]
        claimed = _claim(session_factory, [row.id for row in batch], clock(), policy)
        report.in_flight += len(batch) - len(claimed)
        batch = [row for row in batch if row.id in claimed]
        if not batch:
            continue
        for row in batch:
            if row.was_in_flight:
                report.resent += 1
                log.warning(
                    "%s: sending alert %s again: an earlier run stopped between sending and marking it",
                    channel.name,
                    row.uid,
                )
        outgoing = [OutgoingAlert(uid=row.uid, kind=row.kind, payload=row.payload) for row in batch]
        try:
            note = channel.send(outgoing if channel.mode == "digest" else outgoing[0])
        except Exception as exc:  # noqa: BLE001 - any failure of one message must not stop the others
            error = _as_delivery_error(exc, channel)
            _mark_failed(session_factory, batch, error, clock(), policy, report, channel.name)
            report.channel_errors[channel.name] = str(error)
            if not error.permanent:
                failures += 1
            continue
        _mark_sent(session_factory, [row.id for row in batch], clock(), note)
        failures = 0
        report.sent += len(batch)
        report.messages += 1
        if channel.mode == "digest":
            report.digests += 1
            report.digest_alerts += len(batch)


def _due_rows(session_factory, channel_name: str, now: datetime, policy: DeliveryPolicy) -> tuple[list[_DueRow], int]:
    lease_start = now - timedelta(seconds=policy.sending_lease_seconds)
    with session_factory() as session:
        query = (
            select(Delivery.id, Delivery.sending_at, Alert.uid, Alert.kind, Alert.payload)
            .join(Alert, Delivery.alert_id == Alert.id)
            .where(Delivery.channel == channel_name, Delivery.state == "pending")
            .where(or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now))
            .order_by(Delivery.id)
        )
        rows, busy = [], 0
        for delivery_id, sending_at, uid, kind, payload in session.execute(query):
            if sending_at is not None and sending_at > lease_start:
                busy += 1
                continue
            rows.append(_DueRow(delivery_id, uid, kind, dict(payload or {}), sending_at is not None))
    return rows, busy


def _claim(session_factory, ids: list[int], now: datetime, policy: DeliveryPolicy) -> set[int]:
    """Mark rows as being sent, skipping any another process claimed meanwhile."""
    lease_start = now - timedelta(seconds=policy.sending_lease_seconds)
    with session_factory() as session, session.begin():
        result = session.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids), Delivery.state == "pending")
            .where(or_(Delivery.sending_at.is_(None), Delivery.sending_at <= lease_start))
            .values(sending_at=now)
            .returning(Delivery.id)
            .execution_options(synchronize_session=False)
        )
        return {row[0] for row in result}


def _mark_sent(session_factory, ids: list[int], now: datetime, note: str | None) -> None:
    with session_factory() as session, session.begin():
        session.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids))
            .values(
                state="sent",
                sent_at=now,
                sending_at=None,
                next_attempt_at=None,
                attempts=Delivery.attempts + 1,
                last_error=note,
            )
            .execution_options(synchronize_session=False)
        )


def _mark_failed(
    session_factory,
    rows: list[_DueRow],
    error: DeliveryError,
    now: datetime,
    policy: DeliveryPolicy,
    report: DeliveryReport,
    channel_name: str,
) -> None:
    message = str(error)
    with session_factory() as session, session.begin():
        for delivery in session.scalars(select(Delivery).where(Delivery.id.in_([row.id for row in rows]))):
            delivery.attempts += 1
            delivery.sending_at = None
            delivery.last_error = message
            if error.permanent or delivery.attempts >= policy.max_attempts:
                delivery.state = "failed"
                delivery.next_attempt_at = None
            else:
                wait = max(policy.backoff(delivery.attempts), timedelta(seconds=error.retry_after or 0))
                delivery.next_attempt_at = now + wait
    report.failed += len(rows)
    uids = ", ".join(row.uid for row in rows[:5]) + (" ..." if len(rows) > 5 else "")
    if error.permanent:
        log.error("%s: alert %s failed permanently: %s", channel_name, uids, message)
    else:
        log.warning("%s: alert %s not sent, will retry: %s", channel_name, uids, message)


def _summarise(session_factory, channel_names: list[str], report: DeliveryReport) -> None:
    with session_factory() as session:
        pending = dict(
            session.execute(
                select(Delivery.channel, func.count()).where(Delivery.state == "pending").group_by(Delivery.channel)
            ).all()
        )
        report.pending_retry = sum(count for name, count in pending.items() if name in channel_names)
        orphaned = {name: count for name, count in pending.items() if name not in channel_names}
        report.unconfigured = sum(orphaned.values())
        if orphaned:
            names = ", ".join(f"{name} ({count})" for name, count in sorted(orphaned.items()))
            log.warning("deliveries waiting for channels that are not configured: %s", names)
        failed = session.execute(
            select(Delivery.channel, Delivery.attempts, Delivery.last_error, Alert.uid, Alert.summary)
            .join(Alert, Delivery.alert_id == Alert.id)
            .where(Delivery.state == "failed")
            .order_by(Delivery.id)
        ).all()
    report.failed_total = len(failed)
    report.permanent_failures = [
        f"{channel}: {summary} [{uid}] failed after {attempts} attempt(s): {error}"
        for channel, attempts, error, uid, summary in failed[:20]
    ]
    if len(failed) > 20:
        report.permanent_failures.append(f"... and {len(failed) - 20} more (see `alerts list`)")


def _log_report(report: DeliveryReport, run_id: int | None) -> None:
    log.info(
        "alert delivery%s: %d sent in %d message(s), %d failed, %d pending retry, %d resent, %d in flight elsewhere",
        f" (run {run_id})" if run_id is not None else "",
        report.sent,
        report.messages,
        report.failed,
        report.pending_retry,
        report.resent,
        report.in_flight,
    )
    if report.failed_total:
        log.error("%d alert deliveries failed permanently (see `alerts list`):", report.failed_total)
        for line in report.permanent_failures:
            log.error("  %s", line)


def _as_delivery_error(exc: Exception, channel: Channel) -> DeliveryError:
    if isinstance(exc, DeliveryError):
        return DeliveryError(redact(str(exc), channel.secrets()), permanent=exc.permanent, retry_after=exc.retry_after)
    return DeliveryError(f"{channel.name} failed: {type(exc).__name__}: {redact(str(exc), channel.secrets())}")
