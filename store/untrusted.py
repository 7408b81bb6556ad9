"""Reading files pressmark did not write, with bounded memory: lines, CSV fields and JSON values of bounded
size and depth, and typed fields.

Every limit is a constant here; a file that breaks one is refused with its line number (or, where the
rest of the file can still be read, the one line or value is reported and skipped), never a traceback
and never read whole. See docs/robustness.md, section 10.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from store.errors import StoreError

# One line of JSONL, CSV field or JSON value: three times the largest article `sync` reads by default
# (20 MB), so a whole article's text with its annotations fits, and a hostile file costs at most this.
MAX_RECORD = 64 * 1024 * 1024
MAX_DEPTH = 32  # JSON nesting: a W3C Annotation needs 5 levels, a JSONL record 3
MAX_DIGITS = 30  # a JSON integer with more digits is refused before Python converts it
MAX_NUMBER = 2**31 - 1  # sentence numbers and offsets: beyond any article, well inside SQLite's integers
PREFIX = 64 * 1024  # what format detection reads
CHUNK = 64 * 1024

_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
# Everything up to the next bracket outside a string (or an unfinished string's opening quote).
_SKIP = re.compile(rf'(?:[^"\[\]{{}}]+|{_STRING.pattern})*', re.S)
_SCALAR = re.compile(r'[^ \t\n\r,:\[\]{}"]*')
_SURROGATE = re.compile("[\ud800-\udfff]")


def size_text(chars: int) -> str:
    return f"{chars // (1024 * 1024)} MiB" if chars >= 1024 * 1024 else f"{chars:,} characters"


# --------------------------------------------------------------------------- files and lines


def prefix(path: Path) -> tuple[str, bool]:
    """The first ``PREFIX`` bytes of the file as text, and whether that is the whole file; a binary (NUL
    bytes) or non-UTF-8 file is refused here, before anything else reads it."""
    try:
        with open(path, "rb") as f:
            data = f.read(PREFIX)
    except OSError as exc:
        raise StoreError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if b"\0" in data:
        raise StoreError(f"{path}: a binary file (it has NUL bytes; UTF-16 is not read either), not an export")
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(data, final=len(data) < PREFIX), len(data) < PREFIX
    except UnicodeDecodeError:
        raise StoreError(f"{path}: not a UTF-8 text file") from None


def lines(f: IO[str], limit: int = MAX_RECORD) -> Iterator[tuple[int, str | None]]:
    """(number, line) for each line of ``f``; a line longer than ``limit`` is read past in chunks and given
    as None, so no line is ever held whole."""
    number = 0
    while line := f.readline(limit + 1):
        number += 1
        if len(line) > limit and not line.endswith("\n"):
            while (rest := f.readline(CHUNK)) and not rest.endswith("\n"):
                pass
            line = None
        yield number, line


@contextmanager
def csv_fields(limit: int):
    """The csv module's field limit (one setting for the whole process) at ``limit`` for a while."""
    old = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def csv_problem(exc: csv.Error, limit: int) -> str:
    """What a ``csv.Error`` means, in words."""
    return f"a field is longer than {size_text(limit)}" if "field limit" in str(exc) else f"not CSV ({exc})"


# --------------------------------------------------------------------------- typed fields


def whole(value: object, name: str, low: int) -> int:
    """``value`` if it is a whole number from ``low`` to ``MAX_NUMBER``; ValueError saying why not."""
    if value is None or value == "":
        raise ValueError(f"no {name}")
    if type(value) is not int:  # not bool, not float (1e400 is a float: inf), not a numeric string
        raise ValueError(f"{name} is not a whole number")
    if not low <= value <= MAX_NUMBER:
        raise ValueError(f"{name} is out of range ({low} to {MAX_NUMBER})")
    return value


def string(value: object, name: str) -> str | None:
    """``value`` if it is None or a string SQLite can store (no unpaired surrogate); ValueError otherwise."""
    if value is None or isinstance(value, str) and not _SURROGATE.search(value):
        return value
    raise ValueError(f"{name} is not a string" if not isinstance(value, str) else f"{name} has an unpaired surrogate")


# --------------------------------------------------------------------------- JSON


