"""`make airflow`'s server: a real `airflow standalone` serves the UI and lists the transfer_watch DAG."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.airflow_home import AIRFLOW, airflow_env



def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, seconds: float, what: str, process: subprocess.Popen):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"airflow standalone exited ({process.returncode}) while waiting for {what}")
        try:
            result = check()
        except requests.RequestException:
            result = None
        if result:
            return result
        time.sleep(2)
    pytest.fail(f"timed out after {seconds:.0f}s waiting for {what}")


@pytest.mark.airflow
def test_standalone_serves_the_ui_and_lists_the_dag(tmp_path):
    port = free_port()
    env = airflow_env(tmp_path)
    home = Path(env["AIRFLOW_HOME"])
    env.update(
        AIRFLOW__API__PORT=str(port),
        AIRFLOW__API__BASE_URL=f"http://127.0.0.1:{port}",
        AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(free_port()),
        AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=str(free_port()),
    )
    log = (tmp_path / "standalone.log").open("w")
    process = subprocess.Popen([str(AIRFLOW), "standalone"], env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: requests.get(f"{base}/api/v2/monitor/health", timeout=10).ok, 900, "the API server",
                 process)
        page = requests.get(f"{base}/", timeout=10)
        assert page.status_code == 200 and "<html" in page.text.lower()

        password_file = home / "simple_auth_manager_passwords.json.generated"
        password = wait_for(lambda: password_file.exists() and json.loads(password_file.read_text())["admin"],
                            60, "the generated admin password", process)
        token = requests.post(f"{base}/auth/token", json={"username": "admin", "password": password}, timeout=10)
        assert token.ok, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        bad = requests.post(f"{base}/auth/token", json={"username": "admin", "password": "wrong"}, timeout=10)
        assert not bad.ok

        def listed():
            answer = requests.get(f"{base}/api/v2/dags", headers=headers, timeout=10)
            dags = {d["dag_id"]: d for d in answer.json().get("dags", [])} if answer.ok else {}
            return dags.get("transfer_watch")

        dag = wait_for(listed, 180, "the transfer_watch DAG to be parsed", process)
        assert {tag["name"] for tag in dag["tags"]} >= {"transfer-watch"}
        assert dag["max_active_runs"] == 1
        tasks = requests.get(f"{base}/api/v2/dags/transfer_watch/tasks", headers=headers, timeout=10).json()
        assert [t["task_id"] for t in tasks["tasks"]] == ["alert", "crawl", "dedupe", "detect", "parse", "prepare"]
        example = requests.get(f"{base}/api/v2/dags/example_bash_operator", headers=headers, timeout=10)
        assert example.status_code == 404, "example DAGs must be off"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()
