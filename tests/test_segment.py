"""Tests for store.segment: the labelled set, offset invariants, random texts, pysbd."""
from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

import pytest

from bench.segmentation import pysbd_spans
from store.segment import Sentence, segment

ROOT = Path(__file__).resolve().parent.parent
CASES = json.loads((ROOT / "tests" / "data" / "segmentation.json").read_text(encoding="utf-8"))
LETTER = re.compile(r"[^\W\d_]")
BLANK_LINE = re.compile(r"\n[ \t]*\n")


def case_text(case: dict) -> str:
    if "file" in case:
        return (ROOT / case["file"]).read_text(encoding="utf-8")
    return case["text"]


def gold_spans(text: str, sentences: list[str]) -> list[tuple[int, int]]:
    """Locate the labelled sentence strings in order."""
    spans, pos = [], 0
    for s in sentences:
        i = text.find(s, pos)
        assert i >= 0, f"labelled sentence not found in order: {s!r}"
        spans.append((i, i + len(s)))
        pos = i + len(s)
    return spans


def check_invariants(text: str, sents: list[Sentence]) -> None:
    prev_end, prev_para = 0, 0
    for s in sents:
        assert isinstance(s, Sentence)
        assert 0 <= prev_end <= s.start < s.end <= len(text), (prev_end, s)
        body = text[s.start : s.end]
        assert body == body.strip(), repr(body)
        assert LETTER.search(body), f"letterless sentence {body!r}"
        assert not BLANK_LINE.search(body), f"sentence crosses a blank line: {body!r}"
        assert s.para in (prev_para, prev_para + 1), (prev_para, s)
        if prev_para and s.para != prev_para:
            # a new paragraph always starts after a line break
            assert "\n" in text[prev_end : s.start], (text[prev_end : s.start], s)
        elif prev_para:
            # inside a paragraph sentences are separated by ordinary whitespace
            assert not BLANK_LINE.search(text[prev_end : s.start])
        prev_end, prev_para = s.end, s.para
    # nothing containing a letter is lost between (or around) the sentences
    gaps, pos = [], 0
    for s in sents:
        gaps.append(text[pos : s.start])
        pos = s.end
    gaps.append(text[pos:])
    lost = [g for g in gaps if LETTER.search(g)]
    assert not lost, f"letters outside every sentence: {lost[:3]!r}"


# --------------------------------------------------------------------------- #
# Labelled set


def test_labelled_set_is_big_enough():
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names))
    assert sum("file" in c for c in CASES) >= 2
    assert len(CASES) - 2 >= 40


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_labelled_case(case):
    text = case_text(case)
    got = segment(text)
    assert [text[s.start : s.end] for s in got] == case["sentences"]
    if "paras" in case:
        assert [s.para for s in got] == case["paras"]
    check_invariants(text, got)


def test_real_article_counts():
    by_name = {c["name"]: c for c in CASES}
    assert len(by_name["article_000_bradford_council"]["sentences"]) == 22
    assert len(by_name["article_004_telegraph_argus"]["sentences"]) == 15


def test_interface():
    s = segment("Hello world. Bye now.")[1]
    assert (s.start, s.end, s.para) == (13, 21, 1)
    with pytest.raises(AttributeError):
        s.start = 0  # frozen
    assert not hasattr(s, "__dict__")  # slots
    assert segment("") == []


# --------------------------------------------------------------------------- #
# Property-style tests on generated texts

WORDS = (
    "the council said services were improving slowly and Ofsted inspectors "
    "found progress in Bradford children families social work training "
    "assessments London Leeds Sue Duffy Mark Douglas report letter"
).split()
ODD = [
    "Mr.", "Mrs.", "Dr.", "Cllr.", "St.", "e.g.", "i.e.", "etc.", "a.m.", "p.m.",
    "No.", "vs.", "approx.", "Jan.", "Ltd.", "Inc.", "J.", "K.", "U.S.", "3.5",
    "£1.2m", "28.04.2021", "www.bradford.gov.uk", "a.b@c.org", "...", "…",
    "“", "”", "‘", "’", '"', "'", "(", ")", "—", "–", "|", "***", "2021.",
    "?", "!", "?”", ".”", ".)", ":", ";", ",", "-", "*", "1.", "#", "\t",
    "é", "Ärger", "naïve", "12", ". . .",
]
ENDS = [".", ".", ".", "?", "!", ".”", "?”", ".)", "…", ""]


