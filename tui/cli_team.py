"""Team commands: annotators, merge, agree, import, tags (issue 9). See docs/teams.md."""

from __future__ import annotations

from dataclasses import asdict

import click

from store.figures import percent
from store.formats import FORMATS
from tui.cli import Context, cli, echo_json, format_option, pass_ctx, print_table, safe


def _fixed(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


# --------------------------------------------------------------------------- annotators


@cli.command()
@format_option("table", "json")
@pass_ctx
def annotators(obj: Context, fmt: str) -> None:
    """List everyone who has annotated, with their progress.

    articles: articles with at least one of their annotations; sentences:
    sentences they tagged; tags and notes: their rows; orphans: their
    annotations that lost their place when an article changed.
    """
    from store.queries import annotator_progress

    rows = annotator_progress(obj.db)
    if fmt == "json":
        echo_json([{**p._asdict(), "per_article": {str(k): v for k, v in p.per_article.items()}}
                               for p in rows])
    elif not rows:
        click.echo("No annotations yet.", err=True)
    else:
        print_table(["annotator", "articles", "sentences", "tags", "notes", "orphans", "last change"],
                    [[safe(p.annotator), p.articles, p.sentences, p.tags, p.notes, p.orphans, p.last or ""]
                     for p in rows])


# --------------------------------------------------------------------------- merge and import


def _report_dict(report) -> dict:
    out = asdict(report)
    out["orphans"] = dict(report.orphans)
    out["skipped"] = dict(report.skipped)
    return out


def _echo_rows(report) -> None:
    for c in report.conflicts:
        click.echo(f"  conflict: {safe(c.file)} sentence {c.sentence}, {safe(c.annotator)}'s note differs; "
                   f"kept {'theirs' if c.kept == 'theirs' else 'ours'} (newer)")
    for file, count in sorted(report.orphans.items()):
        click.echo(f"  {safe(file)}: {count} annotation(s) found no place in this text; kept as orphans")
    for tag, key in report.tags_added:
        click.echo(f"  tag {safe(tag)} added to the codebook (key {key})")
    if report.rejected:  # rows of a file: each with where it is, on stderr; all of them counted
        for where, why in report.rejected:
            click.echo(f"  skipped {safe(where)}: {safe(why)}", err=True)
        if (more := sum(report.skipped.values()) - len(report.rejected)) > 0:
            click.echo(f"  ... and {more} more row(s) skipped", err=True)
    else:
        for reason, count in sorted(report.skipped.items()):
            click.echo(f"  skipped {count} row(s): {safe(reason)}")
    click.echo(f"  annotations: {report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
               f"{len(report.conflicts)} conflict(s), {report.orphaned} orphan(s)")


@cli.command()
@click.argument("others", nargs=-1, required=True, metavar="OTHER.db...", type=click.Path(dir_okay=False))
@format_option("table", "json")
@pass_ctx
def merge(obj: Context, others: tuple[str, ...], fmt: str) -> None:
    """Bring in the articles and annotations of other pressmark databases.

    Articles are matched by text hash, else by file name (annotations then
    re-anchored by quote; those that find no place are kept as orphans).
    Another annotator's annotations are never overwritten; when the same
    annotator's note differs, the newer one wins and the conflict is listed.
    Running it again adds nothing. Each database merged is one logged action.
    The other databases are only read.
    """
    from store.merge import merge as merge_db

    reports = []
    for other in others:
        report = merge_db(obj.db, other, by=obj.annotator)
        reports.append(report)
        if fmt == "table":
            click.echo(f"{safe(other)}: {len(report.articles_added)} article(s) added, "
                       f"{report.articles_matched} matched")
            for file in report.articles_reanchored:
                click.echo(f"  {safe(file)}: matched by file name, text differs; annotations re-anchored")
            _echo_rows(report)
    if fmt == "json":
        echo_json([_report_dict(r) for r in reports])


@cli.command("import")
@click.argument("files", nargs=-1, required=True, metavar="FILE...", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["auto", *(f.name for f in FORMATS.values() if f.readable)]), default="auto",
              show_default=True, help="The files' format (auto: detected from the content).")
