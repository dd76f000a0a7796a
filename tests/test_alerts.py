"""Alert outbox against real servers on 127.0.0.1: an HTTP webhook receiver and an aiosmtpd SMTP server."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import os
import re
import signal
import sqlite3
import ssl
import subprocess
import sys
import textwrap
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from pipeline import alerts
from pipeline.alerts import (
    ConsoleChannel,
    DeliveryPolicy,
    EmailChannel,
    SlackChannel,
    deliver_pending,
    enqueue_alert,
    list_alerts,
    load_channels,
    render,
    render_email,
    render_slack_blocks,
    render_slack_digest,
    render_text,
    retry_failed,
)
from pipeline.db import make_engine, make_sessionmaker
from pipeline.models import Alert, Base, Delivery
from tests.servers import SMTP_PASSWORD, SMTP_USER, WEBHOOK_TOKEN, MailSink, authenticate, free_port, start_smtp

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FAST = DeliveryPolicy(retry_base_seconds=60, retry_max_seconds=3600, max_attempts=5, sending_lease_seconds=300)
PARTIES = [("PRK", "RUS"), ("IRN", "RUS"), ("USA", "UKR"), ("DEU", "UKR"), ("RUS", "PRK")]
CATEGORIES = ["artillery_ammunition", "drones", "air_defense", "missiles", "technology"]


@pytest.fixture()
def session_factory(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'alerts.db'}")
    Base.metadata.create_all(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


# ---------------------------------------------------------------- helpers


def make_payload(i: int, **overrides) -> dict:
    supplier, recipient = PARTIES[i % len(PARTIES)]
    payload = {
        "kind": "NEW",
        "supplier": supplier,
        "recipient": recipient,
        "category": CATEGORIES[i % len(CATEGORIES)],
        "item": "artillery shells",
        "quantity": {"min": 1000000 + i, "max": None, "unit": "rounds"},
        "status": "delivered",
        "stance": "hedged",
        "claimant": "South Korea's National Intelligence Service",
        "sentence": f"North Korea has sent Russia over one million artillery shells (report {i}).",
        "outlet": "The Moscow Times",
        "url": f"https://www.themoscowtimes.com/2024/02/27/report-a{84000 + i}",
        "title": f"Report {i}",
        "published": "2024-02-27T09:00:00+00:00",
        "corroboration": 1 + i % 4,
        "change": None,
        "cues": ["has sent"],
    }
    payload.update(overrides)
    return payload


def uid_for(i: int) -> str:
    return hashlib.sha256(f"alert-{i}".encode()).hexdigest()[:32]


def queue(session_factory, channels, count: int, **overrides) -> list[str]:
    uids = []
    with session_factory() as session, session.begin():
        for i in range(count):
            payload = make_payload(i, **overrides)
            enqueue_alert(
                session, kind=payload["kind"], uid=uid_for(i), summary=f"alert {i}", payload=payload, channels=channels
            )
            uids.append(uid_for(i))
    return uids


def slack(url: str, **kwargs) -> SlackChannel:
    return SlackChannel(webhook_url=url, rate=kwargs.pop("rate", 0), timeout=kwargs.pop("timeout", 10), **kwargs)


def mailer(port: int, recipients=("korea@example.org",), **kwargs) -> EmailChannel:
    return EmailChannel(
        host="127.0.0.1",
        port=port,
        user=kwargs.pop("user", SMTP_USER),
        password=kwargs.pop("password", SMTP_PASSWORD),
        recipients=tuple(recipients),
        sender="watch@example.org",
        timeout=10,
        **kwargs,
    )


def deliveries(session_factory) -> list[Delivery]:
    with session_factory() as session:
        return list(session.query(Delivery).order_by(Delivery.id))


def later(minutes: float) -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=minutes)


# ---------------------------------------------------------------- outbox


def test_enqueue_is_idempotent_and_follows_watchlists(session_factory):
    korea = ConsoleChannel(name="korea-desk", watch=alerts.parse_watch({"suppliers": ["PRK"]}))
    ukraine = ConsoleChannel(name="ukraine-desk", watch=alerts.parse_watch({"recipients": ["ukr"]}))
    everything = ConsoleChannel(name="console")
    channels = [korea, ukraine, everything]

    first = queue(session_factory, channels, 5)
    again = queue(session_factory, channels, 5)

    assert first == again
    with session_factory() as session:
        assert session.query(Alert).count() == 5
        rows = {(d.alert.payload["supplier"], d.alert.payload["recipient"], d.channel) for d in session.query(Delivery)}
    assert ("PRK", "RUS", "korea-desk") in rows and ("PRK", "RUS", "ukraine-desk") not in rows
    assert ("USA", "UKR", "ukraine-desk") in rows and ("USA", "UKR", "korea-desk") not in rows
    assert ("IRN", "RUS", "korea-desk") not in rows and ("IRN", "RUS", "ukraine-desk") not in rows
    assert sum(1 for row in rows if row[2] == "console") == 5


def test_enqueue_returns_none_for_a_known_uid_and_stores_the_uid_in_the_payload(session_factory):
    with session_factory() as session, session.begin():
        created = enqueue_alert(
            session, kind="NEW", uid=uid_for(1), summary="s", payload=make_payload(1), channels=[ConsoleChannel()]
        )
        repeated = enqueue_alert(
            session, kind="NEW", uid=uid_for(1), summary="s", payload=make_payload(1), channels=[ConsoleChannel()]
        )
        assert created is not None and repeated is None
        assert created.payload["alert_id"] == uid_for(1)
        assert [d.channel for d in created.deliveries] == ["console"]


def test_watch_filters_quantity_categories_and_health():
    watch = alerts.parse_watch({"recipients": ["UKR"], "categories": ["air_defense"], "min_quantity": 3, "units": ["items"]})
    good = make_payload(0, supplier="DEU", recipient="UKR", category="air_defense", quantity={"min": 3, "max": 3, "unit": "items"})
    assert watch.accepts(good)
    assert not watch.accepts({**good, "quantity": {"min": 2, "max": 2, "unit": "items"}})
    assert not watch.accepts({**good, "quantity": None})
    assert not watch.accepts({**good, "quantity": {"min": 5, "max": 5, "unit": "usd"}})
    assert not watch.accepts({**good, "category": "drones"})
    assert not watch.accepts({**good, "recipient": "RUS"})
    health = {"kind": "HEALTH", "source": "moscow_times", "reason": "5 of 6 pages without a title"}
    assert not watch.accepts(health)
    assert alerts.parse_watch({"kinds": ["HEALTH", "NEW"], "suppliers": ["PRK"]}).accepts(health)
    assert alerts.parse_watch({}).accepts(health)
    assert alerts.parse_watch({"parties": ["PRK"]}).accepts(make_payload(0, supplier="RUS", recipient="PRK"))
    with pytest.raises(ValueError, match="supplier_list"):
        alerts.parse_watch({"supplier_list": ["PRK"]})


# ---------------------------------------------------------------- configuration


def test_load_channels_defaults_to_console_and_reads_env():
    assert [type(c).__name__ for c in load_channels({})] == ["ConsoleChannel"]
    channels = load_channels(
        {
            "TW_SLACK_WEBHOOK_URL": "https://hooks.slack.example/services/T1/B1/abc",
            "TW_SMTP_HOST": "smtp.example.org",
            "TW_SMTP_PORT": "465",
            "TW_SMTP_SSL": "true",
            "TW_SMTP_USER": "u",
            "TW_SMTP_PASSWORD": SMTP_PASSWORD,
            "TW_ALERT_EMAIL_FROM": "watch@example.org",
            "TW_ALERT_EMAIL_TO": "a@example.org, b@example.org;c@example.org",
            "TW_ALERT_MODE": "digest",
            "TW_SLACK_ALERT_MODE": "instant",
        }
    )
    by_name = {c.name: c for c in channels}
    assert set(by_name) == {"slack", "email"}
    assert by_name["slack"].mode == "instant" and by_name["email"].mode == "digest"
    assert by_name["email"].recipients == ("a@example.org", "b@example.org", "c@example.org")
    assert by_name["email"].use_ssl and by_name["email"].port == 465
    assert SMTP_PASSWORD not in repr(channels) and "abc" not in repr(by_name["slack"])
    with pytest.raises(ValueError, match="TW_ALERT_MODE"):
        load_channels({"TW_ALERT_MODE": "hourly"})


def test_watchlist_file_defines_named_channels(tmp_path):
    path = tmp_path / "watchlists.yaml"
    path.write_text(
        textwrap.dedent(
            """
            channels:
              slack:
                mode: digest
              korea-desk:
                type: slack
                webhook_url: ${KOREA_HOOK}
                watch: {suppliers: [PRK]}
              ukraine-desk:
                type: email
                to: [ua1@example.org, ua2@example.org]
                mode: digest
                watch:
                  recipients: [UKR]
                  min_quantity: 1000
            """
        )
    )
    env = {
        "TW_WATCHLIST_FILE": str(path),
        "KOREA_HOOK": "https://hooks.slack.example/services/T9/B9/korea",
        "TW_SLACK_WEBHOOK_URL": "https://hooks.slack.example/services/T1/B1/main",
        "TW_SMTP_HOST": "127.0.0.1",
    }
    channels = {c.name: c for c in load_channels(env)}

    assert set(channels) == {"slack", "korea-desk", "ukraine-desk"}  # no TW_ALERT_EMAIL_TO, so no "email"
    assert channels["slack"].mode == "digest"
    assert channels["korea-desk"].webhook_url.endswith("/korea")
    assert channels["korea-desk"].accepts(make_payload(0)) and not channels["korea-desk"].accepts(make_payload(1))
    assert channels["ukraine-desk"].recipients == ("ua1@example.org", "ua2@example.org")
    assert channels["ukraine-desk"].host == "127.0.0.1"
    assert channels["ukraine-desk"].accepts(make_payload(2)) and not channels["ukraine-desk"].accepts(make_payload(0))

    del env["KOREA_HOOK"]
    with pytest.raises(ValueError, match="KOREA_HOOK"):
        load_channels(env)


AIRFLOW_SCRIPT = """
import json, os
from pipeline.alerts import load_channels

