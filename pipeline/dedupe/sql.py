"""SQL helpers shared by the dedupe modules."""

from __future__ import annotations

from typing import Iterator


def chunks(items: list, size: int = 500) -> Iterator[list]:
    """Split a list so SQL IN clauses stay well under database parameter limits.

    Args:
        items: the values for the IN clause.
        size: values per chunk.
    """
    for start in range(0, len(items), size):
        yield items[start : start + size]


def equals_or_null(column, value):
    """Return `column = value`, or `column IS NULL` when value is None (SQL's = never matches NULL).

    Args:
        column: a SQLAlchemy column.
        value: the value to match, or None.
    """
    return column.is_(None) if value is None else column == value