@pass_ctx
def import_cmd(obj: Context, files: tuple[str, ...], fmt: str) -> None:
    """Read pressmark's own CSV, JSONL or W3C exports back into this database.

    Only for articles already here (matched by text hash, file name, or for W3C
    the quoted text); annotations are re-anchored by quote where the text
    differs, and applied as `merge` does. Each file is one logged action.
    Rows that cannot be used are listed on stderr with their line and skipped;
    a file with nothing usable, or one that cannot be read, changes nothing
    and stops the command with status 1.
    """
    from store.formats.importing import import_file

    for path in files:
        report = import_file(obj.db, path, by=obj.annotator, fmt=None if fmt == "auto" else fmt)
        click.echo(f"{safe(path)} ({report.format}): {report.articles_matched} article(s) matched")
        for file in report.articles_unknown:
            click.echo(f"  {safe(file)}: no such article in this database; its annotations were not imported")
        if (more := report.unknown - len(report.articles_unknown)) > 0:
            click.echo(f"  ... and {more} more article(s) not in this database")
        _echo_rows(report)


# --------------------------------------------------------------------------- agreement


@cli.command()
@click.option("--tag", help="Only this tag.")
@click.option("--annotators", "names", metavar="A,B,...",
              help="The coders to compare (default: everyone but 'adjudicated').")
@click.option("--disagreements", "show", is_flag=True, help="Also list the sentences coded differently.")
@format_option("table", "json")
@pass_ctx
def agree(obj: Context, tag: str | None, names: str | None, show: bool, fmt: str) -> None:
    """Measure agreement between coders, per tag and overall.

    Over the sentences of the articles every compared coder has seen (made at
    least one annotation in): percent agreement, Cohen's kappa for each pair
    and Krippendorff's alpha (nominal) across all, with counts. Per tag, a
    sentence's value is tagged or not; overall, it is the set of tags. n/a
    (null in JSON) where a figure is undefined. See docs/teams.md.
    """
    from store.agree import agreement, disagreements

    coders = [n.strip() for n in names.split(",") if n.strip()] if names else None
    report = agreement(obj.db, coders, tag)
    found = disagreements(obj.db, report.annotators, tag) if show else None
    if fmt == "json":
        out = report.to_dict()
        if found is not None:
            out["disagreements"] = [asdict(d) for d in found]
        echo_json(out)
        return
    coders = report.annotators
    click.echo(f"{len(coders)} coders ({', '.join(safe(c) for c in coders)}), {report.units} sentences in "
               f"{len(report.articles)} article(s) all of them have seen")
    if not report.units:
        click.echo("Nothing to compare yet: no article has annotations from every one of them.", err=True)
    rows = [*report.tags, *([report.overall] if report.overall else [])]
    print_table(["tag", "units", "all agree", "percent", "alpha", *(f"n {safe(c)}" for c in coders)],
                [[safe(a.tag) if a.tag is not None else "(overall)", a.units, a.agree, percent(a.percent),
                  _fixed(a.alpha), *(a.counts[c] for c in coders)] for a in rows])
    click.echo("")
    click.echo("Cohen's kappa (percent agreement) per pair:")
    pairs = [(p.a, p.b) for p in rows[0].pairs] if rows else []
    print_table(["pair", *(safe(a.tag) if a.tag is not None else "(overall)" for a in rows)],
                [[f"{safe(a)} / {safe(b)}", *(f"{_fixed(r.pairs[i].kappa)} ({percent(r.pairs[i].percent)})"
                                             for r in rows)] for i, (a, b) in enumerate(pairs)])
    if found is not None:
        click.echo("")
        click.echo(f"Disagreements ({len(found)}):")
        for d in found:
            coded = "; ".join(f"{safe(c)}: {', '.join(map(safe, t)) or '-'}" for c, t in d.tags.items())
            click.echo(f"  {safe(d.file)} {d.sentence}: {coded}")
            click.echo(f"      {safe(d.text)}")


# --------------------------------------------------------------------------- codebook


