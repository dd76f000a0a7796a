"""The desk's FastAPI app: HTML pages (server-rendered, no scripts), their JSON twins and exports."""

from __future__ import annotations

import csv
import io
import json
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader

from tw_desk import URL_PREFIX
from tw_desk.auth import CSRF_FIELD, make_csrf_token, may_review, reader, reviewer, user_name

TEMPLATES = Path(__file__).parent / "templates"
# Our pages need no script; stored page copies get a sandbox of their own (see stored_page).
PAGE_CSP = "default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; frame-ancestors 'self'"
COPY_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"


class Store:
    """Sessions on the store the desk reads, chosen per request (TW_DATABASE_URL or the latest run's)."""

    def __init__(self) -> None:
        self._factories: dict[str, object] = {}
        self._lock = threading.Lock()

    @contextmanager
    def session(self):
        """Yield (session, note about which store) for one request."""
        from pipeline.config import load_read_settings

        settings, note = load_read_settings()
        with self._lock:
            factory = self._factories.get(settings.database_url)
            if factory is None:
                from pipeline.db import make_engine, make_sessionmaker, upgrade_database

                upgrade_database(settings.database_url)
                factory = self._factories[settings.database_url] = make_sessionmaker(make_engine(settings.database_url))
        with factory() as session:
            yield session, note


def create_app() -> FastAPI:
    """Build the desk app (routes only: no database is opened until a request comes)."""
    app = FastAPI(title="Transfer Watch desk", docs_url=None, redoc_url=None, openapi_url=None)
    store = Store()
    templates = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    templates.filters["day"] = lambda value: str(value)[:10] if value else ""
    templates.filters["minute"] = lambda value: str(value)[:16].replace("T", " ") if value else ""
    templates.filters["label"] = lambda value: (value or "").replace("_", " ")

    def render(name: str, request: Request, user, note: str | None, **context) -> HTMLResponse:
        html = templates.get_template(name).render(
            prefix=URL_PREFIX, user=user_name(user), can_review=may_review(user), store_note=note,
            csrf_field=CSRF_FIELD, csrf_token=make_csrf_token(user_name(user)), request=request, **context)
        return HTMLResponse(html, headers=_page_headers())

    @app.get("/", include_in_schema=False)
    def home(user=Depends(reader)):
        return RedirectResponse(f"{URL_PREFIX}/claims", status.HTTP_303_SEE_OTHER)

    @app.get("/claims", response_class=HTMLResponse)
    def claims_page(request: Request, user=Depends(reader)):
        page, filters, options = _claims_query(store, request)
        return render("claims.html", request, user, page.pop("note"), page=page, filters=filters,
                      options=options, params=dict(request.query_params), urlencode=urlencode)

    @app.get("/runs/{run_id:path}", response_class=HTMLResponse)
    def run_claims(run_id: str, request: Request, user=Depends(reader)):
        params = {**request.query_params, "run": run_id}
        page, filters, options = _claims_query(store, request, params)
        return render("claims.html", request, user, page.pop("note"), page=page, filters=filters,
                      options=options, params=params, urlencode=urlencode)

    @app.get("/api/claims")
    def claims_json(request: Request, user=Depends(reader)):
        page, _filters, _options = _claims_query(store, request)
        return JSONResponse(json.loads(json.dumps(page, default=str)), headers=_page_headers())

    @app.get("/claims/{cluster_id}", response_class=HTMLResponse)
    def claim_page(cluster_id: int, request: Request, user=Depends(reader)):
        record, note = _claim_record(store, cluster_id)
        return render("claim.html", request, user, note, claim=record, error=request.query_params.get("error"))

    @app.get("/api/claims/{cluster_id}")
    def claim_json(cluster_id: int, user=Depends(reader)):
        record, _note = _claim_record(store, cluster_id)
        return JSONResponse(json.loads(json.dumps(record, default=str)), headers=_page_headers())

    @app.post("/claims/{cluster_id}/review")
    async def review(cluster_id: int, request: Request, user=Depends(reviewer)):
        from pipeline.review import ReviewError, merge_clusters, review_cluster

        form = await request.form()
        decision, reason = str(form.get("decision") or ""), str(form.get("reason") or "")
        target = cluster_id
        try:
            with store.session() as (session, _note), session.begin():
                if decision == "merge":
                    into = str(form.get("into") or "").strip()
                    if not into.isdigit():
                        raise ReviewError("give the id of the claim to merge into")
                    target = merge_clusters(session, cluster_id, int(into), user_name(user), reason).id
                else:
                    review_cluster(session, cluster_id, decision, user_name(user), reason)
        except ReviewError as error:
            return RedirectResponse(f"{URL_PREFIX}/claims/{cluster_id}?{urlencode({'error': str(error)})}",
                                    status.HTTP_303_SEE_OTHER)
        return RedirectResponse(f"{URL_PREFIX}/claims/{target}", status.HTTP_303_SEE_OTHER)

    @app.get("/pages/{raw_page_id}")
    def stored_page(raw_page_id: int, user=Depends(reader)):
        from pipeline.desk import raw_page_html

        with store.session() as (session, _note):
            found = raw_page_html(session, raw_page_id)
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no stored page with that id")
        _url, html = found
        # The copy is the outlet's HTML: a sandbox (no scripts, no origin, nothing fetched) keeps it inert.
        return Response(html, media_type="text/html", headers={
            "Content-Security-Policy": COPY_CSP, "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer"})

    @app.get("/sources", response_class=HTMLResponse)
    def sources_page(request: Request, user=Depends(reader)):
        from pipeline.desk import source_health

        with store.session() as (session, note):
            sources = source_health(session)
        return render("sources.html", request, user, note, sources=sources)

    @app.get("/api/sources")
    def sources_json(user=Depends(reader)):
        from pipeline.desk import source_health

        with store.session() as (session, _note):
            return JSONResponse(json.loads(json.dumps(source_health(session), default=str)), headers=_page_headers())

    @app.get("/alerts", response_class=HTMLResponse)
    def alerts_page(request: Request, user=Depends(reader)):
        from pipeline.desk import OUTBOX_STATES, list_outbox

        state = request.query_params.get("state") or None
        if state and state not in OUTBOX_STATES:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, f"state must be one of {', '.join(OUTBOX_STATES)}")
        with store.session() as (session, note):
            rows = list_outbox(session, state)
        return render("alerts.html", request, user, note, rows=rows, state=state, states=OUTBOX_STATES,
                      retried=request.query_params.get("retried"))

    @app.get("/api/alerts")
    def alerts_json(request: Request, user=Depends(reader)):
        from pipeline.desk import list_outbox

        try:
            with store.session() as (session, _note):
                rows = list_outbox(session, request.query_params.get("state") or None)
        except ValueError as error:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from None
        return JSONResponse(json.loads(json.dumps(rows, default=str)), headers=_page_headers())

    @app.post("/alerts/{delivery_id}/retry")
    def retry_one(delivery_id: int, user=Depends(reviewer)):
        from pipeline.desk import retry_delivery

        with store.session() as (session, _note), session.begin():
            done = retry_delivery(session, delivery_id)
        return RedirectResponse(f"{URL_PREFIX}/alerts?retried={1 if done else 0}", status.HTTP_303_SEE_OTHER)

    @app.post("/alerts/retry-failed")
    def retry_all(user=Depends(reviewer)):
        from pipeline.alerts import retry_failed

        with store.session() as (session, _note), session.begin():
            count = retry_failed(session)
        return RedirectResponse(f"{URL_PREFIX}/alerts?retried={count}", status.HTTP_303_SEE_OTHER)

    @app.get("/export.{fmt}")
    def export(fmt: str, request: Request, user=Depends(reader)):
        from pipeline.desk import ClaimFilters, export_rows

        if fmt not in {"csv", "json"}:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "export as .csv or .json")
        try:
            filters = ClaimFilters.from_params(dict(request.query_params))
        except ValueError as error:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from None
        with store.session() as (session, _note):
            rows = export_rows(session, filters)
        disposition = {"Content-Disposition": f'attachment; filename="transfer-watch-claims.{fmt}"'}
        if fmt == "json":
            body = json.dumps({"filters": filters.as_params(), "claims": rows}, default=str, ensure_ascii=False, indent=1)
            return Response(body, media_type="application/json", headers={**disposition, **_page_headers()})
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["claim_id"])
        writer.writeheader()
        writer.writerows(rows)
        return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={**disposition, **_page_headers()})

    return app


