"""Who is speaking: speaker attribution for every sentence of an article.

``attribute(text, sentences)`` returns one :class:`Speaker` (or ``None``) per
sentence. A sentence has a speaker when it is

* **quoted speech**: inside double quotation marks (“ ” or "), followed across
  sentences and across paragraphs. British style is understood: a quotation
  that runs over several paragraphs has no closing mark at the end of the
  inner paragraphs, and each new paragraph opens with a fresh “; or
* **reported speech**: a person or body is the subject of a reporting verb
  (*said, says, added, told, acknowledged, found, highlights, recognises,
  concludes, recommends* ...), including ``..., say Ofsted``, ``"...," said
  Karen Walsh`` and ``according to inspectors``.

Unquoted narration without such an attribution has no speaker. A quotation
with no attribution of its own that starts a sentence continues the last
speaker (the newspaper convention for a follow-on quote paragraph); a short
quoted fragment inside narration (a scare quote) does not.

Who: the attribution's subject is read as one of

* a person: ``Mark Douglas, Strategic Director of Children’s Services, said``,
  ``the trust’s chief executive, Simon Patel, said``, ``Mark Douglas – the
  council’s strategic director – says``, ``managing director Paul Ingram said``;
* a body: ``Ofsted says``, ``The CQC said``, ``A spokesperson for NHS Kirkdale
  said`` (speaker ``NHS Kirkdale``, role ``spokesperson``);
* a pronoun, resolved to the last named speaker: *he/she* to the last person,
  *it/they* to the last body (else the last speaker);
* a generic reference, resolved to a body the article names: *the report,
  the letter, the inspection, inspectors, the watchdog, the regulator* to
  the inspecting body (one named in the same sentence, else the most recent
  one, else the next one), *the council, the trust, the force* ... to the
  most recent body with that word in its name (``Kirkdale Council``).

Name and role are kept apart. ``speaker`` is the name only; ``role`` is what
the text says the speaker is (an appositive, a job title before the name,
"spokesperson"). Titles and honorifics that carry a position (Councillor,
Cllr, Dr, Professor, police ranks, Chief Executive ...) are moved out of the
name into the role, before the appositive and separated by ``"; "``
(``Councillor Sue Duffy, portfolio holder for children and families`` →
``Sue Duffy`` / ``Councillor; portfolio holder for children and families``),
so one person has one name however the article titles them. Mr, Mrs, Ms,
Miss and Mx are dropped. A body introduced with an acronym in brackets
(``the Care Quality Commission (CQC)``) is always named in full. A person
mentioned again by surname only is the same person, keeping their role.

Known limits: single quotation marks (‘ ’) are not read as speech (the ’ is
also the apostrophe); a quotation attributed only in a much later paragraph
is credited to the previous speaker; coordinated speakers (``X and Y said``)
are not split.

Pure standard library and precompiled regexes: a linear pass over the
sentences. Still about ten times the cost of segmenting, so it is not run at
sync: ``store.derived.sentence_speakers`` attributes an article when its
speakers are first needed and stores the result.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple


__all__ = ["Speaker", "attribute", "backfill_speakers", "sentence_speakers", "store_speakers"]


@dataclass(frozen=True, slots=True)
class Speaker:
    """Who speaks a sentence: ``quoted`` for direct quotation, else reported speech."""

    name: str
    role: str | None = None
    quoted: bool = False


# --------------------------------------------------------------------------- word lists

_OPEN, _CLOSE, _STRAIGHT = "“„‟", "”", '"'
_QUOTE = "\x00"  # stands for a quoted passage in a sentence's unquoted text
_QUOTE_MARK_RE = re.compile(f"[{_OPEN}{_CLOSE}{_STRAIGHT}]")
_NON_LETTERS_RE = re.compile(r"[\W\d_]+")
_INTRODUCES_RE = re.compile(r"[:,]\s*\x00")

_VERBS = (
    # Only forms that are rarely nouns: "reported" but not "report", "noted" but not "notes".
    "say says said saying add adds added tell tells told explain explains explained stated "
    "acknowledge acknowledges acknowledged admit admits admitted concede concedes conceded confirm confirms "
    "confirmed insist insists insisted warn warns warned claimed stressed noted commented argue argues argued "
    "reveal reveals revealed announce announces announced conclude concludes concluded find finds found "
    "highlight highlights highlighted recognise recognises recognised recognize recognizes recognized "
    "identify identifies identified recommend recommends recommended praises praised criticise criticises "
    "criticised criticize criticizes criticized describes described reported urges urged"
).split()


def _trie_pattern(words: Sequence[str]) -> str:
    """One regular expression for ``words``, factored by common prefixes (much faster than ``a|b|c``)."""
    tree: dict = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def walk(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(ch) + walk(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            body = ("(?:" + body + ")" if len(branches) == 1 and len(body) > 1 else body) + "?"
        return body

    return walk(tree)


_VERB_RE = re.compile(r"\b%s\b" % _trie_pattern(_VERBS), re.IGNORECASE)
# A reporting verb right next to a quotation ("“...,” one mother said", "a resident told us: “...”"):
# the quotation is attributed, even when the attribution names no one we can resolve.
_ADJACENT_RE = re.compile(r"\x00[\s,]*(?:[\w’'-]+\s+){0,5}?%s\b|\b%s\b(?:\s+[\w’'-]+){0,5}?\s*[:,]?\s*\x00" % (
    _VERB_RE.pattern[2:-2], _VERB_RE.pattern[2:-2]), re.IGNORECASE)
_UNKNOWN = Speaker("")  # a quotation whose attribution names no one resolvable
# Words that may stand between a subject and its verb ("Inspectors also found", "Ofsted has said").
_BETWEEN = {"also", "has", "have", "had", "today", "yesterday", "now", "further", "previously", "later",
            "earlier", "then", "again", "has also", "have also", "had also", "would", "will", "did"}
_CONJUNCTIONS = {"but", "and", "however", "yet", "so", "meanwhile", "now", "also", "while", "whilst"}
# A leading clause segment starting with one of these is an adverbial, not the subject.
_ADVERBIAL = {"in", "on", "at", "after", "before", "following", "speaking", "writing", "responding",
              "commenting", "asked", "when", "while", "whilst", "although", "though", "earlier", "later",
              "last", "this", "separately", "elsewhere", "today", "yesterday", "during", "since", "as",
              "with", "without", "despite", "meanwhile"}
# An appositive starting with one of these is not a role ("Sue Duffy, who took over as ...").
_NOT_ROLE = {"who", "whose", "which", "that", "in", "on", "at", "after", "before", "published", "based",
             "led", "speaking", "writing", "responding", "commenting", "following", "during", "when",
             "while", "whilst", "having", "adding", "saying", "quoted", "asked", "carried", "issued",
             "released", "made", "seen", "sent", "with", "without", "from", "by", "to", "for", "as",
             "according", "itself", "himself", "herself", "themselves", "too", "also", "however"}
_HONORIFICS = {"mr", "mrs", "ms", "miss", "mx"}
# Titles kept in the role (and words that make a phrase a role rather than a name).
_TITLES = {"councillor", "cllr", "coun", "dr", "doctor", "professor", "prof", "sir", "dame", "lord", "lady",
           "baroness", "baron", "rev", "reverend", "canon", "judge", "mayor", "chief", "deputy", "assistant",
           "constable", "superintendent", "supt", "inspector", "insp", "detective", "det", "sergeant", "sgt",
           "pc", "dc", "ds", "di", "dci", "dcs", "commander", "cdr", "executive", "director", "officer",
           "secretary", "minister", "commissioner", "president", "chair", "chairman", "chairwoman",
           "chairperson", "leader", "head", "headteacher", "principal", "manager", "governor", "mp", "mep",
           "msp", "ms", "am", "general", "acting", "interim", "managing", "portfolio", "holder", "member",
           "spokesperson", "spokesman", "spokeswoman", "owner", "founder", "lead", "coordinator",
           "adviser", "advisor", "editor", "trustee", "consultant", "solicitor", "dean", "provost",
           "treasurer", "clerk", "registrar", "campaigner", "partner", "strategic", "cabinet", "nurse",
           "matron", "midwife", "surgeon", "chancellor", "vice-chancellor", "ceo", "cfo", "coo"}
_CONNECTORS = {"of", "and", "for", "&", "the", "de", "van", "von", "der", "da", "du", "le", "la"}
_ORG_WORDS = {
    "council", "trust", "nhs", "police", "service", "services", "commission", "inspectorate", "group",
    "ltd", "limited", "plc", "llp", "healthwatch", "ofsted", "estyn", "department", "agency", "authority",
    "board", "office", "university", "college", "school", "academy", "hospital", "hospitals", "foundation",
    "constabulary", "government", "ministry", "partnership", "forum", "association", "union", "society",
    "court", "committee", "panel", "company", "unit", "centre", "center", "ombudsman", "network",
    "institute", "federation", "alliance", "charity", "care", "home", "homes", "parliament", "cabinet",
    "executive", "regulator", "watchdog", "inc", "corporation", "county", "borough", "city", "fire",
    "rescue", "ambulance", "icb", "ccg", "bank", "club", "church", "party",
}
_INSPECTOR_RE = re.compile(
    r"ofsted|inspectorate|\bcommission\b|healthwatch|ombudsman|regulator|estyn|\bhmi|\bcqc\b|audit|watchdog",
    re.IGNORECASE)
_GENERIC_INSPECTOR = {"report", "letter", "inspection", "inspection team", "inspection report", "inspectors",
                      "inspector", "watchdog", "regulator", "inspectorate", "document", "review", "findings",
                      "study", "monitoring letter", "monitoring visit", "investigation", "audit"}
_GENERIC_BODY = {
    "council": ("Council",), "local authority": ("Council", "Authority"), "authority": ("Authority", "Council"),
    "trust": ("Trust",), "force": ("Police", "Constabulary"), "police": ("Police", "Constabulary"),
    "home": ("Home", "Homes", "House", "Lodge", "Court"), "care home": ("Home", "Homes", "House", "Lodge", "Court"),
    "provider": ("Group", "Ltd", "Limited", "Care", "Homes"), "company": ("Group", "Ltd", "Limited", "plc"),
    "department": ("Department",), "government": ("Government",), "board": ("Board",),
    "service": ("Service",), "school": ("School", "Academy", "College"), "hospital": ("Hospital", "Hospitals"),
    "charity": ("Charity", "Foundation", "Trust"), "university": ("University",),
}
_GENERIC_RE = re.compile(
    r"(?:the |its |their |this |that )?(?P<head>%s)" % "|".join(
        sorted((re.escape(w) for w in (*_GENERIC_INSPECTOR, *_GENERIC_BODY)), key=len, reverse=True)),
    re.IGNORECASE)
_SPOKES_RE = re.compile(
    r"(?:an? |the )?(?:(?P<pre>.+?) )?(?P<role>spokesperson|spokesman|spokeswoman|spokespeople|representative)"
    r"(?: (?:for|from|of|at) (?:the )?(?P<post>.+))?", re.IGNORECASE)
_PRONOUNS = {"he", "she", "they", "it", "we"}
_FUNCTION_WORDS = {"the", "this", "that", "these", "those", "it", "its", "their", "a", "an", "his", "her", "our",
                   "we", "they", "he", "she", "i", "there", "here", "what", "which", "who", "but", "and", "however",
                   "in", "on", "at", "as", "so", "if", "when", "while", "whilst", "although", "according", "some",
                   "many", "all", "most", "every", "each", "no", "not", "more", "one", "two", "three"}
# Bodies that are named by one word (a lone "Council" or "Police" is not a name).
_SINGLE_BODIES = {"ofsted", "healthwatch", "estyn", "nhs", "unison", "unite", "barnardo’s", "barnardo's"}
_ACRONYM_ALIAS_RE = re.compile(
    r"((?:[A-Z][\w’'&.-]*)(?:\s+(?:(?:of|and|for|&|the|on)\s+)*[A-Z][\w’'&.-]*)*)\s+\(([A-Z][A-Za-z&]{1,9})\)")
_CAP_RUN_RE = re.compile(r"(?:[A-Z][\w’'&.-]*)(?:\s+(?:(?:of|and|for|&|the)\s+)*[A-Z][\w’'&.-]*)*")
_ORG_HINT_RE = re.compile(r"\b(?:%s)\b|[A-Z]{2}| of | for |&" % "|".join(
    sorted(w.capitalize() for w in _ORG_WORDS | _SINGLE_BODIES)))
_PROPER_RE = re.compile(r"(?<=[\w,;] )[A-Z][\w’'-]*")
_SEPARATORS_RE = re.compile(r"\s*,\s*|\s+[–—-]\s+|\s*[–—]\s*")
_ACCORDING_RE = re.compile(r"\baccording to ([^,.;:\x00]+)", re.IGNORECASE)


def _is_cap(token: str) -> bool:
    t = token.lstrip("(‘'")
    return bool(t) and t[0].isupper()


def _is_acronym(token: str) -> bool:
    t = token.strip("()’'s")
    return 2 <= len(t) <= 8 and t.isalpha() and t.isupper() and t.lower() not in _TITLES


def _is_org(tokens: list[str]) -> bool:
    return any(t.lower().strip("’'s") in _ORG_WORDS or t.lower() in _ORG_WORDS or _is_acronym(t)
               for t in tokens) or any(t in ("of", "for", "&") for t in tokens)


# --------------------------------------------------------------------------- reading a subject


class _Mention(NamedTuple):
    kind: str  # person | org | single | pron | generic | role
    name: str
    role: str | None = None


def _clean_segment(seg: str) -> str:
    seg = seg.strip(" \t,;:–—-()\x00.")
    while True:
        first, _, rest = seg.partition(" ")
        if rest and first.lower() in _CONJUNCTIONS:
            seg = rest.strip(" ,")
            continue
        return seg


def _person(tokens: list[str]) -> _Mention | None:
    """A run of capitalised tokens as a person: leading titles to the role, honorifics dropped."""
    titles = []
    while len(tokens) > 1 and tokens[0].lower().rstrip(".") in _TITLES | _HONORIFICS:
        t = tokens.pop(0)
        if t.lower().rstrip(".") not in _HONORIFICS:
            titles.append(t)
    if not 1 <= len(tokens) <= 4 or not all(_is_cap(t) for t in tokens):
        return None
    if len(tokens) == 1 and tokens[0].lower() in _FUNCTION_WORDS:
        return None
    name = " ".join(tokens)
    if len(tokens) == 1:
        return _Mention("person" if titles else "single", name, " ".join(titles) or None)
    return _Mention("person", name, " ".join(titles) or None)


@functools.lru_cache(maxsize=4096)
def _parse_np(seg: str) -> _Mention | None:
    """Read one clause segment as a speaker mention, or None."""
    seg = _clean_segment(seg)
    if not seg:
        return None
    low = seg.lower()
    if low in _PRONOUNS:
        return _Mention("pron", low)
    if m := _GENERIC_RE.fullmatch(seg):
        return _Mention("generic", m["head"].lower())
    if m := _SPOKES_RE.fullmatch(seg):
        body = m["post"] or m["pre"]
        if body:
            inner = _parse_np(body)
            if inner and inner.kind in ("org", "single", "generic"):
                return _Mention(inner.kind, inner.name, m["role"].lower())
        return None
    tokens = seg.split()
    if tokens[0] in ("The", "the") and len(tokens) > 1 and _is_cap(tokens[1]):
        tokens = tokens[1:]
    if len(tokens) > 9:
        return None
    lowered = [t.lower().rstrip(".") for t in tokens]
    all_caps = all(_is_cap(t) or t in _CONNECTORS for t in tokens) and _is_cap(tokens[-1])
    if lowered[-1].strip("’'s") in _TITLES and len(tokens) > 1 and not _is_acronym(tokens[-1]):
        return _Mention("role", seg)  # "Eastmoor Police’s Chief Constable": a role, the name comes next
    if any(w in _TITLES for w in lowered[:-1]) or not all_caps:
        # A role before the name: "Inspector of Constabulary Daniel Oduya", "managing director Paul Ingram".
        i = len(tokens)
        while i > 0 and _is_cap(tokens[i - 1]) and tokens[i - 1] not in _CONNECTORS:
            i -= 1
        run = tokens[i:]
        while len(run) > 2 and i > 0 and tokens[i - 1] in _CONNECTORS:
            i, run = i + 1, run[1:]  # "of Constabulary Daniel Oduya": Constabulary belongs to the role
        while len(run) > 2 and run[0].lower().rstrip(".") in _TITLES | _HONORIFICS:
            i, run = i + 1, run[1:]
        prefix = tokens[:i]
        if 2 <= len(run) <= 4 and not _is_org(run):
            if not prefix:
                return _person(list(run)) if all_caps else None
            if any(w.lower().rstrip(".").strip("’'s") in _TITLES for w in prefix) or any(
                    w.lower().rstrip(".") in _TITLES for w in prefix):
                titles = [t for t in prefix if t.lower().rstrip(".") not in _HONORIFICS]
                return _Mention("person", " ".join(run), " ".join(titles) or None)
        if not all_caps:
            return None
    if _is_org(tokens):
        return _Mention("org", " ".join(tokens))
    return _person(list(tokens))


def _role_text(segments: list[str]) -> str | None:
    text = ", ".join(s.strip() for s in segments if s.strip()).strip(" ,–—-")
    if not text:
        return None
    first = text.split()[0].lower()
    if first in _NOT_ROLE or first.endswith("ing") and first not in ("managing",):
        return None
    return text


@functools.lru_cache(maxsize=4096)
def _subject(clause: str, inverted: bool) -> _Mention | None:
    """The speaker named by ``clause``: the text before a reporting verb (or after it, ``inverted``)."""
    clause = clause.strip()
    if not inverted:
        words = clause.split()
        while words and (words[-1].lower() in _BETWEEN or words[-1].lower().endswith("ly")):
            words.pop()
        clause = " ".join(words)
    ends_with_separator = bool(re.search(r"(,|\s[–—-]|[–—])\s*$", clause))
    segments = [s for s in _SEPARATORS_RE.split(clause) if s.strip(" ,")]
    if not segments:
        return None
    if not inverted and not ends_with_separator:
        # The subject is next to the verb; a role may be the segment before it.
        head = _parse_np(segments[-1])
        if head is None or head.kind == "role":
            return None
        if len(segments) >= 2 and head.kind in ("person", "org", "single"):
            before = _parse_np(segments[-2])
            if before is not None and before.kind == "role" or _looks_like_role(segments[-2]):
                return head._replace(role=_join_roles(head.role, _clean_segment(segments[-2])))
        return head
    # Appositive structure: drop leading adverbials, then NAME, ROLE or ROLE, NAME.
    segments = [c for c in map(_clean_segment, segments) if c]
    while len(segments) > 1 and segments[0].split()[0].lower() in _ADVERBIAL:
        segments = segments[1:]
    if len(segments) >= 2 and _looks_like_role(segments[0]):
        head = _parse_np(segments[1])
        if head is not None and head.kind in ("person", "org", "single"):
            return head._replace(role=_join_roles(head.role, _clean_segment(segments[0])))
    for i, seg in enumerate(segments[:2]):
        head = _parse_np(seg)
        if head is None or head.kind == "role":
            if inverted:
                return None
            continue
        if head.kind in ("pron", "generic"):
            return head
        return head._replace(role=_join_roles(head.role, _role_text(segments[i + 1:])))
    return None


def _looks_like_role(seg: str) -> bool:
    seg = _clean_segment(seg)
    if not seg:
        return False
    m = _parse_np(seg)
    if m is not None and m.kind == "role":
        return True
    words = seg.split()
    if m is None and words[0].lower() in ("the", "a", "an", "its", "their") and any(
            w.lower().rstrip(".").strip("’'s") in _TITLES for w in words[1:]):
        return True  # "the trust’s chief executive"
    return m is None and words[0][0].islower() and words[-1].lower() in _TITLES


def _join_roles(*roles: str | None) -> str | None:
    return "; ".join(r for r in roles if r) or None


def _attributions(outside: str) -> list[_Mention]:
    """Speaker mentions in a sentence's unquoted text (quotations replaced by ``_QUOTE``), in order."""
    found = []
    for m in _ACCORDING_RE.finditer(outside) if "ccording" in outside else ():
        if (mention := _parse_np(m[1])) is not None and mention.kind != "role":
            found.append((m.start(), mention))
    for m in _VERB_RE.finditer(outside):
        start = max(outside.rfind(c, 0, m.start()) for c in (_QUOTE, ";", ":", "(")) + 1
        left = outside[start:m.start()]
        mention = None
        if left.strip(" ,"):
            mention = _subject(left, inverted=False)
        if mention is None and (not left.strip(" ,") or left.rstrip().endswith(",")):
            end = min((i for i in (outside.find(c, m.end()) for c in (_QUOTE, ";", ":")) if i >= 0),
                      default=len(outside))
            right = outside[m.end():end].strip().rstrip(".")
            if right:
                mention = _subject(right, inverted=True)
        if mention is not None:
            found.append((m.start(), mention))
    return [mention for _, mention in sorted(found, key=lambda f: f[0])]


