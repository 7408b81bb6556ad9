"""brat standoff: a zip of brat's own files, one folder per annotator (brat compares annotators as
folders holding the same documents), to unzip into brat's ``data`` folder.

- ``annotation.conf`` and ``visual.conf`` at the top: the codebook as entity types (brat reads the
  configuration of the nearest folder above a document), each tag's name and colour as its label.
- ``ANNOTATOR/ID-NAME.txt``: the article's stored text (UTF-8), what the offsets count in.
- ``ANNOTATOR/ID-NAME.ann``: a text-bound annotation per sentence and tag (``T1<TAB>type start
  end<TAB>text``; a span across a line break is written as brat writes it, in pieces either side,
  ``start end;start end``), and each note as ``#1<TAB>AnnotatorNotes T1<TAB>note`` on the sentence's
  first tag -- or, on a sentence without one, on an entity of the type ``pressmark_note`` (brat notes
  are one line: line breaks become spaces there).
- ``ANNOTATOR/ID-NAME.pressmark.json``: what brat has no place for, which brat ignores: the annotator's
  and the article's names, the article's ``file``, ``title``, ``sha256``, ``source`` and ``date``, the
  tag of each type, and each span's times and the exact notes (``store.formats.tools``).

A type is the tag's name where that is letters, digits and ``-``; any other character is written
``_HEX_`` (``needs check`` -> ``needs_20_check``), so ``pressmark_note`` can be no tag's type.

Read back: these zips and brat's own folders zipped (an ``.ann`` whose ``.txt`` is beside it; its annotator
the ``.pressmark.json``'s, else its folder's name, else the person importing). Entities become tags (their
type, or the tag it stands for) and notes notes; relations, events and attributes are not imported.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import IO

from store.db import Database
from store.export import ExportFilter
from store.formats.base import ArticleFinder, ImportReport, Records
from store.formats.tools import (
    EXTRAS,
    Extras,
    annotators,
    codings,
    extras,
    member_name,
    member_text,
    open_zip,
    span_row,
    text_hash,
    zip_member,
    zip_writer,
)
from store.untrusted import JsonError, JsonReader

NOTE_TYPE = "pressmark_note"
SIDECAR = ".pressmark.json"
LABEL_BREAKS = re.compile(r"[|\s]+")  # what would end a label in visual.conf


def brat_type(tag: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c == "-") else f"_{ord(c):x}_" for c in tag)


def _codebook(db: Database) -> list[tuple[str, str]]:
    return db.conn.execute("SELECT name, colour FROM tags ORDER BY position, name").fetchall()


def _configuration(tags: list[tuple[str, str]]) -> tuple[str, str]:
    """annotation.conf and visual.conf for the codebook."""
    types = [brat_type(name) for name, _ in tags] + [NOTE_TYPE]
    annotation = "[entities]\n" + "".join(f"{t}\n" for t in types) + "\n[relations]\n\n[events]\n\n[attributes]\n"
    labels = "".join(f"{brat_type(name)} | {re.sub(LABEL_BREAKS, ' ', name)}\n" for name, _ in tags)
    drawing = "".join(f"{brat_type(name)}\tbgColor:{colour}\n" for name, colour in tags)
    return annotation, f"[labels]\n{labels}{NOTE_TYPE} | note\n\n[drawing]\n{drawing}{NOTE_TYPE}\tbgColor:#ffffff\n"


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The span cut at line breaks, as brat writes a span over several lines."""
    pieces, at = [], start
    for line in text[start:end].split("\n"):
        if line:
            pieces.append((at, at + len(line)))
        at += len(line) + 1
    return pieces or [(start, end)]


def _ann(text: str, coding) -> str:
    lines, first = [], {}

    def entity(kind: str, row: dict) -> int:
        n = sum(1 for line in lines if line.startswith("T")) + 1
        pieces = _pieces(text, row["start"], row["end"])
        where = ";".join(f"{s} {e}" for s, e in pieces)
        lines.append(f"T{n}\t{kind} {where}\t{' '.join(text[s:e] for s, e in pieces)}")
        return n

    for row in coding.tags:
        n = entity(brat_type(row["tag"]), row)
        first.setdefault(row["sentence"], n)
    for i, row in enumerate(coding.notes, 1):
        n = first.get(row["sentence"]) or entity(NOTE_TYPE, row)
        lines.append(f"#{i}\tAnnotatorNotes T{n}\t{' '.join(row['note'].split())}")
    return "".join(line + "\n" for line in lines)


