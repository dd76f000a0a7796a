"""Who may use the desk: the Airflow user of the request, checked on every route, and CSRF for POSTs.

Airflow does not protect plugin routes. Each route depends on `reader` or `reviewer`, which resolve
the user from the same JWT the UI uses (the `_token` cookie or a Bearer header; 401 without one,
403 for a bad one) and ask the auth manager about the transfer_watch DAG: reading needs GET on it
(any role), reviewing needs PUT (the "User" role and up), so a read-only Viewer can look but not
decide. Review POSTs carry a token bound to the user (HMAC keyed from the JWT secret) and are
refused from another origin.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import time
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request, status

from airflow.api_fastapi.app import get_auth_manager
from airflow.api_fastapi.auth.managers.models.resource_details import DagDetails
from airflow.api_fastapi.core_api.security import get_user

DAG_ID = "transfer_watch"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
# A token is valid for the day it was made and the next (so a page left open overnight still works).
CSRF_PERIOD = 86_400


def user_name(user) -> str:
    """Return the name to record for an Airflow user."""
    return str(user.get_name() if hasattr(user, "get_name") else getattr(user, "username", user))


def may_review(user) -> bool:
    """Tell whether the user may change things about the transfer_watch DAG (review, retry)."""
    return get_auth_manager().is_authorized_dag(method="PUT", details=DagDetails(id=DAG_ID), user=user)


async def reader(user=Depends(get_user)):
    """FastAPI dependency: the logged-in user, who may read the transfer_watch DAG; else 401/403."""
    if not get_auth_manager().is_authorized_dag(method="GET", details=DagDetails(id=DAG_ID), user=user):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Your Airflow role may not read the transfer_watch DAG")
    return user


async def reviewer(request: Request, user=Depends(reader)):
    """FastAPI dependency for POSTs: a user who may review, from our own origin, with a valid CSRF token."""
    if not may_review(user):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Your Airflow role may read claims but not review them")
    origin = request.headers.get("origin")
    # A sandboxed frame (the Airflow UI's) sends "null"; the token below still has to match.
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "cross-origin request refused")
    token = request.headers.get(CSRF_HEADER)
    if token is None and "form" in request.headers.get("content-type", ""):
        token = (await request.form()).get(CSRF_FIELD)
    if not token or not check_csrf_token(user_name(user), str(token)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "missing or stale CSRF token: reload the page")
    return user


def make_csrf_token(name: str, now: float | None = None) -> str:
    """Return the CSRF token for a user for the current period.

    Args:
        name: the user's name.
        now: the clock (tests move it).
    """
    period = int((now if now is not None else time.time()) // CSRF_PERIOD)
    return _sign(name, period)


def check_csrf_token(name: str, token: str, now: float | None = None) -> bool:
    """Tell whether a token was made for this user in this period or the previous one.

    Args:
        name: the user's name.
        token: what the request carried.
        now: the clock.
    """
    period = int((now if now is not None else time.time()) // CSRF_PERIOD)
    return any(hmac.compare_digest(token, _sign(name, p)) for p in (period, period - 1))


def _sign(name: str, period: int) -> str:
    return hmac.new(_csrf_key(), f"tw-desk-csrf|{name}|{period}".encode(), hashlib.sha256).hexdigest()


@functools.cache
def _csrf_key() -> bytes:
    """A key only the API servers know: derived from the shared JWT secret, else random per process."""
    from airflow.configuration import conf

    secret = conf.get("api_auth", "jwt_secret", fallback="") or ""
    if not secret:
        return os.urandom(32)
    return hashlib.sha256(b"transfer-watch-desk-csrf|" + secret.encode()).digest()