env = dict(os.environ, TW_ALERT_EMAIL_TO="desk@example.org")
channels = {c.name: c for c in load_channels(env)}
explicit = load_channels({**env, "TW_SLACK_WEBHOOK_URL": "https://example.org/hook-x"})
for key in [k for k in os.environ if k.startswith("AIRFLOW_CONN_")]:
    del os.environ[key]
plain = dict(os.environ, TW_ALERT_AIRFLOW_CONNECTIONS="true")
print(json.dumps({
    "slack": channels["slack"].webhook_url,
    "email": [channels["email"].host, channels["email"].port, channels["email"].user, channels["email"].sender,
              channels["email"].use_ssl],
    "explicit": explicit[0].webhook_url,
    "without": [c.name for c in load_channels(plain)],
}))
"""


def test_airflow_connections_are_used_only_when_defined(tmp_path):
    # In a subprocess: importing Airflow reconfigures logging for the whole interpreter.
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "AIRFLOW_HOME": str(tmp_path),
        "AIRFLOW_CONN_SLACK_WEBHOOK_DEFAULT": json.dumps({"conn_type": "slackwebhook", "password": "T7/B7/fromairflow"}),
        "AIRFLOW_CONN_SMTP_DEFAULT": json.dumps(
            {
                "conn_type": "smtp",
                "host": "127.0.0.1",
                "port": 2525,
                "login": "af-user",
                "password": "af-password-123",
                "extra": {"from_email": "airflow@example.org", "disable_ssl": True},
            }
        ),
    }
    result = subprocess.run(
        [sys.executable, "-c", AIRFLOW_SCRIPT], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])

    assert found["slack"] == "https://hooks.slack.com/services/" + "T7/B7/fromairflow"  # a bare path gets Slack's host
    assert found["email"] == ["127.0.0.1", 2525, "af-user", "airflow@example.org", False]
    assert found["explicit"] == "https://example.org/hook-x"  # explicit TW_* settings win
    assert found["without"] == ["console"]  # an undefined connection is not an error
    assert "af-password-123" not in result.stdout + result.stderr


def test_importing_and_loading_channels_does_not_touch_airflow():
    code = "import sys, pipeline.alerts as a; a.load_channels({}); print('airflow' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


# ---------------------------------------------------------------- delivery against real servers


def test_outbox_round_trip_on_each_database(database_url, receiver):
    engine = make_engine(database_url)
    Base.metadata.create_all(engine)
    factory = make_sessionmaker(engine)
    channel = slack(receiver.url)
    try:
        uids = queue(factory, [channel], 4)
        assert queue(factory, [channel], 4) == uids and len(deliveries(factory)) == 4
        receiver.behaviour = "500"
        failed = deliver_pending(factory, [channel], policy=FAST)
        receiver.behaviour = "ok"
        sent = deliver_pending(factory, [channel], now=later(30), policy=FAST)
        quiet = deliver_pending(factory, [channel], now=later(60), policy=FAST)
    finally:
        engine.dispose()
    assert failed.failed == 3 and failed.deferred == 1 and failed.sent == 0
    assert sent.sent == 4 and quiet.sent == 0
    assert sorted(receiver.uids()) == sorted(uids)



def test_outage_loses_nothing_and_the_next_run_delivers_each_alert_once(session_factory, receiver):
    channel = slack(receiver.url, timeout=3)
    uids = queue(session_factory, [channel], 12)
    receiver.behaviour = "500-then-hang"
    receiver.hang_seconds = 60  # released below; far longer than the channel's timeout

    outage = deliver_pending(session_factory, [channel], policy=FAST)

    assert receiver.bodies == []
    assert outage.sent == 0 and outage.failed == 3 and outage.deferred == 9 and outage.pending_retry == 12
    rows = deliveries(session_factory)
    assert all(row.state == "pending" and row.sent_at is None and row.sending_at is None for row in rows)
    tried = [row for row in rows if row.attempts]
    assert len(tried) == 3
    assert "HTTP 500" in tried[0].last_error and "timed out" in tried[1].last_error
    assert all(row.next_attempt_at > dt.datetime.now(dt.timezone.utc) for row in tried)

    receiver.release.set()
    receiver.behaviour = "ok"
    too_early = deliver_pending(session_factory, [channel], policy=FAST)  # the tried rows are not due yet
    assert too_early.sent == 9 and too_early.pending_retry == 3

    recovery = deliver_pending(session_factory, [channel], now=later(5), policy=FAST)
    quiet = deliver_pending(session_factory, [channel], now=later(10), policy=FAST)

    assert recovery.sent == 3 and recovery.pending_retry == 0
    assert sorted(receiver.uids()) == sorted(uids)
    assert quiet.sent == 0 and quiet.messages == 0 and len(receiver.bodies) == 12
    assert all(row.state == "sent" and row.last_error is None for row in deliveries(session_factory))


KILL_SCRIPT = """
import os, signal, sys
from pipeline.alerts import DeliveryPolicy, SlackChannel, deliver_pending
from pipeline.db import make_engine, make_sessionmaker

