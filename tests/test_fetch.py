"""`pressmark fetch` (store.fetch) against a web server on 127.0.0.1 run by the test in a thread: pages saved as
Markdown with front matter and synced; one line per page that cannot be fetched (HTTP errors, redirects, no answer
in time, too large, not a web page), and a non-zero exit status. No network beyond 127.0.0.1."""
from __future__ import annotations

import http.server
import random
import re
import threading
from pathlib import Path

import frontmatter
import pytest

from bench.textgen import NewsWriter, web_page
from store.db import connect
from store.queries import article_meta, resolve_article

W = NewsWriter(11)
HEADLINE, TEXT = W.article(3000)
PARAGRAPHS = TEXT.strip().split("\n\n")[1:]
PAGE = web_page(random.Random(11), HEADLINE, PARAGRAPHS, site="Keighley News", host="www.keighleynews.co.uk",
                author="Ann Smith", date="2022-02-03", slug="story")
PAGE_LATIN1 = ("<html><head><title>Caf\xe9 reopens</title></head><body><article><h1>Caf\xe9 reopens</h1>"
               + "<p>The caf\xe9 on Church Street reopened on Monday after a fire in the kitchen closed it.</p>" * 4
               + "<p>The caf\xe9's na\xefve owner said so.</p></article></body></html>")