def random_text(rng: random.Random, n_sentences: int) -> str:
    parts = []
    for _ in range(n_sentences):
        words = []
        for _ in range(rng.randint(1, 14)):
            w = rng.choice(ODD) if rng.random() < 0.25 else rng.choice(WORDS)
            if rng.random() < 0.2:
                w = w.capitalize()
            words.append(w)
        parts.append(" ".join(words) + rng.choice(ENDS))
        r = rng.random()
        parts.append(
            "\n" if r < 0.15 else "\n\n" if r < 0.25 else "\n \n\t" if r < 0.28
            else "  " if r < 0.32 else " "
        )
    return "".join(parts)


def wrap(text: str, width: int) -> str:
    out, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    out.append(line)
    return "\n".join(out)


@pytest.mark.parametrize("seed", range(40))
def test_invariants_on_random_texts(seed):
    rng = random.Random(seed)
    for _ in range(10):
        text = random_text(rng, rng.randint(0, 30))
        check_invariants(text, segment(text))


@pytest.mark.parametrize("seed", range(10))
def test_random_edges(seed):
    """Leading/trailing whitespace, lone punctuation, tiny inputs."""
    rng = random.Random(1000 + seed)
    alphabet = ["a", "A", ".", "?", "!", " ", "\n", "\t", "”", "“", "(", ")", "1", "|", "…", "-", "*"]
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25)))
        check_invariants(text, segment(text))


@pytest.mark.parametrize("seed", range(10))
def test_paragraphs_are_independent(seed):
    """A blank-line-separated prefix shifts offsets and paragraph numbers only."""
    rng = random.Random(2000 + seed)
    for _ in range(10):
        text = random_text(rng, rng.randint(1, 20))
        prefix = "Council news.\n\n"
        base = segment(text)
        shifted = segment(prefix + text)
        assert shifted[0] == Sentence(0, len("Council news."), 1)
        assert shifted[1:] == [
            Sentence(s.start + len(prefix), s.end + len(prefix), s.para + 1) for s in base
        ]


@pytest.mark.parametrize("seed", range(10))
def test_one_paragraph_per_line_never_crosses_a_line(seed):
    """News layout (long lines, one paragraph each): every line break is a break."""
    rng = random.Random(3000 + seed)
    lines = []
    for _ in range(rng.randint(2, 12)):
        line = ""
        while len(line) <= 110:
            line += random_text(rng, 1).replace("\n", " ")
        lines.append(line.strip())
    text = "\n".join(lines)
    sents = segment(text)
    check_invariants(text, sents)
    assert not any("\n" in text[s.start : s.end] for s in sents)
    line_of = [text.count("\n", 0, s.start) for s in sents]
    paras = [s.para for s in sents]
    # paragraph numbers follow the lines that hold letters
    assert len(set(zip(line_of, paras))) == len(set(line_of)) == len(set(paras))


@pytest.mark.parametrize("width", [60, 72, 79])
def test_hard_wrapped_text_joins_lines(width):
    """Re-wrapping a blank-line-separated text does not change its sentences."""
    paras = [
        line
        for c in CASES
        if "file" in c
        for line in case_text(c).split("\n")
        if LETTER.search(line)
    ]
    assert len(paras) >= 20
    flat = "\n\n".join(paras)
    wrapped = "\n\n".join(wrap(p, width) for p in paras)
    one = segment(flat)
    two = segment(wrapped)
    check_invariants(wrapped, two)
    norm = lambda t, ss: [(" ".join(t[s.start : s.end].split()), s.para) for s in ss]  # noqa: E731
    assert norm(wrapped, two) == norm(flat, one)


def synthetic_megabyte() -> str:
    rng = random.Random(7)
    texts = [case_text(c) for c in CASES]
    chunks, size = [], 0
    while size < 1_000_000:
        t = rng.choice(texts)
        if rng.random() < 0.3:
            t = t.upper() if rng.random() < 0.5 else t.replace(".", "!")
        chunks.append(t)
        size += len(t) + 2
    return "\n\n".join(chunks)


