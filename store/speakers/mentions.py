"""Who a phrase names: a person, a body, a pronoun, a generic reference, a document, or several of them.

``parse_np(phrase)`` reads one noun phrase (the subject of a reporting verb, the object of "according to",
the agent of a passive); ``subject(clause, inverted)`` finds the subject in the text before a reporting
verb (or after it, for "…,” said X"), with its appositive role. Nothing here knows the article: which
body "the trust" or "Ms Khan" is, is decided by ``store.speakers.resolve``.
"""
from __future__ import annotations

import functools
import re
from typing import NamedTuple

__all__ = ["ACTIVITIES", "BODY_HEADS", "CONNECTORS", "FUNCTION_WORDS", "HONORIFICS", "ORG_WORDS", "RELATIVES",
           "SINGLE_BODIES", "TITLES", "Mention", "is_acronym", "parse_np", "split_bodies", "subject"]


class Mention(NamedTuple):
    """``kind``: person | org | single (one capitalised word) | pron | generic | doc | plural | role | group."""

    kind: str
    name: str
    role: str | None = None
    parts: tuple = ()  # a group's mentions, in the order given


HONORIFICS = {"mr", "mrs", "ms", "miss", "mx"}
# Titles kept in the role (and words that make a phrase a role rather than a name).
TITLES = {"councillor", "cllr", "coun", "dr", "doctor", "professor", "prof", "sir", "dame", "lord", "lady",
          "baroness", "baron", "rev", "reverend", "canon", "judge", "mayor", "chief", "deputy", "assistant",
          "constable", "superintendent", "supt", "inspector", "insp", "detective", "det", "sergeant", "sgt",
          "pc", "dc", "ds", "di", "dci", "dcs", "commander", "cdr", "executive", "director", "officer",
          "secretary", "minister", "commissioner", "president", "chair", "chairman", "chairwoman",
          "chairperson", "leader", "head", "headteacher", "principal", "manager", "governor", "mp", "mep",
          "msp", "mpp", "am", "general", "acting", "interim", "managing", "portfolio", "holder", "member",
          "spokesperson", "spokesman", "spokeswoman", "owner", "founder", "lead", "coordinator",
          "adviser", "advisor", "editor", "trustee", "consultant", "solicitor", "dean", "provost",
          "treasurer", "clerk", "registrar", "campaigner", "partner", "strategic", "cabinet", "nurse",
          "matron", "midwife", "surgeon", "chancellor", "vice-chancellor", "ceo", "cfo", "coo", "prime"}
CONNECTORS = {"of", "and", "for", "&", "the", "de", "van", "von", "der", "da", "du", "le", "la"}
ORG_WORDS = {
    "council", "trust", "nhs", "police", "service", "services", "commission", "inspectorate", "group",
    "ltd", "limited", "plc", "llp", "healthwatch", "ofsted", "estyn", "department", "agency", "authority",
    "board", "office", "university", "college", "school", "academy", "hospital", "hospitals", "foundation",
    "constabulary", "government", "ministry", "partnership", "forum", "association", "union", "society",
    "court", "committee", "panel", "company", "unit", "centre", "center", "ombudsman", "network",
    "institute", "federation", "alliance", "charity", "care", "home", "homes", "parliament", "cabinet",
    "executive", "regulator", "watchdog", "inc", "corporation", "county", "borough", "city", "fire",
    "rescue", "ambulance", "icb", "ccg", "bank", "club", "church", "party", "industries", "consultancy",
    "supplies",
}
_HEADS = ORG_WORDS - {"nhs", "fire", "rescue", "care", "home", "city", "county", "borough", "ambulance"}
# Bodies that are named by one word (a lone "Council" or "Police" is not a name).
SINGLE_BODIES = {"ofsted", "healthwatch", "estyn", "nhs", "unison", "unite", "barnardo’s", "barnardo's"}
# Generic references: an inspecting body's activity or staff, and the head words of a body's name.
ACTIVITIES = ("inspection team", "inspectors", "inspector", "watchdog", "regulator", "inspectorate",
              "inspection", "investigation", "audit", "monitoring visit", "visit")
