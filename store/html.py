"""HTML article files reduced to text and a title, with the standard library's parser."""

from __future__ import annotations

from html.parser import HTMLParser

_BLOCK_TAGS = frozenset(
    """
    address article aside blockquote body caption center dd details dialog dir div dl dt
    fieldset figcaption figure footer form frameset h1 h2 h3 h4 h5 h6 header hgroup hr
    html legend li main menu nav ol p pre section summary table tbody tfoot thead tr ul
    """.split()
)
_CELL_TAGS = frozenset({"td", "th"})
# Content of these is never text.
_SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "svg", "math", "iframe", "object", "canvas"}
)
# Elements that may appear inside <head>; any other start tag implicitly ends it.
_HEAD_TAGS = frozenset(
    {"head", "title", "meta", "link", "style", "script", "base", "noscript", "template"}
)
_PARA = object()
_BR = object()


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[object] = []  # str, _PARA or _BR
        self.skipping = 0  # depth inside script/style/... elements
        self.in_head = False
        self.in_title = False
        self.title_done = False
        self.title_parts: list[str] = []
        self.h1_depth = 0
        self.h1_parts: list[str] = []
        self.h1_done = False
        self.pre_depth = 0

    # -- tags
    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _SKIP_TAGS:
            self.skipping += 1
            return
        if self.skipping:
            return  # e.g. <title> inside <svg>
        if self.in_head and tag not in _HEAD_TAGS:
            self.in_head = False  # a missing </head>: body content starts here
        if tag == "head":
            self.in_head = True
        elif tag == "body":
            self.in_head = False
        elif tag == "title":
            self.in_title = not self.title_done
        elif tag == "br":
            self.parts.append(_BR)
        elif tag in _BLOCK_TAGS:
            self.parts.append(_PARA)
        elif tag in _CELL_TAGS:
            self.parts.append(" ")
        if tag == "pre":
            self.pre_depth += 1
        elif tag == "h1" and not self.h1_done:
            self.h1_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            if self.skipping:
                self.skipping -= 1
            return
        if self.skipping:
            return
        if tag == "title":
            if self.in_title:
                self.in_title = False
                self.title_done = bool(" ".join(self.title_parts).strip())
        elif tag == "head":
            self.in_head = False
        elif tag in _BLOCK_TAGS:
            self.parts.append(_PARA)
        elif tag in _CELL_TAGS:
            self.parts.append(" ")
        if tag == "pre" and self.pre_depth:
            self.pre_depth -= 1
        elif tag == "h1" and self.h1_depth:
            self.h1_depth -= 1
            if not self.h1_depth and "".join(self.h1_parts).strip():
                self.h1_done = True

    # -- text
    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.in_title:
            self.title_parts.append(data)
            return
        if self.in_head:
            return
        if self.h1_depth and not self.h1_done:
            self.h1_parts.append(data)
        if self.pre_depth:
            lines = data.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            for i, line in enumerate(lines):
                if i:
                    self.parts.append(_BR)
                self.parts.append(line)
        else:
            self.parts.append(data)

    # -- result
    def text(self) -> str:
        paragraphs: list[str] = []
        current: list[str] = []

        def flush() -> None:
            lines = [" ".join(line.split()) for line in "".join(current).split("\n")]
            while lines and not lines[0]:
                lines.pop(0)
            while lines and not lines[-1]:
                lines.pop()
            if lines:
                paragraphs.append("\n".join(lines))
            current.clear()

        for part in self.parts:
            if part is _PARA:
                flush()
            elif part is _BR:
                current.append("\n")
            else:
                # Newlines in ordinary HTML text are just whitespace.
                current.append(part.replace("\n", " ").replace("\r", " "))
        flush()
        return "\n\n".join(paragraphs)

    def title(self) -> str:
        for parts in (self.title_parts, self.h1_parts):
            title = " ".join("".join(parts).split())
            if title:
                return title
        return ""


def extract_html(html: str) -> tuple[str, str]:
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return parser.text(), parser.title()


def html_to_text(html: str) -> str:
    """Reduce an HTML document to plain text with :mod:`html.parser`.

    Script, style (and other non-text elements such as noscript, template, svg)
    and everything in ``<head>`` are dropped; block elements separate paragraphs
    with a blank line; ``<br>`` is a line break; entities are decoded; whitespace
    inside a paragraph is collapsed to single spaces (``<pre>`` keeps its line
    breaks). The result is not yet :func:`clean`-ed.
    """
    return extract_html(html)[0]
