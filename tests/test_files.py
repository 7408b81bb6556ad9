"""Tests for store.files: reading, decoding and cleaning article files."""
from __future__ import annotations

import codecs
import dataclasses
import hashlib
import os
import re
import stat
from pathlib import Path

import pytest

from store.cleaning import clean
from store.files import (
    ARTICLE_SUFFIXES,
    MAX_SIZE,
    ArticleText,
    Skipped,
    decode,
    find_article_files,
    html_to_text,
    parse_article,
    read_article,
)
from store.html import extract_html

ARTICLES = Path(__file__).resolve().parent.parent / "articles"
ART_000 = ARTICLES / "000_946a8aef52dcef49.txt"
ART_004 = ARTICLES / "004_0cb13d09fd8748af.txt"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def skipped_reason(data: bytes, suffix: str = ".txt") -> str:
    with pytest.raises(Skipped) as info:
        parse_article(data, suffix)
    assert str(info.value) == info.value.reason
    assert "\n" not in info.value.reason
    return info.value.reason


# --------------------------------------------------------------------------- interface


def test_constants():
    assert MAX_SIZE == 20 * 1024 * 1024
    assert ARTICLE_SUFFIXES == (".txt", ".md", ".html", ".htm")


def test_article_text_is_frozen():
    art = parse_article(b"Headline\n\nBody text.", ".txt")
    assert isinstance(art, ArticleText)
    with pytest.raises(dataclasses.FrozenInstanceError):
        art.text = "x"  # type: ignore[misc]
    assert art.sha256 == hashlib.sha256(art.text.encode("utf-8")).hexdigest()


def test_skipped_reason_is_one_line():
    exc = Skipped("cannot read:\n  permission denied")
    assert exc.reason == str(exc) == "cannot read: permission denied"


# --------------------------------------------------------------------------- real articles


def test_real_article_000():
    art = read_article(ART_000)
    assert art.title == "Children’s services showing areas of improvement, say Ofsted"
    assert art.encoding == "utf-8"
    assert art.source is None and art.date is None
    # Single line breaks between paragraphs survive and no blank line is invented.
    assert art.text.startswith(
        "Children’s services showing areas of improvement, say Ofsted\n"
        "Ofsted have published the outcome"
    )
    assert "\n\n" not in art.text
    assert art.text.count("\n") == ART_000.read_text("utf-8").count("\n")
    # The stray "|" line is text; a later stage drops it.
    assert art.text.endswith("available on the Ofsted website.\n|")
    assert art.text == clean(ART_000.read_text("utf-8"))
    assert art.sha256 == hashlib.sha256(art.text.encode()).hexdigest()


def test_real_article_004():
    art = read_article(ART_004)
    assert art.encoding == "utf-8"
    # The first line ends in a full stop: the first sentence, cut at a word boundary.
    assert art.title == (
        "CHILDREN’S services in the district are showing signs of improvement, according…"
    )
    assert len(art.title) <= 81 and "\n" not in art.title
    # Blank lines between paragraphs survive.
    assert art.text.startswith(
        "CHILDREN’S services in the district are showing signs of improvement, "
        "according to inspectors.\n\nBut Ofsted, in its latest report,"
    )
    assert art.text.count("\n\n") == 11
    assert "\n\n\n" not in art.text
    assert "“too slow for children and families”" in art.text
    assert art.text.endswith("drive improvements at pace.”")


# --------------------------------------------------------------------------- front matter


def test_front_matter_all_keys_quoted():
    data = (
        "---\n"
        'title: "Council: budget \\"set\\" for 2024"\n'
        "source: 'Bradford Council''s press office'\n"
        "date: 2024-03-01\n"
        "author: ignored\n"
        "tags: [a, b]\n"
        "---\n"
        "First line here.\n\nSecond paragraph.\n"
    )
    art = parse_article(data.encode(), ".md")
    assert art.title == 'Council: budget "set" for 2024'
    assert art.source == "Bradford Council's press office"
    assert art.date == "2024-03-01"
    assert art.text == "First line here.\n\nSecond paragraph."
    assert "---" not in art.text and "author" not in art.text


def test_front_matter_missing_keys():
    data = b"---\ndate: \"12 May 2021\"\n---\nLocal school wins award\nThe school said.\n"
    art = parse_article(data, ".txt")
    assert art.date == "12 May 2021"
    assert art.source is None
    assert art.title == "Local school wins award"  # no title key: heuristic on the body
    assert art.text == "Local school wins award\nThe school said."


