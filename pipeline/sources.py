"""The outlets we crawl, as data: one YAML file per source in `sources/` at the project root.

A source file names the outlet, where its feeds, sitemaps and listing pages are, which links are
articles, how to tell two URLs of one article apart, and (optionally) CSS selectors and politeness
overrides. `load_sources` validates every file (errors name the file and the field) and resolves
URLs against the base URL, which the environment can override to point a source at a mirror:

    TW_SOURCE_<KEY>_BASE_URL=http://127.0.0.1:8765/bbc   (KEY upper-cased, e.g. TW_SOURCE_BBC_BASE_URL)

With an override, absolute URLs the file gives on the outlet's own domains (feeds.bbci.co.uk, ...)
move to the override as well, so the live crawl and a mirror crawl differ by base URL alone.
Other environment keys: TW_SOURCES_DIR (another folder of source files) and TW_SOURCES (comma
list of keys to load; default every enabled source).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urljoin, urlsplit, urlunsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipeline.config import PROJECT_ROOT, Settings

DEFAULT_SOURCES_DIR = PROJECT_ROOT / "sources"
SPIDERS = ("generic", "moscow_times")
SELECTOR_FIELDS = ("title", "subtitle", "body", "date", "modified", "authors", "tags", "section")
KEY_PATTERN = r"^[a-z][a-z0-9_]{1,40}$"


class SourceFileError(ValueError):
    """A source file is missing, unreadable or invalid; the message names the file and the field."""


class Politeness(BaseModel):
    """Per-outlet crawl pace (used against the live site; a mirror uses the run's defaults)."""

    model_config = ConfigDict(extra="forbid")
    download_delay: float | None = Field(default=None, ge=0, le=120)
    concurrency: int | None = Field(default=None, ge=1, le=16)


class Identity(BaseModel):
    """How two URLs are known to be one article: the outlet's own id, or the canonical URL."""

    model_config = ConfigDict(extra="forbid")
    id_pattern: str | None = None  # regex over the site path; group 1 is the article id
    canonical: bool = False

    @field_validator("id_pattern")
    @classmethod
    def check_pattern(cls, value: str | None) -> str | None:
        if value is not None:
            compiled = _compile(value)
            if compiled.groups < 1:
                raise ValueError("id_pattern needs a group around the article id, e.g. '/a/[^/]+/(\\d+)\\.html$'")
        return value

    @model_validator(mode="after")
    def check_one_rule(self) -> "Identity":
        if self.id_pattern and self.canonical:
            raise ValueError("give either id_pattern or canonical: true, not both")
        return self


class WalkEvery(BaseModel):
    """How often (minutes) sitemaps and listings are read; feeds are read on every run. 0 = every run."""

    model_config = ConfigDict(extra="forbid")
    sitemaps: int = Field(default=60, ge=0, le=10080)
    listings: int = Field(default=60, ge=0, le=10080)


class SourceFile(BaseModel):
    """The schema of a source YAML file (unknown fields are errors, so typos do not pass silently)."""

    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=KEY_PATTERN)
    name: str = Field(min_length=1)
    base_url: str
    spider: Literal["generic", "moscow_times"] = "generic"
    enabled: bool = True
    language: str = Field(default="en", pattern=r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
    feeds: list[str] = []
    sitemaps: list[str] = []
    history_sitemaps: list[str] = []
    listings: list[str] = []
    walk_every: WalkEvery = WalkEvery()
    allowed_domains: list[str] = []
    article_pattern: str | None = None
    identity: Identity = Identity(canonical=True)
    selectors: dict[str, str | list[str]] = {}
    politeness: Politeness = Politeness()
    max_age_days: int = Field(default=30, ge=0)
    allow_private_hosts: bool | list[str] = False

    @field_validator("base_url")
    @classmethod
    def check_base_url(cls, value: str) -> str:
        return _check_http_url(value).rstrip("/")

    @field_validator("article_pattern")
    @classmethod
    def check_article_pattern(cls, value: str | None) -> str | None:
        if value is not None:
            _compile(value)
        return value

    @field_validator("selectors")
    @classmethod
    def check_selectors(cls, value: dict) -> dict:
        import soupsieve

        from pipeline.sites.selectors import split_selector  # not at the top: that module imports this one

        unknown = sorted(set(value) - set(SELECTOR_FIELDS))
        if unknown:
            raise ValueError(f"unknown selector field(s) {unknown}; known: {list(SELECTOR_FIELDS)}")
        for name, selectors in value.items():
            for text in [selectors] if isinstance(selectors, str) else selectors:
                try:
                    soupsieve.compile(split_selector(text)[0])
                except soupsieve.SelectorSyntaxError as error:
                    raise ValueError(f"{name}: {text!r} is not a CSS selector: {error.args[0]}") from None
        return value

    @field_validator("allow_private_hosts")
    @classmethod
    def check_private_hosts(cls, value: bool | list[str]) -> bool | list[str]:
        for entry in value if isinstance(value, list) else []:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or network (e.g. 127.0.0.1 or 10.0.0.0/8)") from None
        return value

    @model_validator(mode="after")
    def check_discovery(self) -> "SourceFile":
        if self.spider == "generic":
            if not (self.feeds or self.sitemaps or self.listings):
                raise ValueError("a generic source needs at least one of feeds, sitemaps or listings")
            if self.listings and not self.article_pattern:
                raise ValueError("listings need article_pattern (which links on a listing page are articles)")
        return self


@dataclass(frozen=True)
class SourceConfig:
    """What the pipeline knows about one outlet, with every URL resolved against the effective base URL."""

    key: str
    name: str
    base_url: str
    spider: str
    language: str = "en"
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    history_sitemaps: tuple[str, ...] = ()
    listings: tuple[str, ...] = ()
    walk_every: dict[str, int] = field(default_factory=lambda: {"sitemaps": 60, "listings": 60})
    allowed_domains: tuple[str, ...] = ()
    article_pattern: str | None = None
    id_pattern: str | None = None
    selectors: dict[str, tuple[str, ...]] = field(default_factory=dict)
    download_delay: float | None = None
    concurrency: int | None = None
    max_age_days: int = 30
    allow_private_hosts: bool | tuple[str, ...] = False
    live_base_url: str = ""
    path: Path | None = None

    @property
    def mirrored(self) -> bool:
        """Whether the base URL was overridden (a mirror or proxy instead of the live site)."""
        return self.base_url != self.live_base_url


# --------------------------------------------------------------------------- loading

def load_sources(settings: Settings) -> list[SourceConfig]:
    """Return every enabled source (or those TW_SOURCES names), base URLs overridden from settings.

    Args:
        settings: the run's settings (TW_SOURCE_<KEY>_BASE_URL, TW_SOURCES_DIR and TW_SOURCES in extra).

    Raises:
        SourceFileError: a file is invalid, two files share a key, or TW_SOURCES names an unknown key.
    """
    files = read_source_files(sources_dir(settings))
    wanted = [k.strip() for k in settings.extra.get("TW_SOURCES", "").split(",") if k.strip()]
    unknown = sorted(set(wanted) - {f.key for f, _ in files})
    if unknown:
        raise SourceFileError(f"TW_SOURCES names unknown source(s) {unknown}; known: {sorted(f.key for f, _ in files)}")
    chosen = [(f, p) for f, p in files if (f.key in wanted if wanted else f.enabled)]
    return [build_source(f, p, base_url_override(settings, f)) for f, p in chosen]


def find_source(settings: Settings, key: str) -> SourceConfig:
    """Return the source with `key`, enabled or not (TW_SOURCES does not hide it).

    Args:
        settings: the run's settings.
        key: the source key.

    Raises:
        SourceFileError: no file defines that key.
    """
    for source_file, path in read_source_files(sources_dir(settings)):
        if source_file.key == key:
            return build_source(source_file, path, base_url_override(settings, source_file))
    raise SourceFileError(f"no source {key!r} in {sources_dir(settings)}")


def sources_dir(settings: Settings) -> Path:
    """Return the folder of source files (TW_SOURCES_DIR, else sources/ at the project root).

    Args:
        settings: the run's settings.
    """
    return Path(settings.extra.get("TW_SOURCES_DIR") or DEFAULT_SOURCES_DIR)


def read_source_files(folder: Path) -> list[tuple[SourceFile, Path]]:
    """Read and validate every *.yaml / *.yml file in a folder, sorted by file name.

    Args:
        folder: the sources folder.

    Raises:
        SourceFileError: the folder is missing, a file is invalid, or two files share a key.
    """
    if not folder.is_dir():
        raise SourceFileError(f"sources folder {folder} does not exist (set TW_SOURCES_DIR or create it)")
    found: list[tuple[SourceFile, Path]] = []
    seen: dict[str, Path] = {}
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        source_file = read_source_file(path)
        if source_file.key in seen:
            raise SourceFileError(f"{path}: key {source_file.key!r} is already used by {seen[source_file.key]}")
        seen[source_file.key] = path
        found.append((source_file, path))
    return found


def read_source_file(path: Path) -> SourceFile:
    """Read and validate one source file.

    Args:
        path: the YAML file.

    Raises:
        SourceFileError: the file is not YAML, not a mapping, or breaks the schema (message names each field).
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise SourceFileError(f"{path}: cannot read YAML: {error}") from None
    if not isinstance(data, dict):
        raise SourceFileError(f"{path}: expected a mapping of fields (key: value), got {type(data).__name__}")
    try:
        return SourceFile.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            where = ".".join(str(part) for part in item["loc"]) or "(file)"
            problems.append(f"field {where!r}: {item['msg']}")
        raise SourceFileError(f"{path}: " + "; ".join(problems)) from None


def base_url_override(settings: Settings, source_file: SourceFile) -> str | None:
    """Return the base URL the environment sets for a source, if any.

    TW_SOURCE_<KEY>_BASE_URL wins; The Moscow Times also honours the older TW_MOSCOW_TIMES_BASE_URL
    (settings.moscow_times_base_url).

    Args:
        settings: the run's settings.
        source_file: the validated source file.
    """
    override = settings.extra.get(f"TW_SOURCE_{source_file.key.upper()}_BASE_URL")
    if override:
        return _check_http_url(override).rstrip("/")
    if source_file.key == "moscow_times" and settings.moscow_times_base_url.rstrip("/") != source_file.base_url:
        return settings.moscow_times_base_url.rstrip("/")
    return None


def build_source(source_file: SourceFile, path: Path | None, override: str | None = None) -> SourceConfig:
    """Resolve a validated file into a SourceConfig (URLs absolute, domains filled in).

    Args:
        source_file: the validated file.
        path: where it was read from (for messages).
        override: another base URL (a mirror); URLs on the outlet's own domains move to it.
    """
    live_domains = source_file.allowed_domains or [_site_domain(source_file.base_url)]
    base_url = override or source_file.base_url

    def resolve(links: list[str]) -> tuple[str, ...]:
        return tuple(resolve_url(link, base_url, source_file.base_url, live_domains) for link in links)

    domains = [_site_domain(base_url)] if override else live_domains
    private = source_file.allow_private_hosts
    return SourceConfig(
        key=source_file.key,
        name=source_file.name,
        base_url=base_url,
        spider=source_file.spider,
        language=source_file.language,
        feeds=resolve(source_file.feeds),
        sitemaps=resolve(source_file.sitemaps),
        history_sitemaps=resolve(source_file.history_sitemaps),
        listings=resolve(source_file.listings),
        walk_every=source_file.walk_every.model_dump(),
        allowed_domains=tuple(dict.fromkeys(d.lower() for d in domains)),
        article_pattern=source_file.article_pattern,
        id_pattern=source_file.identity.id_pattern,
        selectors={name: tuple([value] if isinstance(value, str) else value)
                   for name, value in source_file.selectors.items()},
        download_delay=source_file.politeness.download_delay,
        concurrency=source_file.politeness.concurrency,
        max_age_days=source_file.max_age_days,
        allow_private_hosts=tuple(private) if isinstance(private, list) else private,
        live_base_url=source_file.base_url,
        path=path,
    )


def resolve_url(link: str, base_url: str, live_base_url: str, live_domains: list[str]) -> str:
    """Make a configured link absolute; with a base-URL override, move the outlet's own hosts to it.

    Args:
        link: a path ("/rss/news") or an absolute URL from the source file.
        base_url: the effective base URL (live or mirror).
        live_base_url: the base URL the file gives.
        live_domains: the outlet's own domains.
    """
    if not urlsplit(link).scheme:
        return urljoin(base_url + "/", link.lstrip("/"))
    if base_url == live_base_url or not _on_domains(link, live_domains):
        return link
    parts = urlsplit(link)
    return base_url + urlunsplit(("", "", parts.path, parts.query, ""))


# --------------------------------------------------------------------------- rules used by crawl and parse

def site_path(url: str, source: SourceConfig) -> str:
    """Return the URL's path (and query) as the outlet's site would have it: the base URL's path prefix removed.

    Args:
        url: an absolute URL.
        source: the source (a mirror base such as http://127.0.0.1:8765/bbc has the prefix /bbc).
    """
    parts = urlsplit(url)
    prefix = urlsplit(source.base_url).path.rstrip("/")
    path = parts.path
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        path = path[len(prefix):] or "/"
    return path + (f"?{parts.query}" if parts.query else "")


def is_article_url(url: str, source: SourceConfig) -> bool:
    """Tell whether a URL is one of the outlet's articles (article_pattern over the site path; no pattern: yes).

    Args:
        url: an absolute URL on the source's domains.
        source: the source.
    """
    if not source.article_pattern:
        return True
    return re.search(source.article_pattern, site_path(url, source).split("?", 1)[0]) is not None


def source_identity(url: str, source: SourceConfig) -> str:
    """Return the article identity of a URL: "<key>:<outlet id>" with an id_pattern, else the canonical URL's.

    Sources with their own spider (The Moscow Times) keep the rule in pipeline.dedupe.urls (IDENTITY_RULES).

    Args:
        url: an article URL (any variant).
        source: the source.
    """
    from pipeline.dedupe import url_identity

    if source.id_pattern:
        match = re.search(source.id_pattern, site_path(url, source).split("?", 1)[0])
        found = next((group for group in match.groups() if group), None) if match else None
        if found:
            return f"{source.key}:{found}"
    return url_identity(url, source.key)


def crawl_arguments(settings: Settings, source: SourceConfig) -> dict:
    """Return the keyword arguments pipeline.crawl.run_crawl needs for a source (spider, base URL, source key).

    Use: run_crawl(settings, run_key, source=s.key, **crawl_arguments(settings, s)).

    Args:
        settings: the run's settings.
        source: the source.
    """
    overrides = {"TW_SOURCE": source.key, "TW_SOURCES_DIR": str(sources_dir(settings))}
    return {"spider": source.spider, "base_url": source.base_url, "overrides": overrides}


def identity_patterns(settings: Settings) -> dict[str, str]:
    """Map each source key to its id_pattern, for pipeline.dedupe.url_identity to consult.

    Args:
        settings: the run's settings.
    """
    return {s.key: s.id_pattern for s in load_sources(settings) if s.id_pattern}


def host_allowed(address: str, allow: bool | tuple[str, ...]) -> bool:
    """Tell whether a private/loopback address may be crawled under a source's allow_private_hosts.

    Args:
        address: an IP address (as resolved).
        allow: True (any), False (none), or IP addresses/networks.
    """
    if isinstance(allow, bool):
        return allow
    ip = ipaddress.ip_address(address)
    return any(ip in ipaddress.ip_network(entry, strict=False) for entry in allow)


# --------------------------------------------------------------------------- helpers

def _compile(pattern: str) -> re.Pattern:
    try:
        return re.compile(pattern)
    except re.error as error:
        raise ValueError(f"not a valid regular expression: {error}") from None


def _check_http_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"{value!r} is not an absolute http(s) URL")
    return value.strip()


def _site_domain(url: str) -> str:
    """The URL's host with a leading www. dropped (so subdomains of the site count)."""
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def _on_domains(url: str, domains: list[str]) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in domains)
