"""Publishing with Datasette (issue 18): a copy to serve, and its metadata. See docs/teams.md."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tui.cli import Context, cli, echo_json, pass_ctx, safe


@cli.command()
@click.argument("target", metavar="COPY.db", type=click.Path(dir_okay=False))
@pass_ctx
def publish(obj: Context, target: str) -> None:
    """Write a copy of the database to publish (Datasette, a colleague).

    The copy has its search index and the speakers of its annotated articles
    built, so sentence search works in Datasette at once, and no path of this
    machine: each folder articles were synced from is named by its last part
    only. The database itself is only read. Then:
    pressmark --db COPY.db datasette-metadata > metadata.json;
    datasette COPY.db -m metadata.json
    """
    from store.publish import publish as publish_copy

    show = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if show:
            click.echo(f"\rindexing for search: {done:,} of {total:,} articles", nl=False, err=True)

    report = publish_copy(obj.db, target, progress)
    if show and report.indexed:
        click.echo("", err=True)
    for root, name in report.folders.items():
        click.echo(f"folder {safe(root)} is {safe(name)} in the copy")
    click.echo(f"{report.articles:,} article(s) written to {safe(target)}; search index built for "
               f"{report.indexed:,}, speakers for {report.attributed:,}")


@cli.command("datasette-metadata")
@click.option("--name", help="The database's name in Datasette  [default: the file's name without .db]")
@pass_ctx
def datasette_metadata(obj: Context, name: str | None) -> None:
    """Print Datasette metadata for this database: descriptions, internal tables
    hidden, facets on tag, annotator and speaker, full-text search on
    sentence_search, and saved queries (disagreements, progress, reuse, search).

    pressmark --db COPY.db datasette-metadata > metadata.json
    """
    from store.publish import datasette_metadata as metadata

    echo_json(metadata(obj.db, name or Path(obj.db_path).stem))