def test_megabyte_text_segments():
    text = synthetic_megabyte()
    assert len(text) >= 1_000_000
    sents = segment(text)
    assert len(sents) > 5_000
    check_invariants(text, sents)


# --------------------------------------------------------------------------- #
# Accuracy against pysbd




def score(predict) -> tuple[float, float]:
    """(fraction of cases exactly right, micro boundary F1 over sentence ends)."""
    exact = tp = n_pred = n_gold = 0
    for case in CASES:
        text = case_text(case)
        gold = gold_spans(text, case["sentences"])
        pred = predict(text)
        exact += pred == gold
        g, p = {e for _, e in gold}, {e for _, e in pred}
        tp += len(g & p)
        n_pred += len(p)
        n_gold += len(g)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return exact / len(CASES), f1


def test_accuracy_not_worse_than_pysbd():
    pysbd = pytest.importorskip("pysbd")
    seg = pysbd.Segmenter(language="en", clean=False, char_span=True)
    ours = score(lambda t: [(s.start, s.end) for s in segment(t)])
    theirs = score(lambda t: pysbd_spans(seg, t))
    assert ours[0] == 1.0  # every labelled case
    assert ours[0] >= theirs[0]
    assert ours[1] >= theirs[1]


def test_limit_gives_the_first_sentences_only():
    text = synthetic_megabyte()
    whole = segment(text)
    for limit in (0, 1, 7, 5_000, len(whole), len(whole) + 1):
        assert segment(text, limit) == whole[:limit]


def test_a_block_longer_than_max_block_lines_is_cut_into_blocks():
    """Bounded memory on a huge file with no blank line: the lines of each block of MAX_BLOCK_LINES
    are decided together, as if a blank line ended it; one paragraph per line stays so throughout."""
    from store.segment import MAX_BLOCK_LINES

    n = 2 * MAX_BLOCK_LINES + 3
    text = "\n".join(f"Line {i} is a short paragraph." for i in range(n))
    sents = segment(text)
    check_invariants(text, sents)
    assert [s.para for s in sents] == list(range(1, n + 1))
    wrapped = wrap(" ".join(["The council said the budget would be studied carefully by officers"] * 12_000), 70)
    assert wrapped.count("\n") > MAX_BLOCK_LINES
    sents = segment(wrapped)
    check_invariants(wrapped, sents)
    assert len({s.para for s in sents}) == 2  # one paragraph, cut once at MAX_BLOCK_LINES lines


# --------------------------------------------------------------------------- #
# Kinds from issue 16 (docs/labelling.md §2): real dev text, then generated variants


def sentences(text: str) -> list[str]:
    got = segment(text)
    check_invariants(text, got)
    return [text[s.start : s.end] for s in got]


def test_dev_corpus_texts_are_segmented_exactly():
    """Every dev text of the real corpus gives exactly its gold sentences (test pairs are not read here)."""
    from store.files import read_article

    corpus = ROOT / "tests" / "data" / "corpus"
    dev = json.loads((corpus / "split.json").read_text(encoding="utf-8"))["dev"]
    for pair in dev:
        gold = json.loads((corpus / pair / "labels.json").read_text(encoding="utf-8"))
        for path in sorted((corpus / pair).glob("*.md")):
            text = read_article(path).text
            assert sentences(text) == [s["text"] for s in gold[path.stem]], f"{pair}/{path.stem}"


HSW = (  # pair 08, release and story
    "Screening Consultancy and Supplies Ltd, of Somers Road, Rugby, Warwickshire, pleaded guilty to breaching "
    "Section 2(1) of the Health and Safety at Work etc. Act 1974."
)


def test_etc_inside_the_name_of_a_statute():
    text = HSW + " The company was fined £28,000 and ordered to pay costs of £3,616."
    assert sentences(text) == [HSW, "The company was fined £28,000 and ordered to pay costs of £3,616."]
    for name in ("Local Government etc. (Scotland) Act 1994", "Health and Safety at Work etc. Act",
                 "Work etc. Regulations 1999"):
        text = f"It breached the {name}. The firm appealed."
        assert sentences(text) == [f"It breached the {name}.", "The firm appealed."]
    # an ordinary word after etc. still starts a sentence
    assert sentences("It sells pens etc. Regulations say so.") == ["It sells pens etc.", "Regulations say so."]
    assert sentences("It sells pens etc. Order forms are online.") == ["It sells pens etc.", "Order forms are online."]


