"""The ``pressmark`` command line.

Only ``open`` imports textual, and only when it runs, so every other command
starts as fast as Python and sqlite-utils allow.
"""

from __future__ import annotations

import gc
import getpass
import importlib
import os
import sqlite3
import sys
from pathlib import Path

import click

from store.errors import StoreError
from store.formats import FORMATS
from tui.text import safe, sync_summary

DEFAULT_DB = "pressmark.db"
DEFAULT_DIR = "articles"


def default_annotator() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment (e.g. some containers)
        return "anonymous"


class Context:
    """What every command shares: where the database is and who is annotating."""

    def __init__(self, db_path: str, annotator: str, readonly: bool = False):
        self.db_path = db_path
        self.annotator = annotator
        self.readonly = readonly
        self._db = None

    @property
    def db(self):
        from store.db import connect

        if self._db is None:
            self._db = connect(self.db_path, readonly=True if self.readonly else None)
        return self._db


pass_ctx = click.make_pass_decorator(Context)


# Commands kept in their own modules, imported only when one of them runs or help lists them,
# so that opening the reader does not pay for them.
LAZY_COMMANDS = {
    "compare": "tui.cli_align", "sources": "tui.cli_align",
    "suggest": "tui.cli_suggest", "cues": "tui.cli_suggest",
    "annotators": "tui.cli_team", "merge": "tui.cli_team", "agree": "tui.cli_team", "import": "tui.cli_team",
    "tags": "tui.cli_team", "fetch": "tui.cli_fetch",
    "publish": "tui.cli_publish", "datasette-metadata": "tui.cli_publish",
    "users": "tui.cli_serve", "serve": "tui.cli_serve", "serve-session": "tui.cli_serve",
    "stats": "tui.cli_stats",
}


