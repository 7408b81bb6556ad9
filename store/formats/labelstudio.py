"""Label Studio: a JSON array of tasks, as Label Studio imports and exports them.

One task per article (``id``: the article's id here): ``data`` holds ``text`` (what the offsets count
in) and the article's ``file``, ``title``, ``sha256``, ``source`` and ``date``; ``annotations`` holds
one annotation per annotator (``completed_by: {"email": name}``, as Label Studio's exports name users),
whose ``result`` has a ``labels`` region per sentence and tag (``from_name`` "label", ``to_name``
"text", ``value`` start, end, text, labels) and a per-region ``textarea`` result (``from_name`` "note")
for each note -- on the sentence's first tag region, or a region of its own. ``created_at`` and
``updated_at`` are the annotator's first and last change there; each span's own are in
``pressmark.times`` (``store.formats.tools``). :func:`labeling_config` is the matching labeling
interface (``pressmark tags --format labelstudio``).

Read back: pressmark's tasks and Label Studio's exports of them (``completed_by`` a user id is read as
"labelstudio user N"); predictions and results of other types are not annotations and are left out.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO
from xml.sax.saxutils import quoteattr

from store import untrusted
from store.db import Database
from store.errors import StoreError
from store.export import ExportFilter
from store.formats.base import ArticleFinder, ImportReport, Records
from store.formats.tools import EXTRAS, Extras, codings, extras, span_row, text_hash
from store.untrusted import JsonError, JsonReader, string

LABELS, TEXT, NOTE = "label", "text", "note"  # the names in the labeling config
TASK_KEYS = ("data", "annotations", "predictions")


def labeling_config(tags: Iterable) -> str:
    """The labeling interface for these tasks: the codebook's tags (with their colours) on the text, several
    per span, and a note per region."""
    labels = "\n".join(f"    <Label value={quoteattr(t.name)} background={quoteattr(t.colour)}/>" for t in tags)
    return (f'<View>\n  <Labels name="{LABELS}" toName="{TEXT}" choice="multiple">\n{labels}\n  </Labels>\n'
            f'  <Text name="{TEXT}" value="${TEXT}"/>\n'
            f'  <TextArea name="{NOTE}" toName="{TEXT}" perRegion="true" editable="true"/>\n</View>\n')


def _annotation(coding) -> dict:
    result, regions = [], {}
    for row in coding.tags:
        rid = f"r{len(result) + 1}"
        regions.setdefault(row["sentence"], rid)
        value = {"start": row["start"], "end": row["end"], "text": row["exact"], "labels": [row["tag"]]}
        result.append({"id": rid, "from_name": LABELS, "to_name": TEXT, "type": "labels", "origin": "manual",
                       "value": value})
    for row in coding.notes:
        rid = regions.get(row["sentence"]) or f"r{len(result) + 1}"
        result.append({"id": rid, "from_name": NOTE, "to_name": TEXT, "type": "textarea", "origin": "manual",
                       "value": {"start": row["start"], "end": row["end"], "text": [row["note"]]}})
    rows = coding.tags + coding.notes
    return {"completed_by": {"email": coding.annotator}, "was_cancelled": False, "ground_truth": False,
            "created_at": min(r["created_at"] for r in rows), "updated_at": max(r["updated_at"] for r in rows),
            "result": result, EXTRAS: extras(coding)}


def write(db: Database, out: IO[str], flt: ExportFilter = ExportFilter(),
          progress: Callable[[int], None] | None = None) -> int:
    """Write the tasks to ``out``, one a line; return how many (articles)."""
    out.write("[")
    count = 0
    for count, (article, annotators) in enumerate(codings(db, flt), 1):
        task = {"id": article.id, "data": {"text": article.text, **article.fields()},
                "annotations": [_annotation(c) for c in annotators]}
        out.write(("\n" if count == 1 else ",\n") + json.dumps(task, ensure_ascii=False))
        if progress:
            progress(count)
    out.write("\n]\n")
    return count


def sniff(head: str, first: str, complete: bool) -> bool:
    """A JSON array whose first item names one of a task's keys before anything else it holds."""
    reader = JsonReader(io.StringIO(head))
    try:
        reader.take("[")
        reader.take("{")
        while True:
            if reader.value() in TASK_KEYS:
                return True
            reader.take(":")
            reader.value()
            if reader.take(",}") == "}":
                return False
    except JsonError:
        return False


