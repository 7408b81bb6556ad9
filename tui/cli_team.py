"""Team commands: merge, agree, import, tags (issue 9)."""

from __future__ import annotations
