"""Airflow DAG `transfer_watch`: thin wiring over pipeline.steps, one task per step."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import dag, get_current_context, task

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

Alert secrets come from the Airflow connections `slack_webhook_default` and `smtp_default`, or from
`TW_*` environment variables. See the README.
"""


def _settings_and_run_key():
    from pipeline.config import load_settings

    context = get_current_context()
    return load_settings(), context["run_id"]


@dag(
    dag_id="transfer_watch",
    schedule=timedelta(hours=1),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=2)},
    tags=["transfer-watch", "osint", "news"],
    doc_md=DOC,
)
def transfer_watch():
    @task
    def prepare() -> dict:
        from pipeline import steps

        settings, _ = _settings_and_run_key()
        return steps.prepare_database(settings)

    @task(execution_timeout=timedelta(minutes=50))
    def crawl() -> dict:
        from pipeline import steps

        return _counts(steps.crawl_sources(*_settings_and_run_key()))

    @task
    def parse() -> dict:
        from pipeline import steps

        return _counts(steps.parse_pages(*_settings_and_run_key()))

    @task
    def dedupe() -> dict:
        from pipeline import steps

        return _counts(steps.dedupe_articles(*_settings_and_run_key()))

    @task
    def detect() -> dict:
        from pipeline import steps

        return _counts(steps.detect_claims_in_articles(*_settings_and_run_key()))

    @task
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


transfer_watch()
