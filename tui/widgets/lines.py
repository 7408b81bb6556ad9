"""Lines finished the way Textual's ``StylesCache`` finishes them, so a widget can keep them.

Textual draws a widget by taking each line's content and padding and filtering it
into a new ``Strip`` (``StylesCache.render_line``), which the compositor then cuts
at other widgets' edges and remembers the cuts on that strip. After a scroll every
line is new to it: a PgDn in a 41-line reader made about 400 strips, and those of
the scrollbar are cut into themselves (a cycle, freed only by the garbage
collector's slower passes). Widgets here keep finished lines by what they show,
so a line drawn before is the same strip again, already cut.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.geometry import Region
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip
from textual.style import Style as TextualStyle
from textual.widget import Widget


@dataclass(frozen=True, slots=True)
class Finish:
    """What ``StylesCache`` does to a content line of a widget styled with no more than padding at
    the sides: fit it to the content width, pad it, apply the app's line filters."""

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
                   tuple(widget.app.get_line_filters()), background)

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
