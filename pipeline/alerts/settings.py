"""Channel settings: the configured channels from TW_* variables, the watchlist file and Airflow connections."""

from __future__ import annotations

import importlib.util
import logging
import os
import re
from pathlib import Path
from typing import Any

from pipeline.alerts.channels import MODES, Channel, ConsoleChannel, EmailChannel, SlackChannel
from pipeline.alerts.watchlist import parse_watch, read_watchlist

# The stage's one logger, by name not __name__: redacted_logging filters it, and a logger's filters
# never see records from its children.
log = logging.getLogger("pipeline.alerts")

DEFAULT_CHANNEL_NAMES = ("slack", "email", "console")
AIRFLOW_SLACK_CONN = "slack_webhook_default"
AIRFLOW_SMTP_CONN = "smtp_default"
SLACK_DEFAULT_ENDPOINT = "https://hooks.slack.com/services"


def load_channels(env: dict[str, str] | None = None) -> list[Channel]:
    """Return the configured channels: env defaults, watchlist channels, Airflow connections.

    With nothing configured, returns [ConsoleChannel()] so alerts are at least printed.

    Args:
        env: a mapping to read instead of os.environ (tests pass their own).
    """
    env = dict(os.environ if env is None else env)
    default_mode = _mode(env.get("TW_ALERT_MODE"), "instant", "TW_ALERT_MODE")
    timeout = float(env.get("TW_ALERT_TIMEOUT") or 10)
    watchlist_path = env.get("TW_WATCHLIST_FILE")
    entries = read_watchlist(Path(watchlist_path), env) if watchlist_path else {}
    slack_defaults = {
        "timeout": timeout,
        "rate": float(env.get("TW_SLACK_RATE_PER_SECOND") or env.get("TW_ALERT_RATE_PER_SECOND") or 1.0),
        "max_retry_wait": float(env.get("TW_SLACK_MAX_RETRY_WAIT") or 30.0),
    }
    smtp = _smtp_settings(env, timeout)
    channels: list[Channel] = []

    channels += _default_slack(env, entries.get("slack") or {}, default_mode, slack_defaults)
    channels += _default_email(env, entries.get("email") or {}, default_mode, smtp)
    for name, entry in entries.items():
        if name in ("slack", "email"):
            continue
        channels.append(_watchlist_channel(name, entry, default_mode, slack_defaults, smtp))

    if not channels:
        channels.append(ConsoleChannel(mode=default_mode))
    _mask_in_airflow([secret for channel in channels for secret in channel.secrets()], env)
    return channels


def _default_slack(env: dict[str, str], entry: dict, default_mode: str, settings: dict) -> list[Channel]:
    """Return the "slack" channel from TW_SLACK_WEBHOOK_URL, the watchlist or Airflow, if any."""
    url = env.get("TW_SLACK_WEBHOOK_URL") or entry.get("webhook_url") or _airflow_slack_url(env)
    if not url:
        return []
    mode = _mode(env.get("TW_SLACK_ALERT_MODE") or entry.get("mode"), default_mode, "slack mode")
    return [SlackChannel(name="slack", webhook_url=url, mode=mode, watch=parse_watch(entry.get("watch")), **settings)]


def _default_email(env: dict[str, str], entry: dict, default_mode: str, smtp: dict) -> list[Channel]:
    """Return the "email" channel when an SMTP host and recipients are configured."""
    recipients = _addresses(env.get("TW_ALERT_EMAIL_TO") or entry.get("to") or smtp.get("to"))
    settings = {key: value for key, value in smtp.items() if key != "to"}
    if settings.get("host") and recipients:
        mode = _mode(env.get("TW_EMAIL_ALERT_MODE") or entry.get("mode"), default_mode, "email mode")
        watch = parse_watch(entry.get("watch"))
        return [EmailChannel(name="email", mode=mode, recipients=recipients, watch=watch, **settings)]
    if settings.get("host"):
        log.warning("email alerts off: SMTP host is set but TW_ALERT_EMAIL_TO names no recipient")
    elif recipients:
        log.warning("email alerts off: TW_ALERT_EMAIL_TO is set but no SMTP host (TW_SMTP_HOST or smtp_default)")
    return []


def _watchlist_channel(name: str, entry: dict, default_mode: str, slack_defaults: dict, smtp: dict) -> Channel:
    kind = str(entry.get("type") or ("console" if name == "console" else "")).lower()
    mode = _mode(entry.get("mode"), default_mode, f"channel {name!r} mode")
    watch = parse_watch(entry.get("watch"))
    if kind == "slack":
        if not entry.get("webhook_url"):
            raise ValueError(f"watchlist channel {name!r}: type slack needs webhook_url")
        settings = {**slack_defaults, **{k: float(entry[k]) for k in ("timeout", "rate") if k in entry}}
        return SlackChannel(name=name, mode=mode, watch=watch, webhook_url=str(entry["webhook_url"]), **settings)
    if kind == "email":
        recipients = _addresses(entry.get("to"))
        if not recipients:
            raise ValueError(f"watchlist channel {name!r}: type email needs to: [addresses]")
        settings = {key: value for key, value in smtp.items() if key != "to"}
        for key, target in (
            ("smtp_host", "host"),
            ("smtp_port", "port"),
            ("smtp_user", "user"),
            ("smtp_password", "password"),
            ("cafile", "cafile"),
            ("from", "sender"),
        ):
            if entry.get(key) not in (None, ""):
                settings[target] = entry[key]
        if "starttls" in entry:
            settings["starttls"] = _tri_state(entry["starttls"])
        if "ssl" in entry:
            settings["use_ssl"] = _flag(entry["ssl"])
        settings["port"] = int(settings.get("port") or 0)
        if not settings.get("host"):
            raise ValueError(f"watchlist channel {name!r}: no SMTP host (set TW_SMTP_HOST or smtp_host)")
        return EmailChannel(name=name, mode=mode, watch=watch, recipients=recipients, **settings)
    if kind == "console":
        return ConsoleChannel(name=name, mode=mode, watch=watch)
    raise ValueError(f"watchlist channel {name!r}: type must be slack, email or console")


