"""Words as store.align compares them: found, normalised (case, apostrophes, accents), stemmed to match
keys (light stemming, British/American spellings, irregular forms), and the stop words, job titles and number
words that are no evidence of reuse. Pure standard library; ``store.derived.shingles`` and the alignment
benchmark read words the same way.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "NUMBER_KEYS", "STOP_KEYS", "STOP_WORDS", "TITLE_KEYS", "TITLE_WORDS", "WORD", "WORDS_BETWEEN", "YEAR",
    "normalise", "normalised_words", "stem",
]

WORD = re.compile(r"[^\W_]+(?:['’ʼ][^\W_]+)*")
WORDS_BETWEEN = re.compile(f"({WORD.pattern})")
_APOSTROPHES = str.maketrans("", "", "'’ʼ")

# Function words, reporting verbs and light verbs: they never count as evidence of reuse.
STOP_WORDS = frozenset(
    """a about above after again against all also although am among an and any are as at be because been
    before being below between both but by can could did do does doing down during each either else even
    ever every few for from further had has have having he her here hers herself him himself his how i if
    in into is it its itself just least less let many may me might more most much must my myself neither
    no nor not now of off on once one only onto or other our ours ourselves out over own per rather same
    she should since so some such than that the their theirs them themselves then there these they this
    those though through to too under until up upon us very via was we were what when where whether which
    while whilst who whom whose why will with within without would yet you your yours yourself
    said says say saying added adds told tells according
    take took taken takes taking make made makes making get got gets getting give gave given gives giving
    put puts putting come came comes coming go goes went gone going""".split()
)
def normalise(word: str) -> str:
    word = word.casefold().translate(_APOSTROPHES)
    if not word.isascii():
        word = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    return word


def normalised_words(text: str) -> list[str]:
    """The words of ``text`` as they are compared (see the module docstring)."""
    cache: dict[str, str] = {}
    out = []
    for w in WORD.findall(text):
        n = cache.get(w)
        if n is None:
            n = cache[w] = normalise(w)
        out.append(n)
    return out


# Job titles: like capitalised words, they make a match a name or title, which is no evidence of reuse.
TITLE_WORDS = frozenset(
    """chief executive director officer manager commissioner constable inspector superintendent sergeant
    detective president chair chairman chairwoman chairperson councillor cllr mayor minister secretary
    spokesperson spokesman spokeswoman deputy professor prof dr mr mrs ms sir dame lord lady ceo
    headteacher""".split()
)
# Irregular forms and the base form they match ("has recognised" / "have recognised", "knew" / "know").
_IRREGULAR = {form: base for base, forms in {
    "be": "am is are was were been being", "have": "has had having", "do": "does did done doing",
    "say": "says said saying", "go": "goes went gone going", "know": "knew known knows knowing",
    "give": "gave given gives giving", "take": "took taken takes taking", "make": "made makes making",
    "find": "found finds finding", "lead": "led leads leading", "tell": "told tells telling",
    "see": "saw seen sees seeing", "get": "got gotten gets getting", "come": "came comes coming",
    "hold": "held holds holding", "pay": "paid pays paying", "keep": "kept keeps keeping",
    "meet": "met meets meeting", "bring": "brought brings bringing", "buy": "bought buys buying",
    "think": "thought thinks thinking", "begin": "began begun begins beginning",
    "break": "broke broken breaks breaking", "write": "wrote written writes writing",
    "rise": "rose risen rises rising", "fall": "fell fallen falls falling", "grow": "grew grown grows growing",
    "show": "showed shown shows showing", "speak": "spoke spoken speaks speaking",
    "spend": "spent spends spending", "build": "built builds building", "send": "sent sends sending",
    "feel": "felt feels feeling", "lose": "lost loses losing", "win": "won wins winning",
    "run": "ran runs running", "sell": "sold sells selling", "stand": "stood stands standing",
    "hear": "heard hears hearing", "spring": "sprang sprung springs springing",
    "undergo": "underwent undergone undergoes undergoing", "child": "children childrens",
    "person": "people peoples", "man": "men", "woman": "women", "use": "used uses using",
}.items() for form in forms.split()}


_VOWEL = re.compile("[aeiouy]")
_OUR = re.compile("(?<=[a-z]{3})our(?=$|hood|it|abl|ful|les|er|ism)")


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """The match key of a normalised word (see :func:`normalised_words`), for sentence pairs.

    Light and conservative: an irregular form becomes its base form, then the endings -s, -es,
    -ies, -ed, -ied and -ing, a doubled final consonant and a final -e are dropped, and British and
    American spellings meet (-ise/-ize, -yse/-yze, -isation/-ization, -our/-or, -re/-er, -mme/-m).  Not a
    linguist's stem: it only has to give the variants of one word the same key and two different
    words rarely the same one.  Digits and words of three letters or fewer are left alone.
    """
    word = _IRREGULAR.get(word, word)
    if len(word) <= 3 or not word.isalpha():
        return word
    s = word
    if s.endswith(("ies", "ied")) and len(s) > 4:
        s = s[:-3] + "y"
    elif s.endswith("s") and not s.endswith(("ss", "us", "is")):
        s = s[:-1]
    if s.endswith("ing") and len(s) >= 6 and _VOWEL.search(s, 0, len(s) - 3):
        s = s[:-3]
    elif s.endswith("ed") and len(s) >= 5 and _VOWEL.search(s, 0, len(s) - 2):
        s = s[:-2]
    if len(s) >= 4 and s[-1] == s[-2] and s[-1] not in "aeiosz":
        s = s[:-1]
    if s.endswith("mme"):
        s = s[:-2]  # programme/program
    while s.endswith("e") and len(s) >= 4:
        s = s[:-1]
    s = s.replace("ization", "isation")
    if s.endswith(("iz", "yz")):
        s = s[:-1] + "s"
    if s.endswith(("ter", "ber")) and len(s) >= 5:
        s = s[:-2] + "r"  # centre/center (and, harmlessly, water -> watr)
    return _OUR.sub("or", s)  # colour/color, neighbourhood/neighborhood, favourite/favorite


STOP_KEYS = frozenset(map(stem, STOP_WORDS))
TITLE_KEYS = frozenset(map(stem, TITLE_WORDS))
# Figures: numbers (but not years, which are dates) and the words for them.
NUMBER_KEYS = frozenset(map(stem, """two three four five six seven eight nine ten eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred
    thousand million billion trillion dozen""".split()))
YEAR = re.compile(r"(19|20)\d\d")
