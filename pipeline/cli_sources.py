"""`python -m pipeline sources list|check NAME`: a Typer sub-app the main CLI registers as "sources"."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from pipeline.config import load_settings
from pipeline.source_check import check_source, list_sources
from pipeline.sources import SourceFileError

sources_app = typer.Typer(help="Configured sources (sources/*.yaml): list them, check one.", no_args_is_help=True)
console = Console()


@sources_app.command("list")
def list_command(as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """List every configured source with its spider, base URL and discovery paths."""
    try:
        rows = list_sources(load_settings())
    except SourceFileError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = Table(title="Sources")
    for column in ("key", "name", "spider", "base_url", "feeds", "sitemaps", "listings", "identity"):
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(row[c]) for c in ("key", "name", "spider", "base_url", "feeds", "sitemaps",
                                               "listings", "identity")))
    console.print(table)


@sources_app.command("check")
def check_command(
    name: str = typer.Argument(..., help="The source key, e.g. bbc."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a report."),
) -> None:
    """Fetch a source's feeds and sitemaps, count article links, parse one article (writes nothing)."""
    try:
        report = check_source(load_settings(), name)
    except SourceFileError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    if as_json:
        print(json.dumps(report, indent=2, default=str))
    else:
        print_report(report)
    if not report["ok"]:
        raise typer.Exit(1)


def print_report(report: dict) -> None:
    """Print a check report a person can read."""
    console.print(f"[bold]{report['name']}[/bold] ({report['source']}) at {report['base_url']}")
    for row in report["documents"]:
        state = row["error"] or f"{row['entries']} entries, {row['articles']} article links"
        console.print(f"  {row['kind']:8} {row['url']}: {state}", markup=False)
    console.print(f"  article links found: {report['article_links']}")
    sample = report["sample"]
    if sample:
        console.print(f"  sample {sample['url']}", markup=False)
        if sample.get("error"):
            console.print(f"    fetch failed: {sample['error']}", markup=False)
        else:
            console.print(f"    title: {sample['title']!r}", markup=False)
            console.print(f"    published: {sample['published']}  authors: {', '.join(sample['authors']) or '-'}",
                          markup=False)
            console.print(f"    body: {sample['body_words']} words ({sample['body_chars']} characters)"
                          f" via {sample['extractor']}", markup=False)
            if sample["selectors"]:
                console.print(f"    selectors matched: {sample['selectors']}", markup=False)
    if report["problems"]:
        console.print("[bold red]Problems:[/bold red]")
        for problem in report["problems"]:
            console.print(f"  - {problem}", markup=False)
    else:
        console.print("[green]OK[/green]")