def test_front_matter_empty_values_are_none():
    art = parse_article(b"---\ntitle:\nsource: ''\n---\nHeadline\nBody.", ".md")
    assert art.source is None and art.date is None
    assert art.title == "Headline"


def test_front_matter_crlf():
    art = parse_article(b"---\r\ntitle: T\r\nsource: S\r\n---\r\nBody one.\r\n\r\nBody two.", ".txt")
    assert (art.title, art.source, art.text) == ("T", "S", "Body one.\n\nBody two.")


def test_front_matter_unterminated_is_kept_as_text():
    data = b"---\ntitle: Never closed\n\nThe body follows.\n"
    art = parse_article(data, ".md")
    assert art.text == "---\ntitle: Never closed\n\nThe body follows."
    assert art.title != "Never closed"
    assert "\n" not in art.title and art.title


def test_front_matter_only_at_start():
    data = b"Headline\n---\ntitle: X\n---\nBody."
    art = parse_article(data, ".md")
    assert art.title == "Headline"
    assert art.text == "Headline\n---\ntitle: X\n---\nBody."


def test_front_matter_title_is_cleaned_to_one_line():
    data = "---\ntitle: \"A \x1b[31mred\x1b[0m\u202e title\t here\"\n---\nBody.".encode()
    assert parse_article(data, ".md").title == "A red title here"


def test_front_matter_only_is_empty():
    assert skipped_reason(b"---\ntitle: Nothing else\n---\n\n  \n") == "empty file"


# --------------------------------------------------------------------------- HTML


HTML_DOC = """<!DOCTYPE html>
<html>
<head>
  <meta charset="utf-8">
  <title>Council &amp; partners  agree
   plan</title>
  <style>body { color: red; } .x::after { content: "STYLE" }</style>
  <script>var x = "<p>SCRIPT</p>"; if (a < b) { alert(1); }</script>
  <link rel="stylesheet" href="x.css">
</head>
<body>
<nav>Home</nav>
<h1>The   headline</h1>
<p>Caf&eacute; &ldquo;quoted&rdquo; &#8211; &#x2026; &lt;b&gt; 5 &gt; 3</p>
<p>Line one<br>Line two<br/>Line three</p>
<div>Some <b>bold</b> and
   <i>spread out</i>
   text.</div>
<script type="text/javascript">document.write("SCRIPT2")</script>
<ul><li>Item 1</li><li>Item 2</li></ul>
<!-- a comment -->
<noscript>Enable JS</noscript>
</body>
</html>
"""


def test_html_to_text():
    text = clean(html_to_text(HTML_DOC))
    assert "SCRIPT" not in text and "STYLE" not in text and "alert" not in text
    assert "Enable JS" not in text and "comment" not in text
    assert "Council" not in text  # <head> content is not text
    assert text == (
        "Home\n\n"
        "The headline\n\n"
        "Café “quoted” – … <b> 5 > 3\n\n"
        "Line one\nLine two\nLine three\n\n"
        "Some bold and spread out text.\n\n"
        "Item 1\n\n"
        "Item 2"
    )


def test_whole_page_title_from_title_tag():
    """store.html, the fallback for pages in which trafilatura finds no article (tests/test_webpage.py)."""
    assert extract_html(HTML_DOC)[1] == "Council & partners agree plan"
    art = parse_article(HTML_DOC.encode(), ".html")
    assert art.encoding == "utf-8"
    assert "<b> 5 > 3" in art.text  # decoded entities stay literal text


def test_whole_page_title_from_h1_and_htm():
    doc = "<body><h1>First <em>heading</em></h1><p>Para.</p><h1>Second</h1></body>"
    assert extract_html(doc) == ("First heading\n\nPara.\n\nSecond", "First heading")
    assert parse_article(doc.encode(), ".HTM").title == "First heading"


def test_html_without_title_uses_heuristic():
    art = parse_article(b"<p>Short headline</p><p>Body text.</p>", ".html")
    assert art.title == "Short headline"


def test_html_svg_title_is_not_the_title():
    doc = b"<body><svg><title>icon</title></svg><h1>Real</h1><p>Body.</p></body>"
    art = parse_article(doc, ".html")
    assert art.title == "Real"
    assert "icon" not in art.text


