"""Alert channels: Slack webhook, SMTP email and console, each with its watchlist filter."""

from __future__ import annotations

import ipaddress
import logging
import re
import smtplib
import socket
import ssl
import sys
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol, Sequence
from urllib.parse import urlsplit

import requests

from pipeline.alerts.redaction import redact, url_secrets
from pipeline.alerts.render import (
    render_digest_text,
    render_email,
    render_email_digest,
    render_slack_blocks,
    render_slack_digest,
    render_text,
)
from pipeline.alerts.watchlist import Watch

# The stage's one logger, by name not __name__: redacted_logging filters it, and a logger's filters
# never see records from its children.
log = logging.getLogger("pipeline.alerts")

MODES = ("instant", "digest")


class DeliveryError(Exception):
    """A send failed; `permanent` means this message can never go through as it is."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


@dataclass(frozen=True)
class OutgoingAlert:
    """What a channel sends: the alert's stable id and its payload (no database objects)."""

    uid: str
    kind: str
    payload: dict


class Channel(Protocol):
    """What the outbox needs from a channel."""

    name: str
    mode: str

    def accepts(self, payload: dict) -> bool: ...

    def send(self, alert_or_alerts: OutgoingAlert | Sequence[OutgoingAlert]) -> str | None: ...

    def secrets(self) -> list[str]: ...

    def close(self) -> None: ...


@dataclass
class BaseChannel:
    """Fields and behaviour shared by every channel."""

    name: str
    mode: str = "instant"
    watch: Watch = field(default_factory=Watch)
    digest_max: int = 250

    def accepts(self, payload: dict) -> bool:
        """Return True when this channel wants the alert (its watchlist filter).

        Args:
            payload: an alert payload.
        """
        return self.watch.accepts(payload)

    def secrets(self) -> list[str]:
        """Return the values that must never be logged or stored."""
        return []

    def close(self) -> None:
        """Release connections held between sends."""

    def redact(self, text: str) -> str:
        """Return text with this channel's secrets removed.

        Args:
            text: an error message or log line.
        """
        return redact(text, self.secrets())


@dataclass
class ConsoleChannel(BaseChannel):
    """Prints alerts to standard output; used when no Slack or email is configured."""

    name: str = "console"

    def send(self, alert_or_alerts: OutgoingAlert | Sequence[OutgoingAlert]) -> str | None:
        """Print one alert, or a digest of several.

        Args:
            alert_or_alerts: an OutgoingAlert or a list of them (a digest).
        """
        alerts = _as_list(alert_or_alerts)
        if len(alerts) == 1:
            text = render_text(alerts[0].payload, uid=alerts[0].uid)
        else:
            text = render_digest_text([(a.uid, a.payload) for a in alerts])
        print(f"{text}\n", file=sys.stdout, flush=True)
        return None


