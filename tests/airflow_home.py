"""A throwaway Airflow home for tests: this repo's airflow.cfg and DAGs, SQLite metadata in tmp."""

from __future__ import annotations

import os
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
AIRFLOW = Path(sys.executable).with_name("airflow")


def airflow_env(tmp_path: Path) -> dict:
    """Return an environment for `airflow ...` subprocesses with AIRFLOW_HOME under tmp_path."""
    home = tmp_path / "airflow"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TW_", "AIRFLOW"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW_CONFIG=str(PROJECT_ROOT / "airflow.cfg"),
        AIRFLOW__CORE__DAGS_FOLDER=str(PROJECT_ROOT / "dags"),
        AIRFLOW__CORE__PLUGINS_FOLDER=str(PROJECT_ROOT / "plugins"),
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        # standalone and dags test start their parts by calling `airflow` on PATH.
        PATH=f"{AIRFLOW.parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return env
