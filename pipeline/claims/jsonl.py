"""The stable `claims detect --jsonl` contract: one {"id","claims"} line out per {"id","text"} line in."""

from __future__ import annotations

import json
import re
import sys
from typing import IO

from pipeline.claims.detect import detect_claims


def detect_record(record: dict) -> dict:
    """Run detection on one {"id", "text"} record and return {"id", "claims": [...]}.

    Args:
        record: a dict with "id" and "text".
    """
    text = record.get("text") or ""
    return {"id": record.get("id"), "claims": [c.to_dict() for c in detect_claims(text)]}


def detect_jsonl(in_stream: IO[str], out_stream: IO[str], err_stream: IO[str] | None = None) -> int:
    """Read {"id","text"} JSON lines and write exactly one {"id","claims"} line per input line; return bad lines.

    A line that cannot be used (bad JSON, not an object, no text, blank) still gets its output line,
    {"id": <id if recoverable else null>, "claims": [], "error": "..."}, so outputs align with inputs;
    the reason also goes to err_stream.

    Args:
        in_stream: input lines.
        out_stream: where result lines go.
        err_stream: where errors go (default stderr).
    """
    err_stream = err_stream or sys.stderr
    bad = 0
    for lineno, line in enumerate(in_stream, 1):
        try:
            result = _detect_line(line)
        except Exception as exc:  # noqa: BLE001 - one bad record must not stop a batch
            result = {"id": _recover_id(line), "claims": [], "error": f"detection failed: {type(exc).__name__}: {exc}"}
        if "error" in result:
            bad += 1
            print(f"line {lineno}: {result['error']}", file=err_stream)
        out_stream.write(json.dumps(result, ensure_ascii=False) + "\n")
        out_stream.flush()
    return bad


def _detect_line(line: str) -> dict:
    """Result for one input line, with an "error" key when the line is unusable."""
    if not line.strip():
        return {"id": None, "claims": [], "error": "empty line"}
    try:
        record = json.loads(line)
    except ValueError as exc:
        return {"id": _recover_id(line), "claims": [], "error": f"bad JSON: {exc}"}
    if not isinstance(record, dict):
        return {"id": None, "claims": [], "error": "not a JSON object"}
    if not isinstance(record.get("text"), str):
        return {"id": record.get("id"), "claims": [], "error": "no text string"}
    return detect_record(record)


def _recover_id(line: str):
    """The "id" value of a broken JSON line, when it can still be read."""
    m = re.search(r'"id"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?)', line)
    if not m:
        return None
    try:
        return json.loads(m.group(1))
    except ValueError:
        return None
