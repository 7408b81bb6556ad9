"""The article as wrapped sentences with a tag gutter, drawn through the Line API.

``Layout`` (tui/widgets/layout.py) says which sentence and offsets each display
line shows, wrapping sentences only when they are drawn; ``render_line`` turns a
line into a ``Strip`` from styles built once per look and caches it by everything
that can change it. So a 10,000-sentence article opens with one counting pass,
and a keypress builds strips only for the lines it changed.

``render_lines`` hands the compositor those cached strips already padded and
filtered (what Textual's ``StylesCache`` would do to every visible line again
after each scroll), so a line costs one strip when it is built and nothing
when it is shown again at another height. And once a PgDn's page is shown, the
next one is drawn while it is read: the next PgDn finds its strips built.
"""

from __future__ import annotations

import bisect
import gc
import re
from dataclasses import dataclass
from pathlib import Path

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.events import Click, Resize
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from store.names import reveal
from store.queries import AnnotatedArticle, Sentences, Tag
from tui.compat import Finish, KeepsScrollbarLines, SizedBeforePaint
from tui.widgets.layout import BLANK, NOTE, OTHERS, SPEAKER, TEXT, Layout, Line, note_chunks, wrap


@dataclass(frozen=True, slots=True)
class _Palette:
    """Every style a line in one state (cursor or not, partner or not) is drawn with."""

    line: Style  # the line's background; also blank cells
    gutter: Style
    text: Style
    unaligned: Style  # text of a sentence with no partner in the other pane
    note: Style  # notes, others' tags, speaker labels
    tags: dict[str, Style]  # tag name -> its gutter letter
    suggested: dict[str, Style]  # tag name -> its dim suggestion letter
    shared: Style  # overlays on text: copied passages, search hits
    match: Style


