"""Airflow plugin: the Transfer Watch analysts' desk (Claims, Sources, Alerts) inside the Airflow UI.

The pages are a FastAPI app mounted by the API server under /transfer-watch; menu entries and the
"Claims found" tab of each DAG run are external views. Every route checks the Airflow session itself
(plugin routes are not protected by Airflow): see tw_desk/auth.py.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from tw_desk.app import URL_PREFIX, create_app


class TransferWatchDeskPlugin(AirflowPlugin):
    name = "transfer_watch_desk"
    fastapi_apps = [{"app": create_app(), "url_prefix": URL_PREFIX, "name": "Transfer Watch desk"}]
    external_views = [
        {"name": "Claims", "href": f"{URL_PREFIX}/claims", "destination": "nav", "url_route": "claims"},
        {"name": "Sources health", "href": f"{URL_PREFIX}/sources", "destination": "nav", "category": "browse",
         "url_route": "tw-sources"},
        {"name": "Alerts outbox", "href": f"{URL_PREFIX}/alerts", "destination": "nav", "category": "browse",
         "url_route": "tw-alerts"},
        {"name": "Claims found", "href": f"{URL_PREFIX}/runs/{{RUN_ID}}", "destination": "dag_run",
         "url_route": "tw-run-claims"},
    ]
