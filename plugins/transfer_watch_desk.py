"""Airflow plugin: the Transfer Watch analysts' desk (Claims, Sources, Alerts) inside the Airflow UI.

The pages are a FastAPI app mounted by the API server under /transfer-watch; menu entries and the
"Claims found" tab of each DAG run are external views. Every route checks the Airflow session itself
(plugin routes are not protected by Airflow): see tw_desk/auth.py.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from tw_desk import URL_PREFIX


class DeskApp:
    """ASGI app that builds the desk on its first request: every task process loads plugins (for
    macros), and none of them should pay for importing the API server's stack."""

    def __init__(self) -> None:
        self._app = None

    async def __call__(self, scope, receive, send) -> None:
        if self._app is None:
            from tw_desk.app import create_app

            self._app = create_app()
        await self._app(scope, receive, send)


class TransferWatchDeskPlugin(AirflowPlugin):
    name = "transfer_watch_desk"
    fastapi_apps = [{"app": DeskApp(), "url_prefix": URL_PREFIX, "name": "Transfer Watch desk"}]
    external_views = [
        {"name": "Claims", "href": f"{URL_PREFIX}/claims", "destination": "nav", "url_route": "claims"},
        {"name": "Sources health", "href": f"{URL_PREFIX}/sources", "destination": "nav", "category": "browse",
         "url_route": "tw-sources"},
        {"name": "Alerts outbox", "href": f"{URL_PREFIX}/alerts", "destination": "nav", "category": "browse",
         "url_route": "tw-alerts"},
        {"name": "Claims found", "href": f"{URL_PREFIX}/runs/{{RUN_ID}}", "destination": "dag_run",
         "url_route": "tw-run-claims"},
    ]
