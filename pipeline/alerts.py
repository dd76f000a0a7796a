"""Alert outbox: queue alerts with their claims, deliver them to Slack, email or the console.

Detection calls `enqueue_alert` inside the transaction that stores the claim, which writes one
Alert (keyed by a stable `uid`) and one Delivery row per channel whose watchlist accepts it.
`deliver_pending` runs later, in its own short transactions: it marks a row `sending_at`, sends,
then marks it sent, or records the error and the time of the next try (exponential backoff across
runs). A process killed between send and mark leaves `sending_at` set; once that lease expires the
row is sent again with the same alert id. Delivery is therefore at-least-once, with a duplicate
possible only for a message that was in flight when the process died (or whose send timed out after
the server had accepted it).

Payload shape (a JSON object; every key optional except kind):
    kind            "NEW" | "UPDATE" (claim alerts) or "HEALTH" (a source's layout drifted)
    headline        one-line title; rebuilt from the fields when absent
    alert_id        the alert's uid (filled in by enqueue_alert)
    supplier        ISO 3166-1 alpha-3 code, "EU", "NATO", "WEST" or null
    recipient       same as supplier
    category        artillery_ammunition, missiles, drones, ... (transfer-claims.md)
    item            the words naming the item, as written
    quantity        {"min": number|null, "max": number|null, "unit": "rounds"|"usd"|...} or null
    status          delivered | committed | unclear
    stance          affirmed | hedged | denied
    claimant        who makes the claim, as written, or null (the outlet itself)
    sentence        the sentence holding the claim
    outlet          the outlet's name ("The Moscow Times")
    url, title      the article's link and title
    published       ISO 8601 date-time of the article, or null
    corroboration   number of distinct sources reporting the same transfer (the cluster)
    change          for UPDATE: "up to 4.8 million, was more than 1 million"
    cues            the words that made the detector decide (list of strings)
    source, reason  for HEALTH: the source key and why it looks degraded
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from pipeline.alerts_channels import (
    MODES,
    Channel,
    ConsoleChannel,
    DeliveryError,
    EmailChannel,
    OutgoingAlert,
    SlackChannel,
    Watch,
    parse_watch,
    redact,
)
from pipeline.alerts_render import (
    render_digest_text,
    render_email,
    render_email_digest,
    render_slack_blocks,
    render_slack_digest,
    render_text,
)
from pipeline.models import Alert, Delivery, utcnow

__all__ = [
    "Channel",
    "ConsoleChannel",
    "DeliveryError",
    "DeliveryPolicy",
    "DeliveryReport",
    "EmailChannel",
    "OutgoingAlert",
    "SlackChannel",
    "Watch",
    "deliver_pending",
    "enqueue_alert",
    "list_alerts",
    "load_channels",
    "load_delivery_policy",
    "read_watchlist",
    "redact",
    "render_digest_text",
    "render_email",
    "render_email_digest",
    "render_slack_blocks",
    "render_slack_digest",
    "render_text",
    "retry_failed",
]

log = logging.getLogger("pipeline.alerts")

DEFAULT_CHANNEL_NAMES = ("slack", "email", "console")
CHANNEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Loggers that may print a request line (and so a webhook path) while we deliver.
NOISY_LOGGERS = ("urllib3.connectionpool", "urllib3.connection", "urllib3.util.retry", "requests", "pipeline.alerts")
AIRFLOW_SLACK_CONN = "slack_webhook_default"
AIRFLOW_SMTP_CONN = "smtp_default"
SLACK_DEFAULT_ENDPOINT = "https://hooks.slack.com/services"


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


def load_channels(env: dict[str, str] | None = None) -> list[Channel]:
    """Return the configured channels: env defaults, watchlist channels, Airflow connections.

    With nothing configured, returns [ConsoleChannel()] so alerts are at least printed.

    Args:
        env: a mapping to read instead of os.environ (tests pass their own).
    """
    env = dict(os.environ if env is None else env)
    default_mode = _mode(env.get("TW_ALERT_MODE"), "instant", "TW_ALERT_MODE")
    timeout = float(env.get("TW_ALERT_TIMEOUT") or 10)
    watchlist_path = env.get("TW_WATCHLIST_FILE")
    entries = read_watchlist(Path(watchlist_path), env) if watchlist_path else {}
    slack_defaults = {
        "timeout": timeout,
        "rate": float(env.get("TW_SLACK_RATE_PER_SECOND") or env.get("TW_ALERT_RATE_PER_SECOND") or 1.0),
        "max_retry_wait": float(env.get("TW_SLACK_MAX_RETRY_WAIT") or 30.0),
    }
    smtp = _smtp_settings(env, timeout)
    channels: list[Channel] = []

    channels += _default_slack(env, entries.get("slack") or {}, default_mode, slack_defaults)
    channels += _default_email(env, entries.get("email") or {}, default_mode, smtp)
    for name, entry in entries.items():
        if name in ("slack", "email"):
            continue
        channels.append(_watchlist_channel(name, entry, default_mode, slack_defaults, smtp))

    if not channels:
        channels.append(ConsoleChannel(mode=default_mode))
    _mask_in_airflow([secret for channel in channels for secret in channel.secrets()], env)
    return channels


def read_watchlist(path: Path, env: dict[str, str] | None = None) -> dict[str, dict]:
    """Read a watchlist YAML file and return its channel entries by name, with ${VAR} filled in.

    Args:
        path: the YAML file (TW_WATCHLIST_FILE).
        env: where ${VAR} references are looked up (default os.environ).
    """
    import yaml

    env = dict(os.environ if env is None else env)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"watchlist {path}: cannot read it: {exc}") from None
    channels = data.get("channels") if isinstance(data, dict) else None
    if not isinstance(channels, dict):
        raise ValueError(f"watchlist {path}: expected a top-level 'channels:' mapping")
    entries: dict[str, dict] = {}
    for name, entry in channels.items():
        name = str(name)
        if not CHANNEL_NAME.match(name):
            raise ValueError(f"watchlist {path}: bad channel name {name!r} (letters, digits, . _ -)")
        if not isinstance(entry, dict):
            raise ValueError(f"watchlist {path}: channel {name!r} must be a mapping")
        try:
            entries[name] = _fill_env(entry, env)
        except KeyError as exc:
            raise ValueError(f"watchlist {path}: channel {name!r} refers to unset variable {exc.args[0]}") from None
        try:
            parse_watch(entries[name].get("watch"))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"watchlist {path}: channel {name!r}: {exc}") from None
    return entries


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
        payload: what the message shows (shape in the module docstring).
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


PROVENANCE_KEYS = (
    "supplier", "recipient", "category", "item", "quantity", "status", "stance", "claimant", "sentence",
    "outlet", "url", "title", "published", "corroboration",
)


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


@contextlib.contextmanager
def redacted_logging(secrets: Sequence[str]) -> Iterator[None]:
    """Scrub secrets from records of the HTTP and alert loggers while the block runs.

    urllib3 logs request lines at DEBUG, and a Slack webhook's path is its credential.

    Args:
        secrets: exact values to scrub (patterns of webhook URLs are scrubbed too).
    """
    log_filter = _RedactingFilter(list(secrets))
    loggers = [logging.getLogger(name) for name in NOISY_LOGGERS]
    for logger in loggers:
        logger.addFilter(log_filter)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(log_filter)


class _RedactingFilter(logging.Filter):
    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self.secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


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


def _default_slack(env: dict[str, str], entry: dict, default_mode: str, settings: dict) -> list[Channel]:
    """Return the "slack" channel from TW_SLACK_WEBHOOK_URL, the watchlist or Airflow, if any."""
    url = env.get("TW_SLACK_WEBHOOK_URL") or entry.get("webhook_url") or _airflow_slack_url(env)
    if not url:
        return []
    mode = _mode(env.get("TW_SLACK_ALERT_MODE") or entry.get("mode"), default_mode, "slack mode")
    return [SlackChannel(name="slack", webhook_url=url, mode=mode, watch=parse_watch(entry.get("watch")), **settings)]


def _default_email(env: dict[str, str], entry: dict, default_mode: str, smtp: dict) -> list[Channel]:
    """Return the "email" channel when an SMTP host and recipients are configured."""
    recipients = _addresses(env.get("TW_ALERT_EMAIL_TO") or entry.get("to") or smtp.get("to"))
    settings = {key: value for key, value in smtp.items() if key != "to"}
    if settings.get("host") and recipients:
        mode = _mode(env.get("TW_EMAIL_ALERT_MODE") or entry.get("mode"), default_mode, "email mode")
        watch = parse_watch(entry.get("watch"))
        return [EmailChannel(name="email", mode=mode, recipients=recipients, watch=watch, **settings)]
    if settings.get("host"):
        log.warning("email alerts off: SMTP host is set but TW_ALERT_EMAIL_TO names no recipient")
    elif recipients:
        log.warning("email alerts off: TW_ALERT_EMAIL_TO is set but no SMTP host (TW_SMTP_HOST or smtp_default)")
    return []


def _watchlist_channel(name: str, entry: dict, default_mode: str, slack_defaults: dict, smtp: dict) -> Channel:
    kind = str(entry.get("type") or ("console" if name == "console" else "")).lower()
    mode = _mode(entry.get("mode"), default_mode, f"channel {name!r} mode")
    watch = parse_watch(entry.get("watch"))
    if kind == "slack":
        if not entry.get("webhook_url"):
            raise ValueError(f"watchlist channel {name!r}: type slack needs webhook_url")
        settings = {**slack_defaults, **{k: float(entry[k]) for k in ("timeout", "rate") if k in entry}}
        return SlackChannel(name=name, mode=mode, watch=watch, webhook_url=str(entry["webhook_url"]), **settings)
    if kind == "email":
        recipients = _addresses(entry.get("to"))
        if not recipients:
            raise ValueError(f"watchlist channel {name!r}: type email needs to: [addresses]")
        settings = {key: value for key, value in smtp.items() if key != "to"}
        for key, target in (
            ("smtp_host", "host"),
            ("smtp_port", "port"),
            ("smtp_user", "user"),
            ("smtp_password", "password"),
            ("cafile", "cafile"),
            ("from", "sender"),
        ):
            if entry.get(key) not in (None, ""):
                settings[target] = entry[key]
        if "starttls" in entry:
            settings["starttls"] = _tri_state(entry["starttls"])
        if "ssl" in entry:
            settings["use_ssl"] = _flag(entry["ssl"])
        settings["port"] = int(settings.get("port") or 0)
        if not settings.get("host"):
            raise ValueError(f"watchlist channel {name!r}: no SMTP host (set TW_SMTP_HOST or smtp_host)")
        return EmailChannel(name=name, mode=mode, watch=watch, recipients=recipients, **settings)
    if kind == "console":
        return ConsoleChannel(name=name, mode=mode, watch=watch)
    raise ValueError(f"watchlist channel {name!r}: type must be slack, email or console")


def _smtp_settings(env: dict[str, str], timeout: float) -> dict[str, Any]:
    """Return EmailChannel keyword arguments from TW_SMTP_* or, failing that, Airflow's smtp_default."""
    sender = env.get("TW_ALERT_EMAIL_FROM")
    common = {"timeout": timeout, "cafile": env.get("TW_SMTP_CAFILE") or None}
    if env.get("TW_SMTP_HOST"):
        settings = {
            "host": env["TW_SMTP_HOST"],
            "port": int(env.get("TW_SMTP_PORT") or 0),
            "user": env.get("TW_SMTP_USER") or None,
            "password": env.get("TW_SMTP_PASSWORD") or None,
            "starttls": _tri_state(env.get("TW_SMTP_STARTTLS", "auto")),
            "use_ssl": _flag(env.get("TW_SMTP_SSL", "")),
        }
    else:
        conn = _airflow_connection(AIRFLOW_SMTP_CONN, env)
        if conn is None or not conn.host:
            return {**common, "sender": sender or "transfer-watch@localhost"}
        extra = conn.extra_dejson or {}
        # Airflow's own SMTP hook defaults to implicit SSL unless disable_ssl, and STARTTLS unless disable_tls.
        settings = {
            "host": conn.host,
            "port": int(conn.port or 0),
            "user": conn.login or None,
            "password": conn.password or None,
            "starttls": "false" if _flag(extra.get("disable_tls", False)) else "auto",
            "use_ssl": not _flag(extra.get("disable_ssl", False)),
            "to": extra.get("to"),
        }
        sender = sender or extra.get("from_email")
    return {**common, **settings, "sender": sender or settings.get("user") or "transfer-watch@localhost"}


