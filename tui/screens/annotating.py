"""What the reader and compare screens share: moving, tagging, notes, search, export.

Subclasses compose one or more ``ArticleView`` widgets; every action works on
the active (focused) one. Each tagging key is one committed store action, and
the view is redrawn from what the database now holds.
"""

from __future__ import annotations

import sqlite3

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.events import DescendantFocus
from textual.widgets import Input
from textual.worker import get_current_worker

from store import annotate
from store.db import connect
from store.errors import StoreError
from store.learn import Interrupted
from store.names import reveal
from store.queries import AnnotatedArticle, Tag, article_view, others_tags, save_position, sentence_annotations
from store.suggest import accept, accept_all, dismiss, suggest, suggestions_by_sentence
from tui.compat import rebind_keys
from tui.errors import reports_failure, shows_store_errors
from tui.keys import tag_bindings
from tui.screens.base import CodebookChanged, PressmarkScreen
from tui.widgets.article_view import ArticleView


def header_text(article: AnnotatedArticle, codebook: list[Tag], extra: str = "") -> Text:
    """Title, file and tag counts; built from Text parts so nothing in them is markup, and names revealed
    (store.names.reveal) so none sends a control to the terminal."""
    counts = {t.name: 0 for t in codebook}
    for names in article.tags.values():
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(article.title, "bold")
    text.append(f"\n{article.file}", "dim")
    if article.status != "ok":
        text.append(" (file missing: annotations kept)", "bold")
    count = len(article.sentences)
    text.append(f" · {count} sentence{'s' if count != 1 else ''} ·")
    for tag in codebook:
        text.append(f" {tag.letter}", style=f"bold {tag.colour}")
        text.append(f" {reveal(tag.name)} {counts[tag.name]}")
    if article.notes:
        text.append(f" · ✎ {len(article.notes)} note{'s' if len(article.notes) != 1 else ''}")
    if article.orphans:
        text.append(f" · ⚠ {article.orphans} orphaned", "bold")
    if extra:
        text.append(f" · {reveal(extra)}")
    return text


AUTO_SUGGEST_MAX = 3000  # sentences: longer articles get suggestions from `pressmark suggest` (seconds of CPU)


