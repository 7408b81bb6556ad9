"""``pressmark suggest`` and ``pressmark cues``: tag suggestions (issues 8 and 16) and their cue codebook."""

from __future__ import annotations

import click

from tui.cli import Context, cli, data_out, echo_json, format_option, pass_ctx, print_table, safe


@cli.command("suggest")
@click.argument("article", required=False)
@format_option("table", "json")
@click.option("--apply", "apply_", is_flag=True,
              help="Accept them all as your tags (the global --annotator): one undoable action per article.")
@pass_ctx
def suggest_cmd(obj: Context, article: str | None, fmt: str, apply_: bool) -> None:
    """Suggest tags for the sentences you have not tagged yet, with the reason for each.

    Without ARTICLE, every article. Suggestions come from the cue codebook
    (`pressmark cues`) and the speaker of each sentence, and learn from your
    decisions in every article: your tags, accepted and dismissed suggestions
    (the same as the reader shows you). They are stored apart from your tags,
    and become tags only when accepted (--apply here, or in the reader).
    Dismissed suggestions are not proposed again.
    """
    from store.queries import resolve_article
    from store.sentences import texts as sentence_texts
    from store.suggest import accept_all, suggest

    db = obj.db
    _warn_unusable_cues(db)
    if article:
        ids = [resolve_article(db, article)]
    else:
        ids = [r[0] for r in db.conn.execute("SELECT id FROM articles ORDER BY file, id")]
    files = dict(db.conn.execute("SELECT id, file FROM articles"))
    found, texts, accepted, articles = [], {}, 0, 0
    for article_id in ids:
        items = suggest(db, article_id, obj.annotator)
        if not items:
            continue
        articles += 1
        found.extend(items)
        texts.update({(article_id, n): t for n, t in enumerate(sentence_texts(db, article_id), 1)})
        if apply_:
            accept_all(db, article_id, obj.annotator)
            accepted += len(items)
    rows = [{"article": files[s.article_id], "n": s.n, "tag": s.tag, "reason": s.reason} for s in found]
    if fmt == "json":
        echo_json(rows)
    elif rows:
        print_table(["article", "n", "tag", "reason", "sentence"],
                    [[safe(r["article"]), r["n"], r["tag"], safe(r["reason"]), safe(texts[(s.article_id, s.n)])]
                     for r, s in zip(rows, found)])
    if apply_:
        click.echo(f"accepted {accepted} suggestion{'s' if accepted != 1 else ''} in {articles} "
                   f"article{'s' if articles != 1 else ''} as {safe(obj.annotator)}'s tags"
                   + (" (undo in the reader with u)" if accepted else ""), err=True)
    elif fmt == "table":
        click.echo(f"{len(rows)} suggestion{'s' if len(rows) != 1 else ''} in {articles} "
                   f"article{'s' if articles != 1 else ''}" + ("; --apply accepts them" if rows else ""), err=True)


def _warn_unusable_cues(db) -> None:
    """A line on stderr per cue the suggester leaves out (an expression stored before RE2 checked them)."""
    from store.cues import load_cues, unusable_cues

    for cue, why in unusable_cues(load_cues(db)):
        click.echo(f"pressmark: cue left out ({cue.tag}, {cue.match}): {safe(why)}; "
                   "fix it with `pressmark cues --export FILE` and `--import FILE`", err=True)


@cli.command("cues")
@click.option("--export", "export_to", metavar="FILE", help="Write the cue codebook to FILE as CSV (- for stdout).")
@click.option("--import", "import_from", metavar="FILE",
              type=click.Path(exists=True, dir_okay=False), help="Replace the cue codebook with FILE (CSV).")
@click.option("--reset", is_flag=True, help="Replace the cue codebook with pressmark's default one.")
@pass_ctx
def cues_cmd(obj: Context, export_to: str | None, import_from: str | None, reset: bool) -> None:
    """List, export or replace the cue codebook the suggester uses.

    The file is CSV with the columns tag, match, cue, when, weight, note:
    match is phrase (the words appear), regex (a regular expression matches the
    sentence) or speaker (it matches the sentence's speaker, "name; role");
    when is any, quoted, reported, speaker, narration, finder (the speaker found,
    judged or decided something in the article) or respondent (a speaker who did
    not, in an article that gives them a finding or decision to react to); a tag
    is suggested when the weights (-100 to 100) of its matching cues add up to at
    least 1, and a negative weight holds it back. Edit the exported file and
    import it back.

    Expressions use RE2 syntax (Python's without look-ahead, look-behind or
    back-references), matched in time linear in the sentence, so no cue can
    freeze the suggester.
    """
    from store.cues import cues_csv, default_cues, load_cues, save_cues
    from store.suggest import export_cues, import_cues

    if sum(map(bool, (export_to, import_from, reset))) > 1:
        raise click.UsageError("give only one of --export, --import and --reset")
    db = obj.db
    if import_from:
        count = import_cues(db, import_from)
        click.echo(f"{count} cues imported from {safe(import_from)}; `pressmark suggest` uses them from now on",
                   err=True)
        return
    if reset:
        from store.errors import StoreError

        known = {r[0] for r in db.conn.execute("SELECT name FROM tags")}
        cues = [c for c in default_cues() if c.tag in known]
        if not cues:
            raise StoreError("none of the default cues' tags (finding, response, commitment) is in the codebook")
        save_cues(db, cues)
        click.echo(f"{len(cues)} default cues restored", err=True)
        return
    if export_to == "-":
        data_out().write(cues_csv(load_cues(db)))
        return
    if export_to:
        export_cues(db, export_to)
        click.echo(f"{len(load_cues(db))} cues written to {safe(export_to)}", err=True)
        return
    cues = load_cues(db)
    _warn_unusable_cues(db)
    if not cues:
        click.echo("The cue codebook is empty: `pressmark cues --reset` restores the default one.", err=True)
        return
    print_table(["tag", "match", "cue", "when", "weight", "note"],
                [[c.tag, c.match, safe(c.cue), c.when, f"{c.weight:g}", safe(c.note)] for c in cues])