# --------------------------------------------------------------------------- quotations


class _Piece(NamedTuple):
    quoted: bool
    text: str


def _split_quotes(text: str, inside: bool) -> tuple[list[_Piece], bool]:
    """Cut a sentence into quoted and unquoted pieces, given whether it starts inside a quotation."""
    pieces: list[_Piece] = []
    last = 0
    for m in _QUOTE_MARK_RE.finditer(text):
        ch, at = m[0], m.start()
        if ch in _OPEN or (ch == _STRAIGHT and not inside):
            if not inside:  # (an opening mark inside a quotation: a new paragraph of the same one)
                if at > last:
                    pieces.append(_Piece(False, text[last:at]))
                inside, last = True, at + 1
            else:
                if at > last:
                    pieces.append(_Piece(True, text[last:at]))
                last = at + 1
        elif inside:
            pieces.append(_Piece(True, text[last:at]))
            inside, last = False, at + 1
        else:  # a stray closing mark
            if at > last:
                pieces.append(_Piece(False, text[last:at]))
            last = at + 1
    if last < len(text):
        pieces.append(_Piece(inside, text[last:]))
    # Join neighbours of the same kind (split only by skipped marks).
    merged: list[_Piece] = []
    for piece in pieces:
        if merged and merged[-1].quoted == piece.quoted:
            merged[-1] = _Piece(piece.quoted, merged[-1].text + piece.text)
        else:
            merged.append(piece)
    return merged, inside


