"""Settings from the environment (TW_*), read when called, never at import."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STATE_DIR = PROJECT_ROOT / "state"


@dataclass(frozen=True)
class Settings:
    """Everything a pipeline step needs to know about its environment."""

    database_url: str
    state_dir: Path
    moscow_times_base_url: str = "https://www.themoscowtimes.com"
    allow_private_hosts: bool = False
    crawl_max_pages: int = 0
    crawl_timeout: int = 3600
    extra: dict[str, str] = field(default_factory=dict)


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build Settings from environment variables.

    Args:
        env: a mapping to read instead of os.environ (tests pass their own).
    """
    env = dict(os.environ if env is None else env)
    state_dir = Path(env.get("TW_STATE_DIR", str(DEFAULT_STATE_DIR)))
    database_url = env.get("TW_DATABASE_URL") or f"sqlite:///{state_dir / 'transfer_watch.db'}"
    return Settings(
        database_url=database_url,
        state_dir=state_dir,
        moscow_times_base_url=env.get("TW_MOSCOW_TIMES_BASE_URL", Settings.moscow_times_base_url).rstrip("/"),
        allow_private_hosts=env.get("TW_ALLOW_PRIVATE_HOSTS", "").lower() in {"1", "true", "yes"},
        crawl_max_pages=int(env.get("TW_CRAWL_MAX_PAGES", "0") or 0),
        crawl_timeout=int(env.get("TW_CRAWL_TIMEOUT", "3600") or 3600),
        extra={k: v for k, v in env.items() if k.startswith("TW_")},
    )


LAST_STORE_FILE = "last_store.json"


def remember_store(state_dir: Path, database_url: str, label: str) -> None:
    """Note which store the latest run wrote, so read commands and the Claims page show the same data.

    Args:
        state_dir: the base state folder (TW_STATE_DIR), not the demo's sub-folder.
        database_url: the store the run wrote.
        label: "demo" or "run", shown beside the data.
    """
    import json

    state_dir.mkdir(parents=True, exist_ok=True)
    marker = state_dir / LAST_STORE_FILE
    temporary = marker.with_suffix(".tmp")
    temporary.write_text(json.dumps({"database_url": database_url, "label": label}), encoding="utf-8")
    temporary.replace(marker)


def load_read_settings(env: dict[str, str] | None = None) -> tuple[Settings, str | None]:
    """Return the settings for reading (lists, exports, the Claims page) and a note on which store it is.

    TW_DATABASE_URL, when set, is always the store read, and nothing else is ever mixed in. Without
    it, the store the latest run wrote is read: after `make demo`, the demo's store under
    state/demo/, with a note saying so.

    Args:
        env: a mapping to read instead of os.environ.
    """
    import json

    settings = load_settings(env)
    if settings.extra.get("TW_DATABASE_URL"):
        return settings, None
    try:
        marker = json.loads((settings.state_dir / LAST_STORE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return settings, None
    url, label = marker.get("database_url"), marker.get("label")
    if not url or url == settings.database_url or not url.startswith("sqlite:///"):
        return settings, None
    path = Path(url.removeprefix("sqlite:///"))
    if not path.exists():
        return settings, None
    note = (f"Reading the {label} store {path} (the latest run wrote it); "
            f"set TW_DATABASE_URL to read another store.")
    return replace(settings, database_url=url), note
