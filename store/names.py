"""Names people give (annotators, tags): checked where they enter, and shown so they cannot drive a terminal.

A name is printed in tables, status lines and headers, so it must be one line of
characters that show as themselves: :func:`check_annotator` and
:func:`check_tag_name` refuse anything else with a one-line ``StoreError`` that
says what is wrong. Names (and notes, cue notes, titles) that entered before these
checks, or from another database, are shown through :func:`reveal`.

Pure standard library: never import textual or rich from this module.
"""
from __future__ import annotations

import re

from store.errors import StoreError

ANNOTATOR_MAX = 64
TAG_NAME_MAX = 40
# What a spreadsheet runs as a formula when a cell starts with it (CSV cells, tag names that head CSV columns).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Characters that must never reach a terminal from data: C0 controls, DEL, C1 (U+0080-U+009F, 8-bit
# CSI/OSC among them), bidi controls and marks, zero-width and other invisible format characters,
# line and paragraph separators, lone surrogates, and the invisible "tag" characters U+E0000-U+E007F.
_HIDDEN = ("\x00-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff"
           "\ud800-\udfff\U000e0000-\U000e007f")
_HIDDEN_RE = re.compile(f"[{_HIDDEN}]")
_BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _escape(char: str) -> str:
    """The JSON escape of one character (``\\u001b``): visible, and valid inside a JSON string."""
    code = ord(char)
    if code > 0xFFFF:  # a surrogate pair, as JSON writes characters beyond the BMP
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def reveal(text: str, keep: str = "") -> str:
    """``text`` with every hidden character (see ``_HIDDEN``) but those in ``keep`` shown as its escape.

    ``"ann\\x1b]52;c;SGVsbG8=\\x07"`` becomes ``ann\\u001b]52;c;SGVsbG8=\\u0007``: the name is
    still readable, and the terminal receives no control. ``keep="\\n\\t"`` keeps line breaks and
    tabs (for notes and multi-line data). Everything else (accents, no-break spaces, emoji) is kept.
    """
    if not _HIDDEN_RE.search(text):
        return text
    return _HIDDEN_RE.sub(lambda m: m.group() if m.group() in keep else _escape(m.group()), text)


def escape_json(text: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)``) with every hidden character escaped.

    Outside strings JSON has only ASCII and whitespace, and inside them ``\\uXXXX`` is the same
    character, so the result parses to the same data; only a terminal sees the difference.
    """
    return reveal(text, keep="\n")


def _problem(name: str) -> str | None:
    """What makes ``name`` unprintable, naming the first such character; None if nothing does."""
    import unicodedata

    for char in name:
        if char.isprintable() or char == " ":
            continue
        code = f"U+{ord(char):04X}"
        if char in _BIDI:
            return f"a bidi control ({code})"
        kind = unicodedata.category(char)
        if kind == "Cc":
            return f"a control character ({code})"
        if kind == "Cf":
            return f"an invisible formatting character ({code})"
        return f"a character that does not print as itself ({code})"
    return None


def _check(name: str, what: str, limit: int) -> None:
    if not name:
        raise StoreError(f"the {what} needs a name")
    if problem := _problem(name):
        raise StoreError(f"{what} name {name!r} contains {problem}: names must be printable")
    if len(name) > limit:
        raise StoreError(f"{what} names are at most {limit} characters ({name[:20]!r}… has {len(name)})")
    if name != name.strip() or "  " in name:
        raise StoreError(f"{what} name {name!r}: a name cannot start or end with spaces or have two in a row")


def check_annotator(name: str) -> str:
    """``name`` if it can name an annotator (printable, one line, at most ``ANNOTATOR_MAX`` characters)."""
    _check(name, "annotator", ANNOTATOR_MAX)
    return name


def check_tag_name(name: str) -> str:
    """``name`` if it can name a tag: as an annotator's, and not starting like a spreadsheet formula
    (tag names head columns of ``pressmark list --format csv``)."""
    _check(name, "tag", TAG_NAME_MAX)
    if name.startswith(FORMULA_STARTS):
        raise StoreError(f"tag name {name!r} starts with {name[0]!r}, which a spreadsheet would run as a formula")
    return name