@dataclass
class SlackChannel(BaseChannel):
    """Posts Block Kit messages to a Slack incoming webhook, at most `rate` messages a second."""

    name: str = "slack"
    webhook_url: str = ""
    timeout: float = 10.0
    rate: float = 1.0
    max_retry_wait: float = 30.0
    _http: requests.Session | None = field(default=None, repr=False)
    _last_post: float = field(default=0.0, repr=False)

    def __repr__(self) -> str:
        return f"SlackChannel(name={self.name!r}, mode={self.mode!r})"

    def secrets(self) -> list[str]:
        """Return the webhook URL and its path (the path alone is the credential)."""
        return url_secrets(self.webhook_url)

    def send(self, alert_or_alerts: OutgoingAlert | Sequence[OutgoingAlert]) -> str | None:
        """Post one alert, or a digest of several, as one Slack message.

        Args:
            alert_or_alerts: an OutgoingAlert or a list of them (a digest).
        """
        alerts = _as_list(alert_or_alerts)
        if len(alerts) == 1:
            bodies = [render_slack_blocks(alerts[0].payload, uid=alerts[0].uid)]
        else:
            bodies = render_slack_digest([(a.uid, a.payload) for a in alerts])
        for body in bodies:
            self._post(body)
        return None

    def close(self) -> None:
        """Close the HTTP connection pool."""
        if self._http is not None:
            self._http.close()
            self._http = None

    def _post(self, body: dict) -> None:
        if self._http is None:
            self._http = requests.Session()
        waited = 0.0
        while True:
            self._throttle()
            try:
                response = self._http.post(
                    self.webhook_url, json=body, timeout=(self.timeout, self.timeout), allow_redirects=False
                )
            except requests.Timeout as exc:
                # The request may have reached Slack: a retry can double this message (see README).
                raise DeliveryError(f"Slack webhook timed out after {self.timeout:g}s: {self.redact(str(exc))}")
            except requests.RequestException as exc:
                raise DeliveryError(f"Slack webhook unreachable at {self._host()}: {self.redact(_root_cause(exc))}")
            if response.status_code == 200:
                return
            detail = self.redact(response.text.strip()[:200]) or response.reason or ""
            if response.status_code == 429:
                retry_after = _retry_after(response.headers.get("Retry-After"))
                if waited + retry_after <= self.max_retry_wait:
                    log.info("%s: rate limited, waiting %.1fs as Slack asks", self.name, retry_after)
                    time.sleep(retry_after)
                    waited += retry_after
                    continue
                raise DeliveryError(f"Slack rate limit (429), retry after {retry_after:g}s", retry_after=retry_after)
            # 400 and 413 mean Slack refuses this very message; 403/404/410 mean the webhook is
            # revoked or misconfigured, which an operator can fix, so those rows keep retrying.
            permanent = response.status_code in (400, 413, 422)
            raise DeliveryError(f"Slack webhook answered HTTP {response.status_code}: {detail}", permanent=permanent)

    def _host(self) -> str:
        return urlsplit(self.webhook_url).netloc.rpartition("@")[2]

    def _throttle(self) -> None:
        if self.rate <= 0:
            return
        delay = self._last_post + 1.0 / self.rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self._last_post = time.monotonic()