@cli.group(invoke_without_command=True)
@format_option("table", "json", "labelstudio")
@click.pass_context
def tags(ctx: click.Context, fmt: str) -> None:
    """List the codebook; its subcommands add, edit, rename, merge and remove tags.

    Keys are one lower-case letter or digit that the reader does not already
    use; the capital of a letter key tags and moves on. Renaming, merging and
    removing tags change annotations and are logged (see docs/teams.md).
    --format labelstudio prints the codebook as a Label Studio labeling
    interface for `export --format labelstudio`.
    """
    if ctx.invoked_subcommand is not None:
        return
    from store.codebook import codebook

    entries = codebook(ctx.find_object(Context).db)
    if fmt == "labelstudio":
        from store.formats.labelstudio import labeling_config

        click.echo("\n".join(safe(line) for line in labeling_config(entries).split("\n")), nl=False)
        return
    if fmt == "json":
        echo_json([asdict(e) for e in entries])
        return
    print_table(["tag", "key", "colour", "annotations", "sentences", "description"],
                [[safe(e.name), e.key, e.colour, e.annotations, e.sentences, safe(e.description)] for e in entries])


@tags.command("add")
@click.argument("name")
@click.option("--key", required=True, help="One lower-case letter or digit the reader does not use.")
@click.option("--colour", "--color", "colour", help="#rrggbb (default: one not yet used).")
@click.option("--description", default="", help="What the tag means, for the help screen.")
@pass_ctx
def tags_add(obj: Context, name: str, key: str, colour: str | None, description: str) -> None:
    """Add tag NAME to the codebook."""
    from store.codebook import add_tag

    entry = add_tag(obj.db, name, key, colour, description)
    click.echo(f"added {safe(entry.name)} (key {entry.key}, {entry.colour})")


@tags.command("edit")
@click.argument("name")
@click.option("--key", help="A new key.")
@click.option("--colour", "--color", "colour", help="A new colour, #rrggbb.")
@click.option("--description", help="A new description.")
@pass_ctx
def tags_edit(obj: Context, name: str, key: str | None, colour: str | None, description: str | None) -> None:
    """Change the key, colour or description of tag NAME."""
    from store.codebook import edit_tag

    entry = edit_tag(obj.db, name, key=key, colour=colour, description=description)
    click.echo(f"{safe(entry.name)}: key {entry.key}, {entry.colour}, {safe(entry.description) or 'no description'}")


@tags.command("rename")
@click.argument("old")
@click.argument("new")
@pass_ctx
def tags_rename(obj: Context, old: str, new: str) -> None:
    """Rename tag OLD to NEW, in the codebook and on every annotation."""
    from store.codebook import rename_tag

    count = rename_tag(obj.db, old, new, by=obj.annotator)
    click.echo(f"renamed {safe(old)} to {safe(new)} ({count} annotation(s))")


@tags.command("merge")
@click.argument("source")
@click.argument("target")
@pass_ctx
def tags_merge(obj: Context, source: str, target: str) -> None:
    """Fold tag SOURCE into TARGET: SOURCE's annotations become TARGET and SOURCE leaves the codebook.

    Where an annotator had both tags on a sentence, the two collapse into one.
    """
    from store.codebook import merge_tags

    change = merge_tags(obj.db, source, target, by=obj.annotator)
    click.echo(f"merged {safe(source)} into {safe(target)}: {change.moved} moved, "
               f"{change.collapsed} collapsed into existing {safe(target)} tags")


@tags.command("remove")
@click.argument("name")
@click.option("--force", is_flag=True, help="Remove it even though annotations use it.")
@click.option("--to", "to", metavar="TAG", help="With --force: move its annotations to TAG.")
@click.option("--yes", is_flag=True, help="With --force and no --to: delete its annotations without asking.")
@pass_ctx
def tags_remove(obj: Context, name: str, force: bool, to: str | None, yes: bool) -> None:
    """Remove tag NAME from the codebook.

    Refused while annotations use it, unless --force: then they move to
    --to TAG, or are deleted (after a confirmation, or --yes).
    """
    from store.codebook import remove_tag, usage

    if to is not None and not force:
        raise click.BadParameter("--to moves annotations; give --force with it", param_hint="--to")
    used = usage(obj.db, name)
    if used and force and to is None and not yes:
        click.confirm(f"Delete {used} annotation(s) tagged {safe(name)}?", abort=True, err=True)
    change = remove_tag(obj.db, name, by=obj.annotator, to=to if force else None, delete=force and to is None)
    if to is not None:
        click.echo(f"removed {safe(name)}: {change.moved} annotation(s) moved to {safe(to)}, "
                   f"{change.collapsed} collapsed")
    else:
        click.echo(f"removed {safe(name)}" + (f" and {change.deleted} annotation(s)" if change.deleted else ""))
