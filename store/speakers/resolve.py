"""One name per person or body across an article, the name it was first introduced by.

``Article`` reads the whole article once (the bodies, people, groups and documents each sentence mentions,
the acronyms it defines, the roles it gives people) and then resolves a mention at a place in it:

* a person to their full name at the first full mention: "Ms Khan", "Khan", "Prof Khan" -> "Amira Khan";
* a body to the name at its first mention in the body of the article (a headline's short form yields to it),
  with its acronym when given there ("Care Quality Commission (CQC)"); an acronym, the initials of a
  name ("EA"), "X’s Office" and the first word of a name ("the Met") are the body X;
* a generic reference to what it stands for: "inspectors", "the watchdog", "the investigation" to the
  inspecting body; "the trust", "the council", "the charity" to the body with that head word (the nearest
  before, else the next); "the chief executive", "her brother" to the person the article gives that role;
  "police and fire chiefs", "the researchers", "the two organisations" to those named together;
* a pronoun to the subject of the attribution just before when it fits ("It said", after "The report
  said", is the report), else to the nearest person (he, she), body or document (it), or group (they);
* a document ("the report", "their letter", "a study") to no one: a document's findings have no speaker.
"""
from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from store.speakers.mentions import (
    ACTIVITIES,
    BODY_HEADS,
    CONNECTORS,
    FUNCTION_WORDS,
    HONORIFICS,
    ORG_WORDS,
    RELATIVES,
    SINGLE_BODIES,
    TITLES,
    Mention,
    is_acronym,
    parse_np,
    split_bodies,
)

__all__ = ["DOCUMENT", "SOMEONE", "Article", "Party"]


@dataclass(eq=False)
class Party:
    """A person, a body or several of them speaking together, as named where first introduced."""

    name: str
    kind: str  # person | body | group | document | unknown
    role: str | None = None
    gender: str = ""  # "m" or "f" when an honorific says
    inspector: int = 0  # 2: an inspecting body (Ofsted, a commission, an inspectorate); 1: a commissioner


DOCUMENT = Party("", "document")
SOMEONE = Party("", "unknown")  # a person the article does not name: "one mother said", "her brother said"
_INSPECTORS = Party("inspectors", "inspectors")  # stands for the inspecting body until the article is read

_ACRONYM_ALIAS_RE = re.compile(r"((?:[A-Z][\w’'&.-]*)(?:\s+(?:(?:of|and|for|&|the|on)\s+)*[A-Z][\w’'&.-]*)*)\s+"
                               r"\(([A-Z][A-Za-z&]{1,9}(?: [A-Z]{2,4})?)\)")
_CAP_RUN_RE = re.compile(r"(?:[A-Z][\w’'&.-]*)(?:\s+(?:(?:of|and|for|&|the)\s+)*[A-Z][\w’'&.-]*)*")
_ORG_HINT_RE = re.compile(r"\b(?:%s|Commissioner|Ombudsman)\b|[A-Z]{2}| of | for |&" % "|".join(
    sorted(w.capitalize() for w in ORG_WORDS | SINGLE_BODIES)))
_NAME_RUN_RE = re.compile(r"[A-Z][\w’'-]*\.?(?:[ \n]+[A-Z][\w’'-]*\.?)*")
_NOT_NAMES = {"road", "street", "lane", "avenue", "square", "park", "river", "lake", "lakes", "islands", "township",
              "act", "regulations", "bill", "january", "february", "march", "april", "may", "june", "july",
              "august", "september", "october", "november", "december", "monday", "tuesday", "wednesday",
              "thursday", "friday", "saturday", "sunday", "north", "south", "east", "west", "uk", "england"}
_NOT_PERSON = TITLES | HONORIFICS | ORG_WORDS | FUNCTION_WORDS | _NOT_NAMES
_INSPECTOR_RE = re.compile(r"ofsted|inspectorate|\bcommission\b|healthwatch|ombudsman|regulator|estyn|"
                           r"\bhmi|\bcqc\b|audit|watchdog", re.IGNORECASE)
_INSPECTED_BY_RE = re.compile(r"(?:investigation|inspection|inspected|inspectors?|audit|visit)\s+(?:(?:conducted|"
                              r"carried out|led|undertaken)\s+)?by\s+(?:the\s+)?([A-Z][\w’'&.-]*(?:\s+[A-Z&][\w’'&.-]*"
                              r"|\s+(?:of|and|for)\b)*)")
