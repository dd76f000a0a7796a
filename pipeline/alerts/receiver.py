"""A local stand-in for a Slack incoming webhook that prints what it receives (development only).

    python -m pipeline.alerts.receiver --port 8099            # answer 200 "ok"
    python -m pipeline.alerts.receiver --port 8099 --status 500   # play an outage

Then set TW_SLACK_WEBHOOK_URL=http://127.0.0.1:8099/services/T000/B000/dev and run the pipeline.
"""

from __future__ import annotations

import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def summarise_message(body: dict) -> str:
    """Return a Slack webhook body as a few readable lines: every section's text, then the context.

    Args:
        body: the JSON a webhook receives ({"text", "blocks"}).
    """
    lines = []
    for block in body.get("blocks", []):
        if block.get("type") == "header":
            lines.append(f"== {block['text']['text']}")
        for item in block.get("fields", []):
            lines.append("  " + item["text"].replace("\n", ": ", 1))
        if block.get("type") == "section" and "text" in block:
            lines.append(block["text"]["text"])
        for element in block.get("elements", []) if block.get("type") == "context" else []:
            lines.append(f"   ({element['text']})")
    return "\n".join(lines) or body.get("text", "")


def make_handler(status: int) -> type[BaseHTTPRequestHandler]:
    """Return a request handler that prints each POSTed message and answers `status`.

    Args:
        status: the HTTP status to answer (200, or 500/429 to try failures).
    """

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                print(summarise_message(json.loads(raw)), flush=True)
            except (ValueError, KeyError, TypeError):
                print(raw.decode("utf-8", "replace"), flush=True)
            print("-" * 72, flush=True)
            text = b"ok" if status == 200 else b"simulated failure"
            self.send_response(status)
            if status == 429:
                self.send_header("Retry-After", "5")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        def log_message(self, *args):
            pass

    return Handler


def main() -> None:
    """Serve until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--status", type=int, default=200, help="HTTP status to answer (try 500 or 429)")
    args = parser.parse_args()
    server = ThreadingHTTPServer((args.host, args.port), make_handler(args.status))
    print(f"webhook receiver: TW_SLACK_WEBHOOK_URL=http://{args.host}:{server.server_address[1]}/services/T000/B000/dev")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