class JsonError(ValueError):
    """A JSON text that cannot be read: malformed, too deep, too long. ``line`` is where (1 = the first)."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


def _constant(name: str) -> None:
    raise ValueError(f"{name} is not a number in JSON")


def _integer(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_DIGITS:
        raise ValueError(f"an integer of {len(digits)} digits")
    return int(digits)


_DECODER = json.JSONDecoder(parse_constant=_constant, parse_int=_integer)


class JsonReader:
    """Reads a JSON text from ``f`` one value at a time (``value``), or structure by structure (``peek``,
    ``take``), holding one value at most: each at most ``MAX_RECORD`` characters and ``MAX_DEPTH``
    levels deep, checked while it is read, before it is decoded. NaN, Infinity and integers over
    ``MAX_DIGITS`` digits are not JSON. Errors are ``JsonError``s with the line they are on."""

    def __init__(self, f: IO[str], limit: int = MAX_RECORD, depth: int = MAX_DEPTH):
        self.f, self.limit, self.depth = f, limit, depth
        self.buf, self.pos, self.line, self.eof = "", 0, 1, False
        self.size = 0  # characters of the last value read

    def error(self, message: str, at: int | None = None) -> JsonError:
        return JsonError(message, self.line + self.buf.count("\n", self.pos, self.pos if at is None else at))

    def _more(self, start: int) -> bool:
        """Read on (as much again as the value begun at ``start`` holds, so a long one costs O(n)); False at
        the end of the file."""
        if len(self.buf) - start > self.limit:
            raise self.error(f"a value longer than {size_text(self.limit)}")
        chunk = "" if self.eof else self.f.read(max(CHUNK, len(self.buf) - start))
        self.eof = not chunk
        self.buf += chunk
        return bool(chunk)

    def _advance(self, to: int) -> None:
        self.line += self.buf.count("\n", self.pos, to)
        self.pos = to

    def peek(self) -> str:
        """The next character that is not white space ('' at the end of the file); it is not consumed."""
        while True:
            self._advance(_WS.match(self.buf, self.pos).end())
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            self.buf, self.pos = "", 0
            if not self._more(0):
                return ""

    def take(self, chars: str) -> str:
        """Consume the next character, which must be one of ``chars``."""
        found = self.peek()
        if not found or found not in chars:
            raise self.error(f"not valid JSON (expected {' or '.join(chars)}, found {found!r})" if found else
                             "not valid JSON (the file ends too soon)")
        self._advance(self.pos + 1)
        return found

    def _end(self) -> int:
        """Where the value at ``pos`` ends, reading on as needed."""
        start = at = self.pos
        if self.buf[start] == '"':
            while not (m := _STRING.match(self.buf, start)):
                if not self._more(start):
                    raise self.error("not valid JSON (the file ends inside a string)")
            return m.end()
        if self.buf[start] not in "[{":  # a number, true, false or null
            while (end := _SCALAR.match(self.buf, start).end()) == len(self.buf) and self._more(start):
                pass
            if end == start:
                raise self.error(f"not valid JSON (unexpected {self.buf[start]!r})")
            return end
        depth = 0
        while True:
            at = _SKIP.match(self.buf, at).end()
            if at == len(self.buf) or self.buf[at] == '"':  # the text read so far ends (inside a string)
                if not self._more(start):
                    raise self.error("not valid JSON (the file ends inside a value)", at)
                continue
            if self.buf[at] in "[{":
                depth += 1
                if depth > self.depth:
                    raise self.error(f"nested more than {self.depth} deep", at)
            else:
                depth -= 1
            at += 1
            if depth == 0:
                return at

    def value(self) -> object:
        """The next JSON value, decoded."""
        if not self.peek():
            raise self.error("not valid JSON (the file ends too soon)")
        end = self._end()
        try:
            value = _DECODER.decode(self.buf[self.pos:end])
        except json.JSONDecodeError as exc:
            raise JsonError(f"not valid JSON ({exc.msg})", self.line + exc.lineno - 1) from None
        except ValueError as exc:  # from the hooks
            raise self.error(f"not valid JSON ({exc})") from None
        self.size = end - self.pos
        self._advance(end)
        if self.pos >= CHUNK:  # let go of what has been read
            self.buf, self.pos = self.buf[self.pos:], 0
        return value

    def array(self) -> Iterator[tuple[int, object]]:
        """(line, item) for each item of the array that comes next, read one at a time."""
        self.take("[")
        if self.peek() == "]":
            self.take("]")
            return
        while True:
            self.peek()
            line = self.line
            yield line, self.value()
            if self.take(",]") == "]":
                return

    def document(self) -> object:
        """The one value the whole text holds."""
        value = self.value()
        if self.peek():
            raise self.error("not valid JSON (more after the end of the value)")
        return value