class DefaultToOpen(click.Group):
    """``pressmark DIR`` means ``pressmark open DIR``, and bare ``pressmark`` opens ./articles."""

    def list_commands(self, ctx):
        return sorted({*self.commands, *LAZY_COMMANDS})

    def get_command(self, ctx, name):
        if name not in self.commands and name in LAZY_COMMANDS:
            importlib.import_module(LAZY_COMMANDS[name])  # its @cli.command()s add themselves
        return self.commands.get(name)

    def resolve_command(self, ctx, args):
        commands = self.list_commands(ctx)
        if args and args[0] not in commands and not args[0].startswith("-"):
            if not Path(args[0]).exists():  # neither a command nor a folder: most likely a mistyped command
                import difflib

                close = difflib.get_close_matches(args[0], commands, n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"the commands are: {', '.join(commands)}"
                ctx.fail(f"no such command or folder: '{safe(args[0])}'; {hint}")
            args = ["open", *args]
        return super().resolve_command(ctx, args)

    def invoke(self, ctx):
        """Output piped into ``head`` and friends that stop reading: stop quietly with status 0. (Caught
        here: click's own handler, around this, would exit with status 1.) An error from SQLite (damage met
        on the way, the disk, a lock) becomes a StoreError that names the database file."""
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush at exit
            raise click.exceptions.Exit(0) from None
        except sqlite3.Error as exc:
            from store.db import describe

            raise StoreError(describe(exc, ctx.obj.db_path)) from None


@click.group(cls=DefaultToOpen, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--db", "db_path", envvar="PRESSMARK_DB", default=DEFAULT_DB, show_default=True,
              type=click.Path(dir_okay=False), help="The database file (env PRESSMARK_DB).")
@click.option("--annotator", envvar="PRESSMARK_ANNOTATOR", default=default_annotator,
              show_default="your user name", help="Who is annotating (env PRESSMARK_ANNOTATOR).")
@click.option("--read-only", "readonly", is_flag=True, envvar="PRESSMARK_READ_ONLY",
              help="Open the database read-only (automatic when the file cannot be written).")
@click.version_option(package_name="pressmark", prog_name="pressmark")
@click.pass_context
def cli(ctx: click.Context, db_path: str, annotator: str, readonly: bool) -> None:
    """Read press releases and the news written from them; tag findings, responses and commitments.

    Run with no command to sync ./articles and open the full-screen reader.
    """
    from store.names import check_annotator

    try:
        annotator = check_annotator(annotator.strip() or default_annotator())
    except StoreError as exc:  # refused before any command runs: every name written or shown is printable
        raise StoreError(f"{exc} (give another with --annotator or PRESSMARK_ANNOTATOR)") from None
    ctx.obj = Context(db_path, annotator, readonly)
    if ctx.invoked_subcommand is None:
        ctx.invoke(open_cmd)


def _print_sync(report) -> None:
    echo = click.echo
    for file, reason in report.skipped:
        echo(f"skipped {safe(file)}: {reason}")
    for file, note in report.cut:
        echo(f"{safe(file)}: {note}")
    for file, problem in report.front_matter:
        echo(f"{safe(file)}: {problem}")
    from store.webpage import WHOLE_PAGE

    for file, extractor in report.pages:
        if extractor == WHOLE_PAGE:
            echo(f"{safe(file)}: trafilatura found no article in the page: its whole text was imported "
                 "(menus and footers too)")
    for file, lost in report.orphaned:
        echo(f"{safe(file)}: {lost} annotation(s) could not be re-anchored and are kept as orphans")
    reasons = dict(report.skipped)
    for file in report.missing:
        why = f"can no longer be imported ({reasons[file]})" if file in reasons else "file has gone"
        echo(f"missing {safe(file)}: {why}; its annotations are kept")
    echo(sync_summary(report))


def echo_json(data) -> None:
    """Print ``data`` as indented JSON; no control, bidi or invisible character reaches the output raw."""
    import json

    from store.names import escape_json

    click.echo(escape_json(json.dumps(data, ensure_ascii=False, indent=2)))


class _Revealed:
    """A text stream that shows hidden characters as escapes (see data_out). Only ``write`` and ``flush``:
    no ``buffer`` or ``fileno``, so nothing can write around it."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        from store.names import reveal

        self.stream.write(reveal(text.replace("\r\n", "\n"), keep="\n\t"))  # CRLF: a CSV's own line end
        return len(text)

    def flush(self) -> None:
        self.stream.flush()


def data_out():
    """Standard output for a data stream: as it is, unless it is a terminal (then see _Revealed).

    The rule for all output: no control, bidi or invisible character from data (names, notes,
    cues, titles, anything from another database or an import) reaches a terminal through the CLI.

    - messages, lines and tables (``print_table``): every piece of data through ``safe``;
    - JSON (``echo_json``): such characters written as ``\\uXXXX`` escapes, always, which parse
      back to the same data;
    - data streams to standard output (CSV, JSONL, W3C: here): exactly the data into a pipe, but
      on a terminal each such character is shown as its ``\\uXXXX`` escape. Files written with
      ``-o FILE`` keep the data exactly as it is.
    """
    return _Revealed(sys.stdout) if sys.stdout.isatty() else sys.stdout


def _sync(obj: Context, folder: str, max_size: int):
    from store.sync import sync

    show = sys.stdout.isatty()

    def progress(i: int, file: str) -> None:
        if show and i % 200 == 0 and i:
            click.echo(f"\r{i} files…", nl=False)

    report = sync(obj.db, folder, max_size=max_size, progress=progress)
    if show and report.seen >= 200:
        click.echo("\r", nl=False)
    return report


max_size_option = click.option(
    "--max-size", type=click.IntRange(min=1), default=20, show_default=True, metavar="MB",
    help="Skip files larger than this many megabytes.")
folder_argument = click.argument("folder", default=DEFAULT_DIR, type=click.Path(file_okay=False))


@cli.command("open")
@folder_argument
@max_size_option
@pass_ctx
def open_cmd(obj: Context, folder: str = DEFAULT_DIR, max_size: int = 20) -> None:
    """Open the full-screen reader and sync FOLDER (default ./articles) into the database.

    The sync runs in the background: the library shows at once, with the sync's
    progress on its status line, and fills in as the sync finishes.
    """
    notice = None
    if not Path(folder).is_dir():
        if folder != DEFAULT_DIR:
            raise click.BadParameter(f"{folder}: no such folder", param_hint="FOLDER")
        folder = None
        notice = f"No ./{DEFAULT_DIR} folder here, so nothing was synced: `pressmark FOLDER` syncs and opens another"
    # Start-up (Textual's import above all) makes objects that live as long as the app: no garbage collection
    # until the first frame is out, where PressmarkApp.on_ready freezes them and turns it back on (13 ms saved).
    gc.disable()
    try:
        from tui.app import PressmarkApp

        app = PressmarkApp(obj.db, annotator=obj.annotator, db_path=obj.db_path, sync_folder=folder,
                           max_size=max_size * 1024 * 1024, notice=notice)
        app.run()
    finally:
        gc.enable()
    if app.return_code:  # Textual has shown the error that ended it; the status says it failed
        raise click.exceptions.Exit(app.return_code)


@cli.command()
@folder_argument
@max_size_option
@pass_ctx
def sync(obj: Context, folder: str, max_size: int) -> None:
    """Bring the article files under FOLDER into the database.

    Reads .txt and .md files (with optional YAML or TOML front matter: title, source, date,
    author, url, tags, any key) and web pages (.html: the article, its title, author and date,
    found by trafilatura), recursively. Unchanged files are not read again; changed ones have their
    annotations re-anchored. Symbolic links are not followed (one to a folder or an
    article file is reported as skipped); an article keeps at most its first 50,000 sentences.
    """
    if not Path(folder).is_dir():
        raise click.BadParameter(f"{folder}: no such folder", param_hint="FOLDER")
    _print_sync(_sync(obj, folder, max_size * 1024 * 1024))


format_option = lambda *choices: click.option(  # noqa: E731
    "--format", "fmt", type=click.Choice(choices), default=choices[0], show_default=True, help="Output format.")


@cli.command("list")
@format_option("table", "csv", "json")
@pass_ctx
def list_cmd(obj: Context, fmt: str) -> None:
    """List articles with their sentence and tag counts (all annotators)."""
    from store.queries import list_articles, tags

    names = [t.name for t in tags(obj.db)]
    rows = [{"id": a.id, "file": a.file, "title": a.title, "sentences": a.n_sentences,
             **{n: a.counts.get(n, 0) for n in names}, "annotated": a.annotated, "status": a.status}
            for a in list_articles(obj.db)]
    if fmt == "json":
        echo_json(rows)
    elif fmt == "csv":
        import csv

        from store.export import neutralise

        writer = csv.writer(data_out())
        writer.writerow([neutralise(h) for h in ["id", "file", "title", "sentences", *names, "annotated", "status"]])
        writer.writerows([neutralise(v) for v in r.values()] for r in rows)
    elif not rows:
        click.echo("No articles yet: run `pressmark sync FOLDER`.", err=True)
    else:
        print_table(["id", "file", "title", "sentences", *names, "status"],
               [[r["id"], safe(r["file"]), safe(r["title"]), r["sentences"], *(r[n] for n in names), r["status"]]
                for r in rows])


def print_table(headers: list[str], rows: list[list]) -> None:
    """A plain aligned table (rich would cost start-up time for no gain here); every cell through safe."""
    headers = [safe(h) for h in headers]
    cells = [[safe(str(c)) for c in row] for row in rows]
    widths = [min(max(len(h), *(len(r[i]) for r in cells)), 60) for i, h in enumerate(headers)]
    numeric = [all(isinstance(row[i], int) for row in rows) for i in range(len(headers))]

    def line(values):
        return "  ".join((v[: w - 1] + "…" if len(v) > w else v).rjust(w) if num else
                         (v[: w - 1] + "…" if len(v) > w else v).ljust(w)
                         for v, w, num in zip(values, widths, numeric)).rstrip()

    click.echo(line(headers))
    for row in cells:
        click.echo(line(row))


article_argument = click.argument("article")


@cli.command()
@article_argument
@format_option("text", "json")
@pass_ctx
def show(obj: Context, article: str, fmt: str) -> None:
    """Print ARTICLE's numbered sentences with your tags and notes.

    ARTICLE is an id, a file name, or an unambiguous prefix of either.
    """
    from store.queries import article_view, resolve_article, tags

    view = article_view(obj.db, resolve_article(obj.db, article), obj.annotator)
    order = {t.name: i for i, t in enumerate(tags(obj.db))}

    def sentences():  # one at a time, printed as made: a long article never becomes one big structure
        for s in view.sentences:
            sp = view.speakers.get(s.n)
            yield {"n": s.n, "para": s.para, "start": s.start, "end": s.end, "text": view.text[s.start:s.end],
                   "tags": sorted(view.tags.get(s.n, ()), key=lambda t: (order.get(t, 99), t)),
                   "note": view.notes.get(s.n), "speaker": sp and sp.name, "speaker_role": sp and sp.role}

    if fmt == "json":
        _echo_json(view.file, view.title, sentences())
        return
    click.echo(f"{safe(view.title)}  ({safe(view.file)}, {len(view.sentences)} sentences)")
    para = None
    for s in sentences():
        if para is not None and s["para"] != para:
            click.echo("")
        para = s["para"]
        tags_text = f" [{', '.join(map(safe, s['tags']))}]" if s["tags"] else ""
        click.echo(f"{s['n']:>4}{tags_text} {safe(s['text'])}")
        if s["note"]:
            click.echo("      note: " + "\n            ".join(map(safe, s["note"].splitlines())))


def _echo_json(file: str, title: str, sentences) -> None:
    """``{"article", "title", "sentences": [...]}`` as ``echo_json`` lays it out, written a sentence at a time."""
    import json

    from store.names import escape_json

    head = escape_json(json.dumps({"article": file, "title": title}, ensure_ascii=False, indent=2))
    click.echo(head[:-2] + ',\n  "sentences": [', nl=False)
    sep = "\n    "
    for item in sentences:
        text = escape_json(json.dumps(item, ensure_ascii=False, indent=2))
        click.echo(sep + text.replace("\n", "\n    "), nl=False)
        sep = ",\n    "
    click.echo("\n  ]\n}" if sep != "\n    " else "]\n}")


def _sentence(obj: Context, article: str, n: int) -> int:
    from store.queries import resolve_article

    article_id = resolve_article(obj.db, article)
    count = obj.db.conn.execute("SELECT n_sentences FROM articles WHERE id = ?", (article_id,)).fetchone()[0]
    if not 1 <= n <= count:
        raise click.BadParameter(f"{n}: the article has sentences 1 to {count}", param_hint="N")
    return article_id


@cli.command()
@article_argument
@click.argument("n", type=int)
@click.argument("tag")
@click.option("--note", help="Also set the sentence's note.")
@pass_ctx
def tag(obj: Context, article: str, n: int, tag: str, note: str | None) -> None:
    """Tag sentence N (1-based, as in `show`) of ARTICLE with TAG."""
    from store.annotate import set_note, set_tag

    article_id = _sentence(obj, article, n)
    done = set_tag(obj.db, article_id, n, tag, obj.annotator, on=True)
    if note is not None:
        set_note(obj.db, article_id, n, note, obj.annotator)
    noted = "" if note is None else " (note saved)" if note.strip() else " (note removed)"
    click.echo(f"sentence {n}: {'tagged' if done else 'already tagged'} {safe(tag)}{noted}")


@cli.command()
@article_argument
@click.argument("n", type=int)
@click.argument("tag", required=False)
@pass_ctx
def untag(obj: Context, article: str, n: int, tag: str | None) -> None:
    """Remove TAG (or every tag of yours) from sentence N of ARTICLE."""
    from store.annotate import clear_tags, set_tag

    article_id = _sentence(obj, article, n)
    done = set_tag(obj.db, article_id, n, tag, obj.annotator, on=False) if tag else \
        clear_tags(obj.db, article_id, n, obj.annotator)
    click.echo(f"sentence {n}: " + ("untagged" if done else "had no such tag"))


def _columns(ctx, param, value: str | None) -> tuple[str, ...] | None:
    from store.export import COLUMNS

    if value is None:
        return None
    names = tuple(COLUMNS) if value.strip() == "all" else tuple(n.strip() for n in value.split(",") if n.strip())
    unknown = [n for n in names if n not in COLUMNS]
    if unknown or not names or len(set(names)) < len(names):
        raise click.BadParameter(f"{safe(', '.join(unknown)) or 'each column once, at least one'}: choose from "
                                 f"{', '.join(COLUMNS)}, or all")
    return names


@cli.command()
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="csv", show_default=True,
              help="; ".join(f"{f.name}: {f.summary}" for f in FORMATS.values()) + ".")
@click.option("-o", "--output", help="File to write, or - for standard output.  [default: annotations and the "
              "format's suffix: " + ", ".join(f.suffix for f in FORMATS.values()) + "]")
@click.option("--article", help="Only this article (id, file name or prefix).")
@click.option("--tag", help="Only this tag.")
@click.option("--annotator", "only_annotator", metavar="NAME",
              help="Only NAME's rows (the global --annotator before the command says who you are).")
@click.option("--columns", callback=_columns, metavar="A,B,...",
              help="CSV: these columns, in this order, or all (adds sha256).")
@click.option("--sentences", type=click.Choice(["tagged", "all"]), default="tagged", show_default=True,
              help="CSV: all adds a row (empty tag and annotator) for each sentence of the articles that no row is "
                   "on: the negatives a classifier needs.")
@click.option("--raw", is_flag=True, help="CSV for pandas, R and scripts: no leading ' on text starting with "
              "= + - @, so text == article text[start:end] always. Without it the CSV is safe to open in a "
              "spreadsheet.")
@click.option("--excel", is_flag=True, help="CSV for Excel: UTF-8 with a byte order mark, which Excel needs to "
              "read accents and quotes right (still guarded against formulas).")
@pass_ctx
def export(obj: Context, fmt: str, output: str, article: str | None, tag: str | None,
           only_annotator: str | None, columns: tuple[str, ...] | None, sentences: str, raw: bool,
           excel: bool) -> None:
    """Export annotations: by default a CSV with one row per sentence, tag and annotator.

    CSV columns: article, title, sentence, start, end, tag, speaker, text, note,
    annotator, created_at, updated_at, status, article_id, paragraph,
    speaker_role, source, date (--columns chooses; sha256 on request). Which
    CSV: --raw for pandas and R, --excel for Excel, neither for other
    spreadsheets. brat and doccano are zip files. The formats are described in
    docs/teams.md.
    """
    from store import formats
    from store.export import ExportFilter
    from store.queries import resolve_article, tags

    if tag and tag not in (names := [t.name for t in tags(obj.db)]):  # a data problem (exit 1), as for `tag`
        raise StoreError(f"unknown tag {tag!r} (the codebook has: {', '.join(names)}); nothing written")
    csv_only = {"--raw": raw, "--excel": excel, "--columns": columns, "--sentences": sentences != "tagged"}
    if fmt != "csv" and any(csv_only.values()):
        raise click.BadParameter("only for --format csv", param_hint=next(k for k, v in csv_only.items() if v))
    if raw and excel:
        raise click.BadParameter("a CSV for Excel keeps the guard against formulas", param_hint="--raw")
    if only_annotator and not obj.db.conn.execute("SELECT 1 FROM annotations WHERE annotator = ? LIMIT 1",
                                                  (only_annotator,)).fetchone():
        from store.queries import annotator_progress

        names = ", ".join(safe(p.annotator) for p in annotator_progress(obj.db)) or "nobody yet"
        raise StoreError(f"no annotations by {only_annotator!r} (annotators: {names}); nothing written")
    flt = ExportFilter((resolve_article(obj.db, article),) if article else (), tag, only_annotator)
    options = {"raw": raw, "excel": excel, "sentences": sentences, **({"columns": columns} if columns else {})} \
        if fmt == "csv" else {}
    if output == "-":
        if formats.get(fmt).binary:
            if sys.stdout.isatty():
                raise click.BadParameter(f"{fmt} is a zip file: give a file name, or send it to a file or pipe",
                                         param_hint="-o")
            formats.write(obj.db, fmt, sys.stdout.buffer, flt)
            return
        formats.write(obj.db, fmt, data_out(), flt, **options)
        return
    output = output or formats.get(fmt).default_file
    count = formats.export(obj.db, fmt, output, flt, **options)
    click.echo(f"{formats.get(fmt).counted(count)} written to {safe(output)}", err=True)


def main() -> None:
    """Entry point: store errors become one line on stderr and exit status 1, never a traceback."""
    try:
        status = cli.main(standalone_mode=False, prog_name="pressmark")  # an int when a command raised Exit
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except StoreError as exc:  # also every sqlite3.Error, named by its file (DefaultToOpen.invoke)
        click.echo(f"pressmark: {safe(str(exc))}", err=True)
        sys.exit(1)
    except OSError as exc:  # e.g. standard output on a full disk: one line too
        click.echo(f"pressmark: {_failure(exc.filename or '', exc)}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    try:
        sys.stdout.flush()  # here, not at exit, where a full disk would make a traceback and status 120
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except OSError as exc:
        click.echo(f"pressmark: standard output: {_failure('', exc)}", err=True)
        sys.exit(1)
    if isinstance(status, int):
        sys.exit(status)


def _failure(what: str, exc: BaseException) -> str:
    from store.errors import DISK_FULL, disk_full

    why = f"NOT SAVED: {DISK_FULL}" if disk_full(exc) else getattr(exc, "strerror", None) or str(exc)
    return safe(f"{what}: {why}" if what else why)