@dataclass
class EmailChannel(BaseChannel):
    """Sends alerts by SMTP (STARTTLS or implicit SSL), text and HTML parts, to several recipients."""

    name: str = "email"
    host: str = ""
    port: int = 0
    user: str | None = None
    password: str | None = None
    starttls: str = "auto"
    use_ssl: bool = False
    cafile: str | None = None
    sender: str = "transfer-watch@localhost"
    recipients: tuple[str, ...] = ()
    timeout: float = 10.0
    _smtp: smtplib.SMTP | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return f"EmailChannel(name={self.name!r}, mode={self.mode!r}, host={self.host!r}, to={self.recipients!r})"

    def secrets(self) -> list[str]:
        """Return the SMTP password."""
        return [self.password] if self.password else []

    def send(self, alert_or_alerts: OutgoingAlert | Sequence[OutgoingAlert]) -> str | None:
        """Mail one alert, or a digest of several, once to every recipient.

        Returns a note when some recipients were refused but others accepted (sent, with a warning).

        Args:
            alert_or_alerts: an OutgoingAlert or a list of them (a digest).
        """
        alerts = _as_list(alert_or_alerts)
        if len(alerts) == 1:
            message = render_email(alerts[0].payload, uid=alerts[0].uid, sender=self.sender, recipients=self.recipients)
        else:
            message = render_email_digest(
                [(a.uid, a.payload) for a in alerts], sender=self.sender, recipients=self.recipients
            )
        return self._send_message(message)

    def close(self) -> None:
        """Say QUIT to the server if a connection is open."""
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._smtp = None

    def _send_message(self, message: EmailMessage) -> str | None:
        try:
            smtp = self._connection()
            refused = smtp.send_message(message, from_addr=self.sender, to_addrs=list(self.recipients))
        except smtplib.SMTPRecipientsRefused as exc:
            self._drop()
            codes = [code for code, _ in exc.recipients.values()]
            permanent = all(500 <= code < 600 for code in codes)
            raise DeliveryError(f"SMTP refused every recipient: {self._refusals(exc.recipients)}", permanent=permanent)
        except smtplib.SMTPDataError as exc:
            self._drop()
            raise DeliveryError(f"SMTP rejected the message: {self._smtp_reply(exc)}", permanent=500 <= exc.smtp_code < 600)
        except smtplib.SMTPAuthenticationError as exc:
            self._drop()
            raise DeliveryError(f"SMTP login failed for user {self.user!r}: {self._smtp_reply(exc)}")
        except smtplib.SMTPResponseException as exc:
            self._drop()
            raise DeliveryError(f"SMTP error: {self._smtp_reply(exc)}")
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ssl.SSLError) as exc:
            self._drop()
            raise DeliveryError(f"SMTP server {self._where()} unreachable: {type(exc).__name__}: {self.redact(str(exc))}")
        except smtplib.SMTPException as exc:
            self._drop()
            raise DeliveryError(f"SMTP error at {self._where()}: {type(exc).__name__}: {self.redact(str(exc))}")
        except OSError as exc:
            self._drop()
            raise DeliveryError(f"SMTP server {self._where()} unreachable: {type(exc).__name__}: {self.redact(str(exc))}")
        if refused:
            # The others already have it, so resending would double it for them: record and move on.
            return f"sent, but SMTP refused {self._refusals(refused)}"
        return None

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        context = ssl.create_default_context(cafile=self.cafile)
        if self.use_ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self._port(), timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self._port(), timeout=self.timeout)
        try:
            smtp.ehlo()
            if not self.use_ssl and self.starttls != "false":
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=context)
                    smtp.ehlo()
                elif self.starttls == "true":
                    raise DeliveryError(f"SMTP server {self.host} does not offer STARTTLS (TW_SMTP_STARTTLS=true)")
            if self.user:
                encrypted = self.use_ssl or isinstance(smtp.sock, ssl.SSLSocket)
                if not encrypted and not _is_loopback(self.host):
                    raise DeliveryError(
                        f"refusing to send SMTP credentials to {self.host} without TLS; "
                        "set TW_SMTP_STARTTLS=true or TW_SMTP_SSL=true"
                    )
                smtp.login(self.user, self.password or "")
        except BaseException:
            _quietly_close(smtp)
            raise
        self._smtp = smtp
        return smtp

    def _where(self) -> str:
        return f"{self.host}:{self._port()}"

    def _port(self) -> int:
        return self.port or (465 if self.use_ssl else 587 if self.starttls == "true" else 25)

    def _drop(self) -> None:
        if self._smtp is not None:
            _quietly_close(self._smtp)
            self._smtp = None

    def _smtp_reply(self, exc: smtplib.SMTPResponseException) -> str:
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {self.redact(text)}"

    def _refusals(self, refused: dict) -> str:
        return "; ".join(
            f"{address}: {code} {self.redact(reply.decode('utf-8', 'replace') if isinstance(reply, bytes) else str(reply))}"
            for address, (code, reply) in refused.items()
        )


def _root_cause(exc: BaseException) -> str:
    """Return the innermost reason of a requests error ("[Errno 111] Connection refused"), not its wrapping."""
    text = str(exc)
    found = re.search(r"\[Errno -?\d+\] [^\"')]+", text)
    if found:
        return found.group(0).strip()
    return f"{type(exc).__name__}: {text}"


def _retry_after(value: str | None) -> float:
    try:
        return max(0.0, float(value)) if value else 1.0
    except ValueError:
        return 30.0


def _as_list(alert_or_alerts: OutgoingAlert | Sequence[OutgoingAlert]) -> list[OutgoingAlert]:
    if isinstance(alert_or_alerts, (list, tuple)):
        return list(alert_or_alerts)
    return [alert_or_alerts]  # type: ignore[list-item]


def _is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _quietly_close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.close()
    except (OSError, socket.error):
        pass