def _annotator(completed_by: object, by: str) -> str:
    if isinstance(completed_by, dict):
        name = completed_by.get("email") or " ".join(
            str(completed_by.get(k) or "") for k in ("first_name", "last_name")).strip()
        completed_by = name or completed_by.get("id")
    if type(completed_by) is int:
        return f"labelstudio user {completed_by}"
    return completed_by if isinstance(completed_by, str) and completed_by else by


def _rows(text: str, annotation: dict, by: str, where: str) -> Iterable[tuple[str, dict | str]]:
    """(where, row or why not) for each label and note of one annotation."""
    annotator = _annotator(annotation.get("completed_by"), by)
    known = Extras(annotation.get(EXTRAS))
    for problem in known.problems:
        yield where, problem
    fallback = (annotation.get("created_at"), annotation.get("updated_at"))
    results = annotation.get("result")
    if not isinstance(results, list):
        yield where, "result is not a list"
        return
    regions = {r["id"]: r.get("value") for r in results  # a note's region, by id (a string in Label Studio)
               if isinstance(r, dict) and r.get("type") == "labels" and isinstance(r.get("id"), str)}
    for i, result in enumerate(results):
        at = f"{where}, result[{i}]"
        value = result.get("value") if isinstance(result, dict) else None
        if not isinstance(value, dict):
            yield at, "not a result with a value"
            continue
        kind = result.get("type")
        try:
            if kind == "labels":
                labels = value.get("labels")
                if not isinstance(labels, list) or not labels:
                    raise ValueError("labels is not a list of tags")
                for tag in labels:
                    string(tag, "label")
                    yield at, span_row(text, value.get("start"), value.get("end"), annotator, tag=tag,
                                       times=known.of(value.get("start"), value.get("end"), tag, fallback))
            elif kind == "textarea":
                lines = value.get("text")
                if not isinstance(lines, list) or not all(isinstance(t, str) for t in lines):
                    raise ValueError("text is not a list of strings")
                rid = result.get("id")
                region = value if "start" in value else regions.get(rid if isinstance(rid, str) else None) or {}
                if not isinstance(region, dict):
                    raise ValueError("the note's region has no value")
                note = "\n".join(lines)
                yield at, span_row(text, region.get("start"), region.get("end"), annotator, note=note,
                                   times=known.of_note(region.get("start"), region.get("end"), note, fallback))
            else:
                yield at, f"a {str(kind)[:20]} result, not labels or textarea"
        except ValueError as exc:
            yield at, str(exc)


def read(path: Path, report: ImportReport, finder: ArticleFinder, by: str) -> Records:
    with open(path, encoding="utf-8-sig") as f:
        reader = JsonReader(f, untrusted.MAX_RECORD)
        try:
            for line, task in reader.array():
                where = f"task on line {line}"
                data = task.get("data") if isinstance(task, dict) else None
                text = data.get("text") if isinstance(data, dict) else None
                try:
                    if not isinstance(string(text, "text"), str):
                        raise ValueError("not a task with a text in its data")
                except ValueError as exc:
                    report.skip(str(exc), where)
                    continue
                annotations = task.get("annotations") or []
                if not isinstance(annotations, list):
                    report.skip("annotations is not a list", where)
                    continue
                keys = {name: data.get(name) if isinstance(data.get(name), str) else None for name in ("file", "title")}
                article_id = finder.find(sha256=text_hash(text), **keys)
                if article_id is None:
                    continue
                for i, annotation in enumerate(annotations):
                    if not isinstance(annotation, dict):
                        report.skip(f"annotations[{i}] is not an object", where)
                        continue
                    for at, row in _rows(text, annotation, by, f"{where}, annotations[{i}]"):
                        if isinstance(row, str):
                            report.skip(row, at)
                        else:
                            yield article_id, row, at
            if reader.peek():
                raise reader.error("not valid JSON (more after the end of the array)")
        except JsonError as exc:
            raise StoreError(f"{path}, line {exc.line}: {exc}") from None
