"""Every use of Textual's private API, in one place (issue 17).

Each says why no public API does the job. tests/test_textual_compat.py fails loudly if Textual changes one of
them (a rename would otherwise make a patch do nothing, or a hook never be called). Textual is pinned to 8.x in
pyproject.toml; ``make textual-next`` runs the TUI tests on the newest Textual to see what a move would break.
The last three are for the tests only.
"""

from __future__ import annotations

from collections.abc import Callable

import textual._wait as idle_wait  # noqa: F401  (Pilot's idle check, see the end)
from rich.console import RenderableType
from textual.app import App
from textual.dom import DOMNode
from textual.geometry import Size


def bind_key(node: DOMNode, keys: str, action: str, description: str, *, show: bool = True) -> None:
    """Bind ``keys`` on this one screen (or widget) at run time.

    Private because: the tag keys come from the codebook, known only when the screen mounts, and ``BINDINGS``
    are per class. Textual's only run-time method, ``App.bind``, binds on the app (every screen) and is this
    same ``BindingsMap.bind`` call, documented as "may be private or removed in a future version"."""
    node._bindings.bind(keys, action, description, show=show)


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


# ``idle_wait``: after every key Pilot sleeps in SLEEP_GRANULARITY steps until a step used almost no CPU
# (SLEEP_IDLE). The tests shorten the steps (tests/tui_helpers.py: quicker_idle_wait), which halves their time
# and still processes every message first; there is no public setting for it.
