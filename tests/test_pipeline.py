"""End to end: `python -m pipeline demo` against the local mirror, real SMTP and webhook receivers."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from pipeline.db import make_engine, make_sessionmaker
from pipeline.mirror.articles import load_site
from pipeline.models import Article, CrawlRun, RawPage
from tests.servers import SMTP_PASSWORD, SMTP_USER

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# Text of the blocks that are not article text; none of it may reach a stored body.
NON_ARTICLE_TEXT = (
    "Russian Ships Seen Unloading",
    "Sign up for our free weekly newsletter",
    "Advertisement",
    "Independent journalism needs your support",
    "A message from The Moscow Times",
)


def run_cli(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=1800,
    )


@pytest.fixture
def demo_env(tmp_path, receiver, smtp_server):
    _, smtp_port = smtp_server
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TW_", "AIRFLOW"))}
    env.update(
        TW_STATE_DIR=str(tmp_path / "state"),
        TW_SLACK_WEBHOOK_URL=receiver.url,
        TW_SMTP_HOST="127.0.0.1",
        TW_SMTP_PORT=str(smtp_port),
        TW_SMTP_USER=SMTP_USER,
        TW_SMTP_PASSWORD=SMTP_PASSWORD,
        TW_SMTP_STARTTLS="false",
        TW_ALERT_EMAIL_FROM="alerts@transfer-watch.test",
        TW_ALERT_EMAIL_TO="korea-desk@example.org,ukraine-desk@example.org",
        TW_ALERT_RATE_PER_SECOND="100",
        COLUMNS="200",
    )
    return env


def test_demo_twice_alerts_each_new_claim_once_and_refetches_nothing(demo_env, receiver, smtp_server, tmp_path):
    sink, _ = smtp_server
    first = run_cli(["demo"], demo_env)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "claims:" in first.stdout and "pages fetched" in first.stdout

    database = tmp_path / "state" / "demo" / "transfer_watch.db"
    engine = make_engine(f"sqlite:///{database}")
    Session = make_sessionmaker(engine)
    site = load_site()
    expected_ids = {f"moscow_times:a{a['id']}" for a in site["articles"]}
    with Session() as session:
        stored = set(session.scalars(select(Article.identity)))
        bodies = {a.identity: a.body for a in session.scalars(select(Article))}
    assert expected_ids <= stored, f"mirror articles not stored: {sorted(expected_ids - stored)}"
    for identity, body in bodies.items():
        for text in NON_ARTICLE_TEXT:
            assert text not in body, f"{identity} body holds non-article text {text!r}"

    # The README's next commands, with no variable or flag, read the demo's store and say so.
    listed = run_cli(["claims", "list", "--json"], demo_env)
    claims = json.loads(listed.stdout)
    assert "demo store" in listed.stderr and str(database) in listed.stderr.replace("\n", "")
    pairs = {(c["supplier"], c["recipient"], c["category"]) for c in claims}
    assert ("PRK", "RUS", "artillery_ammunition") in pairs
    assert ("RUS", "PRK", "technology") in pairs
    shells_id = next(c["id"] for c in claims if (c["supplier"], c["recipient"], c["category"]) ==
                     ("PRK", "RUS", "artillery_ammunition"))
    shown = run_cli(["claims", "show", str(shells_id)], demo_env)
    assert shown.returncode == 0 and not shown.stdout.lstrip().startswith("{")
    assert f"Claim {shells_id}: PRK -> RUS artillery ammunition" in shown.stdout and "Timeline" in shown.stdout
    assert "more than one million artillery shells" in shown.stdout
    # Piped to a file, a table keeps each row on one line rather than wrapping at 80 columns.
    table = run_cli(["claims", "list"], {k: v for k, v in demo_env.items() if k != "COLUMNS"}).stdout
    assert any(len(line) > 80 and "artillery_ammunition" in line and "PRK" in line for line in table.splitlines())
    # A store the user chose is read alone, and the demo never writes into it.
    chosen = tmp_path / "chosen.db"
    assert json.loads(run_cli(["claims", "list", "--json"], {**demo_env, **_db_env(chosen)}).stdout) == []

    exported = run_cli(["export", "--format", "csv"], {**demo_env, **_db_env(database)})
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    shells = [r for r in rows if (r["supplier"], r["recipient"], r["category"]) == ("PRK", "RUS", "artillery_ammunition")]
    seed_rows = [r for r in shells if r["url"].endswith("-a990160")]
    assert seed_rows and all(r["outlet"] == "The Moscow Times" for r in shells)
    assert any("million" in r["sentence"].lower() for r in seed_rows)

    alerts = json.loads(run_cli(["alerts", "list", "--json"], demo_env).stdout)
    claim_alerts = [a for a in alerts if a["kind"] in ("NEW", "UPDATE")]
    assert any("PRK -> RUS artillery ammunition" in a["summary"] for a in claim_alerts)
    assert any("RUS -> PRK technology" in a["summary"] for a in claim_alerts)
    # The seed transfer is alerted with its best-sourced body sentence, not the headline. An earlier article's
    # hedged mention of shells raised the NEW alert; the seed's figure ("more than one million") is an UPDATE.
    (shells,) = [a for a in claim_alerts if "PRK -> RUS artillery ammunition" in a["summary"] and a["url"].endswith("-a990160")]
    assert shells["kind"] == "UPDATE"
    assert "National Intelligence Service" in shells["claimant"] and "a South Korean lawmaker said" in shells["sentence"]
    assert shells["outlet"] == "The Moscow Times" and shells["url"].endswith("-a990160")
    uids = sorted(a["uid"] for a in claim_alerts)
    # Each alert once on Slack, and once per email recipient.
    assert sorted(receiver.uids()) == uids
    assert sorted(sink.deliveries()) == sorted(
        (rcpt, uid) for uid in uids for rcpt in ("korea-desk@example.org", "ukraine-desk@example.org")
    )

    slack_before, mail_before = len(receiver.bodies), len(sink.envelopes)
    second = run_cli(["demo"], {**demo_env, **_db_env(chosen)})
    assert second.returncode == 0, second.stderr[-3000:]
    assert "TW_DATABASE_URL is set" in second.stdout
    assert json.loads(run_cli(["claims", "list", "--json"], {**demo_env, **_db_env(chosen)}).stdout) == []
    assert len(receiver.bodies) == slack_before and len(sink.envelopes) == mail_before
    with Session() as session:
        runs = session.scalars(select(CrawlRun).order_by(CrawlRun.id)).all()
        refetched = session.scalars(select(RawPage).where(RawPage.run_id == runs[-1].id)).all()
    assert len(runs) == 2
    assert refetched == [], f"second demo refetched known articles: {[p.url for p in refetched]}"
    assert runs[-1].stats["detect"].get("alerts_new", 0) == 0
    engine.dispose()

    # The secrets of the alert channels never reach the output or the database.
    for text in (first.stdout, first.stderr, second.stdout, second.stderr, database.read_bytes().decode("latin-1")):
        assert SMTP_PASSWORD not in text
        assert receiver.url not in text


def _db_env(database: Path) -> dict:
    return {"TW_DATABASE_URL": f"sqlite:///{database}"}