def _letters(text: str) -> int:
    return len(_NON_LETTERS_RE.sub("", text))


# --------------------------------------------------------------------------- resolution


class _Context:
    """What the article has said so far: people, bodies, aliases, the last speakers."""

    def __init__(self, texts: list[str]):
        self.texts = texts
        self._aliases: dict[str, str] | None = None
        self._orgs: list[list[tuple[str, bool]]] | None = None
        self._proper: set[str] | None = None
        self._index: dict[str, list[tuple[int, str]]] = {}  # "inspector" or a generic body -> (sentence, name)
        self.people: dict[str, str | None] = {}  # name -> role
        self.surnames: dict[str, str] = {}  # surname -> the first person named with it
        self.last_person: Speaker | None = None
        self.last_org: Speaker | None = None
        self.last: Speaker | None = None

    # The article-wide facts below are worked out on first use: most sentences never need them.

    @property
    def aliases(self) -> dict[str, str]:
        """Acronym -> the body's full name, from "the Care Quality Commission (CQC)"."""
        if self._aliases is None:
            self._aliases = {}
            for text in self.texts:
                if "(" not in text:
                    continue
                for m in _ACRONYM_ALIAS_RE.finditer(text):
                    name = re.sub(r"^(?:The|the)\s+", "", m[1])
                    if len(name.split()) >= 2:
                        self._aliases.setdefault(m[2], name)
        return self._aliases

    @property
    def proper(self) -> set[str]:
        """Words written with a capital where no sentence starts: names, not sentence-initial common words."""
        if self._proper is None:
            self._proper = {w for text in self.texts for w in _PROPER_RE.findall(text)}
        return self._proper

    @property
    def orgs(self) -> list[list[tuple[str, bool]]]:
        """Per sentence: the bodies it names, each with whether it looks like an inspecting body."""
        if self._orgs is None:
            aliases = self.aliases
            self._orgs = [self._bodies(text, aliases) for text in self.texts]
        return self._orgs

    @staticmethod
    def _bodies(text: str, aliases: dict[str, str]) -> list[tuple[str, bool]]:
        found: list[tuple[str, bool]] = []
        if not aliases and not _ORG_HINT_RE.search(text):
            return found
        for m in _CAP_RUN_RE.finditer(text):
            if m[0] not in aliases and not _ORG_HINT_RE.search(m[0]):
                continue
            tokens = m[0].split()
            start = m.start()
            while tokens and tokens[0].lower() in _FUNCTION_WORDS and tokens[:2] != ["His", "Majesty’s"]:
                start += len(tokens[0]) + 1
                tokens = tokens[1:]
            while tokens and tokens[-1] in _CONNECTORS:
                tokens = tokens[:-1]
            if not tokens:
                continue
            tokens[-1] = re.sub(r"[’']s$", "", tokens[-1])
            name = " ".join(tokens)
            if name in aliases:
                name = aliases[name]
            elif len(tokens) == 1 and not (_is_acronym(tokens[0]) or tokens[0].lower() in _SINGLE_BODIES):
                continue
            elif not _is_org(tokens):
                continue
            by = text[max(0, start - 3):start] == "by "
            found.append((name, by or bool(_INSPECTOR_RE.search(name))))
        return found

    def _body(self, i: int, key: str) -> str | None:
        """The body ``key`` refers to: named in sentence ``i``, else most recently, else next."""
        if key not in self._index:
            heads = _GENERIC_BODY.get(key)
            self._index[key] = [(j, name if heads is None else _around(name, heads))
                                for j, found in enumerate(self.orgs) for name, inspector in found
                                if (inspector if heads is None else _around(name, heads) is not None)]
        index = self._index[key]
        if not index:
            return None
        k = bisect.bisect_right(index, (i, "\uffff"))
        if k and index[k - 1][0] == i:
            return index[k - 1][1]
        return index[k - 1][1] if k else index[k][1]

    def resolve(self, mention: _Mention, i: int) -> Speaker | None:
        kind, name, role = mention
        if kind == "pron":
            if name in ("he", "she"):
                return self.last_person
            return (self.last_org or self.last) if name in ("it", "they") else self.last
        if kind == "generic":
            if name in _GENERIC_INSPECTOR:
                body = self._body(i, "inspector")
                if body is None:
                    return Speaker(name, role) if name in ("inspectors", "inspector", "watchdog", "regulator") \
                        else None
            else:
                body = self._body(i, name)
                if body is None:
                    return Speaker(f"the {name}", role)
            return self._org(body, role)
        if kind == "single":
            if (person := self.surnames.get(name)) is not None:
                return self._person(person, role or self.people[person])
            if name in self.aliases or name in self.proper or _is_acronym(name) or name.lower() in _SINGLE_BODIES:
                return self._org(self.aliases.get(name, name), role)
            return None  # "Parents said": a capitalised common word, not a name
        if kind == "org":
            return self._org(self.aliases.get(name, name), role)
        return self._person(name, role)

    def _org(self, name: str, role: str | None) -> Speaker:
        return Speaker(self.aliases.get(name, name), role)

    def _person(self, name: str, role: str | None) -> Speaker:
        name = self.surnames.get(name, name)  # "Douglas" after "Mark Douglas": the same person
        if role is None:
            role = self.people.get(name)
        self.people[name] = role
        self.surnames.setdefault(name.split()[-1], name)
        return Speaker(name, role)

    def said(self, speaker: Speaker) -> None:
        if speaker.name in self.people:
            self.last_person = speaker
        else:
            self.last_org = speaker
        self.last = speaker


