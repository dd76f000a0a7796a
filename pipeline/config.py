"""Settings from the environment (TW_*), read when called, never at import."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
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
