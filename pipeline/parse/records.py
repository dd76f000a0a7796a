"""The `extract --jsonl` contract: one {"id", "url", "html"} record in, one result object out."""

from __future__ import annotations

import json
import sys
from typing import IO

from pipeline.parse.article import ParseError
from pipeline.parse.extraction import parse_article


def extract_record(record: dict) -> dict:
    """Extract one page record, the stable `extract --jsonl` contract.

    Args:
        record: {"id", "url", "html"}.

    Returns:
        {"id", "title", "body", "published", "authors", "section", "tags"}; body is plain
        text, one paragraph a line; published is ISO 8601 (UTC) or None.

    Raises:
        ParseError: when the record is not a dict or its html is missing or not text.
    """
    if not isinstance(record, dict):
        raise ParseError(f"record must be an object, got {type(record).__name__}")
    html = record.get("html")
    if not isinstance(html, str):
        raise ParseError("record has no 'html' string")
    article = parse_article(html, record.get("url") or "")
    return {
        "id": record.get("id"),
        "title": article.title,
        "body": article.body_text(),
        "published": article.published.isoformat() if article.published else None,
        "authors": article.authors,
        "section": article.section,
        "tags": article.tags,
    }


def extract_jsonl(in_stream: IO[str], out_stream: IO[str]) -> int:
    """Extract every JSON line of in_stream to out_stream; return the count of lines written.

    A bad line gives an output line {"id" (when known), "error"} and a message on stderr;
    the loop never stops early.

    Args:
        in_stream: text stream of {"id","url","html"} JSON objects, one a line.
        out_stream: text stream receiving one JSON object per input line.
    """
    written = 0
    for number, line in enumerate(in_stream, start=1):
        if not line.strip():
            continue
        record_id = None
        try:
            record = json.loads(line)
            record_id = record.get("id") if isinstance(record, dict) else None
            result = extract_record(record)
        except Exception as error:  # noqa: BLE001 - one bad page must not stop the batch
            message = f"{type(error).__name__}: {error}"
            print(f"extract: line {number} (id={record_id}): {message}", file=sys.stderr)
            result = {"id": record_id, "error": message} if record_id is not None else {"error": message}
        out_stream.write(json.dumps(result, ensure_ascii=False) + "\n")
        written += 1
    return written
