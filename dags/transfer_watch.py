"""Airflow DAG `transfer_watch`: thin wiring over pipeline.steps; one mapped crawl task per outlet."""

from __future__ import annotations

import os
from datetime import timedelta

from airflow.sdk import CronTriggerTimetable, Param, TriggerRule, dag, get_current_context, task

# Every outlet's crawl takes a slot of this pool, whatever DAG run or worker it is in: the pool
# bounds how many crawls run at once (`make airflow` and `make celery` create it).
CRAWL_POOL = "transfer_watch_crawl"

DOC = """
### Transfer Watch

Finds new claims of arms and military transfers between states in the news and alerts analysts.

Each task calls one function of `pipeline.steps` and passes only ids and counts on; the steps talk
through the store (SQLite by default, any SQLAlchemy URL in `TW_DATABASE_URL`), so any task can be
retried or cleared and re-run without double work or double alerts.

1. **prepare**: migrate the database, register sources, record the run's options; returns the outlets.
2. **crawl**: one task instance per outlet (dynamic task mapping), in the pool `transfer_watch_crawl`
   (it bounds how many crawls run at once); each reads the outlet's feeds and starts a `scrapy crawl`
   subprocess when there is something new. An outlet that cannot be reached (DNS, refused, TLS) fails
   at once and shows red; timeouts and crashes are retried.
3. **parse**: stored pages to articles (runs when every crawl is done, failed or not).
4. **dedupe**: links syndicated copies to the first-seen article.
5. **detect**: finds claims, clusters them, queues NEW/UPDATE alerts in the same transaction.
6. **alert**: delivers queued alerts (Slack webhook, SMTP email or the task log); none in a dry run.
7. **report**: names every outlet that failed and why; fails the run only when no outlet worked.

**Schedule.** Every five minutes (UTC), one run at a time. The DAG starts paused; un-pausing it (or
"Unpause on trigger" in the trigger form) starts no catch-up run: the first scheduled run waits for
the next five-minute mark, so a run you trigger never queues behind a surprise one.

**Trigger params:** `outlets` (a subset), `since` (walk sitemaps back to a date: history),
`alert_history` and `dry_run`.

**Alert secrets** go in Airflow connections (Admin > Connections), never in the DAG or the repo:
`slack_webhook_default` (type *Slack Incoming Webhook*: the webhook URL, or its `T…/B…/…` path, as
password) and `smtp_default` (type *Email*/SMTP: host, port, login, password). `TW_*` environment
variables work too and win over connections. See the README.

**Claims found by a run:** open the run and its *Claims found* tab (the Transfer Watch plugin), or
the *Claims* page in the menu.
"""

TASK_DOCS = {
    "prepare": "Migrates the Transfer Watch database (Alembic), registers the outlets of `sources/`, records "
               "the run's params and returns the outlets to crawl, slowest first.",
    "crawl": "One instance per outlet (named after it). Reads the outlet's feeds and, when they list something "
             "new (or sitemaps/listings are due, or a history walk was asked), runs `scrapy crawl` in a "
             "subprocess; only new or changed pages are fetched. DNS, refused or TLS errors fail at once "
             "(no retry); timeouts and crashes are retried. Runs in the pool `transfer_watch_crawl`.",
    "parse": "Runs once every crawl has finished, failed or not. Turns stored pages into articles; an outlet "
             "whose pages stop parsing is marked *degraded* and raises one HEALTH alert.",
    "dedupe": "Links syndicated copies and near-duplicates to the first-seen article.",
    "detect": "Finds transfer claims, clusters them and queues NEW/UPDATE alerts in the same transaction. "
              "A cluster an analyst dismissed alerts again only on a new figure or status. Claims from old "
              "articles a history walk found update timelines without alerting (unless `alert_history`).",
    "alert": "Delivers queued alerts (Slack, email or this log) and retries failures in later runs; sends "
             "nothing in a dry run. Secrets: connections `slack_webhook_default`, `smtp_default`.",
    "report": "Names every outlet whose crawl failed, with the reason. The run succeeds with the outlets that "
              "worked and fails only when none did.",
}


