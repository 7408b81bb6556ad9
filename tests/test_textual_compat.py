"""Textual's private API that pressmark uses (tui/compat.py) still works as pressmark expects (issue 17).

Each test fails loudly when Textual changes one of them, instead of a key going dead, a reader opening on a
blank frame, or a patch silently doing nothing."""
from __future__ import annotations

import io

from rich.console import Console
from textual.app import App, ComposeResult
from textual.filter import DimFilter
from textual.geometry import Size
from textual.pilot import Pilot
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static
from tui_helpers import sync_test

from tui.compat import (
    CachedScrollBar,
    KeepsScrollbarLines,
    SizedBeforePaint,
    add_line_filter,
    bind_key,
    idle_wait,
    screen_render,
    watch_paints,
)


class Sized(SizedBeforePaint, ScrollView):
    """Records whether it was sized before its first line was drawn."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []

    def size_settled(self) -> None:
        self.events.append(f"sized {self.size.width}")

    def render_line(self, y: int) -> Strip:
        self.events.append("drawn")
        return Strip.blank(self.size.width)


class Tall(KeepsScrollbarLines, ScrollView):
    """A hundred lines in a view of a few: it scrolls, with a scrollbar."""

    def on_mount(self) -> None:
        self.virtual_size = Size(10, 100)

    def render_line(self, y: int) -> Strip:
        return Strip.blank(self.size.width)


class Probe(App):
    def __init__(self) -> None:
        super().__init__()
        self.pressed: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("hello from the screen", markup=False)
        yield Sized()
        yield Tall()

    def on_mount(self) -> None:
        bind_key(self.screen, "z", "app.pressed_key('z')", "Zed")
        bind_key(self.screen, "Z", "app.pressed_key('Z')", "Zed and next", show=False)

    def action_pressed_key(self, key: str) -> None:
        self.pressed.append(key)


@sync_test
async def test_a_key_bound_at_run_time_runs_its_action_and_shows_as_asked():
    app = Probe()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.press("z", "Z")
        assert app.pressed == ["z", "Z"]
        shown = {binding.key: binding.show for _, binding, *_ in app.active_bindings.values()}
        assert shown.get("z") is True and shown.get("Z") is False


@sync_test
async def test_a_widget_is_sized_before_its_first_line_is_drawn():
    app = Probe()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        events = app.screen.query_one(Sized).events
        assert events and events[0] == "sized 40" and "drawn" in events


@sync_test
async def test_the_screen_renders_as_text_and_paints_are_seen():
    app = Probe()
    paints = []
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        console = Console(width=40, height=10, file=io.StringIO(), record=True)
        console.print(screen_render(app))
        assert "hello from the screen" in console.export_text(styles=False)
        watch_paints(app, lambda: paints.append(1))
        app.screen.query_one(Static).update("changed")
        await pilot.pause()
        await pilot.pause()
        assert paints
        dim = DimFilter()
        add_line_filter(app, dim)
        assert dim in app.get_line_filters()  # what widgets' lines are filtered with


@sync_test
async def test_a_widget_shows_the_scrollbar_class_it_asks_for():
    app = Probe()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        tall = app.screen.query_one(Tall)
        assert tall.show_vertical_scrollbar
        region = tall.region
        shown, _ = app.screen.get_widget_at(region.right - 1, region.y)
        assert isinstance(shown, CachedScrollBar) and shown.parent is tall


def test_pilots_idle_wait_reads_the_step_sizes_the_tests_shorten():
    wait = idle_wait.wait_for_idle
    assert isinstance(idle_wait.SLEEP_GRANULARITY, float) and isinstance(idle_wait.SLEEP_IDLE, float)
    assert {"SLEEP_GRANULARITY", "SLEEP_IDLE"} <= set(wait.__code__.co_names)  # read when called, so patchable
    assert wait.__globals__ is vars(idle_wait)
    assert Pilot.pause.__globals__["wait_for_idle"] is wait
