"""Attributions in one sentence: who its reporting verbs, "according to" and statement nouns name.

``find(outside, known)`` reads a sentence's unquoted text (each quotation replaced by ``QUOTE``) and returns
its attributions in order, each with the mention it names (``store.speakers.mentions``) and the evidence
to show (``Ms Khan … said:``). It reads

* a reporting verb with its subject before it (``Ofsted found``, ``Mark Douglas – the director – says``,
  ``…, the charity says, …``), after it (``“…,” said Karen Walsh, head of inspection``) or shared with an
  earlier verb (``The CQC gave the trust the rating … and said``);
* a passive with its agent (``rated as good by inspectors``); one without an agent names no one
  (``Effective has been re-rated as good``, ``was fined and ordered to pay``);
* ``according to X`` and a statement from X (``a statement … from police and fire chiefs``,
  ``The announcement was made by Francis Murphy``); ``That is according to X`` also attributes the
  sentence before (``backwards``).

Verbs of wanting or believing, agreements and actions are not reporting verbs (docs/labelling.md §4.1).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from store.speakers.mentions import Mention, parse_np, subject

__all__ = ["QUOTE", "Attribution", "find", "shorten"]

QUOTE = "\x00"  # stands for a quotation in a sentence's unquoted text

_VERBS = (
    # Only forms that are rarely nouns: "reported" but not "report", "noted" but not "notes".
    "say says said add adds added tell tells told explain explains explained stated announce announces "
    "announced warn warns warned claim claims claimed confirm confirms confirmed insist insists insisted admit "
    "admits admitted acknowledge acknowledges acknowledged concede concedes conceded stressed noted commented "
    "argue argues argued reveal reveals revealed describes described urge urges urged reported reports "
    "estimate estimates estimated apologise apologises apologised apologize apologizes apologized pledge pledges "
    "pledged promise promises promised ordered detail details detailed find finds found conclude concludes "
    "concluded judged rated re-rated rerated deemed deems highlight highlights highlighted recognise recognises "
    "recognised recognize recognizes recognized praise praises praised criticise criticises criticised "
    "criticize criticizes criticized identify identifies identified recommend recommends recommended "
    "determined graded grades"
).split()
# Verbs that report only in a phrase: the first word is found with the others, the phrase then checked.
_PHRASES = {"hit": r"hit\s+back", "hits": r"hits\s+back", "hitting": r"hitting\s+back",
            "declined": r"declined\s+to\s+comment", "declines": r"declines\s+to\s+comment",
            "refused": r"refused\s+to\s+comment", "refuses": r"refuses\s+to\s+comment",
            "call": r"call\s+(?:on|for)", "calls": r"calls\s+(?:on|for)", "called": r"called\s+(?:on|for)",
            "calling": r"calling\s+(?:on|for)", "raised": r"raised\s+(?:[\w-]+\s+){0,3}?concerns",
            "issued": r"issued\s+(?:a|an|the)\s+(?:[\w-]+\s+)?statement",
            "released": r"released\s+(?:a|an|the)\s+(?:[\w-]+\s+)?statement",
            "made": r"made\s+(?:a|an|the)\s+(?:[\w-]+\s+)?statement", "gave": r"gave\s+[^.;:]{0,60}?\brating"}
_PHRASE_RES = {head: re.compile(pattern + r"\b", re.IGNORECASE) for head, pattern in _PHRASES.items()}


def _trie_pattern(words: Sequence[str]) -> str:
    """One regular expression for ``words``, factored by common prefixes (much faster than ``a|b|c``)."""
    tree: dict = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def walk(node: dict) -> str:
        branches = [re.escape(ch) + walk(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            body = ("(?:" + body + ")" if len(branches) == 1 and len(body) > 1 else body) + "?"
        return body

    return walk(tree)


_VERB_RE = re.compile(r"\b%s\b" % _trie_pattern(_VERBS + list(_PHRASES)), re.IGNORECASE)
_ACCORDING_RE = re.compile(r"\baccording to\s+", re.IGNORECASE)
_STATEMENT_RE = re.compile(r"\b(?:statement|announcement|remarks|comments)\s+(?:[^.;:,\x00]{0,60}?\s)?(?:from|by)\s+",
                           re.IGNORECASE)
_BACKWARDS_RE = re.compile(r"\s*(?:that|this)(?:\s+(?:is|was)|’s|'s)\s+according to\b", re.IGNORECASE)
_PASSIVE_RE = re.compile(r"\b(?:is|are|was|were|be|been|being|get|gets|got)\s+(?:(?:\w+ly|not|also|now|still|"
                         r"already|then|as)\s+)*$", re.IGNORECASE)
_PASSIVE_CHAIN_RE = re.compile(r"\b(?:is|are|was|were|be|been|being)\s+(?:\w+ly\s+)?\w+(?:ed|en|wn|t|id|ld)\b.*\band"
                               r"\s+(?:\w+ly\s+)?$", re.IGNORECASE)
_COORDINATED_RE = re.compile(r"(?:^|[\s,])(?:and|but|then|or)\s+(?:(?:also|later|then|\w+ly)\s+)*$", re.IGNORECASE)
_JOINED_RE = re.compile(r"\S\s+(?:and|but)\s+(?:the\s+)?$", re.IGNORECASE)  # "…, and the EA said"
_RELATIVE_RE = re.compile(r",?\s*(?:which|who)\s+(?:(?:also|has|have|had|\w+ly)\s+)*$", re.IGNORECASE)
_AGENT_END_RE = re.compile(r"[,.;:()\x00]|\s(?:for|in|at|on|during|after|whose|who|which|following|with|since|"
                           r"because|and\s+(?:was|were|is|are|has|have))\s", re.IGNORECASE)
_AGENT_END_NO_QUOTE_RE = re.compile(_AGENT_END_RE.pattern.replace(r"\x00", ""), re.IGNORECASE)
_BY_RE = re.compile(r"\s+by\s+", re.IGNORECASE)
_DASH_NAME_RE = re.compile(r"\x00[\s,.]*[–—-]\s*(?P<who>[A-Z][^\x00;:]{2,100}?)[.\s]*$")
_ENDS_RE = re.compile(r"[.!?][\W\x00]*$")
_SHORT_BY_RE = re.compile(r"(?:\s+(?:as\s+)?(?:\x00|[\w’'-]+)){0,2}?\s+by\s+", re.IGNORECASE)
_BEFORE_QUOTE_RE = re.compile(r"(?:\s+[\w’'-]+){0,5}?\s*[:,]?\s*\x00")
_REACH = 300  # how far from its verb an attribution's subject or agent may be
_DATELINE_RE = re.compile(r"\s*(?:\d{1,2}[-–/ ][A-Za-z]{3,9}[-–/ ]\d{2,4}\s*[–—-]|[A-Z]{3,}(?:[ ,]+[A-Z][\w.’']+)*"
                          r"\s*(?:[–—-]|\([^)]*\d[^)]*\)))\s*")


class Attribution(NamedTuple):
    """One attribution in a sentence: who it names and where."""

    mention: Mention | None  # None: a reporting verb next to a quotation, naming no one we can read
    at: int  # where it starts in the sentence's unquoted text (its subject, else its verb)
    end: int  # where its verb (or "according to X") ends
    evidence: str  # what names the speaker, as written: "Ms Khan … said:"
    words: int = 0  # how many words it governs, up to the next one (of two sources, the longer wins)
    joined: bool = False  # its clause is joined to an earlier one by "and"/"but" (not a clause inside it)
    backwards: bool = False  # "That is according to X": X also speaks the sentence before


def find(outside: str) -> list[Attribution]:
    """The attributions in ``outside`` (a sentence's text with quotations replaced by ``QUOTE``), in order."""
    if m := _DATELINE_RE.match(outside):
        outside = " " * m.end() + outside[m.end():]
    found: list[Attribution] = []
    if "ccording" in outside:
        for m in _ACCORDING_RE.finditer(outside):
            agent = _agent(outside, m.end())
            mention = _statement_source(agent) or subject(agent, True) or parse_np(agent)
            if mention is not None:
                found.append(Attribution(mention, m.start(), m.end() + len(agent), shorten("according to " + agent)))
    low = outside.lower()
    statements = "statement" in low or "announcement" in low or "remarks" in low or "comments" in low
    for m in _STATEMENT_RE.finditer(outside) if statements else ():
        agent = outside[m.end():_agent_end(outside, m.end(), commas=False)]
        if (mention := subject(agent, True)) is not None:
            found.append(Attribution(mention, m.start(), m.end() + len(agent), shorten(f"{m[0].strip()} {agent}")))
    if QUOTE in outside and (m := _DASH_NAME_RE.search(outside)):  # "“We will fight on” — Jane Smith, union rep"
        if (mention := subject(m["who"], True)) is not None and mention.kind in ("person", "group", "org"):
            found.append(Attribution(mention, m.start("who"), m.end(), shorten(m["who"])))
    for m in _VERB_RE.finditer(outside):
        if (phrase := _PHRASE_RES.get(m[0].lower())) is not None and (m := phrase.match(outside, m.start())) is None:
            continue
        if (attribution := _verb(outside, m, found)) is not None:
            found.append(attribution)
    found.sort(key=lambda a: a.at)
    ends = [a.at for a in found[1:]] + [len(outside)]
    backwards = bool(found) and bool(_BACKWARDS_RE.match(outside))
    return [a._replace(words=len(outside[a.end:max(a.end, end)].split()), backwards=backwards)
            for a, end in zip(found, ends)]


def _verb(outside: str, m: re.Match, earlier: list[Attribution]) -> Attribution | None:
    """The attribution a reporting verb makes: its subject before it, after it, shared, or a passive's agent.
    Everything is looked for within ``_REACH`` characters of the verb, so a long sentence stays linear."""
    verb = m[0]
    reach = max(0, m.start() - _REACH)
    start = max(reach, outside.rfind(QUOTE, reach, m.start()) + 1, outside.rfind(";", reach, m.start()) + 1,
                outside.rfind(":", reach, m.start()) + 1)
    paren = outside.rfind("(", start, m.start())
    if paren >= 0 and outside.find(")", paren, m.start()) < 0:
        start = paren + 1  # inside brackets
    left = outside[start:m.start()]
    colon = ":" if outside[m.end():m.end() + 1] == ":" else ""
    passive = _PASSIVE_RE.search(left) or _PASSIVE_CHAIN_RE.search(left) or (
        verb.lower().endswith("ed") and not _ENDS_RE.search(outside)  # a headline: "Trust rated ‘inadequate’
        and _SHORT_BY_RE.match(outside, m.end(), m.end() + _REACH))  # by inspectors"
    if not verb.split()[0].lower().endswith("ing") and passive:
        agent_at = _BY_RE.search(outside, m.end(), _agent_end(outside, m.end(), quotes=False))
        if agent_at is None:
            return None  # a passive without an agent names no one
        agent = _agent(outside, agent_at.end())
        mention = parse_np(agent)
        return Attribution(mention, m.start(), m.end(), shorten(f"{verb} … by {agent}")) if mention else None
    if _COORDINATED_RE.search(left) and left.strip(" ,").lower() not in ("and", "but"):
        mention = earlier[-1].mention if earlier else _main_subject(outside[:min(m.start(), _REACH)])
        if mention is None:
            return None
        return Attribution(mention, m.start(), m.end(), shorten(f"{_name_in(outside, mention)} … {verb}{colon}"))
    if rel := _RELATIVE_RE.search(left):  # "its report, which highlights": the phrase before
        words = left[:rel.start()].split()
        mention = next((np for k in range(2, 6) if (np := parse_np(" ".join(words[-k:]))) is not None), None)
        if mention is None:
            return None
        return Attribution(mention, m.start(), m.end(), shorten(f"{' '.join(words[-2:])} … {verb}"))
    mention = subject(left, False) if left.strip(" ,\x00") else None
    inverted = mention is None and (not left.strip(" ,") or left.rstrip().endswith(","))
    if inverted:
        right = outside[m.end():_agent_end(outside, m.end(), commas=False)].strip()
        mention = subject(right, True) if right else None
        if mention is not None:
            return Attribution(mention, m.start(), m.end(), shorten(f"{verb} {right}"))
    if mention is not None:
        named = _name_in(left, mention)
        gap = " … " if left.strip().rstrip(",").strip() != named else " "
        joined = named in left and bool(_JOINED_RE.search(left, 0, left.rfind(named)))
        at = start + left.rfind(named) if named in left else m.start()
        return Attribution(mention, at, m.end(), shorten(f"{named}{gap}{verb}{colon}"), joined=joined)
    if QUOTE in outside[max(0, start - 1):m.start()] and len(left.split()) <= 5 or _BEFORE_QUOTE_RE.match(
            outside, m.end(), m.end() + _REACH):
        return Attribution(None, m.start(), m.end(), "")  # "“…,” one mother said": someone we cannot name
    return None


def _agent_end(outside: str, at: int, commas: bool = True, quotes: bool = True) -> int:
    """Where the phrase starting at ``at`` ends: punctuation, a quotation, or a following clause."""
    stop = min(len(outside), at + _REACH)
    if not commas:
        ends = [i for i in (outside.find(c, at, stop) for c in (QUOTE, ";", ":", ". ")) if i >= 0]
        end = min(ends, default=stop)
        return end - 1 if end == len(outside) and outside.endswith(".") else end
    m = (_AGENT_END_RE if quotes else _AGENT_END_NO_QUOTE_RE).search(outside, at, stop)
    return m.start() if m else stop


def _agent(outside: str, at: int) -> str:
    return outside[at:_agent_end(outside, at)].strip()


def _statement_source(agent: str) -> Mention | None:
    """"a statement issued this morning from police and fire chiefs": the chiefs."""
    m = _STATEMENT_RE.search(agent)
    return subject(agent[m.end():], True) if m else None


def _main_subject(before: str) -> Mention | None:
    """The subject the sentence starts with, for a verb that shares it ("… and Announces Plans")."""
    before = " ".join(before.replace(QUOTE, " ").split()).strip(" ,")
    return Mention("start", before) if before else None


def _name_in(text: str, mention: Mention) -> str:
    """The words of ``text`` that name the speaker ("Ms Khan" in "Ms Khan, the chief executive,")."""
    first = mention.parts[0] if mention.parts else mention
    name = first.name
    low = text.lower()
    if first.kind in ("person", "org", "single") and name:
        at = low.rfind(name.lower())
        if at < 0:
            at = low.rfind(name.split()[-1].lower())
        if at >= 0:
            end = text.find(" ", at + len(name)) if low.find(name.lower(), at) == at else text.find(" ", at)
            words = text[:at].split()
            lead = []
            while words and words[-1][:1].isupper() and not words[-1].endswith(","):
                lead.insert(0, words.pop())
            return " ".join(lead + text[at:end if end > 0 else len(text)].rstrip(",").split())
    segment = re.split(r",|\s[–—-]\s", text.strip().rstrip(","))[-1].split()
    head = first.name.split()[-1].lower() if first.name else ""
    at = max((k for k, w in enumerate(segment) if w.lower().strip(",.") == head), default=-1)
    if at > 0:  # "the family of X and Y": "the family"
        return " ".join(segment[max(0, at - 2):at + 1])
    return " ".join(segment[-5:])


def shorten(text: str, limit: int = 48) -> str:
    """Evidence fit for a status line: its first three and last two words when it is long."""
    text = " ".join(text.replace(QUOTE, "…").split())
    if len(text) <= limit:
        return text
    words = text.split()
    return " ".join(words[:3]) + " … " + " ".join(words[-2:])