channel = SlackChannel(webhook_url=sys.argv[1], rate=0, timeout=10)
real_send = channel.send

def send_then_die(alert):
    real_send(alert)
    os.kill(os.getpid(), signal.SIGKILL)  # dies after the server has the message, before it is marked

channel.send = send_then_die
deliver_pending(make_sessionmaker(make_engine("sqlite:///" + sys.argv[2])), [channel])
"""


def test_kill_between_send_and_mark_resends_only_that_alert_with_the_same_id(session_factory, receiver, tmp_path):
    channel = slack(receiver.url)
    uids = queue(session_factory, [channel], 6)
    script = tmp_path / "kill_after_send.py"
    script.write_text(KILL_SCRIPT)

    killed = subprocess.run(
        [sys.executable, str(script), receiver.url, str(tmp_path / "alerts.db")],
        cwd=PROJECT_ROOT,
        capture_output=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )

    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert receiver.uids() == [uids[0]]
    stuck = deliveries(session_factory)[0]
    assert stuck.state == "pending" and stuck.sending_at is not None and stuck.sent_at is None

    # Within the lease the row may still belong to a live sender: leave it alone.
    soon = deliver_pending(session_factory, [channel], policy=FAST)
    assert soon.in_flight == 1 and soon.sent == 5 and soon.resent == 0
    after_lease = deliver_pending(session_factory, [channel], now=later(10), policy=FAST)
    assert after_lease.resent == 1 and after_lease.sent == 1

    received = receiver.uids()
    assert received.count(uids[0]) == 2
    assert all(received.count(uid) == 1 for uid in uids[1:])
    assert len(received) == len(uids) + 1
    assert all(row.state == "sent" for row in deliveries(session_factory))


def test_two_hundred_claims_instant_slack_and_email_each_recipient_once(session_factory, receiver, smtp_server):
    sink, port = smtp_server
    recipients = ["korea@example.org", "editor@example.org", "duty@example.org"]
    channels = [slack(receiver.url, rate=2000), mailer(port, recipients)]
    uids = queue(session_factory, channels, 200)

    report = deliver_pending(session_factory, channels, policy=FAST)
    again = deliver_pending(session_factory, channels, now=later(60), policy=FAST)

    assert report.sent == 400 and report.messages == 400 and report.failed == 0
    assert again.sent == 0
    assert len(receiver.bodies) == 200 and sorted(receiver.uids()) == sorted(uids)
    copies = sink.deliveries()
    assert len(copies) == 600
    assert set(copies) == {(rcpt, uid) for rcpt in recipients for uid in uids}
    subject = sink.envelopes[0][1]["Subject"]
    assert subject == "NEW transfer claim: PRK -> RUS artillery ammunition"


def test_two_hundred_claims_digest_is_one_message_per_channel(session_factory, receiver, smtp_server):
    sink, port = smtp_server
    recipients = ["a@example.org", "b@example.org"]
    channels = [slack(receiver.url, mode="digest"), mailer(port, recipients, mode="digest")]
    uids = queue(session_factory, channels, 200)

    report = deliver_pending(session_factory, channels, policy=FAST)

    assert report.digests == 2 and report.digest_alerts == 400 and report.messages == 2
    assert len(receiver.bodies) == 1 and sorted(receiver.uids()) == sorted(uids)  # one message lists all 200
    assert len(receiver.bodies[0]["blocks"]) <= 50
    assert len(sink.envelopes) == 1
    assert sorted(sink.deliveries()) == sorted((rcpt, uid) for rcpt in recipients for uid in uids)
    assert sink.envelopes[0][1]["Subject"].startswith("Transfer Watch digest: 200 alerts")


def test_slack_429_is_honoured_with_retry_after(session_factory, receiver):
    channel = slack(receiver.url, max_retry_wait=5)
    uids = queue(session_factory, [channel], 2)
    receiver.behaviour = "429-once"
    receiver.retry_after = "0.4"

    report = deliver_pending(session_factory, [channel], policy=FAST)

    assert report.sent == 2 and report.failed == 0 and sorted(receiver.uids()) == sorted(uids)
    limited, retried = receiver.requests[0], receiver.requests[1]
    assert limited[1] == "429-once" and retried[0] - limited[0] >= 0.4

    # A Retry-After longer than we are willing to wait turns into the row's next attempt time.
    queue(session_factory, [channel], 3)
    receiver.behaviour = "429"
    receiver.retry_after = "7200"
    deferred = deliver_pending(session_factory, [channel], policy=FAST)
    row = deliveries(session_factory)[2]
    assert deferred.sent == 0 and row.state == "pending" and "429" in row.last_error
    assert row.next_attempt_at > later(119)


def test_rate_limit_spaces_slack_messages(session_factory, receiver):
    channel = slack(receiver.url, rate=20)
    queue(session_factory, [channel], 5)

    started = time.monotonic()
    deliver_pending(session_factory, [channel], policy=FAST)
    elapsed = time.monotonic() - started

    # Measured at the sender: arrival times at the receiver bunch up when the machine is busy.
    assert len(receiver.requests) == 5
    assert elapsed >= 4 / 20


def test_dead_slack_is_recorded_and_does_not_block_email(session_factory, smtp_server):
    sink, port = smtp_server
    dead_url = f"http://127.0.0.1:{free_port()}/services/{WEBHOOK_TOKEN}"
    channels = [slack(dead_url), mailer(port)]
    uids = queue(session_factory, channels, 5)

    report = deliver_pending(session_factory, channels, policy=FAST)

    assert report.sent == 5 and report.failed == 3 and report.deferred == 2
    assert sorted(uid for _, uid in sink.deliveries()) == sorted(uids)
    slack_rows = [row for row in deliveries(session_factory) if row.channel == "slack"]
    tried = [row for row in slack_rows if row.attempts]
    assert all("Slack webhook unreachable" in row.last_error for row in tried)
    assert all(row.next_attempt_at is not None and row.state == "pending" for row in tried)
    assert "slack" in report.channel_errors


def test_dead_smtp_is_recorded_and_does_not_block_slack(session_factory, receiver):
    channels = [slack(receiver.url), mailer(free_port())]
    uids = queue(session_factory, channels, 4)

    report = deliver_pending(session_factory, channels, policy=FAST)

    assert report.sent == 4 and sorted(receiver.uids()) == sorted(uids)
    email_rows = [row for row in deliveries(session_factory) if row.channel == "email"]
    assert all(row.state == "pending" for row in email_rows)
    tried = [row for row in email_rows if row.attempts]
    assert tried and all("unreachable" in row.last_error and "ConnectionRefusedError" in row.last_error for row in tried)
    assert all(row.next_attempt_at is not None for row in tried)


def test_permanent_failure_stays_visible_and_blocks_nothing(session_factory, receiver, caplog):
    channel = slack(receiver.url)
    queue(session_factory, [channel], 3)
    with session_factory() as session, session.begin():
        enqueue_alert(
            session, kind="NEW", uid="f" * 32, summary="poison", payload=make_payload(9, item="POISON"), channels=[channel]
        )
    queue(session_factory, [channel], 6)  # the first three already exist; three more arrive after the bad one
    receiver.behaviour = "400-poison"

    report = deliver_pending(session_factory, [channel], policy=FAST)
    again = deliver_pending(session_factory, [channel], now=later(600), policy=FAST)

    assert report.sent == 6 and report.failed == 1 and again.failed == 0 and again.sent == 0
    assert len(receiver.uids()) == 6 and "f" * 32 not in receiver.uids()
    assert any("poison" in line and "invalid_blocks" in line for line in again.permanent_failures)
    listed = {a["uid"]: a for a in _list(session_factory)}
    bad = listed["f" * 32]["deliveries"][0]
    assert bad["state"] == "failed" and "HTTP 400" in bad["last_error"] and bad["next_attempt_at"] is None
    assert any(r.levelname == "ERROR" and "f" * 32 in r.getMessage() for r in caplog.records)

    with session_factory() as session, session.begin():
        assert retry_failed(session) == 1
    receiver.behaviour = "ok"
    assert deliver_pending(session_factory, [channel], policy=FAST).sent == 1
    assert "f" * 32 in receiver.uids()


def test_backoff_doubles_across_runs_until_the_row_gives_up(session_factory):
    channel = slack(f"http://127.0.0.1:{free_port()}/services/{WEBHOOK_TOKEN}")
    queue(session_factory, [channel], 1)
    policy = DeliveryPolicy(retry_base_seconds=60, retry_max_seconds=10_000, max_attempts=4)
    clock = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
    waits = []
    for _ in range(4):
        deliver_pending(session_factory, [channel], now=clock, policy=policy)
        row = deliveries(session_factory)[0]
        if row.next_attempt_at:
            waits.append((row.next_attempt_at - clock).total_seconds())
            clock = row.next_attempt_at
    assert waits == [60, 120, 240]
    assert row.state == "failed" and row.attempts == 4


def test_retry_makes_rows_waiting_out_their_backoff_due_now(session_factory, receiver):
    dead = slack(f"http://127.0.0.1:{free_port()}/services/{WEBHOOK_TOKEN}", name="slack")
    queue(session_factory, [dead], 2)
    first = deliver_pending(session_factory, [dead], policy=FAST)
    assert first.sent == 0 and all(row.next_attempt_at for row in deliveries(session_factory))
    live = slack(receiver.url, name="slack")
    assert deliver_pending(session_factory, [live], policy=FAST).sent == 0  # still inside the backoff
    with session_factory() as session, session.begin():
        assert retry_failed(session, channel="slack") == 2
    assert deliver_pending(session_factory, [live], policy=FAST).sent == 2
    assert len(receiver.uids()) == 2 and {row.state for row in deliveries(session_factory)} == {"sent"}


def test_secrets_never_reach_logs_or_the_database(session_factory, receiver, smtp_server, caplog, capfd, tmp_path):
    caplog.set_level("DEBUG")
    sink, port = smtp_server
    dead_hook = slack(f"http://127.0.0.1:{free_port()}/services/{WEBHOOK_TOKEN}")
    dead_hook.name = "dead-hook"
    wrong_password = mailer(port, password=SMTP_PASSWORD[::-1])
    wrong_password.name = "bad-login"
    dead_smtp = mailer(free_port())
    dead_smtp.name = "dead-smtp"
    good_mail = mailer(port)
    channels = [slack(receiver.url), dead_hook, wrong_password, dead_smtp, good_mail]
    queue(session_factory, channels, 2)
    receiver.behaviour = "500"  # the receiver echoes the secret path in its error body

    deliver_pending(session_factory, channels, policy=FAST)
    errors = {row.channel: row.last_error for row in deliveries(session_factory) if row.last_error}
    receiver.behaviour = "ok"
    deliver_pending(session_factory, channels, now=later(30), policy=FAST)

    dump = "\n".join(sqlite3.connect(tmp_path / "alerts.db").iterdump())
    out, err = capfd.readouterr()
    secrets = [WEBHOOK_TOKEN, WEBHOOK_TOKEN.split("/")[-1], SMTP_PASSWORD, SMTP_PASSWORD[::-1]]
    for text in (caplog.text, out, err, dump):
        for secret in secrets:
            assert secret not in text
    assert "HTTP 500" in errors["slack"]
    assert "<redacted>" in errors["slack"] and "Connection refused" in errors["dead-hook"]
    assert "535" in errors["bad-login"]
    assert "unreachable" in errors["dead-smtp"]
    assert len(sink.deliveries()) == 2 and len(receiver.bodies) == 2
    assert "POST" in caplog.text  # urllib3's request lines were logged, with the path scrubbed


def test_email_over_starttls_and_implicit_ssl(session_factory, tmp_path):
    context, cafile = make_tls(tmp_path)
    starttls_sink, ssl_sink = MailSink(), MailSink()
    starttls_server = start_smtp(
        starttls_sink, tls_context=context, require_starttls=True, authenticator=authenticate, auth_require_tls=True
    )
    # aiosmtpd cannot tell that an implicit-TLS socket is encrypted, so it must be told AUTH is fine.
    ssl_server = start_smtp(ssl_sink, ssl_context=context, authenticator=authenticate, auth_require_tls=False)
    try:
        channels = [
            mailer(starttls_server.port, ["a@example.org"], starttls="true", cafile=cafile),
            mailer(ssl_server.port, ["b@example.org"], use_ssl=True, cafile=cafile),
        ]
        channels[1].name = "email-ssl"
        uids = queue(session_factory, channels, 2)
        report = deliver_pending(session_factory, channels, policy=FAST)
    finally:
        starttls_server.stop()
        ssl_server.stop()

    assert report.sent == 4 and report.failed == 0
    for sink, rcpt in ((starttls_sink, "a@example.org"), (ssl_sink, "b@example.org")):
        assert sorted(sink.deliveries()) == sorted((rcpt, uid) for uid in uids)
        message = sink.envelopes[0][1]
        assert message.get_content_type() == "multipart/alternative"
        assert message.get_body(("html",)).get_content().count("<blockquote>") == 1
        assert message["X-Transfer-Watch-Alert-Id"] == uids[0] and uids[0] in message["Message-ID"]


def test_console_channel_prints_alerts_with_their_id(session_factory, capsys):
    uids = queue(session_factory, [ConsoleChannel()], 2)
    report = deliver_pending(session_factory, [ConsoleChannel()], policy=FAST)
    printed = capsys.readouterr().out
    assert report.sent == 2
    assert all(f"Alert id: {uid}" in printed for uid in uids)
    assert printed.count("NEW transfer claim:") == 2


def test_list_alerts_shows_each_delivery(session_factory, receiver):
    channels = [slack(receiver.url), ConsoleChannel()]
    queue(session_factory, channels, 2)
    deliver_pending(session_factory, channels[:1], policy=FAST)
    listed = _list(session_factory)
    assert [a["uid"] for a in listed] == [uid_for(1), uid_for(0)]
    states = {d["channel"]: d["state"] for d in listed[0]["deliveries"]}
    assert states == {"slack": "sent", "console": "pending"}
    assert json.loads(json.dumps(listed))[0]["deliveries"][0]["attempts"] in (0, 1)


# ---------------------------------------------------------------- rendering


def test_renderers_show_claim_fields_and_escape():
    payload = make_payload(
        0,
        kind="UPDATE",
        quantity={"min": None, "max": 4_800_000, "unit": "rounds"},
        change="up to 4.8 million, was more than 1 million",
        sentence="Seoul says <b>Pyongyang</b> & Moscow ...",
        corroboration=3,
    )
    text = render_text(payload, uid="u-1")
    assert text.splitlines()[0] == "UPDATE transfer claim: PRK -> RUS artillery ammunition"
    assert "Quantity: up to 4.8 million rounds" in text and "Corroboration: 3 sources" in text
    assert "Alert id: u-1" in text and "Claimant: South Korea's National Intelligence Service" in text

    body = render_slack_blocks(payload, uid="u-1")
    flat = json.dumps(body)
    assert body["blocks"][0]["type"] == "header" and body["text"].startswith("UPDATE transfer claim")
    assert "&lt;b&gt;Pyongyang&lt;/b&gt; &amp; Moscow" in flat and "<b>" not in flat
    assert f"<{payload['url']}|The Moscow Times" in flat and "*Corroboration*\\n3 sources" in flat
    assert "u-1" in flat

    message = render_email(payload, uid="u-1", sender="a@example.org", recipients=["b@example.org"])
    assert message["Subject"] == "UPDATE transfer claim: PRK -> RUS artillery ammunition"
    html = message.get_body(("html",)).get_content()
    assert "&lt;b&gt;Pyongyang" in html and "<b>Pyongyang" not in html


def test_quantities_read_like_news():
    fmt = render.format_quantity
    assert fmt({"min": 1_000_000, "max": None, "unit": "rounds"}) == "more than 1 million rounds"
    assert fmt({"min": 2.5e9, "max": 2.5e9, "unit": "usd"}) == "$2.5 billion"
    assert fmt({"min": None, "max": 6_000_000, "unit": "shells"}) == "up to 6 million shells"
    assert fmt({"min": 12_000, "max": 15_000, "unit": "troops"}) == "12,000 to 15,000 troops"
    assert fmt(None) is None and fmt({"min": None, "max": None, "unit": "items"}) is None


def test_slack_digest_of_long_alerts_stays_within_block_limits_and_drops_nothing():
    items = [(uid_for(i), make_payload(i, sentence="x" * 5000, title="t" * 500)) for i in range(250)]
    messages = render_slack_digest(items)
    assert len(messages) >= 2 and messages[0]["text"].endswith(f"part 1 of {len(messages)}")
    for body in messages:
        assert len(body["blocks"]) <= 50
        assert all(len(block["text"]["text"]) <= 3000 for block in body["blocks"] if block["type"] == "section")
    assert re.findall(r"`([0-9a-f]{32})`", json.dumps(messages)) == [uid for uid, _ in items]
    assert len(render_slack_digest(items[:100])) == 1


# ---------------------------------------------------------------- helpers for the tests above


def _list(session_factory) -> list[dict]:
    with session_factory() as session:
        return list_alerts(session)


def make_tls(tmp_path: Path) -> tuple[ssl.SSLContext, str]:
    """Create a self-signed certificate for 127.0.0.1; return a server context and the CA file."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context, str(cert_file)


def test_dev_receiver_prints_what_a_slack_channel_posts(capsys):
    from pipeline.alerts.receiver import make_handler

    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(200))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        channel = slack(f"http://127.0.0.1:{server.server_address[1]}/services/T000/B000/dev")
        channel.send(alerts.OutgoingAlert(uid=uid_for(3), kind="NEW", payload=make_payload(3)))
        channel.close()
    finally:
        server.shutdown()
        server.server_close()
    printed = capsys.readouterr().out
    assert "== NEW transfer claim: DEU -> UKR missiles" in printed
    assert uid_for(3) in printed and "*Claimant:*" in printed and "*Supplier*: DEU" in printed
