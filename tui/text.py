"""Text for one terminal line, shared by the CLI and the full-screen app (neither imports the other for it)."""

from __future__ import annotations


def safe(text: str) -> str:
    """Make untrusted text safe for one terminal line: control characters become visible escapes."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def sync_summary(report) -> str:
    """One line for a ``SyncReport``: what the CLI prints last and the reader's status line shows."""
    orphaned = sum(lost for _, lost in report.orphaned)
    return (f"{len(report.added)} added, {len(report.changed)} changed, {report.unchanged} unchanged, "
            f"{len(report.skipped)} skipped" + (f", {len(report.missing)} missing" if report.missing else "")
            + (f", {orphaned} annotation(s) orphaned" if orphaned else "")
            + (f", {len(report.cut)} cut short" if report.cut else "")
            + (f", {len(report.front_matter)} front matter problem(s)" if report.front_matter else "")
            + (_pages_summary(report.pages) if report.pages else ""))


def _pages_summary(pages: list[tuple[str, str]]) -> str:
    from store.webpage import TRAFILATURA

    found = sum(extractor == TRAFILATURA for _, extractor in pages)
    return (f", {len(pages)} web page(s): {found} article(s) found by trafilatura"
            + (f", {len(pages) - found} read whole" if found < len(pages) else ""))
