"""How pressmark writes a figure for people: a share as a percentage, a size in bytes, KB or MB."""
from __future__ import annotations


def percent(share: float | None) -> str:
    """``0.1234`` as ``12.3%``; ``n/a`` when there is no figure (no units to agree on)."""
    return "n/a" if share is None else f"{share * 100:.1f}%"


def format_size(size: int) -> str:
    if size >= 100 * 1024:
        return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    if size >= 1024:
        return f"{size / 1024:.1f}".removesuffix(".0") + " KB"
    return f"{size} bytes"
