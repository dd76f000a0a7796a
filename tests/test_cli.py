"""The stable command-line contracts, run as a user runs them: `python -m pipeline ...` subprocesses."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from pipeline.mirror.articles import article_url, load_site
from pipeline.mirror.templates import render_article

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BASE = "https://www.themoscowtimes.com"


def run_cli(args: list[str], stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TW_")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        input=stdin, cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=900,
    )


def seed_article() -> dict:
    return next(a for a in load_site()["articles"] if "Million Shells" in a["title"])


def test_extract_jsonl_contract_keeps_going_after_a_bad_line():
    article = seed_article()
    good = {"id": "mt-1", "url": article_url(article, BASE), "html": render_article(article, BASE)}
    lines = json.dumps(good) + "\n{not json\n" + json.dumps({"id": "empty", "url": "https://x.org/a", "html": ""}) + "\n"
    result = run_cli(["extract", "--jsonl"], lines)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    first = records[0]
    assert set(first) >= {"id", "title", "body", "published", "authors", "section", "tags"}
    assert first["id"] == "mt-1" and first["title"] == article["title"]
    assert first["published"].startswith(article["published"][:10])
    assert "more than one million artillery shells" in first["body"]
    assert "Russian Ships Seen Unloading" not in first["body"]
    assert any(r.get("id") == "empty" for r in records)
    assert "line 2" in result.stderr


def test_claims_detect_jsonl_contract_returns_offsets_into_the_text():
    text = (
        "SEOUL, Nov 1 (Reuters) - North Korea has sent Russia more than one million artillery shells, "
        "South Korea's National Intelligence Service told lawmakers on Wednesday.\n"
        "Russian forces fired artillery at Kharkiv overnight."
    )
    result = run_cli(["claims", "detect", "--jsonl"], json.dumps({"id": "d1", "text": text}) + "\n")
    assert result.returncode == 0, result.stderr
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["id"] == "d1" and len(record["claims"]) == 1
    claim = record["claims"][0]
    for field in ("supplier", "recipient", "category", "item", "quantity", "status", "stance", "claimant",
                  "sentence", "start", "end", "cues"):
        assert field in claim
    assert (claim["supplier"], claim["recipient"], claim["category"]) == ("PRK", "RUS", "artillery_ammunition")
    assert text[claim["start"]:claim["end"]] == claim["sentence"]
    assert "fired artillery" not in claim["sentence"]


def test_lists_and_export_on_an_empty_database(tmp_path):
    env = {"TW_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    for args in (["claims", "list", "--json"], ["alerts", "list", "--json"], ["export", "--format", "json"]):
        result = run_cli(args, env=env)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == []
    result = run_cli(["export", "--format", "csv"], env=env)
    assert result.returncode == 0, result.stderr
    assert next(csv.reader(io.StringIO(result.stdout)))[0] == "claim_id"
    bad = run_cli(["export", "--format", "xml"], env=env)
    assert bad.returncode != 0 and "csv or json" in bad.stderr