TRUSSELL = [  # pair 10, release: no space after the full stop
    (
        "The charity warns that with need for emergency food increasing year-on-year, today’s figures highlight "
        "an alarming 128% rise compared to this time five years ago."
    ),
    "It is also the first time the number of food parcels distributed has topped two million.",
]


@pytest.mark.parametrize("nxt", ["It is also the first time.", "The charity said so.", "Food banks opened."])
@pytest.mark.parametrize("before", ["five years ago.", "since 2016.", "the (new) figures."])
def test_a_full_stop_without_a_space_before_a_capitalised_word_ends_the_sentence(before, nxt):
    assert sentences("".join(TRUSSELL)) == TRUSSELL
    assert sentences(f"It rose by half {before}{nxt}") == [f"It rose by half {before}", nxt]


@pytest.mark.parametrize("text", [
    "Visit www.Bradford.gov.uk for details.", "Contact a.b@Example.org today.", "J.K.Rowling came.",
    "Mr.Smith came.", "St.Helens won.", "See e.g.Leeds and Hull.", "The U.S.Army came.", "It is 3.5 per cent.",
])
def test_a_full_stop_without_a_space_inside_a_name_or_abbreviation_does_not(text):
    assert sentences(text) == [text]


FAILED_TO = (  # pair 08, story-2
    "The Health and Safety Executive (HSE) investigation revealed that Screening Consultancy and Supplies Ltd "
    "failed to:"
)
ITEMS = ["Conduct a suitable and sufficient risk assessment for the work activity.", "Implement a safe system of work."]


def test_list_items_on_their_own_lines():
    # pair 08, story-2
    text = FAILED_TO + "\n" + "\n".join(f"- {item}" for item in ITEMS) + "\nThe company was fined."
    assert sentences(text) == [FAILED_TO, *(f"- {item}" for item in ITEMS), "The company was fined."]
    for marker in ("•", "⁃", "1.)", "iv.", "b)", "(c)"):
        text = FAILED_TO + "\n" + "\n".join(f"{marker} {item}" for item in ITEMS)
        assert sentences(text) == [FAILED_TO, *(f"{marker} {item}" for item in ITEMS)], marker


NUMBERS = {"1.": "{}.", "1)": "{})", "1.)": "{}.)", "(1)": "({})"}
LETTERS = {"a.": "{}.", "a)": "{})", "(a)": "({})", "i.": "{}."}


def markers(style: str, n: int) -> list[str]:
    if style in NUMBERS:
        return [NUMBERS[style].format(k) for k in range(1, n + 1)]
    if style == "i.":
        return [f"{r}." for r in ["i", "ii", "iii", "iv", "v", "vi"][:n]]
    return [LETTERS[style].format(chr(96 + k)) for k in range(1, n + 1)]


@pytest.mark.parametrize("style", [*NUMBERS, *LETTERS])
@pytest.mark.parametrize("seed", range(5))
def test_inline_enumerations(style, seed):
    """A number or letter does not split a sentence by itself; where a sentence ends before it, it opens the
    next sentence and stays with it (docs/labelling.md §2.8)."""
    rng = random.Random(seed)
    items = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6))) for _ in range(rng.randint(2, 5))]
    marks = markers(style, len(items))
    # "must 1) hire": a bracket marks a number as a marker; "must: 1. hire": a full stop needs the colon
    intro = rng.choice(["The plan has these parts:", "Recommendations:"] + (["The trust must"] * ("." not in style)))
    # fragments inside one sentence: one sentence, whatever the case of the items
    capital = rng.random() < 0.5
    body = [(i.capitalize() if capital else i) for i in items]
    text = " ".join([intro, *(f"{m} {b}" for m, b in zip(marks, body))]) + "."
    assert sentences(text) == [text]
    # items that are sentences: one sentence each, the marker inside
    body = [i.capitalize() + "." for i in items]
    text = " ".join([intro, *(f"{m} {b}" for m, b in zip(marks, body))])
    assert sentences(text) == [f"{intro} {marks[0]} {body[0]}", *(f"{m} {b}" for m, b in zip(marks[1:], body[1:]))]


