"""The Airflow DAG: it imports cleanly, and a real `airflow dags test` runs it against the mirror."""

from __future__ import annotations

import ast
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pipeline.db import make_engine, make_sessionmaker
from pipeline.mirror import start_mirror
from pipeline.mirror.outlets import start_outlets
from pipeline.models import Alert, Article, Claim, Delivery, SourceCrawl
from tests.airflow_home import AIRFLOW, airflow_env
from tests.servers import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DAG_FILE = PROJECT_ROOT / "dags" / "transfer_watch.py"


def test_dag_file_has_no_heavy_top_level_imports():
    tree = ast.parse(DAG_FILE.read_text())
    top_imports = [
        alias.name if isinstance(node, ast.Import) else node.module
        for node in tree.body
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in getattr(node, "names", [])
    ]
    assert not any(name and name.startswith(("pipeline", "scrapy", "sqlalchemy")) for name in top_imports)


def test_dag_structure(tmp_path):
    code = (
        "import json\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        f"bag = DagBag({str(PROJECT_ROOT / 'dags')!r})\n"
        "assert not bag.import_errors, bag.import_errors\n"
        "dag = bag.dags['transfer_watch']\n"
        "print(sorted(dag.task_ids), dag.max_active_runs, sorted(dag.tags), bool(dag.doc_md),"
        " min(t.retries for t in dag.tasks))\n"
        "print([t.task_id for t in dag.topological_sort()])\n"
        "tasks = {t.task_id: {'pool': t.pool, 'rule': str(t.trigger_rule.value), 'up': sorted(t.upstream_task_ids),"
        " 'mapped': type(t).__name__.endswith('MappedOperator')} for t in dag.tasks}\n"
        "params = {k: dict(v.schema, default=v.value, description=v.description) for k, v in dag.params.items()}\n"
        "print(json.dumps({'tasks': tasks, 'params': params, 'schedule': [dag.timetable.expression, str(dag.timetable.run_immediately)]}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], env=airflow_env(tmp_path), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    summary, order, details = result.stdout.strip().splitlines()[-3:]
    assert summary.startswith("['alert', 'crawl', 'dedupe', 'detect', 'parse', 'prepare', 'report'] 1 ")
    assert "'transfer-watch'" in summary and summary.endswith("True 2")
    assert order == "['prepare', 'crawl', 'parse', 'dedupe', 'detect', 'alert', 'report']"
    details = json.loads(details)
    tasks, params = details["tasks"], details["params"]
    # One crawl per outlet (mapped over prepare's list), in the pool that bounds concurrent crawls.
    assert tasks["crawl"]["mapped"] is True and tasks["crawl"]["up"] == ["prepare"]
    assert tasks["crawl"]["pool"] == "transfer_watch_crawl"
    # The join runs whatever each crawl did; a failed prepare still fails the run's last task.
    assert tasks["parse"]["rule"] == "all_done" and tasks["report"]["up"] == ["alert", "prepare"]
    assert not any(tasks[t]["mapped"] for t in ("parse", "dedupe", "detect", "alert", "report"))
    assert set(params) >= {"outlets", "since", "dry_run", "alert_history"}
    assert all(params[name].get("description") for name in params)
    assert params["outlets"]["default"] == [] and params["since"]["format"] == "date"
    assert params["dry_run"]["default"] is False
    assert details["schedule"][0] == "*/5 * * * *"


MIRRORED = ("moscow_times", "kyiv_independent", "meduza_en", "yonhap_en", "rferl")


def mirrored_sources(tmp_path: Path, down_port: int) -> Path:
    """The shipped source files plus `down`, an outlet whose server refuses connections."""
    folder = tmp_path / "sources"
    folder.mkdir()
    for path in (PROJECT_ROOT / "sources").glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    (folder / "down.yaml").write_text(
        f"key: down\nname: Down Outlet\nbase_url: http://127.0.0.1:{down_port}\nfeeds: [/rss]\n"
        "allow_private_hosts: true\n", encoding="utf-8")
    return folder


def test_dag_waits_for_the_user_and_never_runs_at_unpause(tmp_path):
    code = (
        "from datetime import datetime, timezone\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        "from airflow.serialization.decoders import decode_timetable\n"
        "from airflow.serialization.encoders import encode_timetable\n"
        "from airflow.timetables.base import TimeRestriction\n"
        f"bag = DagBag({str(PROJECT_ROOT / 'dags')!r})\n"
        "dag = bag.dags['transfer_watch']\n"
        "now = datetime.now(timezone.utc)\n"
        "timetable = decode_timetable(encode_timetable(dag.timetable))  # what the scheduler runs\n"
        "info = timetable.next_dagrun_info(last_automated_data_interval=None,\n"
        "    restriction=TimeRestriction(earliest=dag.start_date, latest=None, catchup=dag.catchup))\n"
        "print(dag.is_paused_upon_creation, dag.catchup, dag.max_active_runs, info.run_after > now,\n"
        "      (info.run_after - now).total_seconds() <= 3600, all(t.doc_md for t in dag.tasks))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], env=airflow_env(tmp_path), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    # Paused at creation, no catch-up, one run at a time; the first scheduled run is the next tick
    # (not the tick just past, which would start the moment someone un-pauses); every task has docs.
    assert result.stdout.strip().splitlines()[-1] == "True False 1 True True True"


def test_without_a_shared_jwt_secret_the_ui_says_why_tasks_cannot_start(tmp_path):
    config = tmp_path / "airflow.cfg"
    text = (PROJECT_ROOT / "airflow.cfg").read_text()
    config.write_text(text.split("[api_auth]")[0])  # the config as it was before the fix
    env = {**airflow_env(tmp_path), "AIRFLOW_CONFIG": str(config)}
    code = (
        "from airflow.dag_processing.dagbag import DagBag\n"
        f"bag = DagBag({str(PROJECT_ROOT / 'dags')!r})\n"
        "print('transfer_watch' in bag.dags, list(bag.import_errors.values()))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("False") and "jwt_secret" in last and "make airflow" in last


@pytest.mark.airflow
def test_airflow_dags_test_maps_the_crawl_over_the_outlets_and_goes_on_without_a_dead_one(tmp_path, receiver):
    env = airflow_env(tmp_path)
    database = tmp_path / "tw.db"
    migrate = subprocess.run([str(AIRFLOW), "db", "migrate"], env=env, capture_output=True, text=True, timeout=300)
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    with start_mirror() as mirror, start_outlets() as outlets:
        env.update(
            TW_DATABASE_URL=f"sqlite:///{database}",
            TW_STATE_DIR=str(tmp_path / "state"),
            TW_SOURCES_DIR=str(mirrored_sources(tmp_path, free_port())),
            # Only mirrored outlets (and the dead one): tests never reach the live sites.
            TW_SOURCES=",".join(MIRRORED + ("down",)),
            TW_MOSCOW_TIMES_BASE_URL=mirror.base_url,
            **{f"TW_SOURCE_{key.upper()}_BASE_URL": outlets.source_url(key) for key in MIRRORED[1:]},
            TW_ALLOW_PRIVATE_HOSTS="1",
            TW_SCRAPY_DOWNLOAD_DELAY="0",
            TW_SCRAPY_AUTOTHROTTLE_ENABLED="False",
            TW_SLACK_WEBHOOK_URL=receiver.url,
            TW_ALERT_RATE_PER_SECOND="100",
        )
        result = subprocess.run(
            [str(AIRFLOW), "dags", "test", "transfer_watch"],
            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=1800,
        )
        article_paths = [p for p in mirror.paths() if "-a99" in p]
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-5000:]
    assert article_paths, "the DAG's crawl fetched no article from the mirror"

    with sqlite3.connect(Path(env["AIRFLOW_HOME"]) / "airflow.db") as meta:
        (run_state,) = meta.execute("select state from dag_run").fetchone()
        crawls = {row[0]: row[1:] for row in meta.execute(
            "select rendered_map_index, state, try_number, pool from task_instance where task_id = 'crawl'")}
        others = dict(meta.execute("select task_id, state from task_instance where task_id != 'crawl'"))
    # One task instance per outlet, named after it; the dead one failed at once (no retry) and the run
    # succeeded with the others.
    assert set(crawls) == set(MIRRORED) | {"down"}
    assert crawls["down"][:2] == ("failed", 1)
    assert all(crawls[key][0] == "success" for key in MIRRORED)
    assert {pool for *_, pool in crawls.values()} == {"transfer_watch_crawl"}
    assert set(others.values()) == {"success"} and run_state == "success"
    assert "OUTLET FAILED: down: could not be reached (refused: 127.0.0.1)" in log

    engine = make_engine(f"sqlite:///{database}")
    Session = make_sessionmaker(engine)
    with Session() as session:
        articles = session.scalar(select(func.count()).select_from(Article))
        shells = session.scalars(
            select(Claim).where(Claim.supplier == "PRK", Claim.recipient == "RUS",
                                Claim.category == "artillery_ammunition")
        ).all()
        sent = session.scalars(select(Alert.uid).join(Delivery).where(Delivery.state == "sent")).all()
        outcomes = {row.source.key: (row.state, row.reason) for row in session.scalars(select(SourceCrawl))}
    engine.dispose()
    assert articles >= len(mirror.expected_articles()) + 3 * (len(MIRRORED) - 1)
    assert any("million" in claim.sentence.lower() for claim in shells)  # the seed article's figure
    assert outcomes["down"][0] == "failed" and "refused" in outcomes["down"][1]
    assert all(outcomes[key] == ("ok", None) for key in MIRRORED)
    # Four outlets carry the same three stories: each transfer is alerted once, whoever crawled it.
    assert sent and sorted(receiver.uids()) == sorted(sent) and len(set(sent)) == len(sent)