BIG = 50 * 1024 * 1024


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.stop = threading.Event()  # set at the end of the test: the handlers that wait return
        self.sent: dict[str, int] = {}  # path -> bytes of body the handler managed to send
        self.streamed = threading.Event()  # a stream has ended (its client hung up)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):  # nothing on the test's stderr
        pass

    def reply(self, body: bytes, kind: str = "text/html; charset=utf-8", code: int = 200, **headers: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        headers.setdefault("Content_Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def stream(self, declared: int | None) -> None:
        """50 MB of page, 64 KB at a time, until the client hangs up."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        if declared:
            self.send_header("Content-Length", str(declared))
        self.end_headers()
        chunk, sent = b"<p>" + b"word " * 13_000 + b"</p>\n", 0
        try:
            while sent < BIG and not self.server.stop.is_set():
                self.wfile.write(chunk)
                sent += len(chunk)
        except OSError:  # the client stopped reading and closed the connection
            pass
        self.server.sent[self.path] = sent
        self.server.streamed.set()

    def do_GET(self):  # noqa: N802 (http.server's name)
        routes = {
            "/story": lambda: self.reply(PAGE.encode()),
            "/again": lambda: self.reply(PAGE.replace("Ann Smith", "Bob Jones").encode()),  # the same title
            "/latin1": lambda: self.reply(PAGE_LATIN1.encode("latin-1"), "text/html; charset=iso-8859-1"),
            "/moved": lambda: self.reply(b"", code=301, Location="/story"),
            "/loop": lambda: self.reply(b"", code=302, Location="/loop"),
            "/to-ftp": lambda: self.reply(b"", code=302, Location="ftp://127.0.0.1/secret"),
            "/missing": lambda: self.reply(b"<h1>Not found</h1>", code=404),
            "/broken": lambda: self.reply(b"oops", code=500),
            "/report.pdf": lambda: self.reply(b"%PDF-1.7\n" + bytes(1000), "application/pdf"),
            "/data.json": lambda: self.reply(b'{"title": "x"}', "application/json"),
            "/photo": lambda: self.reply(b"\x89PNG\r\n\x1a\n" + bytes(1000), "image/png"),
            "/png-as-html": lambda: self.reply(b"\x89PNG\r\n\x1a\n" + bytes(1000)),
            "/empty": lambda: self.reply(b"<html><body></body></html>"),
            "/big": lambda: self.stream(None),
            "/big-declared": lambda: self.stream(BIG),
            "/silent": lambda: self.server.stop.wait(),  # never answers
            "/cut": lambda: self.reply(PAGE.encode(), Content_Length="100000"),  # then hangs up
        }
        if self.path == "/drip":  # headers, then a byte now and then, forever
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                while not self.server.stop.wait(0.02):
                    self.wfile.write(b"x")
                    self.wfile.flush()
            except OSError:
                pass
            return
        routes[self.path]()


@pytest.fixture
def server():
    srv = Server()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.stop.set()
    srv.shutdown()
    srv.server_close()
    thread.join()


def saved(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_page_is_saved_with_its_front_matter_and_synced(server, run_cli, tmp_path):
    result = run_cli("fetch", server.url("/moved"))
    assert result.code == 0, result.err
    folder = tmp_path / "articles"
    [file] = saved(folder)
    name = file.removesuffix(".md")
    assert re.fullmatch("[a-z0-9]+(-[a-z0-9]+)*", name) and len(name) <= 60  # from the headline:
    assert name.startswith("-".join(re.findall("[a-z0-9]+", HEADLINE.lower())[:3]))
    assert result.out.splitlines() == [f"{server.url('/moved')}: saved as articles/{name}.md",
                                       "1 added, 0 changed, 0 unchanged, 0 skipped"]
    post = frontmatter.load(folder / f"{name}.md")
    url = PAGE.split('rel="canonical" href="')[1].split('"')[0]
    assert post.metadata == {"title": HEADLINE, "source": "Keighley News", "author": "Ann Smith",
                             "date": "2022-02-03", "url": url}
    assert post.content == "\n\n".join(PARAGRAPHS)
    db = connect(tmp_path / "pressmark.db")
    article_id = resolve_article(db, f"{name}.md")
    assert article_meta(db, article_id) == post.metadata
    assert db.conn.execute("SELECT title, source, date, text FROM articles").fetchone() == \
        (HEADLINE, "Keighley News", "2022-02-03", "\n\n".join(PARAGRAPHS))


def test_a_file_is_never_overwritten(server, run_cli, tmp_path):
    assert run_cli("fetch", server.url("/story"), "--into", "news").code == 0
    folder = tmp_path / "news"
    [first] = saved(folder)
    before = (folder / first).read_bytes()
    result = run_cli("fetch", server.url("/story"), server.url("/again"), "--into", "news")
    assert result.code == 0, result.err
    stem = first.removesuffix(".md")
    assert saved(folder) == sorted([first, f"{stem}-2.md"])  # the same title, another page: another file
    assert (folder / first).read_bytes() == before
    assert result.out.splitlines()[:2] == [f"{server.url('/story')}: already in news/{first}",
                                           f"{server.url('/again')}: saved as news/{stem}-2.md"]
    assert result.out.splitlines()[-1] == "1 added, 0 changed, 1 unchanged, 0 skipped"


def test_the_charset_the_server_names_is_used(server, run_cli, tmp_path):
    assert run_cli("fetch", server.url("/latin1")).code == 0
    [name] = saved(tmp_path / "articles")
    post = frontmatter.load(tmp_path / "articles" / name)
    assert name == "cafe-reopens.md" and post["title"] == "Café reopens"
    assert post.content.endswith("The café's naïve owner said so.")


@pytest.mark.parametrize("path, why", [
    ("/missing", "HTTP 404 Not Found"),
    ("/broken", "HTTP 500 Internal Server Error"),
    ("/loop", "too many redirects (or a redirect loop)"),
    ("/to-ftp", "redirected to a ftp: address, not followed"),
    ("/report.pdf", "not a web page (application/pdf)"),
    ("/data.json", "not a web page (application/json)"),
    ("/photo", "not a web page (image/png)"),
    ("/png-as-html", "binary file (PNG image)"),
    ("/empty", "no text in the page"),
    ("/cut", f"the server broke off after {len(PAGE.encode()):,} of 100,000 bytes"),
    ("/silent", "no answer within 0.5 s"),
    ("/drip", "not downloaded within 0.5 s"),
])
def test_a_page_that_cannot_be_fetched_is_one_line_and_a_failure(server, run_cli, tmp_path, path, why):
    result = run_cli("fetch", server.url(path), env={"PRESSMARK_FETCH_TIMEOUT": "0.5"})
    assert result.code == 1
    assert result.err == f"pressmark: {server.url(path)}: {why}\n"
    assert result.out == "" and not (tmp_path / "articles").exists()


@pytest.mark.parametrize("path, why", [("/big", "larger than the size limit (20 MB)"),
                                       ("/big-declared", "larger than the size limit (20 MB): 50 MB")])
def test_a_page_past_the_size_limit_is_not_read_to_its_end(server, run_cli, path, why):
    result = run_cli("fetch", server.url(path))
    assert result.err == f"pressmark: {server.url(path)}: {why}\n" and result.code == 1
    assert server.streamed.wait(60)  # the handler's writes fail once the client has closed the connection
    assert server.sent[path] < BIG  # what the socket buffers took after the limit, not the whole page


def test_the_pages_that_can_be_fetched_are_saved_and_synced_the_others_said(server, run_cli, tmp_path):
    result = run_cli("fetch", server.url("/missing"), server.url("/story"), server.url("/photo"), "--timeout", "5")
    assert result.code == 1
    assert result.err.splitlines() == [f"pressmark: {server.url('/missing')}: HTTP 404 Not Found",
                                       f"pressmark: {server.url('/photo')}: not a web page (image/png)"]
    assert len(saved(tmp_path / "articles")) == 1
    assert result.out.splitlines()[-1] == "1 added, 0 changed, 0 unchanged, 0 skipped"


def test_only_web_addresses(run_cli, tmp_path):
    result = run_cli("fetch", "file:///etc/passwd", "ftp://127.0.0.1/x", "/etc/hostname")
    assert result.code == 1
    assert [line.rsplit(": ", 1)[1] for line in result.err.splitlines()] == ["not an http or https address"] * 3
    assert not (tmp_path / "articles").exists()