def _smtp_settings(env: dict[str, str], timeout: float) -> dict[str, Any]:
    """Return EmailChannel keyword arguments from TW_SMTP_* or, failing that, Airflow's smtp_default."""
    sender = env.get("TW_ALERT_EMAIL_FROM")
    common = {"timeout": timeout, "cafile": env.get("TW_SMTP_CAFILE") or None}
    if env.get("TW_SMTP_HOST"):
        settings = {
            "host": env["TW_SMTP_HOST"],
            "port": int(env.get("TW_SMTP_PORT") or 0),
            "user": env.get("TW_SMTP_USER") or None,
            "password": env.get("TW_SMTP_PASSWORD") or None,
            "starttls": _tri_state(env.get("TW_SMTP_STARTTLS", "auto")),
            "use_ssl": _flag(env.get("TW_SMTP_SSL", "")),
        }
    else:
        conn = _airflow_connection(AIRFLOW_SMTP_CONN, env)
        if conn is None or not conn.host:
            return {**common, "sender": sender or "transfer-watch@localhost"}
        extra = conn.extra_dejson or {}
        # Airflow's own SMTP hook defaults to implicit SSL unless disable_ssl, and STARTTLS unless disable_tls.
        settings = {
            "host": conn.host,
            "port": int(conn.port or 0),
            "user": conn.login or None,
            "password": conn.password or None,
            "starttls": "false" if _flag(extra.get("disable_tls", False)) else "auto",
            "use_ssl": not _flag(extra.get("disable_ssl", False)),
            "to": extra.get("to"),
        }
        sender = sender or extra.get("from_email")
    return {**common, **settings, "sender": sender or settings.get("user") or "transfer-watch@localhost"}


def _airflow_slack_url(env: dict[str, str]) -> str | None:
    conn = _airflow_connection(AIRFLOW_SLACK_CONN, env)
    if conn is None:
        return None
    token = (conn.password or "").strip()
    if not token:
        return None
    if token.startswith(("http://", "https://")):
        return token
    # The Slack provider's convention: the password holds the path, the host the endpoint.
    endpoint = (conn.host or SLACK_DEFAULT_ENDPOINT).rstrip("/")
    if "://" not in endpoint:
        endpoint = f"{conn.schema or 'https'}://{endpoint}"
    return f"{endpoint}/{token.lstrip('/')}"


def _airflow_connection(conn_id: str, env: dict[str, str]):
    """Return an Airflow connection, or None when Airflow is absent, unused or lacks it."""
    if not _airflow_in_use(conn_id, env):
        return None
    try:
        from airflow.sdk import Connection
    except ImportError:
        return None
    try:
        return Connection.get(conn_id)
    except Exception as exc:  # noqa: BLE001 - a missing or unreadable connection just means "not configured"
        log.debug("Airflow connection %s not available (%s)", conn_id, type(exc).__name__)
        return None


def _airflow_in_use(conn_id: str, env: dict[str, str]) -> bool:
    setting = (env.get("TW_ALERT_AIRFLOW_CONNECTIONS") or "auto").lower()
    if setting in ("0", "false", "no", "off"):
        return False
    if importlib.util.find_spec("airflow") is None:
        return False
    if setting in ("1", "true", "yes", "on"):
        return True
    # Outside a task, only an AIRFLOW_CONN_* variable can define the connection without a database.
    return "AIRFLOW_CTX_DAG_ID" in env or f"AIRFLOW_CONN_{conn_id.upper()}" in env


def _mask_in_airflow(secrets: list[str], env: dict[str, str]) -> None:
    """Inside an Airflow task, register secrets with Airflow's log masker as well."""
    if "AIRFLOW_CTX_DAG_ID" not in env or not secrets:
        return
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:
        return
    for secret in secrets:
        mask_secret(secret)


def _addresses(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        value = re.split(r"[,;]", value)
    return tuple(dict.fromkeys(str(address).strip() for address in value if str(address).strip()))


def _mode(value: Any, default: str, what: str) -> str:
    mode = str(value or default).strip().lower()
    if mode not in MODES:
        raise ValueError(f"{what}: {value!r} is not one of {', '.join(MODES)}")
    return mode


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _tri_state(value: Any) -> str:
    text = str(value).strip().lower()
    if text in ("", "auto"):
        return "auto"
    return "true" if _flag(text) else "false"