BODY_HEADS = {
    "council": ("Council",), "local authority": ("Council", "Authority"), "authority": ("Authority", "Council"),
    "trust": ("Trust",), "force": ("Police", "Constabulary"), "police": ("Police", "Constabulary"),
    "home": ("Home", "Homes", "House", "Lodge", "Court"), "care home": ("Home", "Homes", "House", "Lodge", "Court"),
    "provider": ("Group", "Ltd", "Limited", "Care", "Homes"), "company": ("Group", "Ltd", "Limited", "plc", "Inc"),
    "firm": ("Group", "Ltd", "Limited", "plc", "Inc"), "department": ("Department",), "board": ("Board",),
    "service": ("Service",), "school": ("School", "Academy", "College"), "hospital": ("Hospital", "Hospitals"),
    "charity": ("Charity", "Foundation", "Trust"), "university": ("University",), "agency": ("Agency",),
    "union": ("Union",), "commission": ("Commission",), "executive": ("Executive",), "government": ("Government",),
}
FUNCTION_WORDS = {"the", "this", "that", "these", "those", "it", "its", "their", "a", "an", "his", "her", "our",
                  "we", "they", "he", "she", "i", "there", "here", "what", "which", "who", "but", "and", "however",
                  "in", "on", "at", "as", "so", "if", "when", "while", "whilst", "although", "according", "some",
                  "many", "all", "most", "every", "each", "no", "not", "more", "one", "two", "three", "both"}
_PRONOUNS = {"he", "she", "they", "it", "we"}
_CONJUNCTIONS = {"but", "and", "however", "yet", "so", "meanwhile", "now", "also", "while", "whilst", "both"}
# A leading clause segment starting with one of these is an adverbial, not the subject.
_ADVERBIAL = {"in", "on", "at", "after", "before", "following", "speaking", "writing", "responding",
              "commenting", "asked", "when", "while", "whilst", "although", "though", "earlier", "later",
              "last", "this", "separately", "elsewhere", "today", "yesterday", "during", "since", "as",
              "with", "without", "despite", "meanwhile", "however", "now", "back", "locally", "upon"}
# An appositive starting with one of these is not a role ("Sue Duffy, who took over as ...").
_NOT_ROLE = {"who", "whose", "which", "that", "in", "on", "at", "after", "before", "published", "based",
             "led", "speaking", "writing", "responding", "commenting", "following", "during", "when",
             "while", "whilst", "having", "adding", "saying", "quoted", "asked", "carried", "issued",
             "released", "made", "seen", "sent", "with", "without", "from", "by", "to", "for", "as",
             "according", "itself", "himself", "herself", "themselves", "too", "also", "however"}
# Words that may stand between a subject and its verb ("Inspectors also found", "Emma Revie last night said").
_BETWEEN_RE = re.compile(
    r"(?:\s+(?:also|has|have|had|is|are|was|were|today|yesterday|now|further|previously|later|earlier|then|again|"
    r"would|will|did|does|do|jointly|not|finally|officially|formally|publicly|last\s+(?:night|week|month|year)|"
    r"this\s+(?:morning|afternoon|evening|week)|on\s+(?:mon|tues|wednes|thurs|fri|satur|sun)day|\w+ly))+$",
    re.IGNORECASE)
_SUBORDINATORS_RE = re.compile(r"\b(?:that|as|after|when|because|while|whilst|where|if|although|though|since|"
                               r"before|until|and|but|so|or|who|which|how|once)\s+", re.IGNORECASE)
_DOC_RE = re.compile(
    r"(?:(?:the|its|their|his|her|our|this|that|a|an)\s+)?(?:[\w’'-]+\s+){0,3}?"
    r"(?:report|letter|document|study|findings|paper|review|survey|analysis)"
    r"(?:\s+(?:from|by|of|into|on|published|for)\b.*)?", re.IGNORECASE)
_GENERIC_RE = re.compile(
    r"(?:(?:the|its|their|this|that|a|an)\s+)?(?P<head>%s)" % "|".join(
        sorted((re.escape(w) for w in (*ACTIVITIES, *BODY_HEADS)), key=len, reverse=True)), re.IGNORECASE)
