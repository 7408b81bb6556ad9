"""Every use of Textual's private API, in one place (issue 17).

Each says why no public API does the job. tests/test_textual_compat.py fails loudly if Textual changes one of
them (a rename would otherwise make a patch do nothing, or a hook never be called); the reader's lines are
checked against Textual's own by tests/test_reader_structure.py (``test_*_lines_are_the_lines_textual_would_draw``).
Textual is pinned to 8.x in pyproject.toml; ``make textual-next`` runs the TUI tests on the newest Textual to see
what a move would break. The last four are for the tests only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import textual._wait as idle_wait  # noqa: F401  (Pilot's idle check, see the end)
from rich.console import RenderableType
from rich.segment import Segment
from rich.style import Style
from textual.app import App
from textual.binding import Binding
from textual.color import Color
from textual.dom import DOMNode
from textual.geometry import Region, Size
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip
from textual.style import Style as TextualStyle
from textual.widget import Widget


def bind_key(node: DOMNode, keys: str, action: str, description: str, *, show: bool = True) -> None:
    """Bind ``keys`` on this one screen (or widget) at run time.

    Private because: the tag keys come from the codebook, known only when the screen mounts, and ``BINDINGS``
    are per class. Textual's only run-time method, ``App.bind``, binds on the app (every screen) and is this
    same ``BindingsMap.bind`` call, documented as "may be private or removed in a future version"."""
    node._bindings.bind(keys, action, description, show=show)


def rebind_keys(node: DOMNode, old_keys: Iterable[str], bindings: Iterable[Binding]) -> list[str]:
    """Unbind ``old_keys`` from this one screen and bind ``bindings`` instead, at run time; returns their keys.

    Private because: as ``bind_key``, and Textual has no way at all to unbind a key (the codebook may have
    lost or re-keyed a tag since: another process edited it)."""
    keys = node._bindings.key_to_bindings
    for key in old_keys:
        keys.pop(key, None)
    for binding in bindings:
        keys.setdefault(binding.key, []).append(binding)
    return [binding.key for binding in bindings]


class SizedBeforePaint:
    """A mixin for a widget that lays its content out for its size: ``size_settled()`` runs in the layout
    pass that sizes the widget, right before the paint.

    Private because: the public ``Resize`` event comes after that paint, so a widget laid out on Resize
    shows its first frame empty (the reader would open on a blank page for a frame). ``_size_updated`` is
    where the compositor gives a widget its size."""

    def size_settled(self) -> None:
        raise NotImplementedError

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        resized = super()._size_updated(size, virtual_size, container_size, layout)  # type: ignore[misc]
        self.size_settled()
        return resized


# -- lines finished the way Textual's StylesCache finishes them, so a widget can keep them ---------------------
# Textual draws a widget by taking each line's content and padding and filtering it into a new ``Strip``
# (``StylesCache.render_line``), which the compositor then cuts at other widgets' edges and remembers the cuts on
# that strip. After a scroll every line is new to it: a PgDn in a 41-line reader made about 400 strips, and those
# of the scrollbar are cut into themselves (a cycle, freed only by the garbage collector's slower passes). The
# reader keeps finished lines by what they show, so a line drawn before is the same strip again, already cut.
#
# Kept, measured (issue 17): without it a PgDn through the bench's 1 MB article costs 11.5 and 13.5 ms of CPU
# against 8.7 and 8.7 ms with it (two alternating runs of 150 PgDn under App.run_test at 160x45, Pilot's own work
# included), and `python -m bench run --only tui` gave PgDn p99 35.8 ms (median 13.8) without it against
# 14.9 ms (median 6.3) with it: the target is 16 ms. (A loaded machine: a second run with it gave 34.3 ms,
# median 8.2.) The equivalence with Textual's own lines is what tests/test_reader_structure.py checks.
@dataclass(frozen=True, slots=True)
class Finish:
    """What ``StylesCache`` does to a content line of a widget styled with no more than padding at
    the sides: fit it to the content width, pad it, apply the widget's line filters. (Not its link hover
    styles: the reader's text has no links.)"""

    content_width: int
    left: int
    right: int
    blank: Style  # the padding's style
    filters: tuple
    background: Color  # what the filters blend against

    @property
    def width(self) -> int:
        return self.left + self.content_width + self.right

    @classmethod
    def of(cls, widget: Widget) -> Finish | None:
        """How ``widget``'s lines are finished now; None when its styles need Textual's whole pipeline."""
        styles = widget.styles
        top, right, bottom, left = styles.padding
        if (top or bottom or styles.gutter != styles.padding or any(edge for edge, _ in styles.outline)
                or styles.tint.a or styles.text_opacity != 1 or widget.opacity != 1
                or (styles.has_rule("hatch") and styles.hatch != "none")):
            return None
        base, background = widget.background_colors
        return cls(widget.content_region.width, left, right, TextualStyle(background=base + background).rich_style,
                   tuple(widget.get_line_filters()), background)

    def line(self, segments: list[Segment], cells: int) -> Strip:
        """The finished line of content ``segments`` (``cells`` wide)."""
        if cells > self.content_width:
            segments, cells = list(Strip(segments, cells).adjust_cell_length(self.content_width)), self.content_width
        if cells < self.content_width:
            segments.append(Segment(" " * (self.content_width - cells), self.blank))
        if self.left:
            segments.insert(0, Segment(" " * self.left, self.blank))
        if self.right:
            segments.append(Segment(" " * self.right, self.blank))
        for line_filter in self.filters:
            segments = line_filter.apply(segments, self.background)
        return Strip(segments, self.width)

    def crop(self, strips: list[Strip], crop: Region) -> list[Strip]:
        """``strips`` (whole lines) cut to the columns the compositor asked for."""
        if crop.column_span == (0, self.width):
            return strips
        return [strip.crop(*crop.column_span) for strip in strips]