_INSPECTING_RE = re.compile(r"([A-Z][\w’'&.-]*(?:\s+(?:[A-Z&][\w’'&.-]*|\([A-Z]+\)|of|and|for))*)\s+(?:investigation|"
                            r"inspectors|inspection team)\b")
_DOC_MENTION_RE = re.compile(r"\b(?:the|its|their|this|a|an)\s+(?:[\w’'-]+\s+){0,2}?(?:report|letter|document|study|"
                             r"findings)\b", re.IGNORECASE)
_INSPECTORS_RE = re.compile(r"\binspectors\b", re.IGNORECASE)
_AND_RE = re.compile(r"\s*(?:\([^()]{1,12}\)\s*)?(?:,\s*(?:and\s+)?|\s+and\s+)(?:the\s+)?", re.IGNORECASE)
# A role given with a name: "Amira Khan, the trust’s chief executive," or "their mother Mina Smallman".
_ROLE_AFTER_RE = re.compile(r",\s+((?:the|a|an|his|her|their|its)\s+[^,.;:()\x00]{2,60}?|[a-z][^,.;:()\x00]{2,60}?)"
                            r"\s*[,.;:]")
_ROLE_BEFORE_RE = re.compile(r"(?:^|[,;:(]\s*|\s)((?:(?:the|a|an|his|her|their|its)\s+)?(?:[\w’'-]+\s+){0,3}?"
                             r"[a-z][a-z-]+),?\s*$")
_NOT_A_ROLE_END = {"to", "by", "with", "from", "for", "of", "at", "on", "in", "into", "about", "after", "before",
                 "said", "says", "told", "added"}
_PRONOUN_FITS = {"he": ("person",), "she": ("person",), "it": ("body", "document"), "they": ("group", "body")}
_UNIONS = ("Union", "UNISON", "Unison", "Unite", "GMB", "RCN", "BMA", "NEU", "RMT", "Usdaw", "PCS", "NASUWT")


@functools.lru_cache(maxsize=8192)
def _person_words(run: str) -> tuple[tuple[str, ...], bool, str] | None:
    """The name a run of capitalised words ends with (two or three words, or one after a title), whether a
    title or honorific comes before it, and the gender an honorific gives."""
    tokens = [re.sub(r"[’']s$", "", t.rstrip(".")) for t in run.split()]
    lowered = [t.lower() for t in tokens]
    i = len(tokens)
    while i > 0 and lowered[i - 1] not in _NOT_PERSON and not is_acronym(tokens[i - 1]):
        i -= 1
    words = tuple(tokens[i:])
    titled = bool(i) and lowered[i - 1] in TITLES | HONORIFICS
    if not (len(words) == 1 or 2 <= len(words) <= 3 and not (i and lowered[i - 1] in ORG_WORDS)):
        return None
    return words, titled, {"mr": "m", "mrs": "f", "ms": "f", "miss": "f"}.get(lowered[i - 1], "") if i else ""


def _backwards(events: list, positions: list, subjects: list, before: tuple[int, int]):
    """Mentions and attribution subjects before ``before`` (sentence, position), nearest first."""
    e = bisect.bisect_left(positions, before)
    s = bisect.bisect_left(subjects, before, key=lambda item: (item[0], item[1]))
    while e or s:
        if s and (not e or subjects[s - 1][:2] >= events[e - 1][:2]):
            s -= 1
            yield subjects[s]
        else:
            e -= 1
            yield events[e]


def _nearest(index: list[tuple[tuple[int, int], Party]], at: tuple[int, int]) -> Party | None:
    """Of ((sentence, position), party) in text order: the last before ``at``, else the first after it."""
    if not index:
        return None
    k = bisect.bisect_left(index, at, key=lambda item: item[0])
    return index[k - 1][1] if k else index[0][1]


def _headed(name: str, heads: Sequence[str]) -> bool:
    """Is one of ``heads`` a word of the name, not in a complement ("Police" in "Office for Police Conduct")?"""
    words = name.split()
    return any(w in heads and (k == 0 or words[k - 1] not in ("for", "of")) for k, w in enumerate(words))


