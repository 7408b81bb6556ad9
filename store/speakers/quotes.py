"""Quotations: which parts of each sentence are quoted, and which quotation each part belongs to.

Every quote style is read: “…”, ‘…’, "…", '…' (and „…“, a misused ” or ’ as an opening mark). Single
marks are told apart from apostrophes by position: an opening mark stands at the start of a word (after
a space, a bracket, a dash or the start of the sentence), a closing mark at the end of one (before a
space or punctuation); a mark between two letters (council’s, don't) is an apostrophe, and ’ closes only
a quotation that ‘ or ' opened. Inside a quotation the other style is a nested quotation, not a new one.

A quotation runs over sentences and paragraphs. At a new paragraph an open quotation goes on when the
paragraph opens with a quote mark (the British convention: no closing mark at the end of the inner
paragraphs, a fresh opening mark on each) or with a lower-case word (a line break that only wraps the
text), and ends otherwise, so an unclosed quotation or a stray mark never runs past its paragraph. One
pass over the marks: linear in the text.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

__all__ = ["Piece", "scan"]

_MARK_RE = re.compile(r"[“”„‟\"‘’']")
_LEFT_EDGE = set("([{—–-/“‘\"'") | {"\x00"}  # a mark after these (or a space) opens
_RIGHT_EDGE = set(".,;:!?)]}—–-…”’\"'")  # a mark before these (or a space) closes


class Piece(NamedTuple):
    """Part of a sentence: text[start:end], quoted or not; ``quote`` numbers the quotation (-1 when not quoted)."""

    start: int
    end: int
    quote: int


def _classify(text: str, i: int, style: str | None, sentence_start: int) -> str:
    """What the mark at ``i`` does given the open quotation's style: open, close, reopen or nothing."""
    ch = text[i]
    before = text[i - 1] if i > sentence_start else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    left = before.isspace() or before in _LEFT_EDGE
    right = after.isspace() or after in _RIGHT_EDGE
    double = ch in "“”„‟\""
    if style is not None and double != (style == '"'):
        return ""  # the other style inside a quotation: nested, part of it
    if ch in "“„‟":
        return "reopen" if style else "open"
    if ch == "”":
        if style:
            return "close"
        return "open" if left and not right else ""  # a misused ” opening a paragraph; else stray
    if ch == '"':
        if style:
            return "reopen" if left and not right else "close"
        return "" if right and not left else "open"
    if before.isalnum() and after.isalnum():
        return ""  # an apostrophe: council’s, don't
    if ch == "‘":
        return ("reopen" if style else "open") if left else ""
    if style:  # ’ or ' inside a single-quoted quotation
        if right and not left:
            if before == "s" and after == " " and text[i + 2:i + 3].islower() and text.find(ch, i + 1, i + 1000) >= 0:
                return ""  # "the parents’ views …’": a plural possessive, when a mark soon after can close
            return "close"
        return "reopen" if left and not right and ch == "'" else ""
    return "open" if left and not right and after.isalpha() and (ch == "'" or after.isupper()) else ""


def scan(text: str, sentences: Sequence) -> list[list[Piece]]:
    """Per sentence (``start``, ``end``, ``para``), its pieces in order; quote marks themselves belong to none."""
    out: list[list[Piece]] = []
    style: str | None = None  # the open quotation's style, '"' or "'"
    number = -1
    para = None
    for s in sentences:
        start, end = s.start, s.end
        if s.para != para and style is not None:
            first = text[start] if start < end else ""
            if not first.islower() and _classify(text, start, style, start) != "reopen":
                style = None  # the paragraph does not reopen it (nor go on with a lower-case word): it ended
        para = s.para
        pieces: list[Piece] = []
        cursor = start
        for m in _MARK_RE.finditer(text, start, end):
            i = m.start()
            action = _classify(text, i, style, start)
            if not action:
                continue
            if action == "open":
                if i > cursor:
                    pieces.append(Piece(cursor, i, -1))
                number += 1
                style = '"' if m[0] in "“”„‟\"" else "'"
            elif action == "close":
                pieces.append(Piece(cursor, i, number))
                style = None
            elif i > cursor:  # reopen: the same quotation goes on
                pieces.append(Piece(cursor, i, number))
            cursor = i + 1
        if cursor < end:
            pieces.append(Piece(cursor, end, number if style else -1))
        out.append(_merged(text, pieces))
    return out


def _merged(text: str, pieces: list[Piece]) -> list[Piece]:
    """Neighbours of the same quotation joined; pieces without a letter or digit dropped."""
    merged: list[Piece] = []
    for piece in pieces:
        if not any(ch.isalnum() for ch in text[piece.start:piece.end]):
            continue
        if merged and merged[-1].quote == piece.quote:
            merged[-1] = Piece(merged[-1].start, piece.end, piece.quote)
        else:
            merged.append(piece)
    return merged