class ArticleView(SizedBeforePaint, KeepsScrollbarLines, ScrollView, can_focus=True, inherit_bindings=False):
    """Sentences of one article; the cursor is a 1-based sentence number.

    It has no key bindings of its own (not even the scroll keys it would inherit):
    the screen that owns it maps keys to cursor moves.
    """

    DEFAULT_CSS = Path(__file__).with_suffix(".tcss").read_text(encoding="utf-8")
    COMPONENT_CLASSES = {"article-view--cursor", "article-view--match", "article-view--note",
                         "article-view--gutter", "article-view--shared", "article-view--unaligned",
                         "article-view--partner"}

    cursor: reactive[int] = reactive(1, always_update=True)
    show_notes: reactive[bool] = reactive(True)

    class CursorMoved(Message):
        def __init__(self, view: ArticleView, n: int) -> None:
            super().__init__()
            self.view, self.n = view, n

        @property
        def control(self) -> ArticleView:
            return self.view

    def __init__(self, article: AnnotatedArticle, codebook: list[Tag], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.article = article
        self.codebook = codebook
        self.matches: list[tuple[int, int]] = []  # search hits, sorted offsets into the text
        # Alignment with the other pane of a compare screen (None elsewhere): sentence ->
        # its partners' numbers there, what to call a sentence without one, and the
        # verbatim shared passages (sorted offsets) to emphasise.
        self.partners: dict[int, tuple[int, ...]] | None = None
        self.unaligned_label = ""
        self.shared: list[tuple[int, int]] = []
        self.highlighted: frozenset[int] = frozenset()  # partners of the other pane's cursor
        self.others: dict[int, str] = {}  # sentence -> a line of other annotators' tags, when shown
        self.show_suggestions = True
        self._lines = Layout("", Sentences([]), 1, lambda n: [], set())  # until the first Resize
        self._layout_width = -1
        self._generation = 0  # bumped whenever every cached strip is stale
        self._versions: dict[int, int] = {}  # sentence n -> bumped when its tags or note change
        self._strips: LRUCache[tuple, Strip] = LRUCache(1024)
        self._palettes: dict[tuple, _Palette] = {}
        self._finish: Finish | None = None  # set by render_lines: how render_line finishes its strips

    # -- layout -----------------------------------------------------------------
    @property
    def gutter_width(self) -> int:
        # cursor bar, a slot per tag, note mark, space, and with an alignment its column
        return len(self.codebook) + 3 + (5 if self.partners is not None else 0)

    def _speaker_label(self, n: int) -> str:
        """Who speaks, under the first sentence of each stretch of quoted speech by one speaker."""
        speaker = self.article.speakers.get(n)
        if speaker is None or not speaker.quoted:
            return ""
        previous = self.article.speakers.get(n - 1)
        if previous is not None and previous.quoted and previous.name == speaker.name:
            return ""
        return f"“ {speaker.name}" + (f", {speaker.role}" if speaker.role else "")

    def set_others(self, others: dict[int, str]) -> None:
        self.others = others
        self.relayout()
        self.scroll_to_cursor()

    def set_alignment(self, partners: dict[int, tuple[int, ...]], shared: list[tuple[int, int]],
                      unaligned_label: str) -> None:
        self.partners, self.shared, self.unaligned_label = partners, sorted(shared), unaligned_label
        self.relayout()

    def highlight(self, sentences: frozenset[int]) -> None:
        """Mark the sentences aligned with the other pane's cursor, and bring the first into view."""
        if sentences == self.highlighted:
            return
        old, self.highlighted = self.highlighted, sentences
        for n in old | sentences:
            self._refresh_sentence_lines(n)
        self.scroll_to_highlighted()

    def scroll_to_highlighted(self) -> None:
        if self.highlighted:
            first, _ = self._sentence_lines(min(self.highlighted))
            _, last = self._sentence_lines(max(self.highlighted))
            self.scroll_to_region(Region(0, first, 1, max(last - first, 1)), animate=False, center=True,
                                  immediate=True)

    def _text_width(self) -> int:
        return max(self.scrollable_content_region.width - self.gutter_width, 10)

    def _extra_lines(self, n: int, width: int) -> list[Line]:
        """Lines under sentence ``n``'s text: who speaks, others' tags, and its note when notes are shown."""
        lines: list[Line] = []
        if label := self._speaker_label(n):
            lines.extend((SPEAKER, n, a, b) for a, b in wrap(label, 0, len(label), width - 2))
        if n in self.others:
            lines.extend((OTHERS, n, a, b) for a, b in wrap(self.others[n], 0, len(self.others[n]), width - 2))
        note = self._note(n) if self.show_notes else None
        if note:
            for chunk_start, chunk_end in note_chunks(note):
                lines.extend((NOTE, n, a, b) for a, b in wrap(note, chunk_start, chunk_end, width - 2))
        return lines

    def _note(self, n: int) -> str:
        """Sentence ``n``'s note as drawn: revealed (store.names.reveal), as a note from another database
        may hold escape sequences; laid out and drawn from this same string."""
        return reveal(self.article.notes.get(n, ""), keep="\n\t")

    def set_codebook(self, codebook: list[Tag]) -> None:
        """Draw with a new codebook: its gutter has a slot per tag."""
        self.codebook = codebook
        self._palettes.clear()
        self.relayout()

    def relayout(self) -> None:
        """Lay the article out for the current width, notes and labels (sentences wrap when drawn)."""
        width, article = self._text_width(), self.article
        with_extras = set(self.others) | {n for n in article.speakers if self._speaker_label(n)}
        if self.show_notes:
            with_extras.update(article.notes)
        self._lines = Layout(article.text, article.sentences, width, lambda n: self._extra_lines(n, width),
                             with_extras)
        self._layout_width = self.scrollable_content_region.width
        self._relaid()

    def _relaid(self) -> None:
        """After the display lines changed: every cached strip is stale and the height may differ."""
        self._generation += 1
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._lines))
        self.refresh()

    def size_settled(self) -> None:
        """Lay out in the layout pass, before the paint (see SizedBeforePaint): the article's text is in the
        reader's first frame."""
        self._fit_width()

    def on_resize(self, event: Resize) -> None:
        self._fit_width()

    def _fit_width(self) -> None:
        """Lay out again for a new width, keeping in view what the user follows: the sentences aligned with
        the other pane's cursor in a pane that is following it (issue 19: it jumped to its own cursor)."""
        if self.scrollable_content_region.width != self._layout_width:
            self.relayout()
            if self.highlighted and not self.has_focus:
                self.scroll_to_highlighted()
            else:
                self.scroll_to_cursor(center=True)

    def watch_show_notes(self) -> None:
        if self.is_mounted:
            self.relayout()
            self.scroll_to_cursor()

    def refresh_sentence(self, n: int) -> None:
        """Redraw after ``n``'s tags or note changed: only ``n``'s lines, unless its line count changed."""
        if not 1 <= n <= self._lines.count:
            return
        self._versions[n] = self._versions.get(n, 0) + 1
        if not self._lines.rewrap(n):
            self._refresh_sentence_lines(n)
            return
        self._relaid()  # the lines below moved
        if n == self.cursor:
            self.scroll_to_cursor()  # a new note under the cursor sentence must come into view

    def refresh_all(self) -> None:
        self._generation += 1
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._palettes.clear()  # the CSS changed: styles are built again, strips drawn again
        self._generation += 1

    def _sentence_lines(self, n: int) -> tuple[int, int]:
        """First display line of sentence ``n`` and one past its last (notes included)."""
        return self._lines.first[n], self._lines.stop[n]

    def _refresh_sentence_lines(self, n: int) -> None:
        if 1 <= n <= self._lines.count:
            first, last = self._sentence_lines(n)
            self.refresh_lines(first, last - first)

    # -- cursor -------------------------------------------------------------------
    @property
    def count(self) -> int:
        return len(self.article.sentences)

    def validate_cursor(self, n: int) -> int:
        return min(max(n, 1), max(self.count, 1))

    def watch_cursor(self, old: int, new: int) -> None:
        if not self.is_mounted:
            return
        self._refresh_sentence_lines(old)
        self._refresh_sentence_lines(new)
        self.scroll_to_cursor()
        self.post_message(self.CursorMoved(self, new))

    def scroll_to_cursor(self, center: bool = False) -> None:
        if not self.count or not self._lines:
            return
        first, last = self._sentence_lines(self.cursor)
        self.scroll_to_region(Region(0, first, 1, last - first), animate=False, center=center, immediate=True)

    def sentence_at_line(self, line: int) -> int | None:
        return self._lines.sentence_at(line) or None

    def page(self, direction: int) -> None:
        """Scroll a screenful and put the cursor on the first sentence that starts in view; once that
        is drawn, draw the page after it (ahead of the reader, who reads this one first)."""
        top, n = self._page_target(direction)
        self.scroll_to(y=top, animate=False, immediate=True)
        if n:
            self.cursor = n
        self.call_after_refresh(self._draw_ahead, direction)

    def _page_target(self, direction: int) -> tuple[int, int]:
        """Where a PgDn (``direction`` 1) or PgUp (-1) from here scrolls to, and the sentence it puts
        the cursor on (0: none)."""
        height = self.scrollable_content_region.height
        top = min(max(int(self.scroll_offset.y) + direction * max(height - 1, 1), 0), int(self.max_scroll_y))
        n = self.sentence_at_line(top) or self.sentence_at_line(top + 1)
        if direction > 0 and top + height >= len(self._lines):
            n = self.count
        elif direction < 0 and top == 0:
            n = 1
        if n and self._lines.first[n] < top and n < self.count:
            n += 1
        return top, n

    def _draw_ahead(self, direction: int) -> None:
        """Build the strips of the page another PgDn (PgUp) would show, as it would show them, so
        that keypress finds them in the cache.

        Then collect the young generations: what this PgDn and the drawing left (some thousand
        objects) is dealt with now, while the page is read, not by an automatic collection inside
        the next keypress (a few milliseconds, every few keys)."""
        if self._finish is None or not self.is_attached:  # not drawn through our strips, or gone
            return
        top, n = self._page_target(direction)
        for index in range(top, min(top + self.scrollable_content_region.height, len(self._lines))):
            self._line(index, n or self.cursor)
        gc.collect(1)

    def para_step(self, direction: int) -> None:
        """Move to the first sentence of the next or previous paragraph."""
        paras = self.article.sentences.paras
        if not paras:
            return

        def paragraph_start(i: int) -> int:  # index of the first sentence of sentence index i's paragraph
            while i > 0 and paras[i - 1] == paras[i]:
                i -= 1
            return i

        i = self.cursor - 1
        if direction > 0:
            n = next((j + 1 for j in range(i + 1, len(paras)) if paras[j] != paras[i]), self.count)
        else:
            start = paragraph_start(i)
            n = start + 1 if start < i else paragraph_start(start - 1) + 1 if start else 1
        self.cursor = n

    def on_focus(self) -> None:
        self.refresh()  # the cursor is drawn brighter in the focused pane

    def on_blur(self) -> None:
        self.refresh()

    def on_click(self, event: Click) -> None:
        n = self.sentence_at_line(event.y + int(self.scroll_offset.y))
        if n:
            self.cursor = n
        self.focus()

    # -- search -------------------------------------------------------------------
    def set_search(self, query: str) -> int:
        """Highlight every case-insensitive occurrence of ``query``; return the count."""
        self.matches = []
        if query:
            pattern = re.compile(re.escape(query), re.IGNORECASE)
            self.matches = [(m.start(), m.end()) for m in pattern.finditer(self.article.text)]
        self.refresh_all()
        return len(self.matches)

    def match_sentences(self) -> list[int]:
        """Sentence numbers containing a search hit, in order."""
        starts = self.article.sentences.starts
        return sorted({bisect.bisect_right(starts, a) for a, _ in self.matches} - {0})

    # -- drawing ------------------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        """The view's lines for the compositor, straight from the strip cache.

        Textual's own ``render_lines`` (``StylesCache``) pads and filters every visible line again
        after each scroll, into new strips that the compositor then cuts up again. Here
        ``render_line`` caches lines already finished that way, so a line shown before, at any
        height, is one dict lookup and the very strip the compositor has already cut. Looks that need
        more than padding and filters (borders, tint, opacity...) go through Textual's pipeline.
        """
        finish = Finish.of(self)
        if finish != self._finish:
            self._finish = finish
            self._generation += 1  # strips finished (or not) for another look
        if finish is None:
            return super().render_lines(crop)
        return finish.crop([self.render_line(y) for y in crop.line_range], crop)

    def render_line(self, y: int) -> Strip:
        """Line ``y`` of the view: finished for the compositor when ``render_lines`` asked for it,
        else (Textual's pipeline) just the content."""
        return self._line(y + int(self.scroll_offset.y), self.cursor)

    def _line(self, index: int, cursor: int) -> Strip:
        """Display line ``index`` as drawn with the cursor on sentence ``cursor``."""
        width = self._layout_width  # kept equal to scrollable_content_region.width by on_resize (which is slow)
        lines = self._lines
        if index >= len(lines):
            return self._strip([Segment(" " * max(width, 0), self._palette(False, False).line)], max(width, 0))
        kind, n, a, b = lines[index]
        tags = self.article.tags.get(n)
        is_cursor = n == cursor
        key = (index, width, self._generation, self.app.theme, self.has_focus, is_cursor,
               frozenset(tags) if tags else None, n in self.article.notes, self._versions.get(n),
               n in self.highlighted, self._suggested(n))
        strip = self._strips.get(key)
        if strip is None:  # no apply_offsets: the view offers no text selection, and offsets double the cost
            segments = self._render(index, kind, n, a, b, tags or (), width, is_cursor)
            strip = self._strips[key] = self._strip(segments, width)
        return strip

    def _strip(self, segments: list[Segment], width: int) -> Strip:
        """A line of ``width`` cells, finished when ``render_lines`` is drawing."""
        return Strip(segments, width) if self._finish is None else self._finish.line(segments, width)

    def _palette(self, is_cursor: bool, partner: bool) -> _Palette:
        """The styles of a line in this state, built once per theme and focus (``rich_style`` is slow)."""
        look = (self.app.theme, self.has_focus, is_cursor, partner)
        palette = self._palettes.get(look)
        if palette is None:
            style = self.rich_style
            if is_cursor:
                style += self.get_component_rich_style("article-view--cursor")
            if partner:
                style += self.get_component_rich_style("article-view--partner")
            component = self._overlay
            palette = self._palettes[look] = _Palette(
                line=style, gutter=style + component("article-view--gutter"), text=style,
                unaligned=style + component("article-view--unaligned"),
                note=style + component("article-view--note"),
                tags={t.name: style + Style(color=t.colour, bold=True) for t in self.codebook},
                suggested={t.name: style + Style(color=t.colour, dim=True, italic=True) for t in self.codebook},
                shared=component("article-view--shared"), match=component("article-view--match"))
        return palette

    def _overlay(self, name: str) -> Style:
        """A component's style to put over a line's: its background only if it sets one (a search match), so
        that the cursor and partner backgrounds run under the gutter and the copied and cut words too."""
        full = self.get_component_rich_style(name)
        if self.get_component_rich_style(name, partial=True).bgcolor is not None:
            return full
        return full.without_color + Style(color=full.color)

    def _render(self, index: int, kind: int, n: int, a: int, b: int, tags, width: int,
                is_cursor: bool) -> list[Segment]:
        """The segments of display line ``index``, exactly ``width`` cells."""
        palette = self._palette(is_cursor, n in self.highlighted and not is_cursor)
        if kind == BLANK:
            return [Segment(" " * width, palette.line)]
        heading = kind == TEXT and index == self._lines.first[n]  # the sentence's first line carries its marks
        segments = [Segment("▌" if is_cursor else " ", palette.gutter)]
        suggested = self._suggested(n) if heading else frozenset()
        for tag in self.codebook:
            if heading and tag.name in tags:
                segments.append(Segment(tag.letter, palette.tags[tag.name]))
            elif tag.name in suggested:  # a suggestion, never mistaken for a tag: dim, lower case, and a ?
                segments.append(Segment(tag.key, palette.suggested[tag.name]))
            else:
                segments.append(Segment(" ", palette.line))
        mark = "✎" if heading and n in self.article.notes else "?" if suggested else " "
        segments.append(Segment(mark, palette.gutter))
        segments.append(Segment(" ", palette.line))
        if self.partners is not None:
            segments.append(Segment(self._pair_mark(n) if heading else "     ", palette.gutter))
        if kind in (NOTE, OTHERS, SPEAKER):
            source = {NOTE: self._note(n), OTHERS: self.others.get(n, ""),
                      SPEAKER: self._speaker_label(n)}[kind]
            segments.append(Segment("  " + source[a:b].replace("\t", " "), palette.note))
        else:
            unaligned = self.partners is not None and n not in self.partners
            segments.extend(self._text_segments(a, b, palette.unaligned if unaligned else palette.text, palette))
        cells = sum(cell_len(segment.text) for segment in segments)
        if cells > width:
            return list(Strip(segments).crop_extend(0, width, palette.line))
        if cells < width:
            segments.append(Segment(" " * (width - cells), palette.line))
        return segments

    def _suggested(self, n: int) -> frozenset[str]:
        """Tags suggested for sentence ``n`` that are shown (dimmed, with a ?) in the gutter."""
        if not self.show_suggestions or n in self.article.tags:
            return frozenset()
        suggestions = self.article.suggestions.get(n)
        return frozenset(g.tag for g in suggestions) if suggestions else frozenset()

    def _pair_mark(self, n: int) -> str:
        """Five gutter cells: the first partner's number (``+`` when there are more), or the label."""
        partners = self.partners.get(n)
        if not partners:
            return f"{self.unaligned_label:>4} "
        mark = f"→{partners[0]}"[-4:]
        return f"{mark:>4}{'+' if len(partners) > 1 else ' '}"

    def _text_segments(self, a: int, b: int, style: Style, palette: _Palette) -> list[Segment]:
        """``text[a:b]`` with two overlays: shared (copied) passages and search matches."""
        text = self.article.text
        if not self.shared and not self.matches:
            return [Segment(text[a:b].replace("\t", " "), style)]
        layers = [(self.shared, palette.shared), (self.matches, palette.match)]
        cuts = {a, b}
        for ranges, _ in layers:
            for start, end in _overlapping(ranges, a, b):
                cuts.update((max(start, a), min(end, b)))
        points = sorted(cuts)
        out = []
        for x, y in zip(points, points[1:]):
            piece_style = style
            for ranges, layer_style in layers:
                if _covers(ranges, x):
                    piece_style += layer_style
            out.append(Segment(text[x:y].replace("\t", " "), piece_style))
        return out


def _overlapping(ranges: list[tuple[int, int]], a: int, b: int) -> list[tuple[int, int]]:
    """The sorted, non-overlapping ``ranges`` that intersect [a, b)."""
    i = max(bisect.bisect_right(ranges, (a, a)) - 1, 0)
    out = []
    for start, end in ranges[i:]:
        if start >= b:
            break
        if end > a:
            out.append((start, end))
    return out


def _covers(ranges: list[tuple[int, int]], x: int) -> bool:
    i = bisect.bisect_right(ranges, (x, float("inf"))) - 1
    return i >= 0 and ranges[i][0] <= x < ranges[i][1]
