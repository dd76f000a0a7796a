"""The CeleryExecutor deployment (deploy/celery_stack.py, `make celery`) on this machine: PostgreSQL for
Airflow's metadata and the store, Redis as the broker, api-server, scheduler, dag-processor and a
Celery worker. A run triggered through the REST API crawls each mirrored outlet as its own task
instance on the worker, and queues every alert once."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from pipeline.db import make_engine, make_sessionmaker
from pipeline.mirror import start_mirror
from pipeline.mirror.outlets import start_outlets
from pipeline.models import Alert, Article, Delivery, SourceCrawl
from tests.servers import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[1]
STACK = PROJECT_ROOT / "deploy" / "celery_stack.py"
OUTLETS = ("moscow_times", "kyiv_independent", "meduza_en", "yonhap_en", "rferl")


def servers() -> tuple[str, str]:
    """The PostgreSQL and Redis servers CI names, or a skip (a failure in CI)."""
    postgres, redis_url = os.environ.get("TW_TEST_POSTGRES_URL"), os.environ.get("TW_TEST_REDIS_URL")
    if not (postgres and redis_url):
        reason = "TW_TEST_POSTGRES_URL and TW_TEST_REDIS_URL must name servers for the Celery stack (.ci/run sets them)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return postgres, redis_url


def stack(command: str, env: dict, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(STACK), command], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def wait(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(2)
    pytest.fail(f"timed out after {seconds:.0f}s waiting for {what}")


@pytest.mark.airflow
@pytest.mark.timeout(1800)
def test_celery_stack_runs_each_outlet_crawl_as_its_own_task_on_the_worker(tmp_path, receiver):
    postgres, redis_url = servers()
    import redis

    name = f"tw_celery_{uuid.uuid4().hex[:10]}"
    # A Redis database and queue of this test's own, so parallel suites never take each other's tasks.
    broker = make_url_redis(redis_url, random.randint(1, 15))
    client = redis.Redis.from_url(broker)
    keys_before = set(client.keys("*"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TW_", "AIRFLOW"))}
    with start_mirror() as mirror, start_outlets() as outlets:
        env.update(
            TW_STACK_DIR=str(tmp_path / "stack"),
            TW_STACK_POSTGRES_URL=postgres,
            TW_STACK_AIRFLOW_DB=f"{name}_airflow",
            TW_STACK_STORE_DB=f"{name}_store",
            TW_STACK_REDIS_URL=broker,
            TW_STACK_API_PORT=str(port),
            TW_STACK_LOG_PORT=str(free_port()),
            TW_STACK_QUEUE=name,
            # Runs only when triggered: no scheduled run beside the one this test starts.
            TW_DAG_SCHEDULE_SECONDS="0",
            TW_SOURCES=",".join(OUTLETS),
            TW_MOSCOW_TIMES_BASE_URL=mirror.base_url,
            **{f"TW_SOURCE_{key.upper()}_BASE_URL": outlets.source_url(key) for key in OUTLETS[1:]},
            TW_ALLOW_PRIVATE_HOSTS="1",
            TW_SCRAPY_DOWNLOAD_DELAY="0",
            TW_SCRAPY_AUTOTHROTTLE_ENABLED="False",
            TW_SLACK_WEBHOOK_URL=receiver.url,
            TW_ALERT_RATE_PER_SECOND="100",
        )
        started = time.monotonic()
        try:
            up = stack("up", env)
            assert up.returncode == 0, (up.stdout + up.stderr)[-4000:]
            base = f"http://127.0.0.1:{port}"
            headers = login(base, tmp_path / "stack" / "airflow")
            wait(lambda: requests.get(f"{base}/api/v2/dags/transfer_watch", headers=headers, timeout=10).ok,
                 300, "the DAG to be parsed")
            unpaused = requests.patch(f"{base}/api/v2/dags/transfer_watch", headers=headers,
                                      json={"is_paused": False}, timeout=10)
            assert unpaused.ok, unpaused.text
            triggered = requests.post(f"{base}/api/v2/dags/transfer_watch/dagRuns", headers=headers,
                                      json={"logical_date": None, "conf": {}}, timeout=30)
            assert triggered.ok, triggered.text
            run_id = triggered.json()["dag_run_id"]

            def finished():
                state = requests.get(f"{base}/api/v2/dags/transfer_watch/dagRuns/{run_id}", headers=headers,
                                     timeout=10).json()["state"]
                return state if state in ("success", "failed") else None

            state = wait(finished, 900, "the run to finish")
            tis = requests.get(f"{base}/api/v2/dags/transfer_watch/dagRuns/{run_id}/taskInstances",
                               headers=headers, params={"limit": 100}, timeout=30).json()["task_instances"]
            worker_log = (tmp_path / "stack" / "logs" / "worker.log").read_text(errors="replace")
            print(f"Celery stack: up and one run in {time.monotonic() - started:.0f} s")
        finally:
            down = stack("down", env, timeout=300)
            pids = [int(p.read_text()) for p in (tmp_path / "stack" / "pids").glob("*.pid")]
            store_url = make_url(postgres).set(database=f"{name}_store").render_as_string(hide_password=False)
            counts = read_store(store_url)
            drop_databases(postgres, [f"{name}_airflow", f"{name}_store"])
            for key in set(client.keys("*")) - keys_before:
                client.delete(key)
            client.close()

    assert "error" not in counts, counts
    assert down.returncode == 0 and "stopped: api-server, dag-processor, scheduler, worker" in down.stdout
    assert pids == [], "down left pid files of running parts"
    assert state == "success", json.dumps(tis, indent=1)[-4000:]
    crawls = [ti for ti in tis if ti["task_id"] == "crawl"]
    # Each outlet's crawl is its own task instance, named after the outlet, in the crawl pool...
    assert sorted(ti["rendered_map_index"] for ti in crawls) == sorted(OUTLETS)
    assert sorted(ti["map_index"] for ti in crawls) == list(range(len(OUTLETS)))
    assert all(ti["state"] == "success" and ti["pool"] == "transfer_watch_crawl" for ti in crawls)
    # ...sent to this test's queue and executed by the Celery worker (its log names each one).
    assert {ti["queue"] for ti in tis} == {name}
    for ti in crawls:
        executed = re.search(rf"Executing workload in Celery:.*TaskInstanceDTO\(id=UUID\('{ti['id']}'\), "
                             rf"task_id='crawl'.*map_index={ti['map_index']},", worker_log)
        assert executed, f"the worker did not run crawl[{ti['rendered_map_index']}]"
    assert {ti["task_id"] for ti in tis if ti["state"] == "success"} == {
        "prepare", "crawl", "parse", "dedupe", "detect", "alert", "report"}
    # Every article stored once, every outlet recorded ok, every alert queued (and sent) once.
    assert counts["articles"] == len(mirror.expected_articles()) + 3 * (len(OUTLETS) - 1)
    assert counts["outlets"] == {key: "ok" for key in OUTLETS}
    assert counts["alerts"] > 0 and len(set(counts["uids"])) == len(counts["uids"]) == counts["alerts"]
    assert sorted(receiver.uids()) == sorted(counts["sent"])


def make_url_redis(url: str, database: int) -> str:
    """The Redis URL with another database number."""
    return re.sub(r"(/\d+)?/?$", f"/{database}", url, count=1)


def login(base: str, home: Path) -> dict:
    """A bearer token for the generated admin password."""
    password_file = home / "simple_auth_manager_passwords.json.generated"
    password = wait(lambda: password_file.exists() and json.loads(password_file.read_text()).get("admin"), 120,
                    "the admin password")
    token = requests.post(f"{base}/auth/token", json={"username": "admin", "password": password}, timeout=30)
    assert token.ok, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def read_store(url: str) -> dict:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            return {
                "articles": session.scalar(select(func.count()).select_from(Article)),
                "outlets": {row.source.key: row.state for row in session.scalars(select(SourceCrawl))},
                "alerts": session.scalar(select(func.count()).select_from(Alert)),
                "uids": session.scalars(select(Alert.uid)).all(),
                "sent": session.scalars(select(Alert.uid).join(Delivery).where(Delivery.state == "sent")).all(),
            }
    except Exception as error:  # the store may not exist when the stack failed early
        return {"error": str(error)}
    finally:
        engine.dispose()


def drop_databases(server_url: str, names: list[str]) -> None:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