def test_html_pre_keeps_lines_and_unclosed_script():
    text = clean(html_to_text("<pre>a  b\nc</pre><p>x</p><script>never closed <p>y"))
    assert text == "a b\nc\n\nx"


def test_html_empty_is_skipped():
    assert skipped_reason(b"<html><head><title>T</title></head><body> </body></html>", ".html") == "empty file"


def test_html_controls_are_cleaned():
    art = parse_article(b"<p>a\x1b[31mb\x1b[0m \x1b]8;;http://x/\x07c\x1b]8;;\x07</p>", ".html")
    assert art.text == "ab c"
    art = parse_article(b"<p>a&#27;[31mb &#x202E;c&#x9b;d&#0;</p>", ".html")
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in art.text)
    assert "\u202e" not in art.text and art.text.startswith("a")


# --------------------------------------------------------------------------- decoding


def test_utf8_without_and_with_bom():
    assert decode("Caf\u00e9 ‘x’".encode()) == ("Caf\u00e9 ‘x’", "utf-8")
    text, enc = decode(codecs.BOM_UTF8 + "Caf\u00e9".encode())
    assert (text, enc) == ("Caf\u00e9", "utf-8-sig")
    art = parse_article(codecs.BOM_UTF8 + b"---\ntitle: BOM\n---\nBody.", ".md")
    assert (art.encoding, art.title, art.text) == ("utf-8-sig", "BOM", "Body.")


def test_cp1252_smart_quotes():
    original = "He said “yes” and ‘no’ – then… €5"
    art = parse_article(original.encode("cp1252"), ".txt")
    assert art.encoding == "cp1252"
    assert art.text == original


def test_latin1_fallback_for_bytes_invalid_in_cp1252():
    data = b"caf\xe9 \x81 na\xefve"
    with pytest.raises(UnicodeDecodeError):
        data.decode("cp1252")
    art = parse_article(data, ".txt")
    assert art.encoding == "latin-1"
    assert art.text == "café  naïve"  # U+0081 is C1 and removed


def test_invalid_utf8_falls_back():
    text, enc = decode(b"abc \xc3\x28 def")
    assert enc == "cp1252"
    assert text == "abc Ã( def"


@pytest.mark.parametrize(
    "bom,codec",
    [
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
)
def test_utf16_utf32_with_bom(bom, codec):
    original = "Headline é “x”\r\nBody 𝄞 text."
    data = bom + original.encode(codec)
    art = parse_article(data, ".txt")
    assert art.encoding == ("utf-32" if "32" in codec else "utf-16")
    assert art.text == "Headline é “x”\nBody 𝄞 text."
    assert art.title == "Headline é “x”"


def test_decode_empty():
    assert decode(b"") == ("", "utf-8")


# --------------------------------------------------------------------------- binary / empty


@pytest.mark.parametrize(
    "data,reason",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file (PNG image)"),
        (b"%PDF-1.7\n%\xe2\xe3", "binary file (PDF document)"),
        (b"PK\x03\x04\x14\x00", "binary file (ZIP archive)"),
        (b"GIF89a\x01\x00", "binary file (GIF image)"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "binary file (JPEG image)"),
        (b"Looks like text\x00but is not", "binary file (NUL bytes)"),
    ],
)
def test_binary_is_skipped(data, reason):
    assert skipped_reason(data) == reason


@pytest.mark.parametrize(
    "data",
    [b"", b"   ", b"\n\n\t \r\n", b"\x1b[31m\x1b[0m\n", "\u200b\u202e\ufeff".encode(), b"\xef\xbb\xbf"],
)
def test_empty_is_skipped(data):
    assert skipped_reason(data) == "empty file"


def test_size_limit(tmp_path):
    path = write(tmp_path / "big.txt", b"word " * 100)
    with pytest.raises(Skipped) as info:
        read_article(path, max_size=100)
    assert info.value.reason.startswith("larger than the size limit (")
    assert read_article(path, max_size=500).text == ("word " * 100).strip()
    assert read_article(path, max_size=len(b"word " * 100)).text  # exactly at the limit


