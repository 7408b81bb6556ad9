"""Reading article files from disk: decoding, front matter or web page, title, cleaned text.

This is the single place where untrusted bytes become stored text. Everything
downstream (sentence offsets, SQLite, the TUI) works on the string returned by
``store.cleaning.clean``, so terminal escape sequences, control characters and invisible
bidi/zero-width characters are removed here, once, before any offset exists.

Pure standard library: never import textual or rich from this module.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from store.cleaning import clean
from store.figures import format_size
from store.front_matter import split
from store.html import html_to_text
from store.segment import segment
from store.webpage import read_page

__all__ = [
    "MAX_SIZE",
    "ARTICLE_SUFFIXES",
    "Skipped",
    "ArticleText",
    "decode",
    "clean",
    "html_to_text",
    "parse_article",
    "read_article",
    "find_article_files",
]

MAX_SIZE = 20 * 1024 * 1024
ARTICLE_SUFFIXES = (".txt", ".md", ".html", ".htm")

_HTML_SUFFIXES = (".html", ".htm")
_TITLE_MAX = 200  # hard cap for any title (front matter titles can be anything)
_HEADLINE_MAX = 120  # a first line longer than this is not a headline
_SENTENCE_TITLE_MAX = 80  # first-sentence fallback is cut to about this many characters
_SEGMENT_PREFIX = 4000  # characters given to the segmenter when looking for a title


class Skipped(Exception):
    """A file that cannot be imported.

    ``str(exc)`` and ``exc.reason`` are the same short, single-line reason meant for
    the user (e.g. ``"binary file (PNG image)"``). The reason never contains the path.
    """

    reason: str

    def __init__(self, reason: str) -> None:
        reason = " ".join(str(reason).split()) or "skipped"
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ArticleText:
    text: str  # cleaned text: offsets of sentences refer to this
    title: str  # single line, cleaned, non-empty
    source: str | None  # front matter `source`, or the web page's site name (else None)
    date: str | None  # front matter `date` (a YAML or TOML date in ISO 8601), or the page's YYYY-MM-DD
    encoding: str  # "utf-8", "utf-8-sig", "utf-16", "utf-32", "cp1252" or "latin-1"
    sha256: str  # hex sha256 of ``text`` encoded as UTF-8
    meta: str | None = None  # JSON object: every key of the front matter, or what a web page says of itself
    extractor: str | None = None  # web pages: store.webpage.TRAFILATURA or WHOLE_PAGE (no article found)
    warning: str | None = None  # for sync's report: why the front matter was not read (or only line by line)


# --------------------------------------------------------------------------- decoding

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"PK\x05\x06", "ZIP archive"),
    (b"PK\x07\x08", "ZIP archive"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"\x1f\x8b", "gzip archive"),
    (b"\x7fELF", "ELF executable"),
    (b"SQLite format 3\x00", "SQLite database"),
)

# Longest BOMs first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def decode(data: bytes) -> tuple[str, str]:
    """Decode file contents, returning ``(text, encoding)``.

    * A UTF-32 or UTF-16 byte order mark selects that codec (the BOM is dropped).
    * Otherwise UTF-8 (``"utf-8-sig"`` when it starts with a UTF-8 BOM, which is
      dropped), then cp1252, then latin-1, which always succeeds.

    Raises :class:`Skipped` for binary data: a known magic header (PNG, PDF, ZIP,
    GIF, JPEG, ...) or NUL bytes in data that has no UTF-16/32 BOM. The text is
    *not* cleaned; pass it through :func:`clean`.
    """
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise Skipped(f"binary file ({kind})")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            # The BOM declares the encoding; damaged code units become U+FFFD.
            return data.decode(codec, errors="replace"), codec
    if b"\x00" in data:
        raise Skipped("binary file (NUL bytes)")
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


# --------------------------------------------------------------------------- cleaning

_UNSAFE_NAME_RE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff\\\\]")


def safe_name(name: str) -> str:
    """A file name as pressmark stores and shows it: bytes that are not UTF-8 and every
    control, bidi or invisible character become visible escapes (``\\x1b``, ``\\u202e``),
    so a name can never drive the terminal. Backslashes are escaped too, which keeps the
    mapping one-to-one: the same name always gives the same stored name."""
    name = _UNSAFE_NAME_RE.sub(lambda m: "\\\\" if m.group() == "\\" else repr(m.group())[1:-1], name)
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _one_line(text: str) -> str:
    """Clean ``text`` and fold it to a single line with single spaces."""
    return " ".join(clean(text).split())


# --------------------------------------------------------------------------- titles

_OPENING_QUOTES = "\"'“‘«„‚‹`"
_CLOSING = "\"'”’»›)]"
_NOT_HEADLINE_END = ".?!,;:…"
_MD_HEADING_RE = re.compile(r"#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*")


def _cap(title: str, limit: int) -> str:
    """Cut ``title`` to about ``limit`` characters at a word boundary, adding '…'."""
    if len(title) <= limit:
        return title
    cut = title[:limit]
    if not title[limit].isspace():
        space = cut.rfind(" ")
        if space >= limit // 2:
            cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"


def _looks_like_headline(line: str) -> bool:
    if not line or len(line) > _HEADLINE_MAX:
        return False
    if not any(c.isalpha() for c in line):
        return False  # "|", "***", "2021-05-04"
    if line[0] in _OPENING_QUOTES:
        return False  # a quotation opening the article
    if line.rstrip(_CLOSING)[-1:] in _NOT_HEADLINE_END:
        return False  # a sentence (also `... said."`)
    return True


def _derive_title(text: str, *, markdown: bool, stem: str | None) -> str:
    newline = text.find("\n")
    first_line = (text if newline < 0 else text[:newline]).strip()
    if markdown:
        m = _MD_HEADING_RE.fullmatch(first_line)
        if m and _one_line(m.group(1)):
            return _cap(_one_line(m.group(1)), _TITLE_MAX)
    if _looks_like_headline(first_line):
        return _one_line(first_line)
    # Only the start is needed: the title is cut to ~80 characters anyway, and the
    # segmenter need not run over a multi-megabyte text here.
    head = text[:_SEGMENT_PREFIX]
    for sentence in segment(head):
        first = _one_line(head[sentence.start : sentence.end])
        if first:
            return _cap(first, _SENTENCE_TITLE_MAX)
    if stem and _one_line(stem):
        return _cap(_one_line(stem), _TITLE_MAX)
    return _cap(_one_line(first_line), _SENTENCE_TITLE_MAX) or "Untitled"


# --------------------------------------------------------------------------- articles


def parse_article(data: bytes, suffix: str, *, stem: str | None = None) -> ArticleText:
    """Decode, clean and title an article given as bytes.

    ``suffix`` is the file suffix (``".html"``/``".htm"`` select a web page, read by
    :mod:`store.webpage`; anything else is plain text with optional front matter, read by
    :mod:`store.front_matter`). ``stem`` (the file name without suffix) is the last-resort title.
    Raises :class:`Skipped`.

    Title, in order: front matter ``title``; the page's title (trafilatura's, without the site's
    name; the whole-page reading's ``<title>`` or first ``<h1>``); a Markdown ``# heading`` on
    the first line of a ``.md`` file; the first line when it reads like a headline (at most 120
    characters, contains a letter, does not open with a quotation mark, does not end in
    ``. ? ! , ; : …``); the first sentence cut to about 80 characters at a word boundary with
    "…"; the file stem.
    """
    suffix = suffix.lower()
    if suffix and not suffix.startswith("."):
        suffix = "." + suffix
    raw, encoding = decode(data)
    meta: dict = {}
    title = ""
    extractor = warning = None
    if suffix in _HTML_SUFFIXES:
        page = read_page(raw)
        body, title, extractor = page.text, page.title, page.extractor
        meta = {key: _one_line(value) for key, value in page.meta.items()}
    else:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
        body = raw
        if raw.startswith(("---", "+++")):
            meta, body, warning = split(clean(raw))  # cleaned first: YAML refuses a stray control character
    text = clean(body)
    if not text:
        raise Skipped("empty file")
    title = _meta_line(meta, "title") or _one_line(title)
    if title:
        title = _cap(title, _TITLE_MAX)
    else:
        title = _derive_title(text, markdown=suffix == ".md", stem=stem)
    return ArticleText(
        text=text,
        title=title,
        source=_meta_line(meta, "source") or None,
        date=_meta_line(meta, "date") or None,
        encoding=encoding,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        meta=json.dumps(meta, ensure_ascii=False) if meta else None,
        extractor=extractor,
        warning=warning,
    )


def _meta_line(meta: dict, key: str) -> str:
    """The value of ``key`` (in any case) as one clean line; a list of plain values (several authors)
    joined with ', '; '' for none, or for a table."""
    for k, value in meta.items():
        if k.lower() != key:
            continue
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value if v is not None and not isinstance(v, (list, dict)))
        return "" if value is None or isinstance(value, dict) else _one_line(str(value))
    return ""


_ERRNO_REASONS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOENT: "file not found",
    errno.EISDIR: "is a directory",
    errno.ELOOP: "too many levels of symbolic links",
    errno.ENAMETOOLONG: "file name too long",
}


def _os_reason(exc: OSError) -> str:
    reason = _ERRNO_REASONS.get(exc.errno or 0)
    if reason is None:
        reason = (exc.strerror or type(exc).__name__).lower()
    return reason


def _open_beneath(root: Path, path: Path, flags: int) -> int:
    """Open ``path``, which lies under ``root``, one component at a time from ``root`` without
    following a symbolic link anywhere (``O_NOFOLLOW``): a directory or file swapped for a link after
    the walk saw it cannot lead the read out of the folder."""
    parts = path.relative_to(root).parts
    if not parts or ".." in parts:
        raise Skipped("outside the folder")
    directory = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in parts[:-1]:
            inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=directory)
            os.close(directory)
            directory = inner
        return os.open(parts[-1], flags | os.O_NOFOLLOW, dir_fd=directory)
    finally:
        os.close(directory)


def read_article(path: Path, max_size: int = MAX_SIZE, *, root: Path | None = None) -> ArticleText:
    """Read and parse one article file. Raises :class:`Skipped` with a one-line reason.

    The size is checked with ``fstat`` on the open file before reading, and at most
    ``max_size + 1`` bytes are ever read. FIFOs, devices and directories are refused
    without blocking (the file is opened with ``O_NONBLOCK``). With ``root`` (what sync
    passes), ``path`` is opened beneath it without following any symbolic link.
    """
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags) if root is None else _open_beneath(Path(root), path, flags)
    except OSError as exc:
        if root is not None and exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise Skipped("symbolic link: not followed") from None
        raise Skipped(f"cannot read: {_os_reason(exc)}") from None
    try:
        with os.fdopen(fd, "rb", buffering=0) as f:
            st = os.fstat(f.fileno())
            if stat.S_ISDIR(st.st_mode):
                raise Skipped("cannot read: is a directory")
            if not stat.S_ISREG(st.st_mode):
                raise Skipped("not a regular file")
            if st.st_size > max_size:
                raise Skipped(f"larger than the size limit ({format_size(max_size)})")
            chunks: list[bytes] = []
            remaining = max_size + 1
            while remaining > 0:
                chunk = f.read(min(remaining, 1024 * 1024))
                if not chunk:
                    break
                chunks.append(chunk)
                remaining -= len(chunk)
            data = b"".join(chunks)
    except OSError as exc:
        raise Skipped(f"cannot read: {_os_reason(exc)}") from None
    if len(data) > max_size:  # it grew after fstat
        raise Skipped(f"larger than the size limit ({format_size(max_size)})")
    return parse_article(data, path.suffix, stem=path.stem)


# --------------------------------------------------------------------------- finding files


def _is_article_name(name: str) -> bool:
    return name.lower().endswith(ARTICLE_SUFFIXES)


def find_article_files(root: Path) -> Iterator[tuple[Path, str | None]]:
    """Walk ``root`` and yield ``(path, None)`` for every candidate article file, or
    ``(path, reason)`` for an entry that is reported as skipped.

    * Candidates are regular files whose name ends in one of :data:`ARTICLE_SUFFIXES`
      (case-insensitive). Other files are ignored silently.
    * Order is deterministic: the entries of each directory are sorted by name and a
      subdirectory is walked where its name sorts (pre-order, i.e. sorted by path).
    * Hidden entries (name starting with ``.``, e.g. ``.git``, ``.venv``) are ignored
      silently; directories are never yielded as files, even if named ``x.txt``.
    * The walk never leaves ``root`` and follows no symbolic link. A link to a directory,
      or with an article name, is reported: ``"link leaves the folder (to /)"`` when it
      resolves outside ``root`` (``sub/root -> /`` would otherwise import the whole file
      system, ``/proc`` included); ``"link inside the folder (to sub/b.txt): not
      followed"`` when it stays inside, because what it points to is in the folder and
      synced under its own name: following it would only import the same text again as a
      second article, splitting its annotations (git and ripgrep do not follow links
      either). A broken link, a link to itself or to a folder that holds it is reported as
      ``"broken symbolic link"`` or ``"symlink loop"``.
    * Problems are reported, never raised: an unreadable directory
      (``"cannot read directory: permission denied"``), an entry with an article suffix
      that is not a regular file (FIFO, device, socket: never opened), a directory that
      is its own ancestor (a bind mount).
    * A ``root`` that is a file is yielded itself; a missing root is reported.

    Readability of files is not checked here: :func:`read_article` reports it.
    """
    for path, _, problem in walk_article_files(root):
        yield path, problem


def _link_problem(path: Path, name: str, root: Path) -> str | None:
    """Why the symbolic link ``path`` is not followed, or None when it is ignored silently like any
    file without an article name (a link to such a file)."""
    try:
        target = path.stat()
    except OSError as exc:
        if not _is_article_name(name):
            return None
        if exc.errno == errno.ELOOP:
            return "symlink loop"
        if exc.errno == errno.ENOENT:
            return "broken symbolic link"
        return f"cannot read: {_os_reason(exc)}"
    if not (stat.S_ISDIR(target.st_mode) or _is_article_name(name)):
        return None
    try:
        to = safe_name(os.readlink(path))
    except OSError as exc:
        return f"cannot read: {_os_reason(exc)}"
    real = Path(os.path.realpath(path))
    if not real.is_relative_to(root):
        return f"link leaves the folder (to {to})"
    if stat.S_ISDIR(target.st_mode) and Path(os.path.realpath(path.parent)).is_relative_to(real):
        return "symlink loop"  # to a folder that holds it
    return f"link inside the folder (to {to}): not followed"


def walk_article_files(root: Path) -> Iterator[tuple[Path, os.stat_result | None, str | None]]:
    """:func:`find_article_files` with each candidate's ``stat`` as the walk found it (``lstat``:
    nothing under ``root`` is a link); ``None`` with a problem."""
    root = Path(root)
    try:
        st = root.stat()
    except OSError as exc:
        yield root, None, f"cannot read: {_os_reason(exc)}"
        return
    if not stat.S_ISDIR(st.st_mode):
        if not stat.S_ISREG(st.st_mode):
            yield root, None, "not a regular file"
        elif _is_article_name(root.name):
            yield root, st, None
        else:
            yield root, None, "not an article file (" + ", ".join(ARTICLE_SUFFIXES) + ")"
        return
    real_root = root.resolve()

    walked: set[tuple[int, int]] = set()
    key = (st.st_dev, st.st_ino)
    walked.add(key)
    # Each frame: (iterator over the sorted entries, directory ids being walked).
    stack: list[tuple[Iterator[tuple[str, Path]], frozenset[tuple[int, int]]]] = []

    def listing(directory: Path) -> tuple[Iterator[tuple[str, Path]] | None, str | None]:
        try:
            with os.scandir(directory) as it:
                names = sorted(entry.name for entry in it)
        except OSError as exc:
            return None, f"cannot read directory: {_os_reason(exc)}"
        return iter([(name, directory / name) for name in names]), None

    entries, problem = listing(root)
    if entries is None:
        yield root, None, problem
        return
    stack.append((entries, frozenset({key})))

    while stack:
        entries, ancestors = stack[-1]
        nxt = next(entries, None)
        if nxt is None:
            stack.pop()
            continue
        name, path = nxt
        if name.startswith("."):
            continue
        try:
            st = path.lstat()
        except OSError as exc:
            if _is_article_name(name):
                yield path, None, f"cannot read: {_os_reason(exc)}"
            continue
        if stat.S_ISLNK(st.st_mode):
            if problem := _link_problem(path, name, real_root):
                yield path, None, problem
        elif stat.S_ISDIR(st.st_mode):
            key = (st.st_dev, st.st_ino)
            if key in ancestors:
                yield path, None, "directory loop"
                continue
            if key in walked:
                yield path, None, "directory already included"
                continue
            walked.add(key)
            sub, problem = listing(path)
            if sub is None:
                yield path, None, problem
                continue
            stack.append((sub, ancestors | {key}))
        elif _is_article_name(name):
            if stat.S_ISREG(st.st_mode):
                yield path, st, None
            else:
                yield path, None, "not a regular file"
