"""Who is speaking: speaker attribution for every sentence of an article, as docs/labelling.md §4 defines it.

``attribute(text, sentences)`` returns one :class:`Speaker` (or ``None``) per sentence. A sentence has a
speaker when it is

* **direct quotation**, in any quote style (``store.speakers.quotes``), with the attribution of its
  quotation: before or after it in the same sentence, anywhere in the quotation when it runs over
  sentences and paragraphs, on a name line after a block quote ("Professor X, University of Y."), or,
  for a follow-on quotation with none of its own, the speaker of the sentence before it. A pull quote
  used as a crosshead has the speaker of the section it heads; direct speech set off by ``said:`` without
  quote marks runs over the paragraphs that follow in the first or second person;
* **reported speech**: a person or body is the subject or agent of a verb of saying or finding, or
  ``according to`` names them (``store.speakers.attributions``); an introducer (``X said:``) and a list
  that completes it share its speaker; ``That is according to X`` also attributes the sentence before.

It has none when it is narration, when a document is the subject (``The report said``, ``It found``
after it: a document's findings have no speaker), or when a quotation's attribution names no one we can
read ("one mother said"). Names are resolved across the article (``store.speakers.resolve``): one name
per person or body, as first introduced; several speaking together are joined with " and ".

Each speaker carries its **evidence**, the words that named it (``Ms Khan … said:``), for the reader's
status line. Pure standard library and precompiled regexes, linear in the article; spaCy is not used (it
is optional for nobody: no English model is installable here, and these rules are measured on the real
corpus by ``python -m bench quality``). Attribution costs a few times segmenting, so it is not run at sync:
``store.derived.sentence_speakers`` attributes an article when its speakers are first needed and stores
them, with ``ALGORITHM``, so stored speakers made by an older version are made again.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from store.speakers.attributions import QUOTE, Attribution, find
from store.speakers.mentions import Mention, parse_np
from store.speakers.quotes import Piece, scan
from store.speakers.resolve import SOMEONE, Article, Party

__all__ = ["ALGORITHM", "Speaker", "attribute", "backfill_speakers", "sentence_speakers", "store_speakers"]

ALGORITHM = 2  # bump when attribution changes: stored speakers of another version are stale


@dataclass(frozen=True, slots=True)
class Speaker:
    """Who speaks a sentence: ``quoted`` for direct quotation, else reported speech; ``evidence`` is the text
    that named them (not part of equality: the same speaker, however found)."""

    name: str
    role: str | None = None
    quoted: bool = False
    evidence: str | None = field(default=None, compare=False)


_FIRST_PERSON_RE = re.compile(r"\b(?:[Ww]e|[Oo]ur|[Uu]s|I|[Mm]y|[Mm]e|[Yy]ou|[Yy]our)\b")
_LIST_ITEM_RE = re.compile(r"\s*(?:[-•*–⁃]\s|\(?\w{1,3}[.)]\s)")
_NAME_LINE_RE = re.compile(r"\s*[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*){1,4}\s*(?:,[^.!?:;\"“”]{2,100})?\.?\s*")
_ENDS_SENTENCE_RE = re.compile(r"[.!?]\W*$")


def _outside(text: str, pieces: list[Piece]) -> str:
    """The sentence's unquoted text with each quotation replaced by ``QUOTE``."""
    return " ".join(text[p.start:p.end] if p.quote < 0 else QUOTE for p in pieces)


def _introduces(text: str, pieces: list[Piece]) -> bool:
    """Does the sentence introduce a full quoted sentence ("said: “…", "said, “We…", "said; "We…")?"""
    for before, quote in zip(pieces, pieces[1:]):
        if before.quote < 0 <= quote.quote:
            lead = text[before.start:before.end].rstrip()
            if lead.endswith(":") or lead.endswith((",", ";")) and text[quote.start:quote.end].lstrip()[:1].isupper():
                return True
    return False


