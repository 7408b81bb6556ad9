"""Web pages (store.webpage, read by store.files.parse_article and sync): the article body and what the page
says of itself, by trafilatura, on saved news pages full of furniture that the tests make; the whole page's
text (store.html) for a page in which trafilatura finds no article, said in sync's report."""
from __future__ import annotations

import json
import random
import re

import pytest
from conftest import ARTICLES

from bench.textgen import SITES, NewsWriter, web_page
from store.cleaning import clean
from store.files import parse_article
from store.segment import segment
from store.webpage import TRAFILATURA, WHOLE_PAGE, read_page

AUTHOR = "Chris Young"
DATE = "2021-06-08"


def page_for(headline: str, paragraphs: list[str], seed: int) -> tuple[str, str, str]:
    """(the page, its site's name, its canonical address)."""
    rng = random.Random(seed)
    site, host = SITES[seed % len(SITES)]
    page = web_page(rng, headline, paragraphs, site=site, host=host, author=AUTHOR, date=DATE, slug="story")
    url = re.search(r'<link rel="canonical" href="([^"]+)"', page).group(1)
    return page, site, url


def generated(seed: int) -> tuple[str, list[str]]:
    w = NewsWriter(seed)
    headline, text = w.article(w.article_size(), blank_lines=True)
    return headline, text.strip().split("\n\n")[1:]


def sentences(text: str) -> list[str]:
    return [text[s.start:s.end] for s in segment(text)]


@pytest.mark.parametrize("seed", range(12))
def test_the_article_and_nothing_else_comes_out_of_a_news_page(seed):
    headline, paragraphs = generated(seed)
    page, site, url = page_for(headline, paragraphs, seed)
    for furniture in ("cookies", "Related articles", "newsletter", "Comments", "Most read", "Advertisement",
                      "All rights reserved", "breadcrumb", f"{headline} | {site}".replace("&", "&amp;")):
        assert furniture in page  # the page has every kind of furniture ...
    art = parse_article(page.encode(), ".html")
    assert art.text == "\n\n".join(paragraphs)  # ... and none of it is in the article: exactly its paragraphs
    assert art.extractor == TRAFILATURA
    assert art.title == headline  # without " | Site"
    assert (art.source, art.date) == (site, DATE)
    assert json.loads(art.meta) == {"title": headline, "author": AUTHOR, "date": DATE, "source": site, "url": url}


def test_the_test_pages_have_both_layouts():
    """The furniture test covers semantic HTML5 pages and pages of nested divs alike."""
    pages = [page_for(*generated(seed), seed)[0] for seed in range(12)]
    assert 3 <= sum("<main>" in page for page in pages) <= 9


@pytest.mark.parametrize("name", ["000_946a8aef52dcef49.txt", "004_0cb13d09fd8748af.txt"])
def test_the_seed_articles_saved_as_web_pages_give_their_sentences(name):
    text = (ARTICLES / name).read_text(encoding="utf-8")
    paragraphs = [p for p in text.split("\n") if p.strip()]
    if name.startswith("000"):  # a headline on its first line
        headline, paragraphs = paragraphs[0], paragraphs[1:]
    else:  # no headline: the page gives one
        headline = "Children’s services showing signs of improvement, say inspectors"
    art = parse_article(page_for(headline, paragraphs, 7)[0].encode(), ".html")
    expected = sentences(clean("\n".join(paragraphs)))
    assert len(expected) > 10
    assert sentences(art.text) == expected
    assert art.title == headline


INDEX_PAGE = ("<html><head><title>Index of /press | Council</title></head><body><h1>Index of /press</h1><ul>"
              + "".join(f'<li><a href="r{i}.html">Release {i}</a></li>' for i in range(30)) + "</ul></body></html>")


def test_a_page_with_no_article_is_read_whole():
    page = INDEX_PAGE
    found = read_page(page)
    assert found.extractor == WHOLE_PAGE
    assert found.text.split("\n\n") == ["Index of /press", *(f"Release {i}" for i in range(30))]
    art = parse_article(page.encode(), ".html")
    assert art.extractor == WHOLE_PAGE and art.text.endswith("Release 29")


def test_unclosed_inline_tags_lose_no_paragraph():
    """Old HTML that opens a <font> in every paragraph and never closes one nests 400 levels deep: lxml's
    default limit (256) would drop the rest of the page without a word."""
    w = NewsWriter(3)
    paragraphs = [w.paragraph() for _ in range(400)]
    page = ("<html><head><title>Report</title></head><body><article>"
            + "".join(f'<p><font face="arial">{p}' for p in paragraphs) + "</article></body></html>")
    art = parse_article(page.encode(), ".html")
    assert art.extractor == TRAFILATURA
    assert sentences(art.text) == sentences(clean("\n\n".join(paragraphs)))


def test_a_page_nested_deeper_than_lxml_reads_is_read_whole():
    """Past 2,048 levels lxml stops and the rest of the page would be lost: the whole-page reading has no
    such limit."""
    page = ("<html><body><p>Before the deep part.</p>" + "<div>" * 5000 + "<p>Deep inside.</p>" + "</div>" * 5000
            + "<p>After the deep part.</p></body></html>")
    art = parse_article(page.encode(), ".html")
    assert art.extractor == WHOLE_PAGE
    assert art.text == "Before the deep part.\n\nDeep inside.\n\nAfter the deep part."


def test_text_and_metadata_of_a_hostile_page_are_cleaned():
    headline, paragraphs = generated(1)
    page, _, _ = page_for(headline, paragraphs, 1)
    page = (page.replace(AUTHOR, "Chris\x1b]52;c;aGk=\x07 Young\u202e")
            .replace(paragraphs[0], "Opening \x1b[31mred\x1b[0m text with bidi \u2066x\u2069 and a bell\x07.", 1))
    art = parse_article(page.encode(), ".html")
    assert art.extractor == TRAFILATURA
    assert art.text.startswith("Opening red text with bidi x and a bell.\n\n")
    assert json.loads(art.meta)["author"] == "Chris Young"
    for value in (art.text, art.title, art.meta):
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", value)
    assert "[31m" not in art.text  # lxml drops an ESC, not the sequence: the page is cleaned before


def test_sync_says_which_pages_were_read_whole(run_cli, make_articles):
    headline, paragraphs = generated(2)
    folder = make_articles({"story.html": page_for(headline, paragraphs, 2)[0],
                            "index.htm": INDEX_PAGE,
                            "plain.txt": "Headline\nBody text here."})
    result = run_cli("sync", folder)
    assert result.code == 0 and result.err == ""
    assert result.out.splitlines() == [
        "index.htm: trafilatura found no article in the page: its whole text was imported (menus and footers too)",
        "3 added, 0 changed, 0 unchanged, 0 skipped, 2 web page(s): 1 article(s) found by trafilatura, 1 read whole"]
    assert run_cli("sync", folder).out.strip() == "0 added, 0 changed, 3 unchanged, 0 skipped"


def test_a_big_page_keeps_every_paragraph():
    w = NewsWriter(4)
    paragraphs = [w.paragraph() for _ in range(4000)]  # about 1 MB of article
    art = parse_article(page_for("A long report", paragraphs, 4)[0].encode(), ".html")
    assert art.extractor == TRAFILATURA
    assert art.text == "\n\n".join(paragraphs)