class AnnotatingScreen(PressmarkScreen):
    """Base for screens that show articles as ``ArticleView``s and tag them."""

    BINDINGS = [
        Binding("j,down", "move(1)", "Next sentence", show=False),
        Binding("k,up", "move(-1)", "Previous sentence", show=False),
        Binding("right_curly_bracket", "paragraph(1)", "Next paragraph", show=False, key_display="}"),
        Binding("left_curly_bracket", "paragraph(-1)", "Previous paragraph", show=False, key_display="{"),
        Binding("g,home", "first", "First sentence", show=False),
        Binding("G,end", "last", "Last sentence", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("x", "clear", "Clear tags", show=False, tooltip="Remove your tags from the cursor sentence"),
        Binding("right_square_bracket", "tagged(1)", "Next tagged", show=False, key_display="]"),
        Binding("left_square_bracket", "tagged(-1)", "Previous tagged", show=False, key_display="["),
        Binding("n", "note", "Note", tooltip="Write a note on the cursor sentence (ctrl+s saves, Escape cancels, "
                "empty removes)"),
        Binding("N", "toggle_notes", "Show/hide notes", show=False, tooltip="Notes under their sentences"),
        Binding("O", "toggle_others", "Show/hide others' tags", show=False,
                tooltip="Other annotators' tags, with their names, under each sentence"),
        Binding("a", "accept", "Accept suggestion", show=False, tooltip="The cursor sentence's suggested tags"),
        Binding("A", "accept_all", "Accept all suggestions", show=False,
                tooltip="Every suggestion in the article, as one action (one undo)"),
        Binding("d", "dismiss", "Dismiss suggestion", show=False,
                tooltip="Not suggested again for this sentence's text (u undoes)"),
        Binding("S", "toggle_suggestions", "Show/hide suggestions", show=False,
                tooltip="Dim lower-case letters and ? in the gutter; the reason is on the status line"),
        Binding("slash", "search", "Search", key_display="/", tooltip="Find text in this article"),
        Binding("full_stop", "match(1)", "Next match", show=False, key_display="."),
        Binding("comma", "match(-1)", "Previous match", show=False, key_display=","),
        Binding("e", "export", "Export", show=False, tooltip="Export annotations to CSV or another format"),
        Binding("q,escape", "back", "Back", tooltip="To the library (or the screen before)"),
    ]

    annotator_override: str | None = None  # e.g. "adjudicated" when opened from the agreement screen
    showing_others = False  # everyone else's tags under each sentence (O)
    _last_view: ArticleView | None = None  # the view focused last
    _message = ""  # said on the status line until the next key (set_status)
    _hint = ""  # the keys to try, after the cursor's context until the next key (show_hint)
    _shown: tuple[str, str, str] | None = None  # what the status line shows: (position, message, hint)
    _tag_keys: list[str] = []  # the keys bound for the codebook's tags (replaced, not changed in place)

    @property
    def annotator(self) -> str:
        """Whose tags this screen shows and writes."""
        return self.annotator_override or self.app.annotator

    def on_mount(self) -> None:
        self.bind_tag_keys()
        self.learn_pending = True  # the next pause learns from the annotator's decisions (user_paused)
        self.start_suggesting(learn=False)

    def bind_tag_keys(self) -> None:
        """Tag keys come from the codebook: lower case toggles, upper case toggles and moves on. Those of the
        codebook before go first (store.codebook keeps tag keys apart from every other key of the reader)."""
        self._tag_keys = rebind_keys(self, self._tag_keys, tag_bindings(self.app.codebook))
        self.refresh_bindings()

    @shows_store_errors
    def on_codebook_changed(self, message: CodebookChanged) -> None:
        """Another process changed the codebook or the cues: new keys, gutters and header, every article's
        tags read again (a tag may have been renamed or removed), and suggestions made afresh."""
        self.bind_tag_keys()
        for view in self.views:
            fresh = article_view(self.app.db, view.article.id, self.annotator)
            view.article.tags, view.article.notes = fresh.tags, fresh.notes
            view.set_codebook(self.app.codebook)
        self.update_header()
        self.show_position()
        self.start_suggesting(learn=False)

    def user_paused(self) -> None:
        """The user paused (PressmarkApp.user_paused): learn from their decisions if any changed."""
        if self.learn_pending and self.start_suggesting(learn=True):
            self.learn_pending = False

    def decisions_changed(self) -> None:
        """Tags or dismissals changed: learn from them at the next pause (never on a key's own path)."""
        self.learn_pending = True

    def start_suggesting(self, learn: bool) -> bool:
        """Start the worker on the articles shown that are short enough (AUTO_SUGGEST_MAX); False if none is."""
        views = [view for view in self.views if view.count <= AUTO_SUGGEST_MAX]
        if views:
            self.compute_suggestions(views, learn, self.app.inputs)
        return bool(views)

    @work(thread=True, group="suggest", exclusive=True)
    def compute_suggestions(self, views: list[ArticleView], learn: bool, inputs: int) -> None:
        """Propose tags for the articles (store.suggest) on a connection of its own: as the annotator's model
        was last trained (or from the cues alone) when ``learn`` is False; else after training it on their
        decisions (store.learn), which stops as soon as a key is pressed after ``inputs`` input events (and
        is tried again at the next pause)."""
        worker = get_current_worker()

        def pace() -> None:
            if self.app.inputs != inputs or worker.is_cancelled:
                raise Interrupted

        articles = [view.article.id for view in views]
        try:
            db = connect(self.app.db_path, readonly=True if self.app.readonly else None)
            try:
                for article_id in articles:
                    suggest(db, article_id, self.annotator, pace if learn else None, train=learn)
            finally:
                db.close()
        except Interrupted:
            self.app.call_from_thread(self.decisions_changed)
            return
        except (StoreError, sqlite3.Error) as exc:  # locked, removed, read-only: the reader goes on without
            self.app.call_from_thread(self.app.store_failed, exc, "No suggestions")
            return
        for view in views:
            self.app.call_from_thread(self.refresh_suggestions, view)

    # -- what subclasses provide ------------------------------------------------------
    @property
    def views(self) -> list[ArticleView]:
        return list(self.query(ArticleView))

    @property
    def active(self) -> ArticleView:
        """The focused article view, or the one focused last (while the search box has focus)."""
        focused = self.focused
        if isinstance(focused, ArticleView):
            return focused
        return self._last_view or self.views[0]

    def update_header(self) -> None:
        """Redraw the header(s) after counts changed."""

    def set_status(self, message: str) -> None:
        """Show ``message`` at the start of the status line, before the cursor's context, so that it is never
        cut off; it stays until the next key (whose own action may say something new)."""
        self._message = message
        self.show_position()

    def show_hint(self, hint: str) -> None:
        """Show ``hint`` (the keys to try) after the cursor's context, which it must not push off a narrow
        line as a message may; it goes with the next key too."""
        self._hint = hint
        self.show_position()

    def on_key(self) -> None:
        if self._message or self._hint:
            self._message = self._hint = ""
            self.call_later(self.show_position)  # once the key's action is done: one update, not two

    def position_text(self, view: ArticleView) -> str:
        n = view.cursor
        tags = ", ".join(t.name for t in self.app.codebook if t.name in view.article.tags.get(n, ()))
        text = f"Sentence {n} of {view.count}: {tags or 'no tags'}"
        if speaker := view.article.speakers.get(n):  # who speaks, and the words that say so
            text += f" · speaker: {speaker.name}" + (f" ({speaker.role})" if speaker.role else "")
            text += f" — “{speaker.evidence}”" if speaker.evidence else ""
        if view.show_suggestions and n not in view.article.tags and view.article.suggestions.get(n):
            text += " · suggested: " + "; ".join(g.reason for g in view.article.suggestions[n]) + " (a accept, d dismiss)"
        return text

    def show_position(self) -> None:
        """The status line: the last message (which may quote an undone action's label), then the cursor's
        tags, speaker and suggestions' reasons (names, cue notes); all revealed, as any of them can come
        from another database."""
        position, message = reveal(self.position_text(self.active)), reveal(self._message)
        if (position, message, self._hint) == self._shown:
            return  # unchanged: an update would cost a frame of its own
        self._shown = position, message, self._hint
        text = Text(no_wrap=True, overflow="ellipsis")
        if message:
            text.append(message, "bold")
            text.append("  ·  ")
        text.append(position)
        if self._hint:
            text.append(f"  ·  {reveal(self._hint)}", "dim")
        self.query_one("#status").update(text, layout=False)  # fixed height: no relayout per key

    def on_article_view_cursor_moved(self, event: ArticleView.CursorMoved) -> None:
        self.show_position()

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        if isinstance(event.widget, ArticleView):
            self._last_view = event.widget
        self.show_position()

    # -- moving ------------------------------------------------------------------------
    def action_move(self, delta: int) -> None:
        self.active.cursor += delta

    def action_paragraph(self, direction: int) -> None:
        self.active.para_step(direction)

    def action_first(self) -> None:
        self.active.cursor = 1

    def action_last(self) -> None:
        self.active.cursor = self.active.count

    def action_page(self, direction: int) -> None:
        self.active.page(direction)
        self.show_position()  # now, so the status line is in the same frame as the scroll

    def action_tagged(self, direction: int) -> None:
        view = self.active
        tagged = sorted(view.article.tags)
        ahead = [n for n in tagged if n > view.cursor] if direction > 0 else [n for n in reversed(tagged) if n < view.cursor]
        if ahead:
            view.cursor = ahead[0]
        else:
            self.set_status("No more tagged sentences " + ("below" if direction > 0 else "above"))

    # -- tagging -----------------------------------------------------------------------
    def _reload(self, view: ArticleView, n: int) -> None:
        """Re-read sentence ``n``'s annotations from the database into the view."""
        fresh = sentence_annotations(self.app.db, view.article.id, n, self.annotator)
        view.article.tags.pop(n, None)
        view.article.notes.pop(n, None)
        if fresh[0]:
            view.article.tags[n] = fresh[0]
        if fresh[1]:
            view.article.notes[n] = fresh[1]
        view.refresh_sentence(n)
        self.update_header()

    @reports_failure
    def action_tag(self, index: int, advance: bool) -> None:
        view, tag = self.active, self.app.codebook[index]
        if not view.count or self.app.refuse_if_readonly():
            return
        n = view.cursor
        annotate.toggle_tag(self.app.db, view.article.id, n, tag.name, self.annotator)
        self.decisions_changed()
        self._reload(view, n)
        on = tag.name in view.article.tags.get(n, ())
        self.set_status(f"Saved: sentence {n} {'tagged' if on else 'untagged'} {tag.name}")
        if advance:
            view.cursor = n + 1

    @reports_failure
    def action_clear(self) -> None:
        view = self.active
        if self.app.refuse_if_readonly():
            return
        if view.count and annotate.clear_tags(self.app.db, view.article.id, view.cursor, self.annotator):
            self.decisions_changed()
            self._reload(view, view.cursor)
            self.set_status(f"Saved: sentence {view.cursor} tags cleared")
        else:
            self.set_status("This sentence has no tags to clear")

    def action_note(self) -> None:
        from tui.screens.note import NoteScreen

        view = self.active
        if not view.count or self.app.refuse_if_readonly():
            return
        n = view.cursor

        def save(note: str | None) -> None:
            if note is None:
                self.set_status("Note unchanged")
            else:
                self.save_note(view, n, note)

        note = reveal(view.article.notes.get(n, ""), keep="\n\t")  # a note from elsewhere is edited as shown
        self.app.push_screen(NoteScreen(view.article.sentence_text(n), note), save)

    @reports_failure
    def save_note(self, view: ArticleView, n: int, note: str) -> None:
        done = annotate.set_note(self.app.db, view.article.id, n, note, self.annotator)
        self._reload(view, n)
        if note.strip():
            self.set_status(f"Saved: note on sentence {n}" + ("" if done else " (no change)"))
        else:
            self.set_status(f"Saved: note on sentence {n} removed" if done else f"Sentence {n} has no note to remove")

    # -- suggestions ----------------------------------------------------------------------
    @shows_store_errors
    def refresh_suggestions(self, view: ArticleView) -> None:
        if not self.is_attached:  # the worker finished after the reader was closed
            return
        view.article.suggestions = suggestions_by_sentence(self.app.db, view.article.id, self.annotator)
        view.refresh_all()
        self.show_position()

    @reports_failure
    def action_accept(self) -> None:
        view = self.active
        if self.app.refuse_if_readonly():
            return
        if not accept(self.app.db, view.article.id, view.cursor, self.annotator):
            self.set_status("No suggestion on this sentence")
            return
        self.decisions_changed()
        self._reload(view, view.cursor)
        self.refresh_suggestions(view)
        self.set_status(f"Saved: suggestion accepted on sentence {view.cursor} (u undoes)")

    @reports_failure
    def action_accept_all(self) -> None:
        view = self.active
        if self.app.refuse_if_readonly():
            return
        done = accept_all(self.app.db, view.article.id, self.annotator)
        if not done:
            self.set_status("No suggestions to accept in this article")
            return
        self.decisions_changed()
        for n in list(view.article.suggestions):
            self._reload(view, n)
        self.refresh_suggestions(view)
        self.set_status(f"Saved: {done.label} (one action: u undoes them all)")

    @reports_failure
    def action_dismiss(self) -> None:
        view = self.active
        if self.app.refuse_if_readonly():
            return
        count = dismiss(self.app.db, view.article.id, view.cursor, by=self.annotator)
        if count:
            self.decisions_changed()
        self.refresh_suggestions(view)
        self.set_status(f"Saved: dismissed {count} suggestion{'s' if count != 1 else ''} (u undoes)" if count else
                        "No suggestion on this sentence")

    def action_toggle_suggestions(self) -> None:
        for view in self.views:
            view.show_suggestions = not view.show_suggestions
            view.refresh_all()
        self.set_status("Suggestions shown (dim letters and ?)" if self.active.show_suggestions else
                        "Suggestions hidden (S shows them)")

    def action_toggle_others(self) -> None:
        self.showing_others = not self.showing_others
        self.show_others()
        self.set_status("Showing other annotators' tags under each sentence" if self.showing_others else
                        "Showing only your tags")

    def show_others(self) -> None:
        """Draw (or clear) everyone else's tags, with their names, under each sentence."""
        for view in self.views:
            others = {}
            if self.showing_others:
                letters = {t.name: t.letter for t in self.app.codebook}
                others = {n: "others: " + " · ".join(
                    f"{reveal(who)} {' '.join(letters.get(t) or reveal(t) for t in names)}" for who, names in found)
                          for n, found in others_tags(self.app.db, view.article.id, self.annotator).items()}
            view.set_others(others)

    def action_toggle_notes(self) -> None:
        for view in self.views:
            view.show_notes = not view.show_notes
        self.set_status("Notes shown under sentences" if self.active.show_notes else "Notes hidden (✎ marks them)")

    def annotations_changed(self, article_id: int | None, n: int | None, move_to: bool) -> None:
        """Called by the app after undo/redo (which may touch many sentences): re-read that article."""
        self.decisions_changed()
        for view in self.views:
            if view.article.id == article_id and n:
                fresh = article_view(self.app.db, article_id, self.annotator)
                view.article.tags, view.article.notes = fresh.tags, fresh.notes
                view.article.suggestions = fresh.suggestions
                view.relayout()
                self.update_header()
                if move_to:
                    view.cursor = n

    # -- search -------------------------------------------------------------------------
    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.add_class("-visible")
        search.focus()

    def _close_search(self) -> None:
        self.query_one("#search", Input).remove_class("-visible")
        self.active.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "search":
            return
        query = event.value.strip()
        count = self.active.set_search(query)
        self._close_search()
        if count:
            self.action_match(1, inclusive=True)
            self.set_status(f"{count} matches for “{query}”  (. next, , previous)")
        else:
            self.set_status(f"No matches for “{query}”" if query else "Search cleared")

    def action_match(self, direction: int, inclusive: bool = False) -> None:
        view = self.active
        hits = view.match_sentences()
        if not hits:
            self.set_status("No search: press / to search this article")
            return
        cur = view.cursor
        if direction > 0:
            ahead = [n for n in hits if n > cur or (inclusive and n == cur)] or hits[:1]
        else:
            ahead = [n for n in reversed(hits) if n < cur] or hits[-1:]
        view.cursor = ahead[0]
        self.set_status(f"Match in sentence {ahead[0]} ({hits.index(ahead[0]) + 1} of {len(hits)} sentences)")

    # -- leaving and exporting ------------------------------------------------------------
    def action_export(self) -> None:
        from tui.screens.export import ExportScreen

        self.app.push_screen(ExportScreen([view.article for view in self.views]))

    def remember_positions(self) -> None:
        if self.app.readonly:
            return
        try:
            for view in self.views:
                save_position(self.app.db, view.article.id, self.annotator, view.cursor)
        except (StoreError, sqlite3.Error):  # a damaged database, say
            pass  # only a convenience: never worth an error on the way out

    def on_unmount(self) -> None:
        self.remember_positions()

    def action_back(self) -> None:
        if self.query_one("#search", Input).has_class("-visible"):
            self._close_search()  # escape in the search box cancels the search, not the screen
            return
        self.remember_positions()
        self.dismiss()