class CachedScrollBar(ScrollBar):
    """Textual's vertical scrollbar, its lines kept by what they show.

    The thumb moves on every PgDn, and Textual then draws all of the bar again through
    a Rich renderable (about 2 ms for 41 lines). The bar's lines are a handful of
    different cells (above the thumb, below it, the thumb and its ends), so each is
    drawn once, as ``ScrollBarRender`` draws it, and shown again from here.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._look: tuple | None = None
        self._lines: dict[Segment, Strip] = {}

    def render_lines(self, crop: Region) -> list[Strip]:
        finish, bar = Finish.of(self), self.render()  # bar: Textual's choice of colours and sizes
        if finish is None or not self.vertical or type(bar) is not ScrollBarRender:
            return super().render_lines(crop)
        width, height = self.size
        base = self.visual_style.rich_style  # what Textual's render applies under the bar's own styles
        if (finish, base) != self._look:
            self._look, self._lines = (finish, base), {}
        cells = bar.render_bar(size=height, virtual_size=bar.virtual_size, window_size=bar.window_size,
                               position=bar.position, thickness=width, vertical=True,
                               back_color=bar.style.bgcolor, bar_color=bar.style.color).segments
        strips = []
        for cell in cells[crop.y:crop.bottom]:
            strip = self._lines.get(cell)
            if strip is None:
                text, style, _ = cell
                strip = self._lines[cell] = finish.line([Segment(text, base + style if base else style)], width)
            strips.append(strip)
        return finish.crop(strips, crop)


class KeepsScrollbarLines:
    """A mixin for a scrolling widget whose vertical scrollbar is a ``CachedScrollBar``.

    Private because: Textual makes a widget's scrollbar in its ``vertical_scrollbar`` property, into
    ``_vertical_scrollbar``, and starts it with ``App._start_widget``; there is no public way to give a widget
    another scrollbar class."""

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        if self._vertical_scrollbar is None:
            self._vertical_scrollbar = CachedScrollBar(vertical=True, name="vertical",
                                                       thickness=self.scrollbar_size_vertical)
            self._vertical_scrollbar.display = False
            self.app._start_widget(self, self._vertical_scrollbar)
        return self._vertical_scrollbar


# -- for the tests -----------------------------------------------------------------------------------------
def screen_render(app: App) -> RenderableType:
    """The whole current screen (with the screens seen under a dialog), exactly as ``App.export_screenshot``
    draws it before turning it into SVG. Private because: Textual offers the screen only as SVG."""
    return app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)


def watch_paints(app: App, callback: Callable[[], None]) -> None:
    """Call ``callback()`` each time ``app`` sends a screen update out, just before it goes. Private because:
    Textual has no event for a paint; ``App._display`` is what it calls once per update."""
    display = app._display

    def displayed(screen, update) -> None:
        callback()
        display(screen, update)

    app._display = displayed  # type: ignore[method-assign]


def add_line_filter(app: App, line_filter) -> None:
    """Filter every line ``app`` draws from now on, as ``TEXTUAL_FILTERS`` does from the start. Private because:
    the filters are read from the environment when the app is made; there is no public way to add one."""
    app._filters.append(line_filter)


# ``idle_wait``: after every key Pilot sleeps in SLEEP_GRANULARITY steps until a step used almost no CPU
# (SLEEP_IDLE). The tests shorten the steps (tests/tui_helpers.py: quicker_idle_wait), which halves their time
# and still processes every message first; there is no public setting for it.
