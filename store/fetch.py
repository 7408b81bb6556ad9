"""Web pages downloaded into the articles folder (``pressmark fetch``): each page's article, found by
store.webpage, saved as a Markdown file with front matter (title, source, author, date, url).

Downloaded with urllib rather than trafilatura's fetching (which returns None whatever went wrong), so
that each failure says what it was; a page that says it is not HTML is refused before its body is
read, and a download stops as it passes the size limit or the time limit.
"""

from __future__ import annotations

import codecs
import http.client
import os
import re
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import NamedTuple

from store.cleaning import clean
from store.errors import StoreError
from store.figures import format_size
from store.files import MAX_SIZE, Skipped, decode

TIMEOUT = 30.0  # seconds a page may take, from connecting to its last byte
WEB_PAGE_TYPES = ("text/html", "application/xhtml+xml")
_CHUNK = 64 * 1024
_NAME_MAX = 60  # characters of a file name made from a title, before ".md"
_SAME_NAME_MAX = 1000  # name.md, name-2.md ... name-1000.md, then give up


class FetchError(StoreError):
    """One page that could not be fetched; the message is one line, without the address."""


class Fetched(NamedTuple):
    file: Path  # the Markdown file that holds the page
    new: bool  # False: the same file was already there (fetched before)
    whole_page: bool  # trafilatura found no article: the page's whole text was saved


def fetch(url: str, folder: Path, *, timeout: float = TIMEOUT, max_size: int = MAX_SIZE) -> Fetched:
    """Download ``url`` and save its article in ``folder``; raises FetchError."""
    from store.webpage import WHOLE_PAGE, read_page

    html, final_url = download(url, timeout=timeout, max_size=max_size)
    page = read_page(html, final_url)
    body = clean(page.text)
    if not body:
        raise FetchError("no text in the page")
    meta = {key: " ".join(clean(value).split()) for key, value in page.meta.items()}
    meta = {"title": meta.get("title") or " ".join(clean(page.title).split()),
            "source": meta.get("source") or urllib.parse.urlsplit(final_url).hostname or "",
            "author": meta.get("author", ""), "date": meta.get("date", ""), "url": meta.get("url") or final_url}
    file, new = save(folder, _file_name(meta["title"], final_url), _markdown(body, meta))
    return Fetched(file, new, page.extractor == WHOLE_PAGE)


class _HttpRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects are followed (at most 10) to http and https addresses only: not to ftp, which urllib
    would follow."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urllib.parse.urlsplit(newurl).scheme not in ("http", "https"):
            raise FetchError(f"redirected to a {urllib.parse.urlsplit(newurl).scheme or 'relative'}: address, "
                             "not followed")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def download(url: str, *, timeout: float = TIMEOUT, max_size: int = MAX_SIZE) -> tuple[str, str]:
    """The page at ``url`` as text, and the address it was at in the end (after redirects)."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise FetchError("not an http or https address")
    deadline = time.monotonic() + timeout
    opener = urllib.request.build_opener(_HttpRedirects)
    request = urllib.request.Request(url, headers={"User-Agent": "pressmark", "Accept": "text/html"})
    try:
        with opener.open(request, timeout=timeout) as response:
            kind = response.headers.get_content_type() if response.headers.get("Content-Type") else None
            if kind is not None and kind not in WEB_PAGE_TYPES:
                raise FetchError(f"not a web page ({kind})")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_size:
                raise FetchError(f"larger than the size limit ({format_size(max_size)}): "
                                 f"{format_size(int(declared))}")
            data = _read(response, deadline, timeout, max_size)
            if declared.isdigit() and len(data) < int(declared):
                raise FetchError(f"the server broke off after {len(data):,} of {int(declared):,} bytes")
            charset, final_url = response.headers.get_content_charset(), response.geturl()
    except FetchError:
        raise
    except urllib.error.HTTPError as exc:
        raise FetchError(_http_error(exc)) from None
    except urllib.error.URLError as exc:
        raise FetchError(_network_error(exc.reason, timeout)) from None
    except (OSError, ValueError, http.client.HTTPException) as exc:  # a cut chunk, a header line too long...
        raise FetchError(_network_error(exc, timeout)) from None
    try:
        text, encoding = decode(data)  # refuses binary data (magic numbers, NUL bytes)
    except Skipped as exc:
        raise FetchError(exc.reason) from None
    if charset and encoding != "utf-8" and _known(charset):  # not UTF-8: the charset the server names
        try:
            text = data.decode(charset)
        except UnicodeDecodeError:
            pass
    return text, final_url


def _read(response, deadline: float, timeout: float, max_size: int) -> bytes:
    """The body, a network read at a time (``read1``: a server that sends a byte a second cannot hold
    one call for long), stopped past ``max_size`` or the deadline."""
    chunks, size = [], 0
    while chunk := response.read1(_CHUNK):
        size += len(chunk)
        if size > max_size:
            raise FetchError(f"larger than the size limit ({format_size(max_size)})")
        if time.monotonic() > deadline:
            raise FetchError(f"not downloaded within {timeout:g} s")
        chunks.append(chunk)
    return b"".join(chunks)


def _known(charset: str) -> bool:
    try:
        codecs.lookup(charset)
    except LookupError:
        return False
    return True


def _http_error(exc: urllib.error.HTTPError) -> str:
    if 300 <= exc.code < 400:
        return "too many redirects (or a redirect loop)"
    return f"HTTP {exc.code} {' '.join(str(exc.reason).split())[:100]}".rstrip()


def _network_error(reason: object, timeout: float) -> str:
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(reason, OSError) and reason.strerror:
        return " ".join(reason.strerror.split()).lower()
    return " ".join(str(reason).split())[:200] or type(reason).__name__


def _markdown(body: str, meta: dict[str, str]) -> bytes:
    import frontmatter

    post = frontmatter.Post(body, **{key: value for key, value in meta.items() if value})
    return (frontmatter.dumps(post, sort_keys=False) + "\n").encode("utf-8")


def _file_name(title: str, url: str) -> str:
    """A name made of ASCII letters, digits and hyphens, from the title, or else from the address."""
    for text in (title, re.sub(r"^www\.", "", urllib.parse.urlsplit(url).hostname or "")
                 + urllib.parse.urlsplit(url).path):
        ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
        name = ""
        for word in re.findall(r"[a-z0-9]+", ascii_text):
            if name and len(name) + len(word) + 1 > _NAME_MAX:
                break
            name = f"{name}-{word}" if name else word[:_NAME_MAX]
        if name:
            return name
    return "page"


def save(folder: Path, name: str, data: bytes) -> tuple[Path, bool]:
    """Write ``data`` as ``folder/name.md``, or ``name-2.md`` ... if a different file has that name: never
    over another file. If the same bytes are already there, that file, not a copy. Written to a hidden
    file first and linked into place, so a sync running meanwhile never reads half a page."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{name}.{os.getpid()}.fetching"
    tmp.write_bytes(data)
    try:
        for n in range(1, _SAME_NAME_MAX + 1):
            path = folder / (f"{name}.md" if n == 1 else f"{name}-{n}.md")
            try:
                os.link(tmp, path)
                return path, True
            except FileExistsError:
                if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
                    return path, False
        raise FetchError(f"{_SAME_NAME_MAX} files named {name}-N.md already")
    finally:
        tmp.unlink(missing_ok=True)
