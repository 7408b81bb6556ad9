"""What text is once stored: :func:`clean` removes terminal escape sequences, control characters and invisible
bidi/zero-width characters from untrusted text, once, before any offset exists (``store.files``, imports, notes).

Pure standard library: never import textual or rich from this module.
"""
from __future__ import annotations

import re
import unicodedata

_CHUNK = 64 * 1024  # characters of lines stripped at a time

# Whole terminal escape sequences, 7-bit (ESC-introduced) and 8-bit (C1) forms.
# String payloads may not contain a newline, so an unterminated OSC/DCS cannot eat
# whole paragraphs: its introducer is then removed by the two-character rule and the
# payload stays as visible, harmless text.
_ESCAPE_RE = re.compile(
    r"""
      (?:\x1b\[|\x9b) [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]          # CSI ... final byte
    | (?:\x1b\]|\x9d) [^\x07\x1b\x9c\n]* (?:\x07|\x1b\\|\x9c)        # OSC ... BEL or ST
    | (?:\x1b[PX^_]|[\x90\x98\x9e\x9f]) [^\x1b\x9c\n]* (?:\x1b\\|\x9c)  # DCS SOS PM APC ... ST
    | \x1b [\x20-\x2f]* [\x30-\x7e]                                   # ESC x, ESC ( B, ...
    """,
    re.VERBOSE,
)

# C0 except \t and \n (\r is gone by then), DEL, C1; bidi controls; zero-width
# characters (including U+FEFF, a BOM in the middle of the text); lone surrogates are
# handled separately (replaced, not removed).
_REMOVE_RE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"
    "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
    "\u200b\u200c\u200d\u2060\ufeff]+"
)
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_BLANK_LINES_RE = re.compile(r"\n{3,}")
# Any character that steps 1-4 of clean() remove or replace (the escape sequences start with one).
_SPECIAL_RE = re.compile("[\r\u2028\u2029\x00-\x08\x0b-\x1f\x7f-\x9f"
                         "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b\u200c\u200d\u2060\ufeff"
                         "\ud800-\udfff]")


def clean(text: str) -> str:
    """Return the text as it is stored; every offset refers to this result.

    In order:

    1. CRLF and lone CR become LF; U+2028 LINE SEPARATOR becomes LF and U+2029
       PARAGRAPH SEPARATOR a blank line, so ``"\\n"`` is the only line break.
    2. Terminal escape sequences are removed as whole sequences: CSI
       (``ESC [ ... final``), OSC (``ESC ] ... BEL`` or ``... ESC \\``, which covers
       OSC 8 hyperlinks and OSC 52 clipboard writes), DCS/SOS/PM/APC
       (``ESC P/X/^/_ ... ESC \\``), two-character ``ESC x`` forms (with
       intermediate bytes, e.g. ``ESC ( B``) and the 8-bit C1 forms (``\\x9b`` CSI,
       ``\\x9d`` OSC, ``\\x90`` DCS, ... ended by ``\\x9c`` ST).
    3. Every remaining C0 control except ``\\n`` and ``\\t``, DEL and C1
       (U+0080-U+009F) is removed, so nothing can reach the terminal as a control.
    4. Bidi controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C) are
       removed: they reorder what is displayed without being visible (a "Trojan
       Source" risk in a tool whose point is to show what a text really says).
       Zero-width characters (U+200B, U+200C, U+200D, U+2060, U+FEFF) are removed
       too: they are invisible, break searching and duplicate detection and hide
       differences. The cost is accepted: emoji ZWJ sequences fall apart into
       their parts and ZWNJ in e.g. Persian loses its (minor) shaping effect.
       Lone surrogates become U+FFFD so the text can always be encoded as UTF-8.
    5. Unicode NFC (after the removals, so that a combining mark separated from
       its base by a removed sequence still composes).
    6. Trailing whitespace is stripped from every line, runs of three or more
       line breaks become exactly one blank line (a blank line and a single line
       break are both kept: they mean different things), and leading/trailing
       whitespace of the whole text is stripped. Tabs and indentation are kept.

    Text that looks like markup (``[bold red]x[/]``, ``[@click=app.quit]q[/]``) is
    ordinary text and is kept literally.
    """
    if _SPECIAL_RE.search(text):  # steps 1-4 change nothing in most texts: one scan tells
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if "\u2028" in text or "\u2029" in text:
            text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
        text = _ESCAPE_RE.sub("", text)
        text = _REMOVE_RE.sub("", text)
        text = _SURROGATE_RE.sub("\ufffd", text)
    text = unicodedata.normalize("NFC", text)
    text = _rstrip_lines(text)
    if "\n\n\n" in text:
        text = _BLANK_LINES_RE.sub("\n\n", text)
    return text.strip()


def _rstrip_lines(text: str) -> str:
    """Strip trailing whitespace from every line, a chunk of lines at a time: one list of all the
    lines of a file of 9 million short lines would take a gigabyte. (A regular expression for the
    trailing whitespace would be quadratic on a long run of spaces that no line break ends.)"""
    if len(text) <= _CHUNK:
        return "\n".join(map(str.rstrip, text.split("\n")))
    parts, pos = [], 0
    while True:
        end = text.find("\n", pos + _CHUNK)
        parts.append("\n".join(map(str.rstrip, text[pos : None if end < 0 else end].split("\n"))))
        if end < 0:
            return "\n".join(parts)
        pos = end + 1
