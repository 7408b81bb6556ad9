"""The start-up baseline: a minimal Textual app (a Static and a Footer) painted in a terminal.

``python bench/hello.py``; the start-up figures wait for "hello world" on screen.
"""
from textual.app import App, ComposeResult
from textual.widgets import Footer, Static


class HelloApp(App):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Static("hello world")
        yield Footer()


if __name__ == "__main__":
    HelloApp().run()
