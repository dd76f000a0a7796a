"""The Airflow DAG: it imports cleanly, and a real `airflow dags test` runs it against the mirror."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pipeline.db import make_engine, make_sessionmaker
from pipeline.mirror import start_mirror
from pipeline.models import Alert, Article, Claim, Delivery
from tests.airflow_home import AIRFLOW, airflow_env

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
        "from airflow.dag_processing.dagbag import DagBag\n"
        f"bag = DagBag({str(PROJECT_ROOT / 'dags')!r})\n"
        "assert not bag.import_errors, bag.import_errors\n"
        "dag = bag.dags['transfer_watch']\n"
        "print(sorted(dag.task_ids), dag.max_active_runs, sorted(dag.tags), bool(dag.doc_md),"
        " min(t.retries for t in dag.tasks))\n"
        "print([t.task_id for t in dag.topological_sort()])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], env=airflow_env(tmp_path), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    summary, order = result.stdout.strip().splitlines()[-2:]
    assert summary.startswith("['alert', 'crawl', 'dedupe', 'detect', 'parse', 'prepare'] 1 ")
    assert "'transfer-watch'" in summary and summary.endswith("True 2")
    assert order == "['prepare', 'crawl', 'parse', 'dedupe', 'detect', 'alert']"


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
    # Paused at creation, no catch-up, one run at a time; the first scheduled run is the next full hour
    # (not the hour just past, which would start the moment someone un-pauses); every task has docs.
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
def test_airflow_dags_test_runs_the_pipeline_against_the_mirror(tmp_path, receiver):
    env = airflow_env(tmp_path)
    database = tmp_path / "tw.db"
    migrate = subprocess.run([str(AIRFLOW), "db", "migrate"], env=env, capture_output=True, text=True, timeout=300)
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    with start_mirror() as mirror:
        env.update(
            TW_DATABASE_URL=f"sqlite:///{database}",
            TW_MOSCOW_TIMES_BASE_URL=mirror.base_url,
            # Only the mirrored outlet: tests never reach the live sites.
            TW_SOURCES="moscow_times",
            TW_ALLOW_PRIVATE_HOSTS="1",
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
    assert "state=success" in log or "success" in log.lower()
    assert article_paths, "the DAG's crawl fetched no article from the mirror"

    engine = make_engine(f"sqlite:///{database}")
    Session = make_sessionmaker(engine)
    with Session() as session:
        articles = session.scalar(select(func.count()).select_from(Article))
        shells = session.scalars(
            select(Claim).where(Claim.supplier == "PRK", Claim.recipient == "RUS",
                                Claim.category == "artillery_ammunition")
        ).all()
        sent = session.scalars(select(Alert.uid).join(Delivery).where(Delivery.state == "sent")).all()
    engine.dispose()
    assert articles >= 12
    assert any("million" in claim.sentence.lower() for claim in shells)  # the seed article's figure
    assert sent and sorted(receiver.uids()) == sorted(sent)
