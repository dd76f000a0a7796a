"""Airflow DAG `transfer_watch`: thin wiring over pipeline.steps, one task per step."""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import CronTriggerTimetable, dag, get_current_context, task

DOC = """
### Transfer Watch

Finds new claims of arms and military transfers between states in the news and alerts analysts.

Each task calls one function of `pipeline.steps` and passes only counts on; the steps talk through
the store (SQLite by default, any SQLAlchemy URL in `TW_DATABASE_URL`), so any task can be retried
or cleared and re-run without double work or double alerts.

1. **prepare**: migrate the database, register sources.
2. **crawl**: `scrapy crawl` in a subprocess per source (RSS, sitemaps, listings; incremental).
3. **parse**: stored pages to articles; marks a source *degraded* on layout drift.
4. **dedupe**: links syndicated copies to the first-seen article.
5. **detect**: finds claims, clusters them, queues NEW/UPDATE alerts in the same transaction.
6. **alert**: delivers queued alerts (Slack webhook, SMTP email or the task log), retrying later on failure.

**Schedule.** Hourly at minute 0 (UTC), one run at a time. The DAG starts paused; un-pausing it (or
"Unpause on trigger" in the trigger form) starts no catch-up run: the first scheduled run waits for
the next full hour, so a run you trigger never queues behind a surprise one.

**Alert secrets** go in Airflow connections (Admin > Connections), never in the DAG or the repo:
`slack_webhook_default` (type *Slack Incoming Webhook*: the webhook URL, or its `T…/B…/…` path, as
password) and `smtp_default` (type *Email*/SMTP: host, port, login, password). `TW_*` environment
variables work too and win over connections. See the README.

**Claims found by a run:** open the run and its *Claims found* tab (the Transfer Watch plugin), or
the *Claims* page in the menu.
"""

TASK_DOCS = {
    "prepare": "Migrates the Transfer Watch database (Alembic) and registers the outlets of `sources/`.",
    "crawl": "Runs `scrapy crawl` in a subprocess per outlet (feeds, sitemaps, listings); only new or "
             "changed pages are fetched. Unreachable outlets are listed in the log; the others go on.",
    "parse": "Turns stored pages into articles; an outlet whose pages stop parsing is marked *degraded* "
             "and raises one HEALTH alert.",
    "dedupe": "Links syndicated copies and near-duplicates to the first-seen article.",
    "detect": "Finds transfer claims, clusters them and queues NEW/UPDATE alerts in the same transaction. "
              "A cluster an analyst dismissed alerts again only on a new figure or status.",
    "alert": "Delivers queued alerts (Slack, email or this log) and retries failures in later runs. "
             "Secrets: connections `slack_webhook_default`, `smtp_default`.",
}


def _require_shared_jwt_secret() -> None:
    """Refuse to load, with the reason in the UI's import errors, when tasks could not authenticate."""
    from airflow.configuration import conf

    if any(conf.get("api_auth", key, fallback="") for key in ("jwt_secret", "jwt_private_key_path", "trusted_jwks_url")):
        return
    raise RuntimeError(
        "transfer_watch cannot run tasks: Airflow has no [api_auth] jwt_secret shared by its processes, so each "
        "one makes up its own and every task fails with 'Invalid auth token' before it logs a line. Start "
        "Airflow with `make airflow` (this repo's airflow.cfg keeps a secret in $AIRFLOW_HOME/jwt_secret) or "
        "give every Airflow process the same AIRFLOW__API_AUTH__JWT_SECRET."
    )


def _settings_and_run_key():
    from pipeline.config import load_settings

    context = get_current_context()
    return load_settings(), context["run_id"]


@dag(
    dag_id="transfer_watch",
    # No start_date and run_immediately=False: un-pausing waits for the next hour instead of
    # starting a run for the hour just past (which a triggered run would then queue behind).
    schedule=CronTriggerTimetable("0 * * * *", timezone="UTC", run_immediately=False),
    catchup=False,
    max_active_runs=1,
    is_paused_upon_creation=True,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=2)},
    tags=["transfer-watch", "osint", "news"],
    doc_md=DOC,
)
def transfer_watch():
    @task(doc_md=TASK_DOCS["prepare"])
    def prepare() -> dict:
        from pipeline import steps

        settings, _ = _settings_and_run_key()
        return steps.prepare_database(settings)

    @task(execution_timeout=timedelta(minutes=50), doc_md=TASK_DOCS["crawl"])
    def crawl() -> dict:
        from pipeline import steps

        return _counts(steps.crawl_sources(*_settings_and_run_key()))

    @task(doc_md=TASK_DOCS["parse"])
    def parse() -> dict:
        from pipeline import steps

        return _counts(steps.parse_pages(*_settings_and_run_key()))

    @task(doc_md=TASK_DOCS["dedupe"])
    def dedupe() -> dict:
        from pipeline import steps

        return _counts(steps.dedupe_articles(*_settings_and_run_key()))

    @task(doc_md=TASK_DOCS["detect"])
    def detect() -> dict:
        from pipeline import steps

        return _counts(steps.detect_claims_in_articles(*_settings_and_run_key()))

    @task(doc_md=TASK_DOCS["alert"])
    def alert() -> dict:
        from pipeline import steps

        report = steps.send_alerts(*_settings_and_run_key())
        for failure in report.get("permanent_failures", []) or []:
            print(f"ALERT DELIVERY FAILED PERMANENTLY: {failure}")
        return _counts(report)

    prepare() >> crawl() >> parse() >> dedupe() >> detect() >> alert()


def _counts(summary: dict) -> dict:
    """Keep only counts for XCom, and print the rest (skips and reasons) to the task log."""
    for key, value in summary.items():
        if isinstance(value, list) and value:
            print(f"{key}:")
            for line in value:
                print(f"  - {line}")
    return {key: value for key, value in summary.items() if isinstance(value, (int, float))}


_require_shared_jwt_secret()
transfer_watch()