# "An investigation by the HSE", "Care Quality Commission inspectors", "inspectors Ofsted": the body.
_BY_BODY_RE = re.compile(
    r"(?:(?:an?|the|its)\s+)?(?:[\w-]+\s+)?(?:investigation|inspection|review|audit|visit)\s+(?:(?:conducted|carried"
    r"\s+out|led|undertaken|made)\s+)?by\s+(?P<a>.+)|(?P<b>.+?)\s+(?:investigation|inspectors|inspection team)"
    r"|inspectors\s+(?:(?:from|at|of)\s+(?:the\s+)?)?(?P<c>[A-Z].*)", re.IGNORECASE)
_PLURAL_RE = re.compile(
    r"(?:(?:the|its|their|both|all)\s+)?(?:[\w’'-]+\s+){0,3}?(?:chiefs|researchers|authors|leaders|officials|"
    r"scientists|academics|bosses|organisers|campaigners|team|organisations|organizations|bodies|partners)"
    r"(?:\s+(?:in|at|of|from|for)\s+.*)?", re.IGNORECASE)
_PREPOSITIONS = {"to", "by", "with", "from", "for", "of", "at", "on", "in", "into", "about", "after", "before"}
RELATIVES = ("brother", "sister", "mother", "father", "son", "daughter", "wife", "husband", "partner", "family",
             "friend", "colleague", "neighbour", "uncle", "aunt", "cousin", "grandmother", "grandfather", "parents",
             "widow", "widower", "fiancé", "fiancée", "boss")
# A role without a name: "the chief executive", "the trust’s medical director", "her brother".
_ROLE_RE = re.compile(
    r"(?:(?:the|his|her|their|its|our|one|a|an)\s+)?(?:[\w’'-]+\s+){0,3}?(?:executive|director|officer|manager|"
    r"inspector|secretary|minister|chair|chairman|chairwoman|chairperson|president|leader|headteacher|principal|"
    r"governor|commissioner|mayor|judge|councillor|constable|superintendent|nurse|surgeon|editor|founder|owner|"
    r"consultant|organiser|author|coordinator|adviser|advisor|campaigner|trustee|dean|chancellor|treasurer|clerk|"
    r"registrar|matron|midwife|solicitor|%s)" % "|".join(RELATIVES), re.IGNORECASE)
_ROLE_OF_RE = re.compile(r"(?:(?:the|his|her|their|its|a|an)\s+)?(?P<role>%s)\s+of\s+.+" % "|".join(RELATIVES),
                         re.IGNORECASE)
_SPOKES_RE = re.compile(
    r"(?:an? |the )?(?:(?P<pre>.+?) )?(?P<role>spokesperson|spokesman|spokeswoman|spokespeople|representative)"
    r"(?: (?:for|from|of|at) (?:the )?(?P<post>.+))?", re.IGNORECASE)
_STATEMENT_OF_RE = re.compile(r"(?P<owner>.+?)[’']s\s+(?:joint\s+|written\s+)?statement|(?P<its>its|their)\s+"
                              r"(?:joint\s+|written\s+)?statement", re.IGNORECASE)
_NAME_FOR_RE = re.compile(r"(?P<name>(?:[A-Z][\w’'-]+\s+){1,3}[A-Z][\w’'-]+)\s+(?P<role>(?:for|of|at|from)\s+.+)")
_SEPARATORS_RE = re.compile(r"\s*,\s*|\s+[–—-]\s+|\s*[–—]\s*")
_GROUP_SPLIT_RE = re.compile(r"\s*,\s*(?:and\s*,?\s+)?|\s+and\s*,?\s+")


def is_acronym(token: str) -> bool:
    t = token.strip("()’'s")
    return 2 <= len(t) <= 8 and t.isalpha() and t.isupper() and t.lower() not in TITLES


def _is_cap(token: str) -> bool:
    t = token.lstrip("(‘'")
    return bool(t) and t[0].isupper()


def _word(token: str) -> str:
    return token.lower().rstrip(".").removesuffix("’s").removesuffix("'s").strip("()")


