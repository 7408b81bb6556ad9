"""Make the README's screenshots: ``make screenshots`` (writes docs/reader.svg and docs/compare.svg).

Runs the real app headless on a throw-away copy of ``articles/`` with a few
tags and a note, so the pictures always match the current code.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from store.annotate import set_note, set_tag  # noqa: E402
from store.db import connect  # noqa: E402
from store.sync import sync  # noqa: E402
from tui.app import PressmarkApp  # noqa: E402

DEMO_TAGS = {  # words a sentence contains -> the tag a careful reader would give it
    "acknowledge": "finding",
    "too slow": "finding",
    "have recognised that we": "response",
    "has recognised that we": "response",
    "will be working": "commitment",
    "will work relentlessly": "commitment",
}
SIZE = (120, 34)


def demo_database(folder: Path):
    path = folder / "demo.db"
    db = connect(path)
    sync(db, ROOT / "articles")
    for article_id, in db.conn.execute("SELECT id FROM articles ORDER BY file").fetchall():
        for n, text in db.conn.execute("SELECT n, text FROM sentences WHERE article_id = ? ORDER BY n",
                                       (article_id,)).fetchall():
            for words, tag in DEMO_TAGS.items():
                if words in text:
                    set_tag(db, article_id, n, tag, "demo")
                    if tag == "commitment":
                        set_note(db, article_id, n, "A promise with no date attached.", "demo")
    return db, path


async def shoot(db, path: Path, keys: list[str], target: Path) -> None:
    app = PressmarkApp(db, annotator="demo", db_path=path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*keys)
        await app.workers.wait_for_complete()  # the compare screen aligns in a worker
        await pilot.pause()
        target.write_text(app.export_screenshot(title="pressmark"), encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db, path = demo_database(Path(tmp))
        asyncio.run(shoot(db, path, ["enter", *"jjjjj"], ROOT / "docs" / "reader.svg"))
        asyncio.run(shoot(db, path, ["s", *"jjjjjjj", "tab", *"jjjjjj"], ROOT / "docs" / "compare.svg"))
        db.close()


if __name__ == "__main__":
    main()
