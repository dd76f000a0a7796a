"""Dates: page date strings and URL dates to timezone-aware UTC datetimes."""

from __future__ import annotations

import re
import warnings
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from dateutil import parser as date_parser

from pipeline.parse.text import clean_text


def parse_date(value: Any) -> datetime | None:
    """Parse a date/time string to a timezone-aware UTC datetime, or None.

    Args:
        value: ISO 8601, RFC 2822, compact YYYYMMDD or other common forms.
    """
    text = clean_text(value)
    if not text or len(text) > 64:
        return None
    parsed = _parse_iso(text)
    if parsed is None:
        parsed = _parse_loose(text)
    if parsed is None or not 1990 <= parsed.year <= 2100:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _parse_iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


# Zone abbreviations newsrooms print; dateutil knows only UTC/GMT by itself.
_ZONES = {
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "MSK": 3, "IST": 5.5,
    "AEST": 10, "AEDT": 11, "JST": 9, "KST": 9,
}


def _parse_loose(text: str) -> datetime | None:
    if re.fullmatch(r"\d{13}", text):  # epoch milliseconds
        return datetime.fromtimestamp(int(text) / 1000, tz=timezone.utc)
    if re.fullmatch(r"\d{10}", text):  # epoch seconds
        return datetime.fromtimestamp(int(text), tz=timezone.utc)
    if not re.search(r"\d{4}", text):  # no year: dateutil would invent today's
        return None
    zones = {name: int(hours * 3600) for name, hours in _ZONES.items()}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return date_parser.parse(text, tzinfos=zones)
    except (ValueError, OverflowError, TypeError, date_parser.ParserError):
        return None


_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-]?(0[1-9]|1[0-2])[/-]?(0[1-9]|[12]\d|3[01])(?:/|[^\d])")


def date_from_url(url: str) -> datetime | None:
    """Return the /YYYY/MM/DD/ date in a URL path as midnight UTC, or None.

    Args:
        url: the page URL.
    """
    match = _URL_DATE.search(urlsplit(url or "").path + "/")
    if not match:
        return None
    try:
        return datetime(*map(int, match.groups()), tzinfo=timezone.utc)
    except ValueError:
        return None
