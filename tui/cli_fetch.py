"""``pressmark fetch``: web pages downloaded into the articles folder, then synced."""

from __future__ import annotations

from pathlib import Path

import click

from tui.cli import DEFAULT_DIR, Context, _print_sync, _sync, cli, max_size_option, pass_ctx, safe


@cli.command()
@click.argument("urls", nargs=-1, required=True, metavar="URL...")
@click.option("--into", "folder", default=DEFAULT_DIR, show_default=True, type=click.Path(file_okay=False),
              metavar="FOLDER", help="The articles folder to save the pages in (made if needed).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=30, show_default=True,
              envvar="PRESSMARK_FETCH_TIMEOUT", metavar="SECONDS",
              help="Give up on a page not downloaded within this time (env PRESSMARK_FETCH_TIMEOUT).")
@max_size_option
@pass_ctx
def fetch(obj: Context, urls: tuple[str, ...], folder: str, timeout: float, max_size: int) -> None:
    """Download web pages, save the article in each as a .md file in FOLDER, and sync FOLDER.

    The article (without the site's menus, adverts, comments and footers), its title,
    author, date, site and address are found by trafilatura and saved as front matter.
    A file is never overwritten: a second page with the same title is saved as NAME-2.md.
    Each page that cannot be fetched (an error from the server, no answer in time, larger
    than the size limit, not a web page) is said on its own line; the others are saved.
    """
    from store.fetch import FetchError
    from store.fetch import fetch as fetch_page

    failed = 0
    for url in urls:
        try:
            got = fetch_page(url, Path(folder), timeout=timeout, max_size=max_size * 1024 * 1024)
        except FetchError as exc:
            failed += 1
            click.echo(f"pressmark: {safe(url)}: {safe(str(exc))}", err=True)
            continue
        whole = " (trafilatura found no article: the page's whole text)" if got.whole_page else ""
        click.echo(f"{safe(url)}: {'saved as' if got.new else 'already in'} {safe(str(got.file))}{whole}")
    if Path(folder).is_dir():  # not made when no page could be saved
        _print_sync(_sync(obj, folder, max_size * 1024 * 1024))
    if failed:
        raise click.exceptions.Exit(1)
