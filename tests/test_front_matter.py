"""Front matter (store.front_matter, read with python-frontmatter): YAML and TOML, every key kept in the
article's meta (store.queries.article_meta), problems said in sync's report, sizes bounded."""
from __future__ import annotations

import json
import os

import pytest

from store.cleaning import clean
from store.db import connect
from store.files import parse_article
from store.queries import article_meta, resolve_article
from store.schema import MIGRATIONS, _v14_article_meta
from store.sync import sync

YAML = """---
title: "Council: budget set for 2024"
source: Bradford Council press office
author: [Ann Smith, Bob Jones]
url: https://www.bradford.gov.uk/news/budget-2024
date: 2024-03-01
tags:
  - council
  - budget
summary: |
  Two lines
  of summary.
rating: 4.5
draft: false
contact: {name: Press office, phone: "01274 432000"}
---
The council set its budget on Thursday.

It rises by 4.99 per cent.
"""

TOML = """+++
title = "Council: budget set for 2024"
source = "Bradford Council press office"
author = ["Ann Smith", "Bob Jones"]
url = "https://www.bradford.gov.uk/news/budget-2024"
date = 2024-03-01
tags = ["council", "budget"]
summary = \"\"\"
Two lines
of summary.\"\"\"
rating = 4.5
draft = false

[contact]
name = "Press office"
phone = "01274 432000"
+++
The council set its budget on Thursday.

It rises by 4.99 per cent.
"""

META = {"title": "Council: budget set for 2024", "source": "Bradford Council press office",
        "author": ["Ann Smith", "Bob Jones"], "url": "https://www.bradford.gov.uk/news/budget-2024",
        "date": "2024-03-01", "tags": ["council", "budget"], "summary": "Two lines\nof summary.", "rating": 4.5,
        "draft": False, "contact": {"name": "Press office", "phone": "01274 432000"}}


@pytest.mark.parametrize("text", [YAML, TOML], ids=["yaml", "toml"])
def test_every_key_is_kept(text):
    art = parse_article(text.encode(), ".md")
    assert json.loads(art.meta) == META
    assert (art.title, art.source, art.date) == (META["title"], META["source"], "2024-03-01")
    assert art.text == "The council set its budget on Thursday.\n\nIt rises by 4.99 per cent."
    assert art.warning is None


def test_meta_reaches_the_database_and_follows_edits_of_the_front_matter_alone(make_articles, tmp_path):
    folder = make_articles({"budget.md": YAML, "plain.txt": "Headline\nBody."})
    db = connect(tmp_path / "p.db")
    sync(db, folder)
    article_id = resolve_article(db, "budget.md")
    assert article_meta(db, article_id) == META
    assert article_meta(db, resolve_article(db, "plain.txt")) == {} and article_meta(db, 999) == {}
    path = folder / "budget.md"
    path.write_text(YAML.replace("  - budget\n", "  - budget\n  - tax\n").replace("title: \"Council:", "title: \"Now:"),
                    encoding="utf-8")
    os.utime(path, ns=(1, 1))  # another mtime, whatever the clock's resolution
    report = sync(db, folder)
    assert (report.unchanged, report.changed) == (2, [])  # the text is the same: not segmented again
    assert article_meta(db, article_id)["tags"] == ["council", "budget", "tax"]
    assert db.conn.execute("SELECT title FROM articles WHERE id = ?", (article_id,)).fetchone()[0] == \
        "Now: budget set for 2024"


def test_articles_synced_before_get_their_meta_at_the_next_sync(make_articles, tmp_path):
    folder = make_articles({"budget.md": YAML})
    path = tmp_path / "old.db"
    old = connect(path, target=MIGRATIONS.index(_v14_article_meta))  # the schema before meta
    sync(old, folder)
    old.conn.close()
    db = connect(path)
    assert article_meta(db, 1) == {}
    sync(db, folder)
    assert article_meta(db, 1) == META


def test_a_plain_title_line_with_a_colon_is_read_as_before_and_said():
    """pressmark read 'key: value' lines before it used a YAML parser: such files keep their title."""
    art = parse_article(b"---\ntitle: Ofsted: services improving\nsource: BBC\n---\nBody.", ".md")
    assert (art.title, art.source, art.text) == ("Ofsted: services improving", "BBC", "Body.")
    assert json.loads(art.meta) == {"title": "Ofsted: services improving", "source": "BBC"}
    assert art.warning == ("front matter is not valid YAML (line 2: mapping values are not allowed in this context): "
                           "read as 'key: value' lines")


@pytest.mark.parametrize("text, why", [
    ("---\ntitle: [never closed\n  and more\n---\nBody.\n", "front matter is not valid YAML (line 4: "),
    ("+++\ntitle = \n+++\nBody.\n", "front matter is not valid TOML (Invalid value (at line 2, column 8)): "),
    ("+++\nx = " + "[" * 5000 + "]" * 5000 + "\n+++\nBody.\n", "front matter not read (TOML nested too deeply): "),
    # A 'billion laughs': 9 lines that PyYAML expands to 9**7 strings.
    ("---\n" + "".join(f"{k}: &{k} [{', '.join([f'*{p}'] * 9 if p else ['lol'] * 9)}]\n"
                       for p, k in zip(["", *"abcdef"], "abcdefg")) + "---\nBody.\n",
     "front matter not read (too large once its aliases are expanded): "),
])
def test_front_matter_that_cannot_be_read_stays_in_the_text(text, why):
    art = parse_article(text.encode(), ".md")
    assert art.warning.startswith(why) and art.warning.endswith(": kept as text")
    assert art.text == clean(text) and art.meta is None


def test_sync_reports_front_matter_problems(run_cli, make_articles):
    folder = make_articles({"a.md": "---\ntitle: [never closed\n  and more\n---\nBody.\n", "b.md": YAML})
    result = run_cli("sync", folder)
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "a.md: front matter is not valid YAML (line 4: did not find expected ',' or ']'): kept as text",
        "2 added, 0 changed, 0 unchanged, 0 skipped, 1 front matter problem(s)"]


def test_values_are_cleaned_like_the_text():
    text = '---\ntitle: "A \\e[31mred\\e[0m\\u202e title"\nnote: |\n  bell\\a? no: \x07 here\n  second line\n---\nBody.'
    art = parse_article(text.encode(), ".md")
    assert art.title == "A red title"
    assert json.loads(art.meta)["note"] == "bell\\a? no:  here\nsecond line"


def test_an_empty_block_or_a_block_of_prose():
    assert (parse_article(b"---\n---\nBody.", ".md").text, parse_article(b"---\n---\nBody.", ".md").meta) == \
        ("Body.", None)
    art = parse_article(b"---\nJust a line between two rules\n---\nBody.", ".txt")
    assert art.text == "---\nJust a line between two rules\n---\nBody." and art.meta is None and art.warning is None
