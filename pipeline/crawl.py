"""Run a site's spider as a `scrapy crawl` subprocess and return its summary.

A subprocess, because Twisted's reactor cannot be restarted inside one process (Airflow tasks and
tests crawl many times).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from pipeline.config import PROJECT_ROOT, Settings

# Environment keys TW_SCRAPY_<NAME> become Scrapy settings <NAME> (e.g. TW_SCRAPY_DOWNLOAD_DELAY=0).
SCRAPY_ENV_PREFIX = "TW_SCRAPY_"
STDERR_TAIL_CHARS = 4000


class CrawlError(RuntimeError):
    """The crawl subprocess failed, timed out or wrote no summary; the message ends with its log tail."""


def resolve_spider(settings: Settings, source: str, spider: str | None,
                        base_url: str | None) -> tuple[str, str]:
    """Return the spider name and base URL for a source (built-in defaults for The Moscow Times).

    Args:
        settings: the run's settings.
        source: the source key.
        spider: the spider name, when it differs from the source key.
        base_url: the base URL, when the caller knows it (e.g. from a source file).
    """
    builtin = {"moscow_times": settings.moscow_times_base_url}
    base_url = base_url or builtin.get(source)
    if not base_url:
        raise CrawlError(f"no base URL for source {source!r}; pass base_url=")
    return spider or source, base_url


def build_scrapy_overrides(settings: Settings, overrides: dict[str, object] | None = None) -> dict[str, str]:
    """Return the Scrapy settings a run passes with -s: limits, private hosts, TW_SCRAPY_* and overrides.

    Args:
        settings: the run's settings.
        overrides: extra Scrapy settings (tests lower delays and timeouts here).
    """
    values: dict[str, object] = {
        "TW_ALLOW_PRIVATE_HOSTS": settings.allow_private_hosts,
        "TW_CRAWL_MAX_PAGES": settings.crawl_max_pages,
        # robots.txt is kept a day between crawls, so a run every few minutes costs its feeds only.
        "TW_ROBOTS_CACHE_DIR": Path(settings.state_dir) / "robots",
    }
    for key, value in settings.extra.items():
        if key.startswith(SCRAPY_ENV_PREFIX):
            values[key.removeprefix(SCRAPY_ENV_PREFIX)] = value
    values.update(overrides or {})
    return {name: _setting_text(value) for name, value in values.items()}


def _setting_text(value: object) -> str:
    """Write a value the way Scrapy reads it back from -s (booleans as True/False, lists as commas)."""
    if isinstance(value, (list, tuple)):
        return ",".join(str(item) for item in value)
    return str(value)


def make_safe_name(text: str) -> str:
    """Turn a run key into a file-name fragment."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)[:120]


def run_crawl(settings: Settings, run_key: str, source: str = "moscow_times", *,
              spider: str | None = None, base_url: str | None = None,
              overrides: dict[str, object] | None = None, timeout: float | None = None,
              spider_args: dict[str, str] | None = None) -> dict:
    """Crawl one source with `python -m scrapy crawl` and return the spider's summary dict.

    Args:
        settings: the run's settings (database URL, base URL, state dir, limits).
        run_key: the run's unique name; pages are stored under this run.
        source: the source key, e.g. "moscow_times".
        spider: the Scrapy spider name (defaults to the source key).
        base_url: where the crawl starts (defaults to settings.moscow_times_base_url for moscow_times).
        overrides: extra Scrapy settings, e.g. {"DOWNLOAD_DELAY": 0} in tests.
        timeout: seconds before the crawl is killed (defaults to settings.crawl_timeout).
        spider_args: more spider arguments: walk ("sitemaps,listings": what to read besides the
            feeds), since (YYYY-MM-DD: a history walk back to that date).

    Returns:
        The summary: fetched, new, changed, unchanged, refetched, known_skipped (ints), skipped and
        errors (reason -> count), error_pages, entries, timings, and unreachable (why no entry point
        answered, e.g. "dns: www.bbc.com", else None).

    Raises:
        CrawlError: scrapy exited with an error, timed out, or wrote no summary.
    """
    spider, base_url = resolve_spider(settings, source, spider, base_url)
    name = f"{make_safe_name(run_key)}-{source}"
    summary_path = Path(settings.state_dir) / "crawl" / f"{name}.json"
    log_path = Path(settings.state_dir) / "logs" / f"crawl-{name}.log"
    summary_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    summary_path.unlink(missing_ok=True)
    command = [sys.executable, "-m", "scrapy", "crawl", spider,
               "-a", f"base_url={base_url}", "-a", f"run_key={run_key}", "-a", f"summary_path={summary_path}"]
    for key, value in (spider_args or {}).items():
        if value:
            command += ["-a", f"{key}={value}"]
    for key, value in build_scrapy_overrides(settings, overrides).items():
        command += ["-s", f"{key}={value}"]
    # The database URL may hold a password: pass it in the environment, not on the command line.
    env = {**os.environ, "TW_DATABASE_URL": settings.database_url, "SCRAPY_SETTINGS_MODULE": "spiders.settings"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    limit = timeout if timeout is not None else settings.crawl_timeout
    with open(log_path, "wb") as log_file:
        try:
            completed = subprocess.run(command, cwd=PROJECT_ROOT, env=env, stdout=log_file,
                                       stderr=subprocess.STDOUT, timeout=limit, check=False)
        except subprocess.TimeoutExpired:
            raise CrawlError(f"crawl of {source} timed out after {limit}s\n{read_tail(log_path)}") from None
    if completed.returncode != 0:
        raise CrawlError(f"scrapy crawl {spider} exited with {completed.returncode}\n{read_tail(log_path)}")
    if not summary_path.exists():
        raise CrawlError(f"scrapy crawl {spider} wrote no summary at {summary_path}\n{read_tail(log_path)}")
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    summary["log_path"] = str(log_path)
    summary["summary_path"] = str(summary_path)
    return summary


def read_tail(path: Path, chars: int = STDERR_TAIL_CHARS) -> str:
    """Return the end of a log file (where Scrapy's error is)."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-chars:]
    except OSError:
        return ""