def test_inline_enumeration_from_the_issue():
    text = "The plan has three parts: 1) more staff, 2) better training and 3) new IT. It starts in May."
    assert sentences(text) == ["The plan has three parts: 1) more staff, 2) better training and 3) new IT.",
                               "It starts in May."]
    text = "The plan: 1.) Hire staff 2.) Train them 3.) Review in May. (See item 2.) Then it ends."
    assert sentences(text) == ["The plan: 1.) Hire staff 2.) Train them 3.) Review in May.", "(See item 2.)",
                               "Then it ends."]
    # a number that merely ends a sentence is no marker
    assert sentences("It was ranked 2. The council was 5. 25 people came.") == [
        "It was ranked 2.", "The council was 5.", "25 people came."]
    assert sentences("The scheme is Plan B. The council chose A. It was cheap.") == [
        "The scheme is Plan B.", "The council chose A.", "It was cheap."]


@pytest.mark.parametrize("bullet", ["•", "⁃", "▪", "◦", "‣"])
def test_inline_bullets_start_items(bullet):
    # pair 08, story-2, with its line breaks lost
    text = f"{FAILED_TO} {bullet} {ITEMS[0]} {bullet} {ITEMS[1]} The company was fined."
    assert sentences(text) == [FAILED_TO, f"{bullet} {ITEMS[0]}", f"{bullet} {ITEMS[1]}", "The company was fined."]
    text = f"Key findings {bullet} staff shortages {bullet} late medicines {bullet} Visible leaders"
    assert sentences(text) == ["Key findings", f"{bullet} staff shortages", f"{bullet} late medicines",
                               f"{bullet} Visible leaders"]
    # a bullet that is not a word of its own is text
    assert sentences(f"It is a{bullet}b test.") == [f"It is a{bullet}b test."]


def test_dashes_and_stars_inside_a_paragraph_split_nothing():
    text = "The issues - from recruitment to assessments - remain. It is 5 * 3 - 2 in all."
    assert sentences(text) == ["The issues - from recruitment to assessments - remain.", "It is 5 * 3 - 2 in all."]


@pytest.mark.parametrize("time", ["5 a.m.", "9.30 p.m.", "10 A.M.", "6 pm."])
def test_am_pm_before_a_capital(time):
    # the sentence so far is only a time phrase: what follows is its main clause
    for phrase in ("At", "Shortly after", "On Monday at", "From 9 a.m. to", "At around"):
        for rest in ("Mr. Smith said he heard a bang.", "Police were called.", "The alarm went off."):
            text = f"{phrase} {time} {rest}"
            assert sentences(text) == [text]
    # a clause came first: a new sentence, whatever starts it
    for rest in ("Mr. Smith said he heard a bang.", "Police were called.", "The police came.", "Councillors voted."):
        assert sentences(f"It started at {time} {rest}") == [f"It started at {time}", rest]
    # the time goes on
    for zone in ("GMT", "Monday", "London time", "New York time", "Eastern"):
        text = f"It starts at {time} {zone} and ends at noon."
        assert sentences(text) == [text]


def test_month_abbreviation_after_a_time_phrase():
    assert sentences("In Jan. The council voted. The review was completed in Jan. The findings were shared.") == [
        "In Jan. The council voted.", "The review was completed in Jan.", "The findings were shared."]
    assert sentences("He sat. Monday came.") == ["He sat.", "Monday came."]


@pytest.mark.parametrize("numero", ["No.", "NO.", "N°.", "Nº.", "Nos.", "N°s."])
def test_numero_before_numbers(numero):
    for place in ("The Prime Minister returned to {} 10 on Monday.", "{} 3 and 4 were closed.",
                  "It was ranked ({} 1) in the region."):
        text = place.format(numero) + " It rained."
        assert sentences(text) == [place.format(numero), "It rained."]
    assert sentences("“Will you resign?” “No. I will not.”") == ["“Will you resign?”", "“No.", "I will not.”"]


ELLIPSES = ["…", "...", ". . ."]


