"""The Airflow plugin on a real `airflow api-server` over the demo's store: who may do what, CSRF,
escaping, and the analyst's flow in Debian's Chromium (screenshots in state/screenshots/)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.airflow_home import AIRFLOW, PROJECT_ROOT, airflow_env
from tests.servers import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = PROJECT_ROOT / "state" / "screenshots"
XSS_SENTENCE = '<script>alert("tw")</script> North Korea sent Russia rockets, said <b>officials</b>.'
USERS = {"admin": "admin", "analyst": "user", "reader": "viewer"}


def seed_hostile_claim(database: Path) -> int:
    """Add a claim whose sentence and claimant hold markup, as a hostile page could; return its cluster id."""
    from types import SimpleNamespace

    from pipeline import dedupe, store
    from pipeline.db import make_engine, make_sessionmaker
    from pipeline.models import Article

    engine = make_engine(f"sqlite:///{database}")
    with make_sessionmaker(engine)() as session, session.begin():
        source = store.upsert_source(session, "hostile", "Hostile <i>Outlet</i>", "https://hostile.example")
        article = Article(identity="hostile:1", source_id=source.id, url="https://hostile.example/1",
                          title="<script>alert(1)</script>", body=XSS_SENTENCE, content_sha256="0" * 64)
        session.add(article)
        session.flush()
        claim = SimpleNamespace(supplier="PRK", recipient="RUS", category="missiles", item="rockets", quantity=None,
                                status="delivered", stance="affirmed", claimant="<img src=x onerror=alert(2)>",
                                sentence=XSS_SENTENCE, start=0, end=len(XSS_SENTENCE), cues=["<u>sent</u>"])
        cluster_id = dedupe.record_claim(session, article=article, claim=claim).cluster.id
    engine.dispose()
    return cluster_id


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """A real Airflow API server (this repo's airflow.cfg and plugin) reading the demo's store."""
    tmp = tmp_path_factory.mktemp("desk")
    env = airflow_env(tmp)
    state = tmp / "state"
    demo_env = {k: v for k, v in os.environ.items() if not k.startswith(("TW_", "AIRFLOW"))}
    demo = subprocess.run([sys.executable, "-m", "pipeline", "-q", "demo"], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=900, env={**demo_env, "TW_STATE_DIR": str(state)})
    assert demo.returncode == 0, demo.stderr[-3000:]
    database = state / "demo" / "transfer_watch.db"
    hostile_id = seed_hostile_claim(database)

    migrate = subprocess.run([str(AIRFLOW), "db", "migrate"], env=env, capture_output=True, text=True, timeout=600)
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    port = free_port()
    # No TW_DATABASE_URL: the plugin must find the demo's store by itself, as after `make demo`.
    env.update(TW_STATE_DIR=str(state), AIRFLOW__API__PORT=str(port), AIRFLOW__API__BASE_URL=f"http://127.0.0.1:{port}",
               AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS=",".join(f"{u}:{r}" for u, r in USERS.items()))
    log_path = tmp / "api-server.log"
    log = log_path.open("w")
    process = subprocess.Popen([str(AIRFLOW), "api-server", "--port", str(port), "--host", "127.0.0.1"], env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                if requests.get(f"{base}/api/v2/monitor/health", timeout=10).ok:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"api-server did not start:\n{log_path.read_text()[-4000:]}")
            time.sleep(2)
        passwords = json.loads((Path(env["AIRFLOW_HOME"]) / "simple_auth_manager_passwords.json.generated").read_text())
        tokens = {}
        for user in USERS:
            answer = requests.post(f"{base}/auth/token", json={"username": user, "password": passwords[user]}, timeout=30)
            assert answer.ok, answer.text
            tokens[user] = answer.json()["access_token"]
        yield {"base": base, "tokens": tokens, "passwords": passwords, "hostile_id": hostile_id, "database": database,
               "log": log_path}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def get(desk, path: str, user: str | None = "admin", **kwargs) -> requests.Response:
    headers = {"Authorization": f"Bearer {desk['tokens'][user]}"} if user else {}
    return requests.get(desk["base"] + path, headers=headers, timeout=60, allow_redirects=False, **kwargs)


def post(desk, path: str, user: str | None, data: dict, **headers) -> requests.Response:
    if user:
        headers["Authorization"] = f"Bearer {desk['tokens'][user]}"
    return requests.post(desk["base"] + path, data=data, headers=headers, timeout=60, allow_redirects=False)


def shells_id(desk) -> int:
    rows = get(desk, "/transfer-watch/api/claims?supplier=PRK&recipient=RUS&category=artillery_ammunition").json()["rows"]
    assert len(rows) == 1, rows
    return rows[0]["id"]


def csrf_token(desk, user: str, cluster_id: int) -> str:
    page = get(desk, f"/transfer-watch/claims/{cluster_id}", user)
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert match, "the claim page carries a CSRF token in its review forms"
    return match.group(1)


@pytest.mark.airflow
def test_every_desk_route_refuses_anonymous_and_forged_requests(desk):
    claim = shells_id(desk)
    gets = ["/transfer-watch/claims", f"/transfer-watch/claims/{claim}", "/transfer-watch/api/claims",
            f"/transfer-watch/api/claims/{claim}", "/transfer-watch/sources", "/transfer-watch/api/sources",
            "/transfer-watch/alerts", "/transfer-watch/api/alerts", "/transfer-watch/export.csv",
            "/transfer-watch/export.json", "/transfer-watch/pages/1", "/transfer-watch/runs/manual__x",
            "/transfer-watch/"]
    for path in gets:
        assert get(desk, path, None).status_code in (401, 403), path
        forged = requests.get(desk["base"] + path, headers={"Authorization": "Bearer not.a.jwt"}, timeout=30)
        assert forged.status_code in (401, 403), path
        assert get(desk, path).status_code in (200, 303), path
    for path in (f"/transfer-watch/claims/{claim}/review", "/transfer-watch/alerts/1/retry",
                 "/transfer-watch/alerts/retry-failed"):
        assert post(desk, path, None, {"decision": "confirmed"}).status_code in (401, 403), path
    assert get(desk, f"/transfer-watch/api/claims/{claim}").json()["review_state"] is None


@pytest.mark.airflow
def test_a_viewer_reads_claims_but_cannot_review(desk):
    claim = shells_id(desk)
    page = get(desk, f"/transfer-watch/claims/{claim}", "reader")
    assert page.status_code == 200 and "read-only" in page.text and 'id="confirm"' not in page.text
    token = csrf_token(desk, "analyst", claim)
    refused = post(desk, f"/transfer-watch/claims/{claim}/review", "reader", {"decision": "confirmed", "csrf_token": token})
    assert refused.status_code == 403
    assert get(desk, f"/transfer-watch/api/claims/{claim}").json()["review_state"] is None


@pytest.mark.airflow
def test_review_posts_need_the_csrf_token_and_our_origin(desk):
    claim = desk["hostile_id"]
    url = f"/transfer-watch/claims/{claim}/review"
    form = {"decision": "dismissed", "reason": "<script>alert(3)</script> a test rocket"}
    assert post(desk, url, "analyst", form).status_code == 403
    assert post(desk, url, "analyst", {**form, "csrf_token": "0" * 64}).status_code == 403
    token = csrf_token(desk, "analyst", claim)
    assert post(desk, url, "analyst", {**form, "csrf_token": csrf_token(desk, "admin", claim)}).status_code == 403
    assert post(desk, url, "analyst", {**form, "csrf_token": token}, Origin="https://evil.example").status_code == 403
    assert get(desk, f"/transfer-watch/api/claims/{claim}").json()["review_state"] is None
    done = post(desk, url, "analyst", {**form, "csrf_token": token}, Origin=desk["base"])
    assert done.status_code == 303 and done.headers["location"].endswith(f"/claims/{claim}")
    record = get(desk, f"/transfer-watch/api/claims/{claim}").json()
    assert (record["review_state"], record["reviewed_by"]) == ("dismissed", "analyst")
    assert record["reviewed_at"] and record["reviews"][-1]["user"] == "analyst"


@pytest.mark.airflow
def test_user_text_renders_as_text(desk):
    claim = desk["hostile_id"]
    for path in (f"/transfer-watch/claims/{claim}", "/transfer-watch/claims?supplier=PRK&category=missiles",
                 "/transfer-watch/sources", "/transfer-watch/alerts"):
        page = get(desk, path)
        assert page.status_code == 200, path
        assert "<script" not in page.text, path
        assert "<img src=x" not in page.text and "<b>officials</b>" not in page.text, path
        assert "script-src 'none'" in page.headers["content-security-policy"]
    claim_page = get(desk, f"/transfer-watch/claims/{claim}").text
    assert "&lt;script&gt;alert(&#34;tw&#34;)&lt;/script&gt;" in claim_page
    assert "&lt;img src=x onerror=alert(2)&gt;" in claim_page


@pytest.mark.airflow
def test_stored_page_copies_are_served_inert(desk):
    record = get(desk, f"/transfer-watch/api/claims/{shells_id(desk)}").json()
    raw_page = next(s["raw_page_id"] for s in record["sources"] if s["raw_page_id"])
    copy = get(desk, f"/transfer-watch/pages/{raw_page}")
    assert copy.status_code == 200 and "million" in copy.text
    assert copy.headers["content-security-policy"].startswith("sandbox")
    assert get(desk, "/transfer-watch/pages/999999").status_code == 404


@pytest.mark.airflow
def test_plugin_registers_its_pages_in_the_airflow_ui(desk):
    plugins = get(desk, "/api/v2/plugins").json()["plugins"]
    ours = next(p for p in plugins if p["name"] == "transfer_watch_desk")
    views = {v["name"]: v for v in ours["external_views"]}
    assert views["Claims"]["destination"] == "nav" and views["Claims"]["href"] == "/transfer-watch/claims"
    assert views["Claims found"]["destination"] == "dag_run" and "{RUN_ID}" in views["Claims found"]["href"]
    assert ours["fastapi_apps"][0]["url_prefix"] == "/transfer-watch"
    # The Slack provider gives Admin > Connections its "Slack Incoming Webhook" type.
    providers = {p["package_name"] for p in get(desk, "/api/v2/providers").json()["providers"]}
    assert "apache-airflow-providers-slack" in providers


@pytest.mark.airflow
def test_an_analyst_reviews_the_shells_claim_in_a_real_browser(desk):
    from playwright.sync_api import expect, sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: .ci/run installs it (apt-get install chromium)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    expect.set_options(timeout=60_000)  # a loaded CI machine answers slowly; failures still fail
    base = desk["base"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        try:
            context = browser.new_context(viewport={"width": 1440, "height": 1000})
            page = context.new_page()
            page.set_default_timeout(120_000)
            page.goto(f"{base}/")
            page.fill("input[name=username]", "admin")
            page.fill("input[name=password]", desk["passwords"]["admin"])
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(re.compile(r"^(?!.*/auth/login).*$"))

            page.goto(f"{base}/plugin/claims")
            frame = page.frame_locator("iframe[title='Claims']")
            frame.locator("input[name=supplier]").fill("PRK")
            frame.locator("input[name=recipient]").fill("RUS")
            frame.get_by_role("button", name="Filter").click()
            rows = frame.locator("#claims tbody tr")
            # Waits for the filtered page: the unfiltered one holds other pairs (USA -> UKR...).
            expect(rows.filter(has_not_text="PRK → RUS")).to_have_count(0)
            expect(rows.filter(has_text="PRK → RUS")).not_to_have_count(0)
            page.screenshot(path=str(SCREENSHOTS / "claims.png"))

            frame.locator("#claims tbody tr", has_text="artillery ammunition").locator("a").first.click()
            expect(frame.locator("h1")).to_contain_text("PRK → RUS artillery ammunition")
            expect(frame.locator("#timeline tbody tr").first).to_contain_text("NEW")
            expect(frame.locator("#sources")).to_contain_text("more than one million artillery shells")
            expect(frame.locator("#sources")).to_contain_text("The Moscow Times")
            page.screenshot(path=str(SCREENSHOTS / "claim.png"), full_page=True)

            frame.locator("#confirm").click()
            expect(frame.locator("#review-state")).to_contain_text("confirmed")
            page.reload()
            frame = page.frame_locator("iframe[title='Claims']")
            expect(frame.locator("body")).to_contain_text("confirmed")
            page.goto(f"{base}/plugin/claims")
            frame = page.frame_locator("iframe[title='Claims']")
            row = frame.locator("#claims tbody tr", has_text="artillery ammunition").filter(has_text="PRK → RUS")
            expect(row).to_contain_text("confirmed")
            row.locator("a").first.click()
            expect(frame.locator("#review-state")).to_contain_text("confirmed")
            expect(frame.locator("#review-state")).to_contain_text("admin")
            page.screenshot(path=str(SCREENSHOTS / "claim-confirmed.png"), full_page=True)

            exported = context.request.get(f"{base}/transfer-watch/export.csv?supplier=PRK&recipient=RUS")
            assert exported.ok
            rows_csv = list(csv.DictReader(io.StringIO(exported.text())))
            shells = [r for r in rows_csv if r["category"] == "artillery_ammunition"]
            assert len(shells) == 1, rows_csv
            assert (shells[0]["review_state"], shells[0]["reviewed_by"]) == ("confirmed", "admin")
            assert shells[0]["outlet"] == "The Moscow Times" and shells[0]["url"].startswith("http")
            assert "million" in shells[0]["sentence"]

            for path, name in (("/plugin/tw-sources", "sources"), ("/plugin/tw-alerts", "alerts")):
                page.goto(base + path)
                expect(page.frame_locator("iframe").first.locator("h1")).to_be_visible()
                page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))

            anonymous = browser.new_context()
            refused = anonymous.request.get(f"{base}/transfer-watch/api/claims")
            assert refused.status in (401, 403)
            anonymous.close()
        finally:
            browser.close()
