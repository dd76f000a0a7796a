"""Real servers for tests, on 127.0.0.1: a Slack-like webhook receiver and an SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

WEBHOOK_TOKEN = "T0SECRET1/B0SECRET2/xoxWebhookToken9f3a7c"
SMTP_USER = "alerts-bot"
SMTP_PASSWORD = "s3cret-Pa55word-zq81"


class WebhookReceiver:
    """A Slack-like webhook endpoint: records bodies; `behaviour` decides the answer."""

    def __init__(self) -> None:
        self.behaviour = "ok"  # ok | 500 | hang | 429 | 400-poison | 500-then-hang
        self.retry_after = "1"
        self.hang_seconds = 3.0
        self.bodies: list[dict] = []
        self.requests: list[tuple[float, str]] = []
        self.release = threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.requests.append((time.monotonic(), receiver.behaviour))
                    behaviour = receiver.behaviour
                    if behaviour == "500-then-hang":
                        receiver.behaviour = "hang"
                        behaviour = "500"
                    if behaviour == "429-once":
                        receiver.behaviour = "ok"
                        behaviour = "429"
                if behaviour == "hang":
                    receiver.release.wait(receiver.hang_seconds)
                    return self._answer(503, "late")
                if behaviour == "500":
                    # Real proxies sometimes echo the request path; it must not reach our logs or DB.
                    return self._answer(500, f"internal error while handling {self.path}")
                if behaviour == "429":
                    return self._answer(429, "rate_limited", {"Retry-After": receiver.retry_after})
                if behaviour == "400-poison" and b"POISON" in body:
                    return self._answer(400, "invalid_blocks")
                if self.path != f"/services/{WEBHOOK_TOKEN}":
                    return self._answer(404, "no_service")
                with receiver.lock:
                    receiver.bodies.append(json.loads(body))
                self._answer(200, "ok")

            def _answer(self, status, text, headers=None):
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                try:
                    self.wfile.write(text.encode())
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/{WEBHOOK_TOKEN}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def uids(self) -> list[str]:
        """Every alert id in every received message, in order (a digest yields several)."""
        return [uid for body in self.bodies for uid in re.findall(r"`([0-9a-f]{32})`", json.dumps(body))]


class MailSink:
    """aiosmtpd handler that keeps every accepted envelope."""

    def __init__(self) -> None:
        self.envelopes: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's naming
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        self.envelopes.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def deliveries(self) -> list[tuple[str, str]]:
        """(recipient, alert id) for every copy delivered; a digest counts once per listed alert."""
        result = []
        for rcpts, message in self.envelopes:
            body = message.get_body(("plain",)).get_content()
            uids = re.findall(r"\b([0-9a-f]{32})\b", body)
            result += [(rcpt, uid) for rcpt in rcpts for uid in uids]
        return result


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == SMTP_USER
    ok = ok and auth_data.password.decode() == SMTP_PASSWORD
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_smtp(sink: MailSink, **kwargs) -> Controller:
    controller = Controller(sink, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    return controller
