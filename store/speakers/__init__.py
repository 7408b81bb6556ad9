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
``store.derived.speakers.sentence_speakers`` attributes an article when its speakers are first needed and stores
them, with ``ALGORITHM``, so stored speakers made by an older version are made again.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from store.speakers.attributions import QUOTE, Attribution, find, shorten
from store.speakers.mentions import Mention, parse_np
from store.speakers.quotes import Piece, scan
from store.speakers.resolve import SOMEONE, Article, Party

__all__ = ["ALGORITHM", "Speaker", "attribute"]

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
_NAME_LINE_RE = re.compile(
    r"\s*(?:[–—-]\s*)?[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*){1,4}\s*(?:,[^.!?:;\"“”]{2,100})?\.?\s*")
_ENDS_SENTENCE_RE = re.compile(r"[.!?]\W*$")


def _outside(text: str, pieces: list[Piece]) -> str:
    """The sentence's unquoted text with each quotation replaced by ``QUOTE``."""
    return " ".join(text[p.start:p.end] if p.quote < 0 else QUOTE for p in pieces)


def attribute(text: str, sentences: Sequence) -> list[Speaker | None]:
    """One speaker (or None) per sentence; ``sentences`` have ``start``, ``end`` and ``para``
    (``store.segment.Sentence`` or rows of the ``sentences`` table)."""
    if not sentences:
        return []
    return _Reading(text, sentences).speakers()