def _schedule():
    """Every five minutes; TW_DAG_SCHEDULE_SECONDS sets another interval (0: triggered runs only)."""
    seconds = os.environ.get("TW_DAG_SCHEDULE_SECONDS")
    if not seconds:
        # run_immediately=False would still run the tick just past when it is under five minutes old
        # (Airflow's minimum grace), i.e. always at this interval: a zero grace never does.
        return CronTriggerTimetable("*/5 * * * *", timezone="UTC", run_immediately=timedelta(0))
    return timedelta(seconds=int(seconds)) if int(seconds) > 0 else None


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
    # No start_date and run_immediately=False: un-pausing waits for the next five-minute mark instead
    # of starting a run for the one just past (which a triggered run would then queue behind).
    schedule=_schedule(),
    catchup=False,
    max_active_runs=1,
    is_paused_upon_creation=True,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=1)},
    tags=["transfer-watch", "osint", "news"],
    doc_md=DOC,
    params={
        "outlets": Param(
            [], type="array", items={"type": "string"},
            description="Source keys to crawl (file names in sources/, e.g. bbc, moscow_times); empty: every enabled outlet.",
        ),
        "since": Param(
            None, type=["null", "string"], format="date",
            description="History: walk the outlets' sitemaps back to this date (YYYY-MM-DD). Resumable: "
                        "run it again and it goes on where it stopped. Empty: a normal run.",
        ),
        "alert_history": Param(
            False, type="boolean",
            description="Also alert claims from old articles a history walk finds (normally they only "
                        "update claim clusters and timelines).",
        ),
        "dry_run": Param(
            False, type="boolean",
            description="Crawl, parse and detect, but send no alert: they stay queued for the next run.",
        ),
    },
)
def transfer_watch():
    @task(doc_md=TASK_DOCS["prepare"])
    def prepare() -> list[str]:
        from pipeline import steps
        from pipeline.outlets import make_run_options

        settings, run_key = _settings_and_run_key()
        params = get_current_context()["params"]
        options = make_run_options(params.get("outlets"), params.get("since"), params.get("alert_history"),
                                   params.get("dry_run"))
        outlets = steps.prepare_run(settings, run_key, options)
        print(f"outlets to crawl ({len(outlets)}): {', '.join(outlets) or 'none'}")
        return outlets

    @task(
        pool=CRAWL_POOL,
        retry_exponential_backoff=True,
        execution_timeout=timedelta(minutes=50),
        map_index_template="{{ task.op_kwargs['outlet'] }}",
        doc_md=TASK_DOCS["crawl"],
    )
    def crawl(outlet: str) -> dict:
        from airflow.sdk.exceptions import AirflowFailException

        from pipeline import steps
        from pipeline.outlets import OutletFailed

        try:
            return _counts(steps.crawl_source(*_settings_and_run_key(), outlet))
        except OutletFailed as error:
            if not error.retry:
                # DNS, refused, TLS: a retry in a minute cannot help; the next scheduled run tries again.
                raise AirflowFailException(str(error)) from error
            raise

    @task(trigger_rule=TriggerRule.ALL_DONE, doc_md=TASK_DOCS["parse"])
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

    @task(doc_md=TASK_DOCS["report"])
    def report() -> dict:
        from airflow.sdk.exceptions import AirflowFailException

        from pipeline import steps

        outcome = steps.report_run(*_settings_and_run_key())
        print(f"outlets: {outcome['outlets_ok']} of {outcome['outlets']} crawled")
        for line in outcome["failed"]:
            print(f"OUTLET FAILED: {line}")
        if outcome["outlets"] and not outcome["outlets_ok"]:
            raise AirflowFailException("no outlet could be reached: " + "; ".join(outcome["failed"]))
        return _counts(outcome)

    outlets = prepare()
    closing = report()
    crawl.expand(outlet=outlets) >> parse() >> dedupe() >> detect() >> alert() >> closing
    # A failed prepare fails the run even though parse and what follows run after any crawl outcome.
    outlets >> closing


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