def _airflow_slack_url(env: dict[str, str]) -> str | None:
    conn = _airflow_connection(AIRFLOW_SLACK_CONN, env)
    if conn is None:
        return None
    token = (conn.password or "").strip()
    if not token:
        return None
    if token.startswith(("http://", "https://")):
        return token
    # The Slack provider's convention: the password holds the path, the host the endpoint.
    endpoint = (conn.host or SLACK_DEFAULT_ENDPOINT).rstrip("/")
    if "://" not in endpoint:
        endpoint = f"{conn.schema or 'https'}://{endpoint}"
    return f"{endpoint}/{token.lstrip('/')}"


def _airflow_connection(conn_id: str, env: dict[str, str]):
    """Return an Airflow connection, or None when Airflow is absent, unused or lacks it."""
    if not _airflow_in_use(conn_id, env):
        return None
    try:
        from airflow.sdk import Connection
    except ImportError:
        return None
    try:
        return Connection.get(conn_id)
    except Exception as exc:  # noqa: BLE001 - a missing or unreadable connection just means "not configured"
        log.debug("Airflow connection %s not available (%s)", conn_id, type(exc).__name__)
        return None


def _airflow_in_use(conn_id: str, env: dict[str, str]) -> bool:
    setting = (env.get("TW_ALERT_AIRFLOW_CONNECTIONS") or "auto").lower()
    if setting in ("0", "false", "no", "off"):
        return False
    if importlib.util.find_spec("airflow") is None:
        return False
    if setting in ("1", "true", "yes", "on"):
        return True
    # Outside a task, only an AIRFLOW_CONN_* variable can define the connection without a database.
    return "AIRFLOW_CTX_DAG_ID" in env or f"AIRFLOW_CONN_{conn_id.upper()}" in env


def _mask_in_airflow(secrets: list[str], env: dict[str, str]) -> None:
    """Inside an Airflow task, register secrets with Airflow's log masker as well."""
    if "AIRFLOW_CTX_DAG_ID" not in env or not secrets:
        return
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:
        return
    for secret in secrets:
        mask_secret(secret)


def _fill_env(value: Any, env: dict[str, str]) -> Any:
    if isinstance(value, str):
        return ENV_REFERENCE.sub(lambda match: env[match.group(1)], value)
    if isinstance(value, dict):
        return {key: _fill_env(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill_env(item, env) for item in value]
    return value


def _addresses(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        value = re.split(r"[,;]", value)
    return tuple(dict.fromkeys(str(address).strip() for address in value if str(address).strip()))


def _mode(value: Any, default: str, what: str) -> str:
    mode = str(value or default).strip().lower()
    if mode not in MODES:
        raise ValueError(f"{what}: {value!r} is not one of {', '.join(MODES)}")
    return mode


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _tri_state(value: Any) -> str:
    text = str(value).strip().lower()
    if text in ("", "auto"):
        return "auto"
    return "true" if _flag(text) else "false"


def _jsonable(payload: dict) -> dict:
    return json.loads(json.dumps(payload, default=str))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