class _Reading:
    """One article's sentences as attribution reads them: their quotations and their own attributions."""

    def __init__(self, text: str, sentences: Sequence):
        n = self.n = len(sentences)
        self.text = text
        self.texts = [text[s.start:s.end] for s in sentences]
        self.pieces = scan(text, sentences)
        self.outside = [_outside(text, p) for p in self.pieces]
        self.paras = paras = [s.para for s in sentences]
        self.alone = [(i == 0 or paras[i - 1] != paras[i]) and (i + 1 == n or paras[i + 1] != paras[i])
                      for i in range(n)]
        found = [find(o) if o.strip() else [] for o in self.outside]
        self.names = [self.alone[i] and not found[i] and _name_line(self.texts[i]) for i in range(n)]
        groups = {i: a.mention for i in range(n) for a in found[i] if a.mention and a.mention.kind == "group"}
        groups.update(_name_line_groups(self.texts, self.names))
        headline = self.alone[0] and n > 1 and not _ENDS_SENTENCE_RE.search(self.texts[0])
        self.article = Article(self.texts, self.outside, headline, groups)
        self.own = _own(self.article, found)
        # The quotations: the sentences each starts and ends in, and the first attribution of a sentence in it.
        self.starts_inside = [bool(p) and p[0].quote >= 0 and not any(c.isalnum() for c in text[s.start:p[0].start])
                              for s, p in zip(sentences, self.pieces)]
        self.first: dict[int, int] = {}
        self.last: dict[int, int] = {}
        self.said: dict[int, tuple[Party, Attribution]] = {}
        for i in range(n):
            for q in (p.quote for p in self.pieces[i] if p.quote >= 0):
                self.first.setdefault(q, i)
                self.last[q] = i
                if self.own[i] is not None:
                    self.said.setdefault(q, self.own[i])
        self.next_own = [n] * (n + 1)  # the next sentence with an attribution naming someone
        for i in range(n - 1, -1, -1):
            named = self.own[i] is not None and self.own[i][0].kind not in ("document", "unknown")
            self.next_own[i] = i if named else self.next_own[i + 1]

    def speakers(self) -> list[Speaker | None]:
        n, own, paras, texts = self.n, self.own, self.paras, self.texts
        result: list[Speaker | None] = [None] * n
        speech: tuple[Party, Attribution, bool] | None = None  # an introducer's speaker over the paragraphs after it
        for i in range(n):
            introduces = self._introduces(i)
            opens_next = i + 1 < n and self.starts_inside[i + 1] and self.outside[i].rstrip().endswith((":", ","))
            direct = self.starts_inside[i] or introduces or opens_next
            if speech is not None and (i == 0 or paras[i] != paras[i - 1]) and not self._speech_goes_on(speech, i):
                speech = None
            if own[i] is not None:
                party, attribution = own[i]
                result[i] = _speaker(party, attribution, direct)
                if attribution.backwards and i and result[i - 1] is None and result[i]:
                    result[i - 1] = _speaker(party, attribution, False)  # "That is according to X"
                if (i + 1 == n or paras[i + 1] != paras[i]) and self.outside[i].rstrip().endswith(":") and i + 1 < n \
                        and not self.starts_inside[i + 1]:
                    listed = bool(_LIST_ITEM_RE.match(texts[i + 1]))
                    if listed or _FIRST_PERSON_RE.search(self._paragraph(i + 1)):
                        speech = (party, attribution, not listed)  # a list, or direct speech without quote marks
                        result[i] = _speaker(party, attribution, not listed)
            elif speech is not None:
                result[i] = _speaker(*speech)
            elif self.names[i] and i and result[i - 1] is None and self.pieces[i - 1] \
                    and self.pieces[i - 1][-1].quote >= 0:
                self._name_line_after_quotation(i, result)
            elif direct:
                result[i] = self._from_quotation(i, introduces, result)
        return result

    def _introduces(self, i: int) -> bool:
        """Does the sentence introduce a full quoted sentence ("said: “…", "said, “We…", "said; "We…")?"""
        pieces, text = self.pieces[i], self.text
        for before, quote in zip(pieces, pieces[1:]):
            if before.quote < 0 <= quote.quote:
                lead = text[before.start:before.end].rstrip()
                capital = text[quote.start:quote.end].lstrip()[:1].isupper()
                if lead.endswith(":") or lead.endswith((",", ";")) and capital:
                    return True
        return False

    def _from_quotation(self, i: int, introduces: bool, result: list[Speaker | None]) -> Speaker | None:
        """The speaker of direct speech with no attribution of its own: its quotation's, else that of the
        section a pull quote heads, of the speaker before a follow-on quotation, or of the quotation after it."""
        pieces = self.pieces[i] if self.starts_inside[i] or introduces else self.pieces[i + 1]
        q = next(p.quote for p in pieces if p.quote >= 0)
        if q in self.said:
            return _speaker(*self.said[q], True)
        if self.alone[i] and not any(c.isalnum() for c in self.outside[i].replace(QUOTE, " ")) \
                and len(self.texts[i].split()) <= 12 and not _ENDS_SENTENCE_RE.search(self.texts[i].rstrip("”’\"'")):
            k = self.next_own[i + 1]  # a pull quote: the speaker of the section it heads
            return _speaker(*self.own[k], True) if k < self.n and k <= i + 6 else None
        first = self.first[q]
        if first == i and self.starts_inside[i] and i and (result[i - 1] is not None or self.own[i - 1] is not None):
            before = result[i - 1]  # a follow-on quotation goes on with the speaker before it (none after "one
            return before and Speaker(before.name, before.role, True, before.evidence)  # mother said")
        if first < i and (before := result[first]) is not None:
            return Speaker(before.name, before.role, True, before.evidence)
        k = self.last[q] + 1
        if k < self.n and self.starts_inside[k] and self.first.get(self.pieces[k][0].quote) == k \
                and (after := self.said.get(self.pieces[k][0].quote)) is not None:
            return _speaker(after[0], after[1], True)  # attributed in the quotation that follows it
        return None

    def _name_line_after_quotation(self, i: int, result: list[Speaker | None]) -> None:
        """"Professor X, University of Y." after a block quote: X speaks the quotation and the line."""
        mention = _name_line_mention(self.texts[i])
        person = self.article.resolve(mention, i)
        if person is None:
            return
        person.role = person.role or mention.role
        line = Attribution(mention, 0, 0, shorten(self.texts[i].strip(" –—-.")))
        q = next(p.quote for p in reversed(self.pieces[i - 1]) if p.quote >= 0)
        for k in range(self.first[q], i + 1):
            result[k] = result[k] or _speaker(person, line, True)

    def _paragraph(self, i: int) -> str:
        k = i
        while k < self.n and self.paras[k] == self.paras[i]:
            k += 1
        return " ".join(self.texts[i:k])

    def _speech_goes_on(self, speech: tuple[Party, Attribution, bool], i: int) -> bool:
        """Does unquoted direct speech (or a list) after an introducer go on into the paragraph starting at ``i``?
        A list goes on with its items; speech while paragraphs speak in the first or second person."""
        if self.starts_inside[i] or self.own[i] is not None and self.own[i][0] is not speech[0]:
            return False
        if not speech[2]:
            return bool(_LIST_ITEM_RE.match(self.texts[i]))
        return bool(_FIRST_PERSON_RE.search(self._paragraph(i)))


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


def _name_line(text: str) -> bool:
    """A line that only names a person: "Lisa Winward, Chief Constable of North Yorkshire Police"."""
    if len(text) > 160 or not _NAME_LINE_RE.fullmatch(text):
        return False
    mention = parse_np(text.split(",")[0].lstrip(" –—-"))
    return mention is not None and mention.kind == "person" and " " in mention.name


def _name_line_mention(text: str) -> Mention:
    """The person a name line names, with the rest of the line (and any title) as their role."""
    name, _, rest = text.strip(" –—-.").partition(",")
    mention = parse_np(name)
    roles = [r for r in (mention.role, rest.strip()) if r]
    return mention._replace(role="; ".join(roles) or None)


def _name_line_groups(texts: list[str], names: list[bool]) -> dict[int, Mention]:
    """Consecutive name lines (the signatories of a joint statement) as one group, at the last of them."""
    groups, run = {}, []
    for i, is_name in enumerate([*names, False]):
        if is_name:
            run.append(i)
            continue
        if len(run) >= 2:
            parts = [_name_line_mention(texts[k]) for k in run]
            groups[run[-1]] = Mention("group", " and ".join(p.name for p in parts), parts=tuple(parts))
        run = []
    return groups
