"""The login screen of a browser session under `pressmark serve` (issue 20): nothing else of the app is reachable
before it (PressmarkApp.check_action), and the annotator is the name logged in with, never one the browser gives."""

from __future__ import annotations

import time

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.events import DescendantFocus
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Static

from store.db import connect
from store.errors import StoreError
from store.names import ANNOTATOR_MAX
from store.users import PASSWORD_MAX, LoginRefused, log_in

# What can be typed or pasted: no control, bidi or invisible character (store.names); a paste with one, or
# longer than the limit, is refused whole by the Input.
PRINTABLE = "[^\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]*"
# A refused login is said this much later: one more brake on guessing, besides the wait store.users imposes.
REFUSED_PAUSE_S = 1.0


class LoginScreen(Screen):
    CSS_PATH = "login.tcss"

    def compose(self) -> ComposeResult:
        with Vertical(id="login-dialog"):
            yield Label("pressmark: log in", classes="dialog-title")
            yield Input(placeholder="name", id="name", max_length=ANNOTATOR_MAX, restrict=PRINTABLE)
            yield Input(placeholder="password", id="password", password=True, max_length=PASSWORD_MAX,
                        restrict=PRINTABLE)
            yield Button("Log in", variant="primary", id="log-in")
            yield Static(id="login-hint")
            yield Static(id="login-message")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        """Says what to type next: keys typed before the box took the focus would go to the one before."""
        hint = {"name": "Type your name, then Enter", "password": "Type your password, then Enter"}
        self.query_one("#login-hint", Static).update(Text(hint.get(event.widget.id or "", "Enter logs in"), "dim"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "name":
            self.query_one("#password", Input).focus()
        else:
            self.try_login()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.try_login()

    def try_login(self) -> None:
        name = self.query_one("#name", Input).value
        password = self.query_one("#password", Input)
        if not name or not password.value:
            self.say("Give your name and password")
            return
        self.query_one("#log-in", Button).disabled = True
        self.say("Logging in…")
        self.check(name, password.value)
        password.value = ""

    @work(thread=True, exclusive=True, group="login")
    def check(self, name: str, password: str) -> None:
        """On a connection of its own (connections belong to one thread): scrypt takes ~50 ms."""
        db = None
        try:
            db = connect(self.app.db_path)
            user = log_in(db, name, password, self.app.served_from or "")
        except StoreError as exc:
            if isinstance(exc, LoginRefused):
                time.sleep(REFUSED_PAUSE_S)
            self.app.call_from_thread(self.refused, str(exc))
            return
        finally:
            if db is not None:
                db.close()
        self.app.call_from_thread(self.app.logged_in, user)

    def refused(self, why: str) -> None:
        self.query_one("#log-in", Button).disabled = False
        self.say(why[:1].upper() + why[1:])
        self.query_one("#password", Input).focus()

    def say(self, message: str) -> None:
        self.query_one("#login-message", Static).update(Text(message))

