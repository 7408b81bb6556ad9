"""``pressmark stats``: the overview screen's numbers (store.stats) as a table, CSV or JSON."""

from __future__ import annotations

import csv
import sys

import click

from store.stats import CHARTS, Table, table
from tui.cli import Context, cli, data_out, echo_json, format_option, pass_ctx, print_table, safe


def _cell(value) -> object:
    """A value for the plain table: shares as percentages, nothing for None."""
    if isinstance(value, float):
        return f"{value * 100:.1f}%"
    return "" if value is None else value


@cli.command()
@format_option("table", "csv", "json")
@click.option("--chart", type=click.Choice(list(CHARTS)), help="Only this chart's numbers (CSV needs one).")
@pass_ctx
def stats(obj: Context, fmt: str, chart: str | None) -> None:
    """The numbers behind the overview screen (`v` in the library), one table per chart.

    \b
    articles  sentences tagged with each tag, per article (all coders; a sentence counts once)
    tags      the same per tag, with its tag rows, articles and coders
    speakers  tagged sentences by speaker: who made the findings, who responded, who committed
    progress  each coder's annotations (tags and notes) per day, and their running total
    reuse     every article against its likeliest source: the share of it copied from there
              ("copied") and the share of the source it used ("used"), as `pressmark sources`

    JSON gives each chart as a list of rows (objects, the counts per tag under "tags") under its
    name, or only the list with --chart.
    """
    if fmt == "csv" and chart is None:
        raise click.UsageError(f"CSV holds one chart: add --chart with one of {', '.join(CHARTS)}")
    show = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:  # speakers and sources may work through every article first
        if show:
            click.echo(f"\r{safe(what)}: {done} of {total}" + ("\n" if done == total else ""), nl=False, err=True)

    tables: list[Table] = []
    for name in [chart] if chart else CHARTS:
        what = CHARTS[name]
        tables.append(table(obj.db, name, progress))
    if fmt == "json":
        as_rows = {t.name: t.records() for t in tables}
        echo_json(as_rows[chart] if chart else as_rows)
    elif fmt == "csv":
        from store.export import neutralise

        writer = csv.writer(data_out())
        writer.writerow([neutralise(c) for c in tables[0].columns])
        writer.writerows([neutralise(v) for v in row] for row in tables[0].rows)
    else:
        for i, t in enumerate(tables):
            click.echo(("\n" if i else "") + f"{t.title} ({t.name})")
            if t.rows:
                print_table(t.columns, [[_cell(v) for v in row] for row in t.rows])
            else:
                click.echo("  nothing yet")