def _around(name: str, heads: Sequence[str]) -> str | None:
    """The part of a body's name around its head word: "Kirkdale Council" in "Kirkdale Council and NHS Kirkdale"."""
    tokens = name.split()
    for k in range(len(tokens) - 1, -1, -1):
        if tokens[k] in heads:
            i = k
            while i > 0 and _is_cap(tokens[i - 1]) and tokens[i - 1] not in _CONNECTORS:
                i -= 1
            j = k + 1
            while j + 1 < len(tokens) and tokens[j] in ("of", "for") and _is_cap(tokens[j + 1]):
                j += 2
            return " ".join(tokens[i:j])
    return None


def attribute(text: str, sentences: Sequence) -> list[Speaker | None]:
    """One speaker (or None) per sentence; ``sentences`` have ``start``, ``end`` and ``para``
    (``store.segment.Sentence`` or rows of the ``sentences`` table)."""
    texts = [text[s.start:s.end] for s in sentences]
    ctx = _Context(texts)
    inside = False
    run = -1
    run_initial: dict[int, bool] = {}  # run (a quotation) -> does it start a sentence
    run_before: dict[int, Speaker | None] = {}  # run -> the last speaker when it opened
    run_attr: dict[int, Speaker] = {}  # run -> the first attribution in a sentence it touches
    # Per sentence: its own attribution, the runs it touches, whether it is direct speech.
    own: list[Speaker | None] = []
    touched: list[tuple[int, ...]] = []
    direct: list[bool] = []
    prev_para = None
    for i, (s, sentence) in enumerate(zip(sentences, texts)):
        if s.para != prev_para and inside:
            stripped = sentence.lstrip()
            if not stripped or stripped[0] not in _OPEN + _STRAIGHT:
                inside = False  # an unclosed quotation ends with its paragraph unless the next one reopens it
        prev_para = s.para
        if not inside and not _QUOTE_MARK_RE.search(sentence):  # the common case: plain narration
            runs: tuple[int, ...] = ()
            outside = sentence
            is_direct = False
        else:
            was_inside = inside
            pieces, inside = _split_quotes(sentence, inside)
            found_runs = []
            for k, piece in enumerate(pieces):
                if not piece.quoted:
                    continue
                if k == 0 and was_inside:
                    found_runs.append(run)  # the quotation goes on from the sentence before
                    continue
                run += 1
                run_initial[run] = k == 0
                run_before[run] = ctx.last
                found_runs.append(run)
            runs = tuple(found_runs)
            outside = " ".join(_QUOTE if p.quoted else p.text for p in pieces)
            # Direct speech: mostly quoted, starts inside a quotation, or introduces one ("said: “...").
            quoted_letters = sum(_letters(p.text) for p in pieces if p.quoted)
            is_direct = bool(pieces) and pieces[0].quoted or bool(_INTRODUCES_RE.search(outside)) or (
                quoted_letters >= 0.5 * (_letters(sentence) or 1))
        speaker = None
        if _VERB_RE.search(outside) or "ccording" in outside:
            for mention in _attributions(outside):
                if (speaker := ctx.resolve(mention, i)) is not None:
                    ctx.said(speaker)
                    break
        own.append(speaker)
        touched.append(runs)
        direct.append(is_direct)
        if speaker is None and runs and _ADJACENT_RE.search(outside):
            speaker_unknown = True
            ctx.last = ctx.last_person = ctx.last_org = None  # "he", "she" may now be that unnamed speaker
        else:
            speaker_unknown = False
        if speaker is not None or speaker_unknown:
            for r in runs:
                run_attr.setdefault(r, speaker or _UNKNOWN)
    result: list[Speaker | None] = []
    for speaker, runs, is_direct in zip(own, touched, direct):
        if speaker is None and is_direct:
            for r in runs:
                speaker = run_attr.get(r) or (run_before[r] if run_initial[r] else None)
                if speaker is not None:
                    break
        result.append(Speaker(speaker.name, speaker.role, is_direct) if speaker and speaker.name else None)
    return result


# --------------------------------------------------------------------------- storing

# Stored speakers are derived data, attributed when first needed: see store.derived.
from store.derived import backfill_speakers, sentence_speakers, store_speakers  # noqa: E402