def _key(name: str) -> str:
    name = " ".join(name.replace("’", "'").casefold().rstrip(".").split())
    name = re.sub(r"^the ", "", name)
    return re.sub(r"'s$", "", name)


def _initials(name: str) -> str:
    words = [w for w in name.split() if w[:1].isupper() and w.lower() not in CONNECTORS]
    return "".join(w[0] for w in words).lower() if len(words) >= 2 else ""


def _plain(name: str) -> str:
    return re.sub(r" \([^()]*\)$", "", name)  # without its acronym, as one of several named together


class Article:
    """What an article names, and who a mention at sentence ``i`` refers to."""

    def __init__(self, texts: Sequence[str], outside: Sequence[str], headline: bool, groups: dict[int, Mention]):
        self.aliases: dict[str, str] = {}  # "CQC" -> "Care Quality Commission"
        for text in texts:
            if "(" in text:
                for m in _ACRONYM_ALIAS_RE.finditer(text):
                    name = re.sub(r"^(?:The|the)\s+", "", " ".join(m[1].split()))
                    if len(name.split()) >= 2:
                        self.aliases.setdefault(m[2], name)
        self._acronym_of = {name: acronym for acronym, name in reversed(self.aliases.items())}
        self._parties: dict[str, Party] = {}  # every key of a body or person -> it
        self._keys: dict[str, list[str]] = {}  # a body's name -> its keys
        self._runs: dict[str, list[tuple[int, str]]] = {}  # a run of capitals -> the bodies it names
        self._surnames: dict[str, Party] = {}
        self._first_words: dict[str, set] | None = None
        self._roles: dict[str, list[tuple[int, Party, str]]] = {}  # a word of a role -> (sentence, person, role)
        self._heads: dict[str, list] = {}  # generic head -> ((sentence, position), body), lazily
        self.headline = headline
        found: list[list[tuple[int, int, Party]]] = [[] for _ in outside]  # per sentence: (start, end, party)
        for i in [*range(1, len(outside)), 0] if headline and outside else range(len(outside)):
            found[i] = self._read(i, outside[i], known_only=headline and i == 0)
        self.bodies = [((i, at), p) for i, parties in enumerate(found) for at, _, p in sorted(
            parties, key=lambda f: f[0]) if p.kind == "body"]
        self._inspectors = [(at, p) for at, p in self.bodies if p.inspector == 2]
        self._regulators = [(at, p) for at, p in self.bodies if p.inspector]  # also "the Information Commissioner"
        for i, mention in groups.items():
            if (party := self.resolve(mention, i)) is not None and party.kind == "group":
                found[i].append((len(outside[i]), len(outside[i]), party))
        for i, parties in enumerate(found):
            parties.sort(key=lambda f: f[0])
            parties.extend(self._together(outside[i], parties))
        self.groups = [((i, at), p) for i, parties in enumerate(found) for at, _, p in parties if p.kind == "group"]
        # (sentence, position, party, kind) mentioned, in text order; kind "group" for a plural ("inspectors")
        self.events: list[tuple[int, int, Party, str]] = []
        for i, parties in enumerate(found):
            for pos, _, party in sorted(parties, key=lambda f: f[0]):
                kind = party.kind
                if party is _INSPECTORS:
                    if (party := self._inspecting((i, pos))) is None:
                        continue
                    kind = "group"
                self.events.append((i, pos, party, kind))
        self._positions = [(i, pos) for i, pos, _, _ in self.events]
        self.subjects: list[tuple[int, int, Party, str]] = []  # the same, of attributions, as they are resolved

    # --------------------------------------------------------------------------- reading the article

    def _read(self, i: int, text: str, known_only: bool) -> list[tuple[int, int, Party]]:
        """The bodies, people and documents ``text`` mentions (registering the new ones), with their spans."""
        found = []
        if _ORG_HINT_RE.search(text) or self.aliases:
            for m in _CAP_RUN_RE.finditer(text):
                if m[0] in self.aliases and text[m.start() - 1:m.start()] == "(":
                    continue  # "(CQC)" after the name it stands for: not another mention
                for start, name in self._body_names(m[0], m.start()):
                    known = self._party(name)
                    if known is None and not known_only:
                        known = self._new_body(name, text[start + len(name):start + len(name) + 12])
                    if known is not None:
                        found.append((start, start + len(name), known))
            if "nspect" in text or "nvestigat" in text or "udit" in text or "isit" in text:
                for m in _INSPECTED_BY_RE.finditer(text):
                    self._mark_inspector(m[1])
                for m in _INSPECTING_RE.finditer(text):
                    self._mark_inspector(m[1])
        for m in _NAME_RUN_RE.finditer(text):
            if (person := self._person_in(m[0], known_only)) is not None:
                found.append((m.start(), m.end(), person))
                self._note_role(i, person, text, m.start(), m.end())
        low = text.lower()
        if "report" in low or "letter" in low or "document" in low or "study" in low or "findings" in low:
            found.extend((m.start(), m.end(), DOCUMENT) for m in _DOC_MENTION_RE.finditer(text))
        if "inspectors" in low:
            found.extend((m.start(), m.end(), _INSPECTORS) for m in _INSPECTORS_RE.finditer(text))
        return found

    def _together(self, text: str, parties: list[tuple[int, int, Party]]) -> list[tuple[int, int, Party]]:
        """People or bodies named together ("Professor X and Dr Y", "the A (A) and the B (B)"), as groups."""
        groups, run = [], parties[:1]
        for item in [*parties[1:], None]:
            last = run[-1] if run else None
            if item is not None and last is not None and item[2].kind == last[2].kind in ("person", "body") \
                    and item[2] is not last[2] and _AND_RE.fullmatch(text, last[1], item[0]):
                run.append(item)
                continue
            if len(run) >= 2:
                names = [_plain(p.name) for _, _, p in run]
                groups.append((run[0][0], run[-1][1], Party(" and ".join(names), "group")))
            run = [item] if item is not None else []
        return groups

    def _note_role(self, i: int, person: Party, text: str, start: int, end: int) -> None:
        """Remember the role the text gives a person next to their name, for "the chief executive" later."""
        for m in (_ROLE_AFTER_RE.match(text, end), _ROLE_BEFORE_RE.search(text, max(0, start - 80), start)):
            if m is not None and m[1].split()[-1].lower() not in FUNCTION_WORDS | CONNECTORS | _NOT_A_ROLE_END:
                self.note_role(i, person, m[1])

    def note_role(self, i: int, person: Party, role: str) -> None:
        """The article gives ``person`` this role (next to their name, or in an attribution)."""
        role = role.lower()
        for word in set(role.replace(",", " ").split()[:10]):
            self._roles.setdefault(word, []).append((i, person, role))

    def _body_names(self, run: str, start: int) -> list[tuple[int, str]]:
        """The bodies a run of capitalised words names, with their offsets: "the Care Quality Commission"."""
        if (names := self._runs.get(run)) is None:
            names = self._runs[run] = self._read_run(run)
        return [(start + at, name) for at, name in names]

    def _read_run(self, run: str) -> list[tuple[int, str]]:
        words = [(m.start(), m[0]) for m in re.finditer(r"\S+", run)]
        while words and words[0][1].lower() in FUNCTION_WORDS and words[0][1] != "His":
            words.pop(0)
        while words and words[-1][1] in CONNECTORS:
            words.pop()
        if not words:
            return []
        tokens = [w for _, w in words]
        tokens[-1] = re.sub(r"[’']s$", "", tokens[-1].rstrip("."))
        name, at = " ".join(tokens), words[0][0]
        if " and " in name and name not in self._acronym_of and (halves := split_bodies(name)):
            return [(at, halves[0]), (at + len(halves[0]) + 5, halves[1])]  # two bodies
        return [(at, name)] if name in self.aliases or self._is_body(tokens) else []

    @staticmethod
    def _is_body(tokens: list[str]) -> bool:
        if len(tokens) == 1:
            return is_acronym(tokens[0]) or tokens[0].lower() in SINGLE_BODIES
        last = tokens[-1].lower()
        return any(t.lower().strip("’'s") in ORG_WORDS or is_acronym(t) for t in tokens) or last in (
            "commissioner", "ombudsman") or any(t in ("of", "for", "&") for t in tokens)

    def _new_body(self, name: str, after: str) -> Party:
        full = self.aliases.get(name, name)
        acronym = self._acronym_of.get(full)
        shown = f"{full} ({acronym})" if acronym and after.startswith(f" ({acronym})") else full
        inspector = 2 if _INSPECTOR_RE.search(full) else 1 if full.endswith("Commissioner") else 0
        party = Party(shown, "body", inspector=inspector)
        for key in self._body_keys(full):
            self._parties.setdefault(key, party)
        return party

    def _body_keys(self, name: str) -> list[str]:
        """The keys a body is known by: its name, its initials, its acronym, and X for "X’s Office"."""
        if (keys := self._keys.get(name)) is None:
            key = _key(name)
            keys = [key, _initials(name)]
            if name in self._acronym_of:
                keys.append(_key(self._acronym_of[name]))
            if (plain := re.sub(r"'s office$| office$", "", key)) != key:
                keys.append(plain)
            keys = self._keys[name] = [k for k in keys if k]
        return keys

    def _party(self, name: str) -> Party | None:
        """The body or person already known by ``name`` (its name, acronym, initials or "X’s Office")."""
        name = self.aliases.get(name, name)
        for key in self._body_keys(name):
            if (party := self._parties.get(key)) is not None:
                return party
        return None

    def _person_in(self, run: str, known_only: bool) -> Party | None:
        """The person a run of capitalised words ends with: "Judge Jeremy Griggs", "Mrs Walker"."""
        found = _person_words(run)
        if found is None:
            return None
        words, titled, gender = found
        if len(words) == 1:
            if not titled and words[0].lower() not in self._surnames:
                return None
            person = self._surnames.get(words[0].lower())
        else:
            person = self._parties.get(_key(" ".join(words)))
            if person is None and not known_only:
                person = Party(" ".join(words), "person")
                self._parties[_key(person.name)] = person
                self._surnames.setdefault(words[-1].lower(), person)
        if person is not None and gender:
            person.gender = person.gender or gender
        return person

    def _mark_inspector(self, name: str) -> None:
        name = re.sub(r"\s+\([A-Z]+\)$", "", " ".join(name.split()))
        if (party := self._party(name)) is not None:
            party.inspector = 2

    # --------------------------------------------------------------------------- resolving a mention

    def resolve(self, mention: Mention, i: int, pos: int = 0, last: Party | None = None) -> Party | None:
        """Who ``mention`` at ``pos`` in sentence ``i`` names; ``last``: the subject of the attribution just before."""
        kind, name = mention.kind, mention.name
        if kind == "doc":
            return DOCUMENT
        if kind == "pron":
            return self._pronoun(name, i, pos, last)
        if kind == "group":
            if (known := self._party(name)) is not None:
                return known  # one body with "and" in its name after all
            parts = [self.resolve(p, i) for p in mention.parts]
            if any(p is None or p.kind not in ("person", "body") for p in parts):
                return None
            roles = [p.role or r.role for p, r in zip(parts, mention.parts)]
            return Party(" and ".join(_plain(p.name) for p in parts), "group",
                         " and ".join(r for r in roles if r) if any(roles) else None)
        if kind == "plural":
            return _nearest(self.groups, (i, pos))
        if kind == "start":
            return self._start(name, i)
        if kind == "generic":
            return self._generic(name, (i, pos))
        if kind == "role":
            return self._role(name, i)
        if kind == "single":
            return self._single(name, (i, pos))
        if kind == "person":
            person = self._parties.get(_key(name)) or (self._surnames.get(name.lower()) if " " not in name else None)
            if person is None:
                person = Party(name, "person")
                self._parties[_key(name)] = person
                self._surnames.setdefault(name.split()[-1].lower(), person)
            return person
        known = self._party(name)
        if known is None and i == 0 and self.headline:
            key = _key(name)  # a headline's "INVISTA Maitland" is INVISTA
            known = next((p for k, p in self._parties.items() if p.kind == "body" and key.startswith(k + " ")), None)
        return known or self._new_body(name, "")

    def _single(self, name: str, at: tuple[int, int]) -> Party | None:
        """One capitalised word: a surname, a body's name or acronym, the first word of a body's name."""
        if (person := self._surnames.get(name.lower())) is not None:
            return person
        if (body := self._party(name)) is not None:
            return body
        if name.lower() in BODY_HEADS:
            return self._generic(name.lower(), at)
        if is_acronym(name) or name.lower() in SINGLE_BODIES:
            return self._new_body(name, "")
        if self._first_words is None:
            self._first_words = {}
            for _, p in self.bodies:
                self._first_words.setdefault(p.name.split()[0], set()).add(p)
        bodies = self._first_words.get(name, ())
        return next(iter(bodies)) if len(bodies) == 1 else None  # "the Met" for "Met Police"; "Parents": no one

    def _role(self, phrase: str, i: int) -> Party | None:
        """A role without a name: an office the article names as a body ("the Information Commissioner"), else
        the person it gives that role ("the chief executive", "her brother"), else someone unnamed."""
        if (office := self._party(re.sub(r"^(?:the|The)\s+", "", phrase))) is not None:
            return office
        words = phrase.lower().split()
        while words and (words[0] in FUNCTION_WORDS | {"one"} or re.search(r"[’']s$", words[0])):
            words.pop(0)
        if not words:
            return None
        core = " ".join(words)
        people = sorted(((j, 0), p) for j, p, role in self._roles.get(words[-1], ())[-50:] if core in role)
        if people:
            return _nearest(people, (i + 1, 0))
        return SOMEONE if words[-1] in RELATIVES or words[0] in ("one", "a", "an") else None

    def _start(self, text: str, i: int) -> Party | None:
        """The subject a sentence starts with: a known body's name ("INVISTA Maitland Celebrates History and"),
        else the longest phrase at its start that names someone ("Both May Gurney and the agency accepted")."""
        words = re.sub(r"^(?:The|the)\s+", "", text).split()
        for n in range(min(8, len(words)), 0, -1):
            if (party := self._party(" ".join(words[:n]))) is not None:
                return party
        words = text.split()
        for n in range(min(8, len(words)), 0, -1):
            mention = parse_np(" ".join(words[:n]))
            if mention is not None and mention.kind not in ("start", "role"):
                return self.resolve(mention, i)
        return None

    def said(self, i: int, pos: int, party: Party, plural: bool) -> None:
        """Record the subject of an attribution (in text order), for the pronouns after it."""
        kind = "group" if plural else "person" if party.kind == "unknown" else party.kind
        self.subjects.append((i, pos, party, kind))

    def _pronoun(self, word: str, i: int, pos: int, last: Party | None) -> Party | None:
        """The nearest mention or attribution subject (within a few sentences) a pronoun fits."""
        fits = _PRONOUN_FITS.get(word)
        if fits is None:
            return None
        gender = {"he": "m", "she": "f"}.get(word, "")
        if last is not None and last.kind in fits and not (gender and last.gender not in ("", gender)):
            return last
        body = None
        for seen, (j, _, party, kind) in enumerate(_backwards(self.events, self._positions, self.subjects, (i, pos))):
            if j < i - 5 or seen > 50:
                break
            if kind in fits and not (gender and party.gender not in ("", gender)):
                if word == "they" and kind == "body":
                    body = body or party  # "they" is a group when one is near, else a body
                    continue
                if gender and kind == "person" and party is not SOMEONE:
                    party.gender = gender  # "she" said it: she is the next time too
                return party
        return body

    def _inspecting(self, at: tuple[int, int]) -> Party | None:
        """The inspecting body nearest ``at``; a commissioner only when the article names none."""
        return _nearest(self._inspectors, at) or _nearest(self._regulators, at)

    def _generic(self, head: str, at: tuple[int, int]) -> Party | None:
        if head == "body":  # a spokesperson of no named body: the body named last
            return _nearest(self.bodies, at) if self.bodies and self.bodies[0][0] < at else None
        if head in ACTIVITIES:
            body = self._inspecting(at)
            return body if body is not None else (Party(head, "body") if head in ("inspectors", "inspector",
                                                                                 "watchdog", "regulator") else None)
        if head not in self._heads:
            words = _UNIONS if head == "union" else BODY_HEADS.get(head, (head.capitalize(),))
            self._heads[head] = [(where, p) for where, p in self.bodies if _headed(p.name, words)]
        return _nearest(self._heads[head], at) or Party(f"the {head}", "body")