def _claims_query(store: Store, request: Request, params: dict | None = None) -> tuple[dict, object, dict]:
    """Run the Claims page's query from the request's parameters; 400 on bad ones."""
    from pipeline.desk import SORTS, ClaimFilters, list_claim_page
    from pipeline.models import ClaimCluster, Source
    from sqlalchemy import select

    params = dict(request.query_params if params is None else params)
    try:
        filters = ClaimFilters.from_params(params)
        sort = params.get("sort") or "last_seen"
        descending = params.get("order", "desc") != "asc"
        with store.session() as (session, note):
            page = list_claim_page(session, filters, sort=sort, descending=descending, after=params.get("after"))
            options = {
                "categories": session.scalars(select(ClaimCluster.category).distinct().order_by(ClaimCluster.category)).all(),
                "outlets": session.execute(select(Source.key, Source.name).order_by(Source.name)).all(),
                "sorts": list(SORTS),
            }
    except ValueError as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from None
    page["note"] = note
    page["sort"], page["order"] = sort, "desc" if descending else "asc"
    return page, filters, options


def _claim_record(store: Store, cluster_id: int) -> tuple[dict, str | None]:
    from pipeline.desk import claim_record

    with store.session() as (session, note):
        record = claim_record(session, cluster_id)
    if record is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no claim with id {cluster_id}")
    return record, note


def _page_headers() -> dict[str, str]:
    return {"Content-Security-Policy": PAGE_CSP, "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin", "Cache-Control": "no-store"}