def _is_org(tokens: list[str]) -> bool:
    return any(_word(t) in ORG_WORDS or is_acronym(t) for t in tokens) or any(t in ("of", "for", "&") for t in tokens)


def split_bodies(name: str) -> tuple[str, str] | None:
    """Two bodies named together in one run of capitals ("NHS Commissioning Board and Local Government
    Association", "Kirkdale Council and NHS Kirkdale"), not one body with "and" in its name ("Health and
    Safety Executive", "Fire and Rescue Service"): each side is a name of two words or more, the first
    ends with a body's head word and the second ends with one or starts with an acronym."""
    left, _, right = name.partition(" and ")
    lw, rw = left.split(), right.split()
    if len(lw) < 2 or len(rw) < 2 or _word(lw[-1]) not in _HEADS:
        return None
    return (left, right) if _word(rw[-1]) in _HEADS or is_acronym(rw[0]) else None


def _clean(seg: str) -> str:
    seg = seg.strip(" \t\n,;:–—-\x00.")
    if seg.startswith("(") and ")" not in seg:
        seg = seg[1:]
    if seg.endswith(")") and "(" not in seg:
        seg = seg[:-1]
    while True:
        first, _, rest = seg.partition(" ")
        if rest and (first.lower() in _CONJUNCTIONS or (first.endswith("ing") and _is_cap(first) and _is_cap(rest))):
            seg = rest.strip(" ,")  # "But Ofsted", "Sentencing Judge Griggs"
            continue
        return " ".join(seg.split())


def _person(tokens: list[str]) -> Mention | None:
    """A run of capitalised tokens as a person: leading titles to the role, honorifics dropped."""
    titles = []
    while len(tokens) > 1 and _word(tokens[0]) in TITLES | HONORIFICS:
        t = tokens.pop(0)
        if _word(t) not in HONORIFICS:
            titles.append(t)
    if not 1 <= len(tokens) <= 4 or not all(_is_cap(t) for t in tokens):
        return None
    if len(tokens) == 1 and tokens[0].lower() in FUNCTION_WORDS:
        return None
    name = " ".join(tokens)
    if len(tokens) == 1:
        return Mention("person" if titles else "single", name, " ".join(titles) or None)
    return Mention("person", name, " ".join(titles) or None)


