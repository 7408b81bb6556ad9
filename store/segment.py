"""Sentence segmentation with character offsets (placeholder: being rewritten)."""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence as offsets into the stored text: ``text[start:end]`` is the sentence."""

    start: int
    end: int
    para: int  # 1-based paragraph number


def segment(text: str) -> list[Sentence]:
    out = []
    para = 0
    for m in re.finditer(r"[^\n]+", text):
        para += 1
        for s in re.finditer(r"\S[^.!?]*[.!?]*", m.group()):
            if any(c.isalpha() for c in s.group()):
                out.append(Sentence(m.start() + s.start(), m.start() + s.end(), para))
    return out