def attribute(text: str, sentences: Sequence) -> list[Speaker | None]:
    """One speaker (or None) per sentence; ``sentences`` have ``start``, ``end`` and ``para``
    (``store.segment.Sentence`` or rows of the ``sentences`` table)."""
    n = len(sentences)
    if not n:
        return []
    texts = [text[s.start:s.end] for s in sentences]
    pieces = scan(text, sentences)
    outside = [_outside(text, p) for p in pieces]
    paras = [s.para for s in sentences]
    alone = [(i == 0 or paras[i - 1] != paras[i]) and (i + 1 == n or paras[i + 1] != paras[i]) for i in range(n)]
    found = [find(o) if o.strip() else [] for o in outside]
    names = [alone[i] and not found[i] and _name_line(texts[i]) for i in range(n)]
    groups = {i: a.mention for i in range(n) for a in found[i] if a.mention is not None and a.mention.kind == "group"}
    groups.update(_name_line_groups(texts, names))
    headline = alone[0] and n > 1 and not _ENDS_SENTENCE_RE.search(texts[0])
    article = Article(texts, outside, headline, groups)
    own = _own(article, found)

    # The quotations: which sentence each starts in and the first attribution of a sentence touching it.
    starts_inside = [bool(p) and p[0].quote >= 0 and not any(c.isalnum() for c in text[s.start:p[0].start])
                     for s, p in zip(sentences, pieces)]
    first: dict[int, int] = {}
    said: dict[int, tuple[Party, Attribution]] = {}
    for i in range(n):
        for p in pieces[i]:
            if p.quote >= 0:
                first.setdefault(p.quote, i)
                if own[i] is not None:
                    said.setdefault(p.quote, own[i])
    last_of: dict[int, int] = {q: i for i in range(n) for p in pieces[i] if (q := p.quote) >= 0}
    next_own = [n] * (n + 1)
    for i in range(n - 1, -1, -1):
        next_own[i] = i if own[i] is not None and own[i][0].kind not in ("document", "unknown") else next_own[i + 1]

    result: list[Speaker | None] = [None] * n
    speech: tuple[Party, Attribution, bool] | None = None  # an introducer's speaker over the paragraphs after it
    for i in range(n):
        new_para = i == 0 or paras[i] != paras[i - 1]
        introduces = _introduces(text, pieces[i])
        opens_next = i + 1 < n and starts_inside[i + 1] and outside[i].rstrip().endswith((":", ","))
        direct = starts_inside[i] or introduces or opens_next
        if new_para and speech is not None and not _speech_goes_on(speech, i, paras, texts, starts_inside, own):
            speech = None
        if own[i] is not None:
            party, attribution = own[i]
            result[i] = _speaker(party, attribution, direct)
            if attribution.backwards and i and result[i - 1] is None and result[i]:
                result[i - 1] = _speaker(party, attribution, False)
            last_in_para = i + 1 == n or paras[i + 1] != paras[i]
            if last_in_para and outside[i].rstrip().endswith(":") and i + 1 < n and not starts_inside[i + 1]:
                listed = bool(_LIST_ITEM_RE.match(texts[i + 1]))
                if listed or _FIRST_PERSON_RE.search(texts[i + 1]):
                    speech = (party, attribution, not listed)
                    result[i] = _speaker(party, attribution, not listed)
            continue
        if speech is not None:
            result[i] = _speaker(speech[0], speech[1], speech[2])
            continue
        if names[i] and i and result[i - 1] is None and _quoted_before(pieces, i):
            person = article.resolve(parse_np(texts[i].split(",")[0]), i)  # "Professor X, University of Y."
            if person is not None:
                line = Attribution(Mention("person", person.name), 0, texts[i].strip().rstrip("."), 0)
                q = next(p.quote for p in reversed(pieces[i - 1]) if p.quote >= 0)
                for k in range(first[q], i):
                    if result[k] is None:
                        result[k] = _speaker(person, line, True)
                result[i] = _speaker(person, line, True)
            continue
        if not direct:
            continue
        q = next(p.quote for p in pieces[i] if p.quote >= 0) if starts_inside[i] or introduces else \
            next(p.quote for p in pieces[i + 1] if p.quote >= 0)
        if q in said:
            result[i] = _speaker(*said[q], True)
        elif alone[i] and not any(c.isalnum() for c in outside[i].replace(QUOTE, " ")) \
                and len(texts[i].split()) <= 12 and not _ENDS_SENTENCE_RE.search(texts[i].rstrip("”’\"'")):
            k = next_own[i + 1]  # a pull quote: the speaker of the section it heads
            if k < n and k <= i + 6:
                result[i] = _speaker(own[k][0], own[k][1], True)
        elif first[q] == i and starts_inside[i] and i and (result[i - 1] is not None or own[i - 1] is not None):
            if (before := result[i - 1]) is not None:  # a follow-on quotation goes on with the speaker before it
                result[i] = Speaker(before.name, before.role, True, before.evidence)
        elif first[q] < i and result[first[q]] is not None:
            before = result[first[q]]
            result[i] = Speaker(before.name, before.role, True, before.evidence)
        elif (k := last_of[q] + 1) < n and starts_inside[k] and first.get(pieces[k][0].quote) == k and \
                (after := said.get(pieces[k][0].quote)) is not None:
            result[i] = _speaker(after[0], after[1], True)  # attributed in the quotation that follows it
    return result


