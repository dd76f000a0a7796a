"""The Transfer Watch desk: a FastAPI app (app.py) mounted by the Airflow API server, with its auth."""

URL_PREFIX = "/transfer-watch"
