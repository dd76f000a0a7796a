"""Shared fixtures: data folders, temporary databases (SQLite file, real PostgreSQL)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.servers import MailSink, WebhookReceiver, authenticate, start_smtp

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = PROJECT_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ../shared folder (real pages, specs); tests that need it skip where it is absent."""
    if not (SHARED_DIR / "data").is_dir():
        pytest.skip("../shared/data not present beside the project: real-page tests need it (CI has it)")
    return SHARED_DIR


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite file URL."""
    return f"sqlite:///{tmp_path / 'tw.db'}"


@pytest.fixture
def postgres_url():
    """A fresh, empty PostgreSQL database on the server named by TW_TEST_POSTGRES_URL; dropped afterwards."""
    server_url = os.environ.get("TW_TEST_POSTGRES_URL")
    if not server_url:
        if os.environ.get("CI"):
            pytest.fail("CI must set TW_TEST_POSTGRES_URL (.ci/run does) so PostgreSQL tests run")
        pytest.skip("TW_TEST_POSTGRES_URL not set: no PostgreSQL server to test against (.ci/run sets it)")
    name = f"tw_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request) -> str:
    """Each database the project supports: an SQLite file and a real PostgreSQL database."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture()
def receiver():
    """A real Slack-like webhook receiver on 127.0.0.1."""
    server = WebhookReceiver()
    server.thread.start()
    yield server
    server.release.set()
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture()
def smtp_server():
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that requires a login; yields (sink, port)."""
    sink = MailSink()
    controller = start_smtp(sink, authenticator=authenticate, auth_require_tls=False)
    yield sink, controller.port
    controller.stop()
