"""Front matter: the block of keys that opens an article file, read with python-frontmatter.

YAML between ``---`` lines or TOML between ``+++`` lines, at the very start of the text and
closed within ``MAX_CHARS``. Every key is kept (``Header.meta``: JSON types only, every string
through ``clean``). A block that cannot be read stays in the text and ``Header.problem`` says
why, for sync's report; YAML that fails only because of a plain ``title: Council: budget set``
line (what pressmark read before it used a YAML parser) is read line by line, and said so.

python-frontmatter (and PyYAML under it) is imported only for a file that has such a block.
"""

from __future__ import annotations

import datetime
import functools
import math
import re
from typing import Any, NamedTuple

from store.cleaning import clean

MAX_CHARS = 64 * 1024  # front matter must end within this many characters
MAX_DEPTH = 32  # lists and tables nested deeper than this are not kept
MAX_SIZE = 2 * MAX_CHARS  # characters of strings (plus one per item) once YAML aliases are expanded

_KEY_LINE_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(.*)")


class Header(NamedTuple):
    meta: dict[str, Any]  # every key of the block, as written
    body: str  # the text after the block (the whole text when there is none, or it is not read)
    problem: str | None  # why the block was not read, or was read line by line


class _TooBig(Exception):
    pass


def split(text: str) -> Header:
    """The front matter of ``text`` (line breaks already LF) and the text after it."""
    first = text[: text.find("\n")] if "\n" in text else text
    kind = {"---": "YAML", "+++": "TOML"}.get(first.rstrip())
    if kind is None:
        return Header({}, text, None)
    handler = _handler(kind)
    head = text[:MAX_CHARS]
    if len(text) > MAX_CHARS:
        head = head[: head.rfind("\n") + 1]  # a line cut at the limit is no line
    try:
        block, rest = handler.split(head)
    except ValueError:  # not closed within MAX_CHARS: not front matter, the text is kept whole
        return Header({}, text, None)
    body = rest + text[len(head):]
    try:
        data = handler.load(block)
    except RecursionError:
        return Header({}, text, f"front matter not read ({kind} nested too deeply): kept as text")
    except Exception as exc:  # each parser has its own errors (yaml.YAMLError, tomllib.TOMLDecodeError)
        why = _why(exc)
        if kind == "YAML" and (lines := _key_lines(block)) is not None:
            return Header(lines, body, f"front matter is not valid YAML ({why}): read as 'key: value' lines")
        return Header({}, text, f"front matter is not valid {kind} ({why}): kept as text")
    if data is None:
        return Header({}, body, None)  # an empty block
    if not isinstance(data, dict):
        return Header({}, text, None)  # a line of prose between two rules, not keys: text like the rest
    try:
        return Header(_plain(data, [0], 0), body, None)
    except _TooBig as exc:
        return Header({}, text, f"front matter not read ({exc}): kept as text")


def _why(exc: Exception) -> str:
    """A parser's error in one short line. The block starts after the opening line's LF, with an empty
    line: tomllib's line numbers are the file's, PyYAML's (counted from 0) one less."""
    mark, problem = getattr(exc, "problem_mark", None), getattr(exc, "problem", None)
    if mark is not None and problem:
        return f"line {mark.line + 1}: {problem}"
    return " ".join(str(exc).split())[:200]


@functools.cache
def _handler(kind: str):
    """python-frontmatter's handler for ``kind``; for TOML its own needs the unmaintained ``toml``
    package, so this one is the same on the standard library's parser (TOML 1.0)."""
    from frontmatter.default_handlers import BaseHandler, YAMLHandler

    if kind == "YAML":
        return YAMLHandler()
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    class TOMLHandler(BaseHandler):
        FM_BOUNDARY = re.compile(r"^\+{3,}\s*$", re.MULTILINE)
        START_DELIMITER = END_DELIMITER = "+++"

        def load(self, fm: str) -> dict[str, Any]:
            return tomllib.loads(fm)

    return TOMLHandler()


def _key_lines(block: str) -> dict[str, str] | None:
    """``key: value`` lines (values optionally quoted), or None if any other line is in the block."""
    meta: dict[str, str] = {}
    for line in block.split("\n"):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _KEY_LINE_RE.fullmatch(line.rstrip())
        if m is None:
            return None
        meta.setdefault(m.group(1), clean(_unquote(m.group(2))))
    return meta


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r'\\(["\\])', r"\1", value[1:-1])
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    return value


def _plain(value: Any, size: list[int], depth: int) -> Any:
    """``value`` as JSON types: strings cleaned, dates in ISO 8601, keys as strings. ``size`` counts what
    has been made, so that a few lines of YAML aliases (a 'billion laughs') cannot expand to gigabytes."""
    size[0] += 1
    if size[0] > MAX_SIZE:
        raise _TooBig("too large once its aliases are expanded")
    if depth > MAX_DEPTH:
        raise _TooBig("nested too deeply")
    if isinstance(value, str):
        value = clean(value)
        size[0] += len(value)
        if size[0] > MAX_SIZE:
            raise _TooBig("too large once its aliases are expanded")
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # TOML's and YAML's nan and inf: JSON has no such number
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (datetime.date, datetime.time)):  # datetime is a date
        return value.isoformat()
    if isinstance(value, dict):
        return {_plain(k if isinstance(k, str) else str(k), size, depth + 1): _plain(v, size, depth + 1)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, size, depth + 1) for v in value]
    return _plain(str(value), size, depth + 1)  # YAML's binary, sets (!!set is a dict): their text