def test_size_limit_message_in_mb(tmp_path):
    path = write(tmp_path / "big.txt", b"x" * (2 * 1024 * 1024 + 1))
    with pytest.raises(Skipped, match=r"^larger than the size limit \(2 MB\)$"):
        read_article(path, max_size=2 * 1024 * 1024)


# --------------------------------------------------------------------------- cleaning


def test_crlf_and_cr():
    assert clean("a\r\nb\rc\n\rd") == "a\nb\nc\n\nd"
    art = parse_article(b"Title\r\n\r\nPara one.\r\rPara two.\rLine.", ".txt")
    assert art.text == "Title\n\nPara one.\n\nPara two.\nLine."


def test_nfc():
    decomposed = "Cafe\u0301 re\u0301sume\u0301"
    assert clean(decomposed) == "Café résumé"
    assert len(clean(decomposed)) == len("Café résumé")


def test_nfc_after_removing_a_sequence_between_base_and_mark():
    assert clean("e\x1b[0m\u0301") == "\u00e9"


@pytest.mark.parametrize(
    "dirty,expected",
    [
        ("\x1b[31mred\x1b[0m text", "red text"),
        ("\x1b[1;38;5;196mbold\x1b[m", "bold"),
        ("a\x1b[2Jb\x1b[Hc\x1b[10;20Hd\x1b[?25l\x1b[?1049he", "abcde"),
        ("up\x1b[3Adown\x1b[K", "updown"),
        ("\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07 here", "click here"),
        ("\x1b]8;id=1;https://evil.example/\x1b\\link\x1b]8;;\x1b\\!", "link!"),
        ("\x1b]52;c;cm0gLXJmIH4=\x07copied", "copied"),
        ("\x1b]52;c;cm0gLXJmIH4=\x1b\\copied", "copied"),
        ("\x1b]0;window title\x07body", "body"),
        ("\x1bP1$r0m\x1b\\dcs", "dcs"),
        ("\x1bPq#0;2;0;0;0#0~~@@vv\x1b\\sixel", "sixel"),
        ("\x1b_Gf=100;AAAA\x1b\\apc \x1b^pm\x1b\\\x1bXsos\x1b\\x", "apc x"),
        ("\x9b31mc1 csi\x9b0m", "c1 csi"),
        ("\x9d8;;http://x/\x07c1 osc\x9d8;;\x9c", "c1 osc"),
        ("\x90qdata\x9cafter", "after"),
        ("\x1b(Bcharset\x1b7save\x1b8\x1bc", "charsetsave"),
        ("lone\x1b", "lone"),
    ],
)
def test_escape_sequences_removed_whole(dirty, expected):
    assert clean(dirty) == expected


def test_unterminated_osc_does_not_eat_the_text():
    cleaned = clean("\x1b]8;;http://x/ link text\n\nNext paragraph.")
    assert "\x1b" not in cleaned
    assert cleaned.endswith("link text\n\nNext paragraph.")


def test_controls_removed():
    dirty = "a\x00b\x07c\x08d\x0be\x0cf\x0eg\x1fh\x7fi\x80j\x85k\x9fl\tm\nn"
    assert clean(dirty) == "abcdefghijkl\tm\nn"


def test_every_control_removed_except_tab_and_newline():
    dirty = "".join(chr(i) for i in range(0x00, 0xA0)) + "end"
    cleaned = clean(dirty)
    assert all(c in "\t\n" or 0x20 <= ord(c) < 0x7F for c in cleaned)
    assert cleaned.endswith("end")


def test_bidi_and_zero_width_removed():
    dirty = (
        "a\u202ab\u202bc\u202cd\u202de\u202ef\u2066g\u2067h\u2068i\u2069j"
        "\u200ek\u200fl\u061cm\u200bn\u200co\u200dp\u2060q\ufeffr"
    )
    assert clean(dirty) == "abcdefghijklmnopqr"


def test_line_and_paragraph_separators():
    assert clean("a\u2028b\u2029c") == "a\nb\n\nc"


def test_lone_surrogate_replaced():
    assert clean("a\ud800b") == "a\ufffdb"


def test_whitespace_rules():
    dirty = "  \n\n  Title  \t\nline one   \n\tindented\n\n\n\n\npara two \n \n \n \npara three\n\n  "
    assert clean(dirty) == "Title\nline one\n\tindented\n\npara two\n\npara three"


def test_single_and_blank_line_breaks_kept():
    assert clean("a\nb\n\nc") == "a\nb\n\nc"


