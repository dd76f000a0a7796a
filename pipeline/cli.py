"""The `python -m pipeline` command line (Typer)."""

from __future__ import annotations

import csv
import json
import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from pipeline import steps
from pipeline.cli_sources import sources_app
from pipeline.config import Settings, load_read_settings, load_settings, remember_store

app = typer.Typer(help="Transfer Watch: find new claims of arms transfers in the news.", no_args_is_help=True)
claims_app = typer.Typer(help="Transfer claims: list, show, detect.", no_args_is_help=True)
alerts_app = typer.Typer(help="Alerts and their deliveries.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks that print figures.", no_args_is_help=True)
app.add_typer(claims_app, name="claims")
app.add_typer(alerts_app, name="alerts")
app.add_typer(bench_app, name="bench")
app.add_typer(sources_app, name="sources")

# Piped to a file, tables keep every column and full cells instead of wrapping at 80 columns.
console = Console(stderr=False, width=None if sys.stdout.isatty() else 4000)
err_console = Console(stderr=True)

DEMO_STATE = "demo"


@app.callback()
def main(quiet: bool = typer.Option(False, "--quiet", "-q", help="Only the summary, no progress lines.")) -> None:
    """Show the progress of long steps (which source is being crawled) on stderr."""
    from rich.logging import RichHandler

    handler = RichHandler(console=err_console, show_path=False, show_time=False)
    logging.basicConfig(level=logging.WARNING, handlers=[handler], format="%(message)s")
    logging.getLogger("pipeline").setLevel(logging.WARNING if quiet else logging.INFO)


def _settings() -> Settings:
    return load_settings()


def _read_settings() -> Settings:
    """Settings for a read command: the store the latest run wrote unless TW_DATABASE_URL says otherwise."""
    from pipeline.db import upgrade_database

    settings, note = load_read_settings()
    if note:
        err_console.print(note, markup=False, soft_wrap=True)
    upgrade_database(settings.database_url)
    return settings


def _print_summary(title: str, summary: dict) -> None:
    """Print a run summary a person can read: counts per step, then everything skipped and why."""
    crawl = summary.get("crawl", {})
    parse = summary.get("parse", {})
    detect = summary.get("detect", {})
    alert = summary.get("alert", {})
    dedupe = summary.get("dedupe", {})
    table = Table(title=title, show_header=True)
    table.add_column("step")
    table.add_column("result")
    if "crawl" in summary:
        outlets = crawl.get("outlets_ok", 0) + crawl.get("outlets_failed", 0)
        table.add_row(
            "crawl",
            f"{crawl.get('outlets_ok', 0)} of {outlets} outlet(s) crawled; "
            f"{crawl.get('fetched', 0)} pages fetched, {crawl.get('new', 0)} new, "
            f"{crawl.get('known_skipped', 0)} known skipped, {crawl.get('refetched', 0)} refetched",
        )
    table.add_row(
        "parse",
        f"articles: {parse.get('new', 0)} new, {parse.get('updated', 0)} updated, "
        f"{parse.get('unchanged', 0)} known, {parse.get('failed', 0)} failed",
    )
    table.add_row("dedupe", ", ".join(f"{v} {k}" for k, v in dedupe.items() if isinstance(v, int)) or "nothing new")
    table.add_row(
        "detect",
        f"{detect.get('articles', 0)} articles analysed; claims: {detect.get('claims_new', 0)} new, "
        f"{detect.get('claims_known', 0)} known; alerts queued: {detect.get('alerts_new', 0)} NEW, "
        f"{detect.get('alerts_update', 0)} UPDATE",
    )
    others = [f"{k.replace('_', ' ')} {v}" for k, v in alert.items()
              if isinstance(v, int) and v and k not in ("sent", "dry_run")]
    sent = "dry run, nothing sent" if alert.get("dry_run") else f"sent {alert.get('sent', 0)}"
    table.add_row("alert", ", ".join([sent, *others]))
    console.print(table)
    if crawl.get("outlets_failed") and not crawl.get("outlets_ok"):
        console.print(f"[bold red]No outlet could be reached[/bold red] ({crawl['outlets_failed']} tried): "
                      "check the network connection, a proxy, or the base URLs in sources/.")
    failed = [f"outlet failed: {line}" for line in crawl.get("failed", [])]
    skipped = failed + list(crawl.get("skipped", [])) + list(parse.get("skipped", []))
    skipped += [f"alert: {item}" for item in alert.get("permanent_failures", []) or []]
    if alert.get("pending_retry"):
        skipped.append(f"alert: {alert['pending_retry']} deliveries wait to be retried (see `alerts list`)")
    skipped += [f"health: {item}" for item in parse.get("health", []) or []]
    if skipped:
        console.print("[bold]Skipped or needing attention:[/bold]")
        for line in skipped:
            console.print(f"  - {line}", markup=False)
    else:
        console.print("Nothing skipped.")


