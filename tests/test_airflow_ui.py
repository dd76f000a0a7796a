"""`make airflow` as a newcomer runs it: real Airflow processes, a run triggered through the REST API
(as the UI's trigger button does) crawls the local mirror and succeeds; its claims show on the plugin."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from pipeline.db import make_engine, make_sessionmaker
from pipeline.mirror import start_mirror
from pipeline.models import Claim
from tests.airflow_home import PROJECT_ROOT, airflow_env
from tests.servers import free_port


def wait_for(check, seconds: float, what: str, process: subprocess.Popen, log_path: Path):
    """Poll `check` until it returns something truthy; fail with the server's log on timeout or exit."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"`make airflow` exited ({process.returncode}) while waiting for {what}:\n"
                        f"{log_path.read_text()[-4000:]}")
        try:
            result = check()
        except requests.RequestException:
            result = None
        if result:
            return result
        time.sleep(3)
    pytest.fail(f"timed out after {seconds:.0f}s waiting for {what}:\n{log_path.read_text()[-4000:]}")


def stop(process: subprocess.Popen) -> None:
    """End the process group `make airflow` started (standalone and every component it spawned)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)


@pytest.mark.airflow
def test_make_airflow_runs_a_run_triggered_through_the_api_against_the_mirror(tmp_path):
    port = free_port()
    env = airflow_env(tmp_path)
    home = Path(env["AIRFLOW_HOME"])
    database = tmp_path / "tw.db"
    log_path = tmp_path / "make-airflow.log"
    with start_mirror() as mirror:
        env.update(
            AIRFLOW__API__PORT=str(port),
            AIRFLOW__API__BASE_URL=f"http://127.0.0.1:{port}",
            AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(free_port()),
            AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=str(free_port()),
            TW_DATABASE_URL=f"sqlite:///{database}",
            TW_MOSCOW_TIMES_BASE_URL=mirror.base_url,
            TW_SOURCES="moscow_times",  # only the mirrored outlet: tests never reach the live sites
            TW_ALLOW_PRIVATE_HOSTS="1",
        )
        with log_path.open("w") as log:
            # Exactly the README's command; only AIRFLOW_HOME moves to the test's folder.
            process = subprocess.Popen(["make", "-s", "airflow", f"AIRFLOW_HOME={home}"], cwd=PROJECT_ROOT,
                                       env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: requests.get(f"{base}/api/v2/monitor/health", timeout=10).ok, 900,
                     "the API server", process, log_path)
            page = requests.get(f"{base}/", timeout=10)
            assert page.status_code == 200 and "<html" in page.text.lower()

            secret = home / "jwt_secret"
            assert secret.exists() and len(secret.read_text().strip()) >= 32
            assert oct(secret.stat().st_mode & 0o777) == "0o600"

            password_file = home / "simple_auth_manager_passwords.json.generated"
            password = wait_for(lambda: password_file.exists() and json.loads(password_file.read_text())["admin"],
                                120, "the generated admin password", process, log_path)
            token = requests.post(f"{base}/auth/token", json={"username": "admin", "password": password}, timeout=10)
            assert token.ok, token.text
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            bad = requests.post(f"{base}/auth/token", json={"username": "admin", "password": "wrong"}, timeout=10)
            assert not bad.ok

            def listed():
                answer = requests.get(f"{base}/api/v2/dags", headers=headers, timeout=10)
                dags = {d["dag_id"]: d for d in answer.json().get("dags", [])} if answer.ok else {}
                return dags.get("transfer_watch")

            dag = wait_for(listed, 300, "the transfer_watch DAG to be parsed", process, log_path)
            assert {tag["name"] for tag in dag["tags"]} >= {"transfer-watch"}
            assert dag["max_active_runs"] == 1
            assert dag["is_paused"] is True, "the DAG must wait for the user, paused"
            tasks = requests.get(f"{base}/api/v2/dags/transfer_watch/tasks", headers=headers, timeout=10).json()
            assert {t["task_id"] for t in tasks["tasks"]} >= {"prepare", "crawl", "parse", "dedupe", "detect", "alert", "report"}
            assert all(t.get("doc_md") for t in tasks["tasks"]), "every task explains itself"
            example = requests.get(f"{base}/api/v2/dags/example_bash_operator", headers=headers, timeout=10)
            assert example.status_code == 404, "example DAGs must be off"

            # The UI's trigger form with "Unpause on trigger" ticked: un-pause, then trigger.
            triggered_at = datetime.now(timezone.utc)
            unpaused = requests.patch(f"{base}/api/v2/dags/transfer_watch", json={"is_paused": False},
                                      headers=headers, timeout=30)
            assert unpaused.ok, unpaused.text
            run = requests.post(f"{base}/api/v2/dags/transfer_watch/dagRuns", json={"logical_date": None},
                                headers=headers, timeout=30)
            assert run.ok, run.text
            run_id = run.json()["dag_run_id"]

            def finished():
                answer = requests.get(f"{base}/api/v2/dags/transfer_watch/dagRuns/{run_id}", headers=headers,
                                      timeout=30)
                state = answer.json().get("state") if answer.ok else None
                return state if state in {"success", "failed"} else None

            state = wait_for(finished, 1500, f"run {run_id} to finish", process, log_path)
            if state != "success":
                instances = requests.get(f"{base}/api/v2/dags/transfer_watch/dagRuns/{run_id}/taskInstances",
                                         headers=headers, timeout=30).json()
                pytest.fail(f"run {run_id} {state}: "
                            f"{[(t['task_id'], t['state']) for t in instances.get('task_instances', [])]}\n"
                            f"{log_path.read_text()[-6000:]}")

            # No surprise scheduled run for the hour just past: the user's run was the only one to start.
            runs = requests.get(f"{base}/api/v2/dags/transfer_watch/dagRuns", headers=headers, timeout=30).json()
            early = [r["dag_run_id"] for r in runs["dag_runs"]
                     if r["run_type"] == "scheduled" and datetime.fromisoformat(r["run_after"]) < triggered_at]
            assert early == [], f"un-pausing started scheduled runs: {early}"
            assert [r["dag_run_id"] for r in runs["dag_runs"] if r["run_type"] == "manual"] == [run_id]

            # The run's claims, on the plugin page its "Claims found" tab opens.
            views = requests.get(f"{base}/api/v2/plugins", headers=headers, timeout=30).json()
            run_views = [v for p in views["plugins"] for v in p["external_views"] if v["destination"] == "dag_run"]
            assert run_views and "{RUN_ID}" in run_views[0]["href"]
            link = base + run_views[0]["href"].replace("{DAG_ID}", "transfer_watch").replace("{RUN_ID}", run_id)
            claims_page = requests.get(link, headers=headers, timeout=60)
            assert claims_page.status_code == 200, claims_page.text[:500]
            assert "PRK" in claims_page.text and "RUS" in claims_page.text
        finally:
            stop(process)

    engine = make_engine(f"sqlite:///{database}")
    with make_sessionmaker(engine)() as session:
        shells = session.scalar(select(func.count()).select_from(Claim).where(
            Claim.supplier == "PRK", Claim.recipient == "RUS", Claim.category == "artillery_ammunition"))
    engine.dispose()
    assert shells >= 1
