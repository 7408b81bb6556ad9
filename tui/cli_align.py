"""``pressmark compare`` and ``pressmark sources``: what one article reused from another."""

from __future__ import annotations

import csv
import sys

import click

from store.figures import percent
from tui.cli import Context, article_argument, cli, data_out, echo_json, format_option, pass_ctx, print_table, safe

ROLES = {"source": "source", "copy": "reuses it", "": "?"}  # store.derived.shingles.Source.role, as the table says it


@cli.command()
@click.argument("a")
@click.argument("b")
@format_option("table", "json", "csv")
@pass_ctx
def compare(obj: Context, a: str, b: str, fmt: str) -> None:
    """Align the sentences of article B with its source A and measure the reuse.

    Lists the sentence pairs where B reuses A's wording (with a score: the
    share of the shorter sentence shared word for word), the sentences of
    each side with no counterpart, and the reuse figures: the share of B
    copied from A, the share of A that B used, and the longest copied passage
    (see docs/alignment.md). A and B are ids, file names or unambiguous
    prefixes, as for `show`. CSV has one row per pair or unaligned sentence.
    """
    from store.align import alignment
    from store.derived.shingles import reuse_direction
    from store.queries import article_view, resolve_article

    a_id, b_id = resolve_article(obj.db, a), resolve_article(obj.db, b)
    if a_id == b_id:
        raise click.BadParameter(f"{safe(a)} and {safe(b)} are the same article; compare two different ones",
                                 param_hint="B")
    result = alignment(obj.db, a_id, b_id)
    va, vb = article_view(obj.db, a_id, None), article_view(obj.db, b_id, None)
    r = result.reuse
    way = reuse_direction(obj.db, a_id, b_id, result)
    if fmt == "json":
        echo_json({
            "a": va.file, "b": vb.file, "a_title": va.title, "b_title": vb.title,
            "reuse": {"b_from_a": round(r.b_from_a, 4), "a_used_by_b": round(r.a_used_by_b, 4),
                      "longest_passage": r.longest_passage, "longest_passage_words": r.longest_passage_words,
                      "longest_passage_text": r.longest_passage_text},
            "pairs": [{"a": p.a, "b": p.b, "score": round(p.score, 3), "spans": [list(s) for s in p.spans],
                       "a_text": va.sentence_text(p.a), "b_text": vb.sentence_text(p.b)} for p in result.pairs],
            "unaligned_a": [{"n": n, "text": va.sentence_text(n)} for n in result.unaligned_a],
            "unaligned_b": [{"n": n, "text": vb.sentence_text(n)} for n in result.unaligned_b],
            "a_is_source": way.a_is_source, "why": way.why("A", "B"),
        })
        return
    if fmt == "csv":
        from store.export import neutralise

        writer = csv.writer(data_out())
        writer.writerow(["kind", "a", "b", "score", "a_text", "b_text"])
        rows = [["pair", p.a, p.b, round(p.score, 3), va.sentence_text(p.a), vb.sentence_text(p.b)]
                for p in result.pairs]
        rows += [["only_a", n, "", "", va.sentence_text(n), ""] for n in result.unaligned_a]
        rows += [["only_b", "", n, "", "", vb.sentence_text(n)] for n in result.unaligned_b]
        writer.writerows([neutralise(v) for v in row] for row in rows)
        return
    click.echo(f"A  {safe(va.file)}  {safe(va.title)}  ({len(va.sentences)} sentences)")
    click.echo(f"B  {safe(vb.file)}  {safe(vb.title)}  ({len(vb.sentences)} sentences)")
    said = {True: "A is the source, B reuses it", False: "B is the source, A reuses it", None: "Source unknown"}
    click.echo(f"{said[way.a_is_source]} ({safe(way.why('A', 'B'))})")
    click.echo(f"B copied from A: {percent(r.b_from_a)} of its text; A used by B: {percent(r.a_used_by_b)}; "
               f"longest copied passage: {r.longest_passage} characters ({r.longest_passage_words} words)")
    if r.longest_passage_text:
        click.echo(f"  “{safe(' '.join(r.longest_passage_text.split()))}”")
    click.echo("")
    click.echo(f"Aligned sentences ({len(result.pairs)}):")
    for p in result.pairs:
        click.echo(f"  A{p.a:<4} B{p.b:<4} {p.score:.2f}  A: {safe(va.sentence_text(p.a))}")
        click.echo(f"  {'':16}B: {safe(vb.sentence_text(p.b))}")
    for side, view, numbers in (("A", va, result.unaligned_a), ("B", vb, result.unaligned_b)):
        click.echo("")
        click.echo(f"Only in {side} ({len(numbers)}):")
        for n in numbers:
            click.echo(f"  {side}{n:<4} {safe(view.sentence_text(n))}")


@cli.command()
@article_argument
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many articles to list.")
@format_option("table", "json")
@pass_ctx
def sources(obj: Context, article: str, limit: int, fmt: str) -> None:
    """List the articles sharing text with ARTICLE, most of it first; those that reuse it last when their dates
    or quotation marks say so.

    "role" says which: "source" (ARTICLE reuses it), "reuses it", or "?" when
    the texts do not tell. It comes from the dates when both have one, else
    from which one puts the shared passages in quotation marks, else from
    which one is more the other's wording (--format json gives the evidence:
    "why"). "copied" is the share of ARTICLE found in the other article,
    "used" the share of the other article found in ARTICLE, "longest" the
    longest shared passage in words (as side by side gives it), "pairs" the
    aligned sentence pairs (see docs/alignment.md). Figures marked ~ are
    estimates from the shingle index (texts too long to compare exactly).
    """
    from store.derived.shingles import sources as find_sources
    from store.queries import resolve_article

    show = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:  # the first search after a big sync builds the index
        if show:
            click.echo(f"\rindexing new articles: {done} of {total}" + ("\n" if done == total else ""), nl=False,
                       err=True)

    found = find_sources(obj.db, resolve_article(obj.db, article), limit, progress=progress)
    if fmt == "json":
        echo_json([{"id": s.id, "file": s.file, "title": s.title, "b_from_a": round(s.b_from_a, 4),
                    "a_used_by_b": round(s.a_used_by_b, 4), "longest_passage": s.longest_passage,
                    "longest_passage_words": s.longest_passage_words, "role": s.role or None, "why": s.why,
                    "pairs": s.pairs, "shared_shingles": s.shared, "exact": s.exact} for s in found])
    elif not found:
        click.echo("No other article shares a passage with it.", err=True)
    else:
        print_table(["id", "file", "title", "role", "copied", "used", "longest", "pairs"],
               [[s.id, safe(s.file), safe(s.title), ROLES[s.role], ("" if s.exact else "~") + percent(s.b_from_a),
                 ("" if s.exact else "~") + percent(s.a_used_by_b),
                 "" if s.longest_passage_words is None else s.longest_passage_words, "" if s.pairs is None else s.pairs]
                for s in found])