@pytest.mark.parametrize("dots", ELLIPSES)
def test_ellipsis_inside_a_sentence(dots):
    for text in (f"We were {dots} disappointed.", f"Wait{dots} the plan changed.", f"{dots} and then it stopped.",
                 f"He said: “{dots} And then it stopped.”", f"The trust {dots} Peterborough City Hospital improved.",
                 f"It rose {dots} 25 per cent.", f"“The trust [{dots}] has improved.”",
                 f"“The trust [{dots}] Peterborough City Hospital has improved,” she said.",
                 f"({dots}) The trust improved."):
        assert sentences(text) == [text], text


@pytest.mark.parametrize("dots", ELLIPSES)
def test_ellipsis_ending_a_sentence(dots):
    for first, second in ((f"We waited and waited{dots}", "Then the letter arrived."),
                          (f"He said: “We will see{dots}”", "Then he left."),
                          (f"I don’t know{dots}", "I mean, it’s hard."),
                          (f"The end{dots}", "“Then?”")):
        assert sentences(f"{first} {second}") == [first, second]
    assert sentences(f"It went on and on{dots}\nStaff left.") == [f"It went on and on{dots}", "Staff left."]
    # an ellipsis and a full stop
    stop = {"…": "….", "...": "....", ". . .": ". . . ."}[dots]
    assert sentences(f"It went on{stop} Staff left.") == [f"It went on{stop}", "Staff left."]
    # a bracketed elision after a sentence end stays with the next sentence
    text = f"“We are sorry. [{dots}] We will improve,” she said."
    assert sentences(text) == ["“We are sorry.", f"[{dots}] We will improve,” she said."]


EA_2006 = (  # pair 14, release: hard-wrapped, every paragraph opening with a short line
    "17-May-2006 - The Environment\nAgency has unreservedly apologised after work\nbeing carried out on its "
    "behalf by a contractor\nkilled hundreds of fish in a tributary of the\nRiver Exe in Somerset last year. "
    "The Agency was\nordered to pay a total of £8966 in fines\nand costs today at Exeter Crown Court.\n"
    "A 150 metre stretch of river\nwas affected around Friday, 2 September 2005 when\nwater containing "
    "concrete was pumped into the\nRiver Barle from a gauging station construction\nsite.\n"
    "The work was being done for\nthe Environment Agency by one of its national\ncontractors, May Gurney Ltd.\n"
    "Today Judge Jeremy Griggs heard\nhow the Environment Agency immediately instructed\nall work on the site "
    "to stop and investigated\nthe pollution.\n"
    "‘We have learned lessons and\nimproved our procedures and practices for managing\ncontractors.’\n"
    "Sentencing Judge Griggs said\nthat it was clearly very serious and the Agency\nwas ashamed and embarrassed."
)


def test_hard_wrapped_paragraphs_that_open_with_a_short_line():
    got = sentences(EA_2006)
    assert [" ".join(s.split()) for s in got] == [
        (
            "17-May-2006 - The Environment Agency has unreservedly apologised after work being carried out on its "
            "behalf by a contractor killed hundreds of fish in a tributary of the River Exe in Somerset last year."
        ),
        "The Agency was ordered to pay a total of £8966 in fines and costs today at Exeter Crown Court.",
        (
            "A 150 metre stretch of river was affected around Friday, 2 September 2005 when water containing "
            "concrete was pumped into the River Barle from a gauging station construction site."
        ),
        "The work was being done for the Environment Agency by one of its national contractors, May Gurney Ltd.",
        (
            "Today Judge Jeremy Griggs heard how the Environment Agency immediately instructed all work on the site "
            "to stop and investigated the pollution."
        ),
        "‘We have learned lessons and improved our procedures and practices for managing contractors.’",
        "Sentencing Judge Griggs said that it was clearly very serious and the Agency was ashamed and embarrassed.",
    ]
    assert len({s.para for s in segment(EA_2006)}) == 6


