"""Time alert delivery through the outbox against local servers, beside sending the same alerts directly.

Baseline: the same channels' `send` called in a loop with no database (no claim/mark transactions).
The outbox figure adds two short committed transactions per message; the difference is its cost.
Run: .venv/bin/python bench/bench_alerts.py [--alerts 300]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402

from pipeline.alerts import EmailChannel, OutgoingAlert, SlackChannel, deliver_pending, enqueue_alert  # noqa: E402
from pipeline.db import make_engine, make_sessionmaker  # noqa: E402
from pipeline.models import Base  # noqa: E402


class _Ok(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


class _Sink:
    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's naming
        return "250 OK"


def payload(i: int) -> dict:
    """Return a typical claim payload."""
    return {
        "kind": "NEW",
        "supplier": "PRK",
        "recipient": "RUS",
        "category": "artillery_ammunition",
        "item": "artillery shells",
        "quantity": {"min": 1_000_000, "max": None, "unit": "rounds"},
        "status": "delivered",
        "stance": "affirmed",
        "claimant": "South Korea's National Intelligence Service",
        "sentence": f"North Korea has sent Russia over one million artillery shells ({i}).",
        "outlet": "The Moscow Times",
        "url": f"https://www.themoscowtimes.com/2024/02/27/a{i}",
        "title": "North Korea Has Sent Russia 1M Shells",
        "published": "2024-02-27T09:00:00+00:00",
        "corroboration": 2,
    }


def main() -> None:
    """Print messages per second and milliseconds per alert, baseline and outbox."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=300)
    count = parser.parse_args().alerts

    http = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    smtp = Controller(_Sink(), hostname="127.0.0.1", port=18025)
    smtp.start()
    url = f"http://127.0.0.1:{http.server_address[1]}/services/T/B/bench"

    def channels():
        return [
            SlackChannel(webhook_url=url, rate=0),
            EmailChannel(host="127.0.0.1", port=18025, recipients=("a@example.org", "b@example.org")),
        ]

    try:
        direct = channels()
        start = time.perf_counter()
        for i in range(count):
            for channel in direct:
                channel.send(OutgoingAlert(uid=f"{i:032x}", kind="NEW", payload=payload(i)))
        for channel in direct:
            channel.close()
        baseline = time.perf_counter() - start

        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
            Base.metadata.create_all(engine)
            factory = make_sessionmaker(engine)
            outbox_channels = channels()
            with factory() as session, session.begin():
                for i in range(count):
                    enqueue_alert(
                        session, kind="NEW", uid=f"{i:032x}", summary="bench", payload=payload(i), channels=outbox_channels
                    )
            start = time.perf_counter()
            report = deliver_pending(factory, outbox_channels)
            outbox = time.perf_counter() - start
            engine.dispose()
    finally:
        smtp.stop()
        http.shutdown()

    messages = 2 * count
    assert report.sent == messages, report
    print(f"alerts: {count} x 2 channels (Slack webhook + SMTP, 2 recipients), SQLite file, rate limit off")
    print(f"baseline (direct send, no outbox): {messages / baseline:8.1f} msg/s  {1000 * baseline / messages:6.2f} ms/msg")
    print(f"outbox (deliver_pending):          {messages / outbox:8.1f} msg/s  {1000 * outbox / messages:6.2f} ms/msg")
    print(f"outbox overhead:                   {1000 * (outbox - baseline) / messages:6.2f} ms/msg")
    print("production pace is bound by Slack's ~1 msg/s (TW_ALERT_RATE_PER_SECOND), not by the outbox")


if __name__ == "__main__":
    main()