@app.command()
def run(
    no_crawl: bool = typer.Option(False, help="Work only on pages already stored."),
    outlets: str = typer.Option("", help="Comma-separated source keys to crawl (default: every enabled one)."),
    since: str = typer.Option("", help="Walk sitemaps back to this date (YYYY-MM-DD): load an outlet's history."),
    alert_history: bool = typer.Option(False, help="Alert claims from old articles a history walk finds too."),
    dry_run: bool = typer.Option(False, help="Store everything but send no alert (they stay queued)."),
) -> None:
    """Run the whole pipeline once against the live sites (outlets crawled concurrently) and print a summary."""
    from pipeline.outlets import make_run_options

    try:
        options = make_run_options(outlets, since, alert_history, dry_run)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    settings = _settings()
    run_key = steps.default_run_key()
    summary = steps.run_pipeline(settings, run_key, crawl=not no_crawl, options=options)
    _print_summary(f"Transfer Watch run {run_key}", summary)
    crawl = summary.get("crawl", {})
    if crawl.get("outlets_failed") and not crawl.get("outlets_ok"):
        raise typer.Exit(1)


@app.command()
def demo(
    state_dir: Optional[Path] = typer.Option(None, help="Where the demo keeps its database."),
) -> None:
    """Run the whole pipeline offline against the local Moscow Times mirror, keeping state."""
    from pipeline.mirror import start_mirror

    base = _settings()
    state = state_dir or base.state_dir / DEMO_STATE
    # Never TW_DATABASE_URL: the demo's mirror articles must not mix with a store the user chose.
    database_url = base.extra.get("TW_DEMO_DATABASE_URL") or f"sqlite:///{state / 'transfer_watch.db'}"
    settings = replace(
        base,
        state_dir=state,
        database_url=database_url,
        allow_private_hosts=True,
        # The mirror is of The Moscow Times only; other outlets would be crawled live.
        extra={**base.extra, "TW_SOURCES": "moscow_times", "TW_DATABASE_URL": database_url},
    )
    with start_mirror() as mirror:
        settings = replace(settings, moscow_times_base_url=mirror.base_url)
        console.print(f"Local Moscow Times mirror at {mirror.base_url}")
        run_key = steps.default_run_key()
        summary = steps.run_pipeline(settings, run_key)
    remember_store(base.state_dir, database_url, "demo")
    _print_summary(f"Transfer Watch demo run {run_key}", summary)
    if base.extra.get("TW_DATABASE_URL"):
        console.print(f"TW_DATABASE_URL is set, so `claims list` and `alerts list` read that store, not the "
                      f"demo's; unset it to see the demo ({database_url}).", markup=False)
    else:
        console.print("Next: `python -m pipeline claims list` and `alerts list` show the demo's claims "
                      "and alerts (until the next live run).", markup=False)


def _run_step(name: str, function) -> None:
    settings = _settings()
    steps.prepare_database(settings)
    result = function(settings, steps.default_run_key())
    console.print_json(json.dumps({name: result}, default=str))


@app.command()
def crawl() -> None:
    """Crawl every source once (a `scrapy crawl` subprocess per source, TW_CRAWL_CONCURRENCY at a time)."""
    _run_step("crawl", steps.crawl_sources)


@app.command()
def parse() -> None:
    """Parse stored pages that have not been parsed yet."""
    _run_step("parse", steps.parse_pages)


@app.command()
def dedupe() -> None:
    """Link near-duplicate articles to their first-seen copy."""
    _run_step("dedupe", steps.dedupe_articles)


@app.command()
def detect() -> None:
    """Detect, cluster and queue alerts for claims in articles not yet analysed."""
    _run_step("detect", steps.detect_claims_in_articles)


@app.command()
def alert() -> None:
    """Deliver pending alerts."""
    _run_step("alert", steps.send_alerts)


@app.command()
def extract(jsonl: bool = typer.Option(False, "--jsonl", help="Read {id,url,html} lines on stdin.")) -> None:
    """Extract articles from HTML: lines {id, url, html} in, lines {id, title, body, ...} out."""
    if not jsonl:
        raise typer.BadParameter("only --jsonl is supported: pipe lines of {id, url, html}")
    from pipeline.parse import extract_jsonl

    extract_jsonl(sys.stdin, sys.stdout)


