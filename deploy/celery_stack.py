"""Bring Transfer Watch up on Airflow's CeleryExecutor: PostgreSQL (Airflow's metadata and the store),
Redis (the broker), and the Airflow parts as background processes on this machine.

    .venv/bin/python deploy/celery_stack.py up      # create databases, migrate, start, wait until healthy
    .venv/bin/python deploy/celery_stack.py status  # which parts run
    .venv/bin/python deploy/celery_stack.py env     # the settings every part gets (copy them to a worker machine)
    .venv/bin/python deploy/celery_stack.py down    # stop what `up` started

Parts: api-server (UI, REST API, and the execution API the workers report to), scheduler,
dag-processor, and one Celery worker; more workers on other machines run `airflow celery worker`
with the same settings (`env`). Everything lives under TW_STACK_DIR (default state/celery):
the Airflow home, one log per part, pid files, and the generated secrets the parts must share.

Settings (environment, with defaults):
    TW_STACK_DIR            state/celery
    TW_STACK_POSTGRES_URL   postgresql+psycopg2://postgres@127.0.0.1:5432/postgres (any database on the server)
    TW_STACK_AIRFLOW_DB     transfer_watch_airflow (created if missing)
    TW_STACK_STORE_DB       transfer_watch (created if missing; the pipeline's TW_DATABASE_URL)
    TW_STACK_REDIS_URL      redis://127.0.0.1:6379/0
    TW_STACK_API_PORT       8080
    TW_STACK_LOG_PORT       8793 (the worker's log server)
    TW_STACK_QUEUE          default (the Celery queue the worker serves)
    TW_STACK_WORKERS        4 (task slots of the worker)
    TW_STACK_CRAWL_SLOTS    4 (slots of the transfer_watch_crawl pool: crawls at once, all workers together)
Every TW_* variable (alert channels, sources, mirrors) is passed on to the parts.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
AIRFLOW = Path(sys.executable).with_name("airflow")
PARTS = {
    "api-server": ["api-server"],
    "scheduler": ["scheduler"],
    "dag-processor": ["dag-processor"],
    "worker": ["celery", "worker"],
}
CRAWL_POOL = "transfer_watch_crawl"


def read_config(env: dict[str, str]) -> dict[str, str]:
    """Return the stack's settings: TW_STACK_* from `env`, else the defaults.

    Args:
        env: the environment to read (os.environ).
    """
    return {
        "dir": env.get("TW_STACK_DIR") or str(PROJECT_ROOT / "state" / "celery"),
        "postgres": env.get("TW_STACK_POSTGRES_URL") or "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres",
        "airflow_db": env.get("TW_STACK_AIRFLOW_DB") or "transfer_watch_airflow",
        "store_db": env.get("TW_STACK_STORE_DB") or "transfer_watch",
        "redis": env.get("TW_STACK_REDIS_URL") or "redis://127.0.0.1:6379/0",
        "api_port": env.get("TW_STACK_API_PORT") or "8080",
        "log_port": env.get("TW_STACK_LOG_PORT") or "8793",
        "queue": env.get("TW_STACK_QUEUE") or "default",
        "workers": env.get("TW_STACK_WORKERS") or "4",
        "crawl_slots": env.get("TW_STACK_CRAWL_SLOTS") or "4",
    }


def database_url(server_url: str, name: str) -> str:
    """Return the URL of database `name` on the server of `server_url` (password kept)."""
    from sqlalchemy.engine import make_url

    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def create_databases(config: dict[str, str]) -> None:
    """Create Airflow's metadata database and the store on the PostgreSQL server, unless they exist."""
    from sqlalchemy import create_engine, text

    admin = create_engine(config["postgres"], isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for name in (config["airflow_db"], config["store_db"]):
                exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
                if not exists:
                    connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def shared_secrets(folder: Path) -> dict[str, str]:
    """Return the secrets every part must share (JWT for task tokens, the API's secret key); made once."""
    path = folder / "secrets.json"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"jwt_secret": secrets.token_urlsafe(48), "secret_key": secrets.token_urlsafe(32)}))
        path.chmod(0o600)
    return json.loads(path.read_text())


def stack_env(config: dict[str, str], base: dict[str, str]) -> dict[str, str]:
    """Return the environment of every part: the repo's airflow.cfg with the Celery, PostgreSQL and Redis settings.

    Args:
        config: from read_config.
        base: the caller's environment (TW_* settings pass through).
    """
    folder = Path(config["dir"])
    keys = shared_secrets(folder)
    airflow_db = database_url(config["postgres"], config["airflow_db"])
    api = f"http://127.0.0.1:{config['api_port']}"
    env = {key: value for key, value in base.items() if not key.startswith("AIRFLOW")}
    env.update({
        "AIRFLOW_HOME": str(folder / "airflow"),
        "AIRFLOW_CONFIG": str(PROJECT_ROOT / "airflow.cfg"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api}/execution/",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": airflow_db,
        "AIRFLOW__CELERY__BROKER_URL": config["redis"],
        # Explicit driver: SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3, which is not installed.
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + airflow_db,
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": config["workers"],
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": config["queue"],
        "AIRFLOW__API__PORT": config["api_port"],
        "AIRFLOW__API__BASE_URL": api,
        "AIRFLOW__API__SECRET_KEY": keys["secret_key"],
        "AIRFLOW__API_AUTH__JWT_SECRET": keys["jwt_secret"],
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": config["log_port"],
        "TW_DATABASE_URL": base.get("TW_DATABASE_URL") or database_url(config["postgres"], config["store_db"]),
        "TW_STATE_DIR": base.get("TW_STATE_DIR") or str(folder / "tw"),
        # The parts start their children by calling `airflow` on PATH.
        "PATH": f"{AIRFLOW.parent}{os.pathsep}{base.get('PATH', '')}",
    })
    return env