def test_markup_kept_literally():
    text = "[bold red]x[/] [@click=app.quit]q[/] [link=http://x]y [$accent] [/] [B]"
    assert clean(text) == text
    art = parse_article(("Headline\n" + text).encode(), ".txt")
    assert art.text == "Headline\n" + text


def test_clean_is_idempotent():
    dirty = "x\r\n\x1b[1mY\x1b[0m\u202e\n\n\n\nz  \t"
    assert clean(clean(dirty)) == clean(dirty)


def test_large_single_line():
    line = ("lorem ipsum dolor sit amet, " * 200_000)[: 5 * 1024 * 1024]
    art = parse_article(line.encode(), ".txt")
    assert art.text == line.strip()
    assert "\n" not in art.title and 0 < len(art.title) <= 121


def test_many_short_lines(tmp_path):
    lines = [f"word{i}" for i in range(100_000)]
    path = write(tmp_path / "lines.txt", "\n".join(lines) + "\n")
    art = read_article(path)
    assert art.text.count("\n") == 99_999
    assert art.text.split("\n")[-1] == "word99999"
    assert art.title == "word0"


def test_pathological_whitespace_and_escapes():
    dirty = " " * 200_000 + "x" + "\x1b[" * 50_000 + "1" * 50_000 + "\x1b]" * 50_000 + "y"
    cleaned = clean(dirty)
    assert cleaned.startswith("x") and cleaned.endswith("y")
    assert "\x1b" not in cleaned


# --------------------------------------------------------------------------- titles


@pytest.mark.parametrize(
    "text,title",
    [
        ("Council announces new park\nThe council said.", "Council announces new park"),
        ("The council said this.\nMore.", "The council said this."),
        ("Is this the end?\nMore.", "Is this the end?"),
        ("“We are proud,” she said\nMore text.", "“We are proud,” she said"),
        ("|\nReal sentence here.", "Real sentence here."),
        ("***\n\nA sentence.", "A sentence."),
        ("Short one: with colon:\nBody.", "Short one: with colon:"),
        ("Then he left. She said \"go.\"\nBody.", "Then he left."),
    ],
)
def test_title_heuristic(text, title):
    assert parse_article(text.encode(), ".txt").title == title


def test_title_long_first_sentence_cut_at_word_boundary():
    text = ("Word " * 40).strip() + ". Another."
    title = parse_article(text.encode(), ".txt").title
    assert title.endswith("…")
    assert len(title) <= 81
    assert title[:-1] == title[:-1].rstrip()
    assert ("Word " * 40).startswith(title[:-1] + " ")


def test_title_long_first_line_is_not_a_headline():
    first = "A" + " very" * 30 + " long line without a stop"
    title = parse_article((first + "\nBody.").encode(), ".txt").title
    assert title.endswith("…") and len(title) <= 81


def test_title_markdown_heading():
    art = parse_article(b"# Budget approved. #\n\nThe council met.", ".md")
    assert art.title == "Budget approved."
    assert art.text.startswith("# Budget approved. #")  # the text itself is unchanged


def test_title_falls_back_to_stem(tmp_path):
    path = write(tmp_path / "report 2021.txt", b"2021 - 42% / 17%\n\n12345")
    assert read_article(path).title == "report 2021"
    assert parse_article(b"12345", ".txt").title  # never empty


def test_title_is_single_line_and_clean():
    art = parse_article(b"<title>A\n\x1b[31mB\x1b[0m\t C</title><p>x</p>", ".html")
    assert art.title == "A B C"


# --------------------------------------------------------------------------- read_article errors


def test_read_missing_file(tmp_path):
    with pytest.raises(Skipped, match="^cannot read: file not found$"):
        read_article(tmp_path / "gone.txt")