@claims_app.command("detect")
def claims_detect(jsonl: bool = typer.Option(False, "--jsonl", help="Read {id,text} lines on stdin.")) -> None:
    """Detect transfer claims: lines {id, text} in, lines {id, claims} out."""
    if not jsonl:
        raise typer.BadParameter("only --jsonl is supported: pipe lines of {id, text}")
    from pipeline.claims import detect_jsonl

    detect_jsonl(sys.stdin, sys.stdout)


@claims_app.command("eval")
def claims_eval(errors: int = typer.Option(0, "--errors", help="List this many disagreements per set."),
                as_json: bool = typer.Option(False, "--json", help="Print the figures as one JSON object."),
                quick: bool = typer.Option(False, "--quick", help="Every fold keeps the committed thresholds "
                                           "instead of choosing its own by an inner CV (4x faster; what CI runs).")) -> None:
    """Score the detector on the real labelled sets: 5-fold CV, trained on the other set, and the committed model."""
    from pipeline.claims.detect import load_resources
    from pipeline.claims.evaluate import shared_data_dir
    from pipeline.claims.report import evaluate_real_sets, format_evaluation
    from pipeline.claims.train import analyse_sets, load_training_sets

    if not (shared_data_dir() / "war-news").is_dir():
        typer.echo(f"no labelled sets at {shared_data_dir()}: claims eval needs ../shared/data", err=True)
        raise typer.Exit(2)
    res = load_resources()
    thresholds = res.decisions.thresholds() if quick else None
    evaluations = evaluate_real_sets(analyse_sets(load_training_sets(), res), res.decisions, thresholds)
    if as_json:
        typer.echo(json.dumps({ev.name: {"cross_validated": ev.cross_validated.figures(),
                                         "cross_set": ev.cross_set.figures(),
                                         "committed": ev.committed.figures()} for ev in evaluations}, indent=1))
        return
    for ev in evaluations:
        typer.echo(format_evaluation(ev, errors))


