"""``pressmark suggest``: rule-based tag suggestions (issue 8)."""

from __future__ import annotations