def run_airflow(args: list[str], env: dict[str, str]) -> None:
    """Run an airflow command to completion; raise with its output when it fails."""
    result = subprocess.run([str(AIRFLOW), *args], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True,
                            timeout=900)
    if result.returncode != 0:
        raise SystemExit(f"airflow {' '.join(args)} failed:\n{(result.stdout + result.stderr)[-4000:]}")


def start_part(name: str, config: dict[str, str], env: dict[str, str]) -> subprocess.Popen:
    """Start one part in its own process group, logging to <dir>/logs/<name>.log."""
    folder = Path(config["dir"])
    (folder / "logs").mkdir(parents=True, exist_ok=True)
    (folder / "pids").mkdir(parents=True, exist_ok=True)
    args = list(PARTS[name])
    if name == "worker":
        args += ["--queues", config["queue"], "--concurrency", config["workers"]]
    with open(folder / "logs" / f"{name}.log", "ab") as log:
        process = subprocess.Popen([str(AIRFLOW), *args], env=env, cwd=PROJECT_ROOT, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    (folder / "pids" / f"{name}.pid").write_text(str(process.pid))
    return process


def running_parts(config: dict[str, str]) -> dict[str, int]:
    """Return name -> pid of the parts whose pid file names a live process."""
    alive = {}
    for path in sorted((Path(config["dir"]) / "pids").glob("*.pid")):
        pid = int(path.read_text())
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        alive[path.stem] = pid
    return alive


def wait_healthy(config: dict[str, str], processes: dict[str, subprocess.Popen], seconds: float = 600) -> None:
    """Wait until the API server answers its health check and the scheduler reports healthy."""
    url = f"http://127.0.0.1:{config['api_port']}/api/v2/monitor/health"
    deadline = time.monotonic() + seconds
    last = ""
    while time.monotonic() < deadline:
        exited = sorted(name for name, process in processes.items() if process.poll() is not None)
        if exited:
            down(config)
            raise SystemExit(f"{', '.join(exited)} exited at start; see {config['dir']}/logs/{exited[0]}.log")
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:
                health = json.loads(answer.read())
            last = json.dumps(health)
            if health.get("scheduler", {}).get("status") == "healthy":
                return
        except OSError as error:
            last = str(error)
        time.sleep(2)
    down(config)
    raise SystemExit(f"the stack did not become healthy within {seconds:.0f}s (last answer: {last})")


def up(config: dict[str, str], env: dict[str, str]) -> None:
    """Create the databases, migrate them, create the crawl pool, start every part and wait for health."""
    if running_parts(config):
        raise SystemExit(f"already running: {running_parts(config)}; run `down` first")
    create_databases(config)
    run_airflow(["db", "migrate"], env)
    run_airflow(["pools", "set", CRAWL_POOL, config["crawl_slots"], "Outlet crawls that may run at once"], env)
    subprocess.run([sys.executable, "-m", "pipeline", "db-upgrade"], env=env, cwd=PROJECT_ROOT, check=True,
                   capture_output=True)
    processes = {name: start_part(name, config, env) for name in PARTS}
    print("started " + ", ".join(f"{name} (pid {p.pid})" for name, p in processes.items()), flush=True)
    wait_healthy(config, processes)
    home = env["AIRFLOW_HOME"]
    print(f"Airflow (CeleryExecutor) at http://127.0.0.1:{config['api_port']} - user admin, password in "
          f"{home}/simple_auth_manager_passwords.json.generated; logs in {config['dir']}/logs/", flush=True)


def down(config: dict[str, str], seconds: float = 60) -> None:
    """Stop every part `up` started (its whole process group), politely first."""
    parts = running_parts(config)
    for name, pid in parts.items():
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + seconds
    while running_parts(config) and time.monotonic() < deadline:
        time.sleep(0.5)
    for pid in parts.values():
        try:
            os.killpg(pid, signal.SIGKILL)  # what is left of each group (pool children of a part)
        except ProcessLookupError:
            pass
    for path in (Path(config["dir"]) / "pids").glob("*.pid"):
        path.unlink()
    print(f"stopped: {', '.join(parts) or 'nothing was running'}", flush=True)


def main(argv: list[str] | None = None) -> None:
    """Run `up`, `down`, `status` or `env`."""
    command = (argv if argv is not None else sys.argv[1:] or ["status"])[0]
    config = read_config(dict(os.environ))
    if command == "up":
        up(config, stack_env(config, dict(os.environ)))
    elif command == "down":
        down(config)
    elif command == "status":
        parts = running_parts(config)
        for name in PARTS:
            print(f"{name:<14} {'running, pid ' + str(parts[name]) if name in parts else 'stopped'}")
    elif command == "env":
        for key, value in sorted(stack_env(config, dict(os.environ)).items()):
            if key.startswith(("AIRFLOW", "TW_")):
                print(f"{key}={value}")
    else:
        raise SystemExit(f"unknown command {command!r}: use up, down, status or env")


if __name__ == "__main__":
    main()