@functools.lru_cache(maxsize=8192)
def parse_np(seg: str) -> Mention | None:
    """Read one phrase as a speaker mention, or None."""
    seg = _clean(seg)
    if not seg or seg.count(" ") > 15:
        return None  # no name or description of a speaker is that long: a clause
    low = seg.lower()
    if low in _PRONOUNS:
        return Mention("pron", low)
    if m := _BY_BODY_RE.fullmatch(seg):
        inner = parse_np(m["a"] or m["b"] or m["c"])
        if inner is not None and inner.kind in ("org", "single", "generic"):
            return inner
    if m := _GENERIC_RE.fullmatch(seg):
        return Mention("generic", m["head"].lower())
    if _DOC_RE.fullmatch(seg):
        return Mention("doc", low)
    if m := _SPOKES_RE.fullmatch(seg):
        body = m["post"] or m["pre"]
        if body is None:  # "A spokesperson said": for the body the article is about, the one named last
            return Mention("generic", "body", m["role"].lower())
        inner = parse_np(body)
        if inner and inner.kind in ("org", "single", "generic", "pron"):
            return Mention(inner.kind, inner.name, m["role"].lower())
        return None
    if m := _STATEMENT_OF_RE.fullmatch(seg):  # "The trust’s statement said": the trust's words
        return parse_np(m["owner"]) if m["owner"] else Mention("pron", "it" if m["its"].lower() == "its" else "they")
    if _PLURAL_RE.fullmatch(seg):
        return Mention("plural", low)
    tokens = seg.split()
    if tokens[0] in ("The", "the") and len(tokens) > 1 and _is_cap(tokens[1]):
        tokens = tokens[1:]
    if len(tokens) > 1 and re.fullmatch(r"\([A-Z][A-Za-z&]{1,9}\)", tokens[-1]):
        tokens = tokens[:-1]  # "the Care Quality Commission (CQC)": the acronym is an alias
    all_caps = all(_is_cap(t) or t in CONNECTORS for t in tokens) and _is_cap(tokens[-1])
    if (m := _NAME_FOR_RE.fullmatch(seg)) and not _is_org(m["name"].split()) and not any(
            _word(t) in TITLES for t in m["name"].split()):
        person = _person(m["name"].split())
        if person is not None and person.kind == "person":
            return person._replace(role=_join_roles(person.role, m["role"]))  # "Martin Weiler for the Agency"
    if all_caps and (halves := split_bodies(" ".join(tokens))):
        return Mention("group", " and ".join(halves), parts=tuple(Mention("org", h) for h in halves))
    if not (all_caps and _is_org(tokens)) and _GROUP_SPLIT_RE.search(seg):
        parts = [parse_np(p) for p in _GROUP_SPLIT_RE.split(seg) if p.strip()]
        if len(parts) >= 2 and all(p is not None and p.kind in ("person", "org", "single", "generic") for p in parts):
            return Mention("group", " and ".join(p.name for p in parts), parts=tuple(parts))
    if len(tokens) > (12 if all_caps else 9):
        return None
    lowered = [_word(t) for t in tokens]
    # A person's name at the end, after a role: "Inspector of Constabulary Daniel Oduya", "HSE inspector Jo Bell".
    i = len(tokens)
    while i > 0 and _is_cap(tokens[i - 1]) and lowered[i - 1] not in TITLES | CONNECTORS | ORG_WORDS \
            and not is_acronym(tokens[i - 1]):
        i -= 1
    run, prefix = tokens[i:], tokens[:i]
    titled = any(w in TITLES | HONORIFICS for w in lowered[:i])
    if run and (2 <= len(run) <= 4 or (len(run) == 1 and prefix and lowered[i - 1] in TITLES | HONORIFICS)):
        if not prefix:
            return _person(list(run)) if all_caps else None
        # A role before the name: titled ("Prof", "chief executive"), or any common noun ("UNISON regional
        # organiser Jo Bell", "their mother Mina Smallman", "lead author Petroc Sumner").
        if titled or len(run) >= 2 and prefix[-1].isalpha() and prefix[-1].islower() and lowered[i - 1] not in (
                FUNCTION_WORDS | CONNECTORS | _PREPOSITIONS):
            person = _person(list(run))
            titles = [t for t in prefix if _word(t) not in HONORIFICS]
            return person._replace(kind="person", role=" ".join(titles) or None) if person else None
    if lowered[0] in TITLES or (len(tokens) > 1 and lowered[-1] in TITLES - ORG_WORDS and not is_acronym(tokens[-1])):
        return Mention("role", seg)  # "Director of Operations", "the Prime Minister": the name may come next
    if not all_caps:
        if _ROLE_RE.fullmatch(seg):
            return Mention("role", seg)  # "the chief executive", "her brother": a person named elsewhere
        if m := _ROLE_OF_RE.fullmatch(seg):
            return Mention("role", m["role"])  # "the family of Bibaa Henry and Nicole Smallman": not the two
        return None
    if _is_org(tokens):
        return Mention("org", " ".join(tokens))
    return _person(list(tokens))


def _role_text(segments: list[str]) -> str | None:
    """The role an appositive gives: its segments up to one that is not part of it ("…, during remarks to")."""
    kept = []
    for segment in (s.strip() for s in segments):
        first = segment.split()[0].lower() if segment else ""
        if first in _NOT_ROLE or first.endswith("ing") and first not in ("managing",):
            break
        kept.append(segment)
    text = re.sub(r"\s+and$", "", ", ".join(kept).strip(" ,–—-"))
    return _role_phrase(text) or None


def _role_phrase(role: str) -> str:
    """Without a leading "the" before a title: "The chief executive of the trust" -> "chief executive of …"."""
    words = role.split(maxsplit=2)
    if len(words) >= 2 and words[0] in ("The", "the") and words[1].islower() and _word(words[1]) in TITLES:
        return role.split(maxsplit=1)[1]
    return role


def _join_roles(*roles: str | None) -> str | None:
    return "; ".join(r for r in roles if r) or None