@pytest.mark.parametrize("seed", range(20))
def test_hard_wrapped_paragraphs_with_a_short_first_line(seed):
    """Paragraphs wrapped at a width, their first line cut short where the sentence visibly runs on (before a
    lowercase word, after a function word) or after a dateline: the same sentences as the unwrapped text."""
    rng = random.Random(4000 + seed)
    width = rng.randint(50, 78)
    paras = []
    for _ in range(rng.randint(3, 7)):
        words = [rng.choice(WORDS).lower() for _ in range(rng.randint(25, 45))]
        words[0] = words[0].capitalize()
        cut = rng.randint(2, 4)
        if rng.random() < 0.5:
            words[cut - 1] = rng.choice(["for", "the", "and", "of"])  # the short line ends with a function word
        paras.append((words, cut))
    if rng.random() < 0.5:
        paras[0][0][:0] = ["17-May-2006", "-"]  # a dateline opens the text
        paras[0] = (paras[0][0], 3)
    flat = "\n".join(" ".join(words) + "." for words, _ in paras)
    wrapped = "\n".join(" ".join(words[:cut]) + "\n" + wrap(" ".join(words[cut:]) + ".", width) for words, cut in paras)
    got = sentences(wrapped)
    assert [" ".join(s.split()) for s in got] == sentences(flat)


STANDING_ALONE = [
    # pair 01, release: an introducer ending with a comma
    [
        "Simon Entwisle, Director of Operations said,",
        (
            "“This is not the first and will not be the last monetary penalty issued by the ICO for unwanted "
            "marketing calls.”"
        ),
    ],
    # pair 11, release: an introducer ending with a colon
    [
        "Speaking today, they jointly said:",
        (
            "It is our job to keep North Yorkshire safe and we can only do that if you follow the instruction to "
            "stay at home, protect the NHS and save lives."
        ),
    ],
    # pair 04, story: a crosshead
    ["'Disappointed'", "The council said it was disappointed by the findings of the report."],
]


@pytest.mark.parametrize("lines", STANDING_ALONE, ids=["comma", "colon", "crosshead"])
def test_lines_that_stand_alone(lines):
    assert sentences("\n".join(lines)) == lines
    # inside a hard-wrapped block too, where they are short lines
    body = "The council has published the latest letter from Ofsted about its children's services, which says " \
           "that progress is being made but that improvement in social work practice has been too slow."
    text = "\n".join(wrap(part, 78) for part in [body, *lines])
    assert [" ".join(s.split()) for s in sentences(text)] == [body, *lines]


def test_name_lines_and_headline_stand_alone():
    # pair 11, release: the name lines of a joint statement; pair 05, release: a Title Case headline
    lines = ["Lisa Winward, Chief Constable of North Yorkshire Police",
             "Andrew Brodie, Chief Fire Officer of North Yorkshire Fire and Rescue Service",
             "Speaking today, they jointly said:"]
    assert sentences("\n".join(lines)) == lines
    lines = ["INVISTA Maitland Celebrates History and Announces Plans for the Future",
             "MAITLAND, Ontario, Canada (July 24, 2024) INVISTA announced its intention to invest."]
    assert sentences("\n".join(lines)) == lines
    assert sentences(lines[0] + "\n" + wrap(lines[1] * 3, 70))[0] == lines[0]


class CountingLetterSearch:
    """Stands in for the segmenter's letter regex and adds up the length of text each search may scan."""

    def __init__(self, pattern: re.Pattern):
        self.pattern, self.scanned = pattern, 0

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize):
        self.scanned += min(endpos, len(text)) - pos
        return self.pattern.search(text, pos, endpos)


@pytest.mark.parametrize("unit", ["a •", " •", " • a", "1. ", "x: 1. ", "a. b. c. ", "… ", "[…] ", "At 5 a.m. ",
                                  "ago.It ", "pens etc. Act ", "No. 1 ", "(a) "])
def test_hostile_runs_of_the_new_kinds_take_linear_work(unit, monkeypatch):
    """A text of thousands of bullets, markers, ellipses or abbreviations in one paragraph: every character
    is searched for a letter a bounded number of times (a run of letterless bullets is not searched again at
    every bullet), and the sentences keep the invariants."""
    import store.segment as segmenter

    counter = CountingLetterSearch(segmenter._LETTER)
    monkeypatch.setattr(segmenter, "_LETTER", counter)
    text = "Start " + unit * 20_000
    check_invariants(text, segment(text))
    assert counter.scanned <= 4 * len(text)
