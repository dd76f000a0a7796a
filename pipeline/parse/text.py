"""Small value helpers shared by the parse modules: whitespace cleaning, first non-empty value."""

from __future__ import annotations

from typing import Any


def clean_text(text: Any) -> str:
    """Collapse whitespace runs to one space; non-strings give ''."""
    if not isinstance(text, str):
        return ""
    return " ".join(text.split())


def first_value(*values: Any) -> Any:
    """Return the first value that is not empty."""
    for value in values:
        if value:
            return value
    return None