def write(db: Database, out: IO[bytes], flt: ExportFilter = ExportFilter(),
          progress: Callable[[int], None] | None = None) -> int:
    """Write the zip to ``out``; return how many documents (one per article and annotator)."""
    tags = _codebook(db)
    count, folders = 0, set()
    with zip_writer(out) as archive:
        for name, content in zip(("annotation.conf", "visual.conf"), _configuration(tags)):
            with zip_member(archive, name) as f:
                f.write(content)
        for name in annotators(db, flt):
            folder, documents = member_name(name, folders), set()
            for article, (coding,) in codings(db, replace(flt, annotator=name)):
                stem = Path(article.file).stem
                document = f"{folder}/{member_name(f'{article.id}-{stem}', documents)}"
                used = {r["tag"] for r in coding.tags}
                sidecar = {"annotator": name, **article.fields(),
                           "types": {brat_type(t): t for t in sorted(used)}, EXTRAS: extras(coding)}
                for suffix, content in ((".txt", article.text), (".ann", _ann(article.text, coding)),
                                        (SIDECAR, json.dumps(sidecar, ensure_ascii=False, indent=1) + "\n")):
                    with zip_member(archive, document + suffix) as f:
                        f.write(content)
                count += 1
                if progress:
                    progress(count)
    return count


def sniff_zip(names: list[str]) -> bool:
    return any(n.endswith(".ann") for n in names)


# --------------------------------------------------------------------------- reading


def _entities(ann: str) -> Iterator[tuple[str, str, object]]:
    """(where, kind, what) for each line of an .ann file: ("T", id, (type, start, end)), ("#", id of the
    entity, note), or (kind, "", why it is not imported)."""
    for number, line in enumerate(ann.split("\n"), 1):
        if not line.strip():
            continue
        where = f"line {number}"
        name, _, rest = line.partition("\t")
        body, _, text = rest.partition("\t")
        if name.startswith("T"):
            kind, _, offsets = body.partition(" ")
            try:
                pieces = [tuple(int(x) for x in piece.split()) for piece in offsets.split(";")]
                if not kind or not pieces or any(len(p) != 2 for p in pieces):
                    raise ValueError
            except ValueError:
                yield where, "", f"{name}: not an entity (TYPE START END)"
                continue
            yield where, "T", (name, kind, min(p[0] for p in pieces), max(p[1] for p in pieces))
        elif name.startswith("#") and body.startswith("AnnotatorNotes "):
            yield where, "#", (body.removeprefix("AnnotatorNotes ").strip(), text)
        else:
            yield where, "", (f"{name[:20]}: a brat {name[:1] or 'blank'} annotation; only entities and notes are "
                              "imported")


def _sidecar(archive, document: str, names: set[str]) -> dict:
    if document + SIDECAR not in names:
        return {}
    try:
        value = JsonReader(io.StringIO(member_text(archive, archive.getinfo(document + SIDECAR)))).document()
    except (ValueError, JsonError):
        return {}
    return value if isinstance(value, dict) else {}


def _document_rows(text: str, ann: str, side: dict, annotator: str) -> Iterator[tuple[str, dict | str]]:
    types = side.get("types") if isinstance(side.get("types"), dict) else {}
    known = Extras(side.get(EXTRAS))
    exact_notes = {(s, e, " ".join(str(note).split())): (note, c, u) for s, e, note, c, u in known.notes}
    spans = {}
    for where, kind, what in _entities(ann):
        try:
            if kind == "T":
                name, brat, start, end = what
                spans[name] = (start, end)
                if brat == NOTE_TYPE:
                    continue
                tag = types.get(brat) if isinstance(types.get(brat), str) else brat
                yield where, span_row(text, start, end, annotator, tag=tag, times=known.of(start, end, tag))
            elif kind == "#":
                target, note = what
                if target not in spans:
                    raise ValueError(f"a note on {target[:20]}, which is no entity before it")
                start, end = spans[target]
                note, *times = exact_notes.get((start, end, " ".join(note.split())), (note, None, None))
                yield where, span_row(text, start, end, annotator, note=note, times=tuple(times))
            else:
                yield where, what
        except ValueError as exc:
            yield where, str(exc)


def read(path: Path, report: ImportReport, finder: ArticleFinder, by: str) -> Records:
    with open_zip(path) as archive:
        names = {info.filename for info in archive.infolist()}
        for info in archive.infolist():
            if not info.filename.endswith(".ann"):
                continue
            document = info.filename[:-len(".ann")]
            try:
                if document + ".txt" not in names:
                    raise ValueError(f"{info.filename} has no {PurePosixPath(document).name}.txt beside it")
                text = member_text(archive, archive.getinfo(document + ".txt"))
                ann = member_text(archive, info)
            except ValueError as exc:
                report.skip(str(exc), info.filename)
                continue
            side = _sidecar(archive, document, names)
            folder = PurePosixPath(document).parent.name
            annotator = side.get("annotator") if isinstance(side.get("annotator"), str) else folder or by
            keys = {k: side.get(k) if isinstance(side.get(k), str) else None for k in ("file", "title")}
            article_id = finder.find(sha256=text_hash(text), **keys)
            if article_id is None:
                continue
            for where, row in _document_rows(text, ann, side, annotator):
                if isinstance(row, str):
                    report.skip(row, f"{info.filename}, {where}")
                else:
                    yield article_id, row, f"{info.filename}, {where}"
