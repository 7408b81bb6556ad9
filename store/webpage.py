"""Web pages: the article in a page, with its title, author, date, site and address, found by
trafilatura; the whole page's text (``store.html``) for a page in which trafilatura finds no article.

trafilatura (with lxml and its date and address helpers) takes 0.3 to 0.5 s to import: it is
imported with the first page read, so that neither the CLI nor the reader pays for it otherwise.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import NamedTuple

from store.cleaning import clean
from store.html import extract_html

TRAFILATURA = "trafilatura"
WHOLE_PAGE = "html.parser"  # store.html: every text of the page, furniture included
_META_FIELDS = (("title", "title"), ("author", "author"), ("date", "date"), ("source", "sitename"), ("url", "url"))
# The elements of trafilatura's document (its XML) that are blocks; lb is a line break, cell a table cell.
_BLOCKS = frozenset({"p", "head", "quote", "list", "item", "table", "row", "code", "div", "section", "body"})
_PARA, _LINE = object(), object()


class Page(NamedTuple):
    text: str  # not yet cleaned; paragraphs separated by blank lines
    title: str  # '' when the page has none
    meta: dict[str, str]  # title, author, date (YYYY-MM-DD), source (the site's name), url: those found
    extractor: str  # TRAFILATURA, or WHOLE_PAGE when trafilatura found no article


def read_page(html: str, url: str | None = None) -> Page:
    """The article in ``html``; ``url`` is where the page came from (its canonical address, if it
    gives one, is preferred)."""
    # Escape sequences go whole, before lxml, which drops only their ESC and would leave '[31m' in the text.
    html = clean(html)
    document = _extract(html, url)
    paragraphs = _paragraphs(document.body) if document is not None and document.body is not None else []
    meta = {key: value.strip() for key, name in _META_FIELDS
            if document is not None and isinstance(value := getattr(document, name, None), str) and value.strip()}
    title = meta.get("title", "")
    if paragraphs and title and " ".join(paragraphs[0].split()) == " ".join(title.split()):
        # The headline is the title, not a sentence of the body: whether a page puts its <h1> inside
        # the part trafilatura keeps depends on the site's layout.
        del paragraphs[0]
    if not paragraphs:  # what trafilatura found of the page itself (title, date...) still holds
        text, whole_title = extract_html(html)
        return Page(text, title or whole_title, meta, WHOLE_PAGE)
    return Page("\n\n".join(paragraphs), title, meta, TRAFILATURA)


def _extract(html: str, url: str | None):
    """trafilatura's document for the page, or None where it finds no article (or fails on it).

    The page is parsed here, not by trafilatura, with lxml's ``huge_tree``: otherwise libxml2 stops at
    256 levels of elements, and a page of paragraphs that each open a ``<font>`` and never close it (old
    HTML, which browsers read fine) loses everything past that point without a word. A page that is
    still too deep (2,048 levels) or otherwise stops the parser goes to the fallback whole.

    ``favor_precision``: less furniture; and where the article it finds is short, trafilatura's
    balanced mode would put in its place a dump of the whole page, one line per element ('Some',
    'bold', 'and' for ``Some <b>bold</b> and``), which the fallback reads better. ``fast``: without
    the second opinion of readability and jusText, a third less time a page (4.6 ms instead of 6.6
    on the bench's pages), and the same paragraphs on every test page.

    Every element is an ``HtmlElement`` found by lxml's C lookup, not by lxml.html's default one, which
    calls Python for each element trafilatura touches (about 120,000 calls for 300 of the bench's pages)
    only to give forms, inputs and labels their own classes: 0.2 ms less a page, the same documents."""
    trafilatura = _trafilatura()
    from lxml import etree
    from lxml import html as lxml_html

    parser = lxml_html.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True,
                                  remove_pis=True, huge_tree=True)  # one per call: a parser is not thread-safe
    parser.set_element_class_lookup(_element_classes())
    try:
        tree = lxml_html.document_fromstring(html.encode("utf-8"), parser=parser)
    except (etree.ParserError, ValueError):  # no element at all
        return None
    if parser.error_log.filter_from_fatals():
        return None
    try:
        return trafilatura.bare_extraction(tree, options=_options(url, date.today()))
    except Exception:  # a library's failure on a hostile page: the fallback reads it  # noqa: BLE001
        return None


def _paragraphs(body) -> list[str]:
    """The paragraphs of trafilatura's document, laid out as store.html lays out a page: each block its own
    paragraph, whitespace collapsed as a browser shows it, a line break (``<lb/>``) kept. (Its plain
    text keeps the newlines of the page's source where inline elements were, and ends blocks and
    lines alike with one newline.)"""
    from lxml import etree

    parts: list = []  # texts, and _PARA or _LINE where a block or a line ends
    for event, element in etree.iterwalk(body, events=("start", "end")):  # no recursion: any depth
        tag = element.tag  # a function for a comment: in no set
        if event == "start":
            if tag in _BLOCKS:
                parts.append(_PARA)
            elif tag == "lb":
                parts.append(_LINE)
                continue
            elif tag == "cell":
                parts.append(" ")
            if element.text:
                parts.append(element.text)
        else:
            if tag in _BLOCKS:
                parts.append(_PARA)
            if element.tail and element is not body:
                parts.append(element.tail)
    paragraphs, lines, line = [], [], []
    for part in [*parts, _PARA]:
        if isinstance(part, str):
            line.append(part)
            continue
        if text := " ".join("".join(line).split()):  # whitespace as a browser shows it
            lines.append(text)
        line.clear()
        if part is _PARA and lines:
            paragraphs.append("\n".join(lines))
            lines.clear()
    return paragraphs


@functools.lru_cache(maxsize=1)
def _options(url: str | None, today: date):
    """trafilatura's options, made again only when the day or the page's address changes rather than for
    each page (about 0.1 ms a page): they hold the latest date a page's date may have, today's, and the
    address. Sync's saved pages have none, so a sync makes them once; each page `pressmark fetch` downloads
    has its own."""
    from trafilatura.settings import Extractor

    return Extractor(output_format="python", with_metadata=True, precision=True, fast=True, comments=False,
                     images=False, links=False, url=url)


@functools.cache
def _element_classes():
    from lxml import etree
    from lxml import html as lxml_html

    return etree.ElementDefaultClassLookup(element=lxml_html.HtmlElement, comment=lxml_html.HtmlComment,
                                           pi=lxml_html.HtmlProcessingInstruction, entity=lxml_html.HtmlEntity)


@functools.cache
def _trafilatura():
    import logging

    import trafilatura

    # trafilatura logs each page it discards as a warning, and its helpers their own troubles: courlan
    # and justext have no handler, so Python's last-resort one would print theirs over the terminal (or
    # the reader's screen). Sync's report says what matters instead.
    for name in ("trafilatura", "htmldate", "courlan", "justext"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    return trafilatura