def _own(article: Article, found: list[list[Attribution]]) -> list[tuple[Party, Attribution] | None]:
    """Per sentence, the speaker its own attributions name (of two, the one whose words make up more of it)."""
    own: list[tuple[Party, Attribution] | None] = []
    last: Party | None = None
    last_at = -2
    for i, attributions in enumerate(found):
        chosen = None
        for a in attributions:
            if a.mention is None:
                party = SOMEONE
            else:
                party = article.resolve(a.mention, i, a.at, last if last_at >= i - 1 else None)
                if party is None:
                    continue
            if party.kind == "person" and a.mention is not None and a.mention.role:
                party.role = party.role or a.mention.role
                article.note_role(i, party, a.mention.role)
            plural = a.mention is not None and (a.mention.kind in ("plural", "group") or a.mention.name in (
                "inspectors", "they"))
            article.said(i, a.at, party, plural)  # an unknown speaker is someone: "she" may be them
            if party is not SOMEONE:
                last, last_at = party, i
            if chosen is None or (a.joined and a.words > chosen[1].words and party is not SOMEONE):
                chosen = (party, a)
        own.append(chosen)
    return own


def _speaker(party: Party, attribution: Attribution, quoted: bool) -> Speaker | None:
    if party.kind in ("document", "unknown") or not party.name:
        return None
    role = party.role if party.kind in ("person", "group") else attribution.mention.role if attribution.mention \
        else None
    return Speaker(party.name, role, quoted, attribution.evidence or None)


def _speech_goes_on(speech, i: int, paras, texts, starts_inside, own) -> bool:
    """Does unquoted direct speech (or a list) after an introducer go on into the paragraph starting at ``i``?"""
    if starts_inside[i] or own[i] is not None and own[i][0] is not speech[0]:
        return False
    if not speech[2]:
        return bool(_LIST_ITEM_RE.match(texts[i]))
    k, paragraph = i, []
    while k < len(texts) and paras[k] == paras[i]:
        paragraph.append(texts[k])
        k += 1
    return bool(_FIRST_PERSON_RE.search(" ".join(paragraph)))


def _name_line(text: str) -> bool:
    """A line that only names a person: "Lisa Winward, Chief Constable of North Yorkshire Police"."""
    if len(text) > 160 or not _NAME_LINE_RE.fullmatch(text):
        return False
    mention = parse_np(text.split(",")[0])
    return mention is not None and mention.kind == "person" and " " in mention.name


def _name_line_groups(texts: list[str], names: list[bool]) -> dict[int, Mention]:
    """Consecutive name lines (the signatories of a joint statement) as one group, at the last of them."""
    groups, run = {}, []
    for i, is_name in enumerate([*names, False]):
        if is_name:
            run.append(i)
            continue
        if len(run) >= 2:
            parts = []
            for k in run:
                name, _, role = texts[k].partition(",")
                parts.append(parse_np(name)._replace(role=role.strip().rstrip(".") or None))
            groups[run[-1]] = Mention("group", " and ".join(p.name for p in parts), parts=tuple(parts))
        run = []
    return groups


def _quoted_before(pieces: list[list[Piece]], i: int) -> bool:
    return bool(pieces[i - 1]) and pieces[i - 1][-1].quote >= 0


# --------------------------------------------------------------------------- storing

# Stored speakers are derived data, attributed when first needed: see store.derived.
from store.derived import backfill_speakers, sentence_speakers, store_speakers  # noqa: E402