@claims_app.command("list")
def claims_list(as_json: bool = typer.Option(False, "--json", help="Print a JSON array.")) -> None:
    """List claim clusters with their source counts."""
    from pipeline.dedupe import list_clusters

    settings = _read_settings()
    with steps.open_sessions(settings) as Session, Session() as session:
        clusters = list_clusters(session)
    if as_json:
        print(json.dumps(clusters, default=str, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{len(clusters)} transfer claim(s)")
    for column in ("id", "supplier", "recipient", "category", "quantity", "status", "stance", "sources", "first seen"):
        table.add_column(column)
    for cluster in clusters:
        table.add_row(
            str(cluster["id"]),
            cluster.get("supplier") or "?",
            cluster.get("recipient") or "?",
            cluster.get("category") or "",
            _format_quantity(cluster.get("quantity")),
            cluster.get("status") or "",
            cluster.get("stance") or "",
            str(cluster.get("source_count", "")),
            str(cluster.get("first_seen") or "")[:16],
        )
    console.print(table)


@claims_app.command("show")
def claims_show(cluster_id: int, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show one claim cluster's timeline: every source in time order and its alerts."""
    from pipeline.dedupe import cluster_timeline

    settings = _read_settings()
    with steps.open_sessions(settings) as Session, Session() as session:
        timeline = cluster_timeline(session, cluster_id)
    if timeline is None:
        err_console.print(f"No claim cluster with id {cluster_id}.")
        raise typer.Exit(1)
    if as_json:
        print(json.dumps(timeline, default=str, ensure_ascii=False, indent=2))
        return
    _print_timeline(timeline)


def _print_timeline(timeline: dict) -> None:
    """Print one cluster for a person: its fields, what changed when, every quoted source, its alerts."""
    console.print(f"[bold]Claim {timeline['id']}: {timeline.get('supplier') or '?'} -> "
                  f"{timeline.get('recipient') or '?'} {(timeline.get('category') or '').replace('_', ' ')}[/bold]")
    for label, value in (
        ("Quantity", timeline.get("quantity_text")), ("Status", timeline.get("status")),
        ("Stance", timeline.get("stance")), ("Sources", timeline.get("source_count")),
        ("Outlets", timeline.get("outlet_count")),
        ("Seen", f"{str(timeline.get('first_seen'))[:10]} to {str(timeline.get('last_seen'))[:10]}"),
    ):
        console.print(f"{label}: {value}", markup=False)
    history = Table(title="Timeline", show_lines=False)
    for column in ("when", "alert", "quantity", "claimant", "status", "stance", "change"):
        history.add_column(column)
    for entry in timeline.get("history", []):
        history.add_row(str(entry.get("at"))[:10], entry.get("alert") or "", _format_quantity(entry.get("quantity")),
                        entry.get("claimant") or "(the outlet)", entry.get("status") or "", entry.get("stance") or "",
                        entry.get("change") or "")
    console.print(history)
    console.print("[bold]Sources[/bold]")
    for source in timeline.get("sources", []):
        copy = " (copy)" if source.get("copy_of") else ""
        console.print(f"- {str(source.get('at'))[:10]} {source.get('outlet')}{copy}: "
                      f"\"{source.get('sentence')}\" — {source.get('claimant') or 'the outlet'} "
                      f"[{source.get('stance')}]", markup=False)
        console.print(f"  {source.get('url')}", markup=False)
    console.print("[bold]Alerts[/bold]")
    for alert in timeline.get("alerts", []) or [{"kind": "none", "summary": "no alert", "created_at": ""}]:
        console.print(f"- {str(alert.get('created_at'))[:16]} {alert['kind']}: {alert.get('summary')}"
                      + (f" ({alert['change']})" if alert.get("change") else ""), markup=False)


@alerts_app.command("list")
def alerts_list(as_json: bool = typer.Option(False, "--json", help="Print a JSON array.")) -> None:
    """List alerts with the state of each channel's delivery."""
    from pipeline.alerts import list_alerts

    settings = _read_settings()
    with steps.open_sessions(settings) as Session, Session() as session:
        alerts = list_alerts(session)
    if as_json:
        print(json.dumps(alerts, default=str, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{len(alerts)} alert(s)")
    for column in ("id", "kind", "summary", "deliveries", "created"):
        table.add_column(column)
    for alert in alerts:
        deliveries = ", ".join(
            f"{d['channel']}: {d['state']}" + (f" ({d['last_error']})" if d.get("last_error") else "")
            for d in alert.get("deliveries", [])
        )
        table.add_row(str(alert["id"]), alert["kind"], alert["summary"], deliveries, str(alert["created_at"])[:16])
    console.print(table)


@alerts_app.command("retry")
def alerts_retry(channel: Optional[str] = typer.Option(None, help="Only this channel.")) -> None:
    """Queue failed deliveries again and send waiting ones at the next run (after fixing a channel)."""
    from pipeline.alerts import retry_failed

    settings = _read_settings()
    with steps.open_sessions(settings) as Session, Session() as session, session.begin():
        count = retry_failed(session, channel=channel)
    console.print(f"{count} deliver{'y' if count == 1 else 'ies'} queued for the next send.")


@app.command()
def export(
    format: str = typer.Option("json", "--format", "-f", help="csv or json"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="File to write (default stdout)."),
) -> None:
    """Export every stored claim with its article and outlet, as CSV or JSON."""
    from pipeline.store import export_claims

    settings = _read_settings()
    with steps.open_sessions(settings) as Session, Session() as session:
        rows = export_claims(session)
    stream = output.open("w", newline="", encoding="utf-8") if output else sys.stdout
    try:
        if format == "json":
            json.dump(rows, stream, default=str, ensure_ascii=False, indent=2)
            stream.write("\n")
        elif format == "csv":
            fields = list(rows[0].keys()) if rows else ["claim_id"]
            writer = csv.DictWriter(stream, fieldnames=fields)
            writer.writeheader()
            for row in rows:
                writer.writerow({k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in row.items()})
        else:
            raise typer.BadParameter("format must be csv or json")
    finally:
        if output:
            stream.close()


@app.command("db-upgrade")
def db_upgrade() -> None:
    """Migrate the database to the newest schema."""
    console.print(steps.prepare_database(_settings()))


@bench_app.command("dedupe")
def bench_dedupe(
    articles: int = typer.Option(10000, "--articles", help="How many generated articles."),
    as_json: bool = typer.Option(False, "--json", help="End with one JSON line of figures."),
) -> None:
    """Time the dedupe path on generated articles."""
    from pipeline.benchmarks import bench_dedupe as run_bench

    figures = run_bench(articles)
    if not as_json:
        for key, value in figures.items():
            console.print(f"{key}: {value}")
    print(json.dumps(figures))


def _format_quantity(quantity: dict | None) -> str:
    if not quantity:
        return ""
    low, high, unit = quantity.get("min"), quantity.get("max"), quantity.get("unit") or ""
    if low is not None and high is not None and low != high:
        return f"{low:,.0f}-{high:,.0f} {unit}"
    if low is not None and high is not None:
        return f"{low:,.0f} {unit}"
    if low is not None:
        return f">={low:,.0f} {unit}"
    if high is not None:
        return f"<={high:,.0f} {unit}"
    return unit