def _looks_like_role(seg: str) -> bool:
    seg = _clean(seg)
    if not seg:
        return False
    m = parse_np(seg)
    if m is not None and m.kind == "role":
        return True
    words = seg.split()
    if m is None and (words[0].lower() in ("the", "a", "an", "its", "their") or re.search(r"[’']s$", words[0])) \
            and any(_word(w) in TITLES for w in words[1:]):
        return True  # "the trust’s chief executive", "CQC’s deputy director of operations"
    return m is None and words[0][0].islower() and _word(words[-1]) in TITLES


def _tail(clause: str) -> Mention | None:
    """The subject at the end of a clause: the whole of it, else what follows its last subordinator."""
    if (m := parse_np(clause)) is not None:
        return m
    for at in [sub.end() for sub in _SUBORDINATORS_RE.finditer(clause)][-4:]:  # the subject is next to its verb
        if (m := parse_np(clause[at:])) is not None and m.kind != "role":
            return m
    return None


def _joint(segments: list[str]) -> Mention | None:
    """Several people, each followed by their role, starting with the first segment: one group."""
    people = [(k, m) for k, m in enumerate(map(parse_np, segments)) if m is not None and m.kind == "person"]
    if len(people) < 2 or people[0][0] != 0:
        return None
    bounds = [k for k, _ in people] + [len(segments)]
    parts = tuple(m._replace(role=_join_roles(m.role, _role_text(segments[k + 1:bounds[j + 1]])))
                  for j, (k, m) in enumerate(people))
    return Mention("group", " and ".join(p.name for p in parts), parts=parts)


@functools.lru_cache(maxsize=8192)
def subject(clause: str, inverted: bool) -> Mention | None:
    """The speaker named by ``clause``: the text before a reporting verb (or after it, ``inverted``)."""
    clause = " ".join(clause.split())
    if not inverted:
        clause = _BETWEEN_RE.sub("", clause)
    ends_with_separator = bool(re.search(r"(,|\s[–—-]|[–—])\s*$", clause))
    segments = [s for s in _SEPARATORS_RE.split(clause) if s.strip(" ,")]
    if not segments:
        return None
    if not inverted and not ends_with_separator:
        # The subject is next to the verb; a role may be the segment before it.
        head = _tail(segments[-1])
        if head is None or head.kind == "role" and len(segments) == 1:
            return head
        if head.kind in ("person", "group") and len(segments) >= 3 and (first := parse_np(segments[0])) is not None \
                and first.kind == "person":  # "A, role, B and C said": all three
            return _joint([*segments[:-1], *(p.name for p in head.parts or (head,))])
        if len(segments) >= 2 and head.kind == "role" and (name := parse_np(segments[-2])) is not None \
                and name.kind == "person":
            return name._replace(role=_join_roles(name.role, _clean(segments[-1])))  # "Jo Bell, Director said"
        if len(segments) >= 2 and head.kind in ("person", "org", "single") and _looks_like_role(segments[-2]):
            return head._replace(role=_join_roles(head.role, _clean(segments[-2])))
        return head
    # Appositive structure: drop leading adverbials, then NAME, ROLE or ROLE, NAME (or several NAME, ROLE).
    segments = [c for c in map(_clean, segments) if c]
    while len(segments) > 1 and segments[0].split()[0].lower() in _ADVERBIAL:
        segments = segments[1:]
    if len(segments) >= 2 and _looks_like_role(segments[0]):
        head = parse_np(segments[1])
        if head is not None and head.kind in ("person", "org", "single"):
            return head._replace(role=_join_roles(head.role, _role_phrase(_clean(segments[0]))))
    if (joint := _joint(segments)) is not None:  # "A, role, B, role and, C, role, said:": a joint statement
        return joint
    for i, seg in enumerate(segments[:2]):
        head = parse_np(seg)
        if head is None or head.kind == "role":
            if inverted:
                return None
            continue
        if head.kind != "person":
            return head  # a body's appositive ("INVISTA, one of the world's largest producers") is not a role
        return head._replace(role=_join_roles(head.role, _role_text(segments[i + 1:])))
    return None