def test_read_directory(tmp_path):
    (tmp_path / "dir.txt").mkdir()
    with pytest.raises(Skipped, match="is a directory"):
        read_article(tmp_path / "dir.txt")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_read_fifo_does_not_block(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(Skipped, match="^not a regular file$"):
        read_article(fifo)


def test_read_unreadable_file(tmp_path):
    path = write(tmp_path / "secret.txt", b"Secret headline\nBody.")
    path.chmod(0)
    try:
        assert list(find_article_files(tmp_path)) == [(path, None)]
        if not IS_ROOT:  # root reads it anyway
            with pytest.raises(Skipped, match="^cannot read: permission denied$"):
                read_article(path)
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert read_article(path).title == "Secret headline"


# --------------------------------------------------------------------------- find_article_files


def test_find_recursive_sorted(tmp_path):
    for rel in ["b.txt", "a.md", "sub/z.html", "sub/deeper/c.htm", "sub/a.TXT", "c.txt",
                "notes.pdf", "image.png", "README", "aa/x.txt"]:
        write(tmp_path / rel, "x")
    found = list(find_article_files(tmp_path))
    assert all(reason is None for _, reason in found)
    assert [p.relative_to(tmp_path).as_posix() for p, _ in found] == [
        "a.md", "aa/x.txt", "b.txt", "c.txt", "sub/a.TXT", "sub/deeper/c.htm", "sub/z.html",
    ]
    assert found == list(find_article_files(tmp_path))  # deterministic


def test_find_skips_directory_named_like_article(tmp_path):
    write(tmp_path / "x.txt" / "inner.txt", "x")
    (tmp_path / "empty.md").mkdir()
    found = list(find_article_files(tmp_path))
    assert found == [(tmp_path / "x.txt" / "inner.txt", None)]


def test_find_skips_hidden(tmp_path):
    write(tmp_path / ".git" / "a.txt", "x")
    write(tmp_path / ".venv" / "lib" / "b.md", "x")
    write(tmp_path / ".hidden.txt", "x")
    write(tmp_path / "visible.txt", "x")
    assert list(find_article_files(tmp_path)) == [(tmp_path / "visible.txt", None)]


def test_find_symlink_loop(tmp_path):
    write(tmp_path / "d" / "a.txt", "x")
    os.symlink(tmp_path / "d", tmp_path / "d" / "loop")
    os.symlink(tmp_path, tmp_path / "d" / "up")
    found = list(find_article_files(tmp_path))
    assert (tmp_path / "d" / "a.txt", None) in found
    assert (tmp_path / "d" / "loop", "symlink loop") in found
    assert (tmp_path / "d" / "up", "symlink loop") in found
    assert len(found) == 3


def test_find_self_referencing_symlink_and_broken_link(tmp_path):
    os.symlink(tmp_path / "self.txt", tmp_path / "self.txt")
    os.symlink(tmp_path / "missing.txt", tmp_path / "broken.txt")
    found = dict(find_article_files(tmp_path))
    assert found[tmp_path / "self.txt"] == "symlink loop"
    assert found[tmp_path / "broken.txt"] == "broken symbolic link"


def test_find_follows_no_link_inside_the_folder(tmp_path):
    """Links inside the folder point at files sync reaches under their own names: not followed."""
    write(tmp_path / "real" / "a.txt", "x")
    os.symlink(tmp_path / "real", tmp_path / "zlink")
    os.symlink("real/a.txt", tmp_path / "b.txt")
    os.symlink("real/a.txt", tmp_path / "real.csv")  # no article name, a file: ignored like any other
    found = list(find_article_files(tmp_path))
    assert found == [
        (tmp_path / "b.txt", "link inside the folder (to real/a.txt): not followed"),
        (tmp_path / "real" / "a.txt", None),
        (tmp_path / "zlink", f"link inside the folder (to {tmp_path / 'real'}): not followed"),
    ]


def test_find_never_leaves_the_folder(tmp_path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    write(root / "a.txt", "x")
    write(outside / "secret.txt", "x")
    os.symlink(outside, root / "out")
    os.symlink(outside / "secret.txt", root / "secret.txt")
    os.symlink("/", root / "fs")
    os.symlink(outside / "secret.txt", root / "secret.csv")
    assert list(find_article_files(root)) == [
        (root / "a.txt", None),
        (root / "fs", "link leaves the folder (to /)"),
        (root / "out", f"link leaves the folder (to {outside})"),
        (root / "secret.txt", f"link leaves the folder (to {outside / 'secret.txt'})"),
    ]


def test_read_beneath_the_folder_follows_no_link(tmp_path):
    """What sync does: a folder or file swapped for a link after the walk still cannot be read."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    write(outside / "a.txt", "Outside headline\nBody.")
    write(root / "in" / "b.txt", "Inside headline\nBody.")
    os.symlink(outside, root / "sub")
    os.symlink(outside / "a.txt", root / "in" / "a.txt")
    assert read_article(root / "in" / "b.txt", root=root).title == "Inside headline"
    for path in (root / "sub" / "a.txt", root / "in" / "a.txt"):
        assert read_article(path).title == "Outside headline"  # without root: followed
        with pytest.raises(Skipped, match="^symbolic link: not followed$"):
            read_article(path, root=root)
    with pytest.raises(Skipped, match="^outside the folder$"):
        read_article(root / ".." / "outside" / "a.txt", root=root)


def test_find_odd_file_names(tmp_path):
    names = ["with space.txt", "new\nline.txt", "[bold red]x[i].md", "[@click=app.quit]q.txt",
             "café ünïcode.htm", "日本語.html", "\x1b[31mesc.txt"]
    for name in names:
        html = name.endswith((".htm", ".html"))
        write(tmp_path / name, "<h1>Headline</h1><p>Body.</p>" if html else "Headline\nBody.")
    found = list(find_article_files(tmp_path))
    assert sorted(p.name for p, _ in found) == sorted(names)
    assert [p.name for p, _ in found] == sorted(names)
    for path, reason in found:
        assert reason is None
        assert read_article(path).title == "Headline"


def test_find_unreadable_directory(tmp_path):
    write(tmp_path / "locked" / "a.txt", "x")
    write(tmp_path / "open" / "b.txt", "x")
    locked = tmp_path / "locked"
    locked.chmod(0)
    try:
        found = list(find_article_files(tmp_path))
    finally:
        locked.chmod(stat.S_IRWXU)
    assert (tmp_path / "open" / "b.txt", None) in found
    if IS_ROOT:  # root can read it anyway
        assert (locked / "a.txt", None) in found
    else:
        assert (locked, "cannot read directory: permission denied") in found
        assert len(found) == 2


def test_find_unreadable_root(tmp_path):
    root = tmp_path / "root"
    write(root / "a.txt", "x")
    root.chmod(0)
    try:
        found = list(find_article_files(root))
    finally:
        root.chmod(stat.S_IRWXU)
    if not IS_ROOT:
        assert found == [(root, "cannot read directory: permission denied")]


def test_find_root_variants(tmp_path):
    f = write(tmp_path / "one.md", "x")
    other = write(tmp_path / "data.csv", "x")
    assert list(find_article_files(f)) == [(f, None)]
    [(path, reason)] = find_article_files(other)
    assert path == other and reason.startswith("not an article file")
    [(path, reason)] = find_article_files(tmp_path / "nope")
    assert reason == "cannot read: file not found"
    assert list(find_article_files(tmp_path / "empty_dir_missing_parent" / "x")) != []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_find_reports_fifo_with_article_name(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    os.mkfifo(tmp_path / "pipe.other")
    assert list(find_article_files(tmp_path)) == [(tmp_path / "pipe.txt", "not a regular file")]


def test_find_deep_tree(tmp_path):
    d = tmp_path
    for i in range(60):
        d = d / f"d{i}"
    write(d / "deep.txt", "x")
    assert list(find_article_files(tmp_path)) == [(d / "deep.txt", None)]


def test_find_then_read_real_articles():
    found = list(find_article_files(ARTICLES))
    assert [p.name for p, _ in found] == [ART_000.name, ART_004.name]
    for path, reason in found:
        assert reason is None
        assert read_article(path).encoding == "utf-8"


# --------------------------------------------------------------------------- big inputs


def test_clean_strips_every_line_of_a_big_text():
    """clean() strips lines a chunk at a time (bounded memory): every line, across chunk ends too."""
    lines = [("word " * (i % 40)) + (" \t\u3000" * (i % 3)) for i in range(60_000)]
    text = "\n".join(lines)
    assert len(text) > 10 * 64 * 1024
    assert clean(text) == re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in lines)).strip()


def test_front_matter_must_end_within_64_kb():
    far = "---\n" + "key: value\n" * 7_000 + "title: Far\n---\nBody text here."
    art = parse_article(far.encode(), ".md")
    assert art.title != "Far" and art.text.startswith("---\nkey: value")
    near = "---\n" + "key: value\n" * 5_000 + "title: Near\n---\nBody text here."
    art = parse_article(near.encode(), ".md")
    assert art.title == "Near" and art.text == "Body text here."
