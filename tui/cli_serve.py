"""``pressmark users`` (accounts for the served app) and ``pressmark serve`` (the app in browsers, issue 20).
See docs/serve.md. Only ``serve`` and the session it starts import textual."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tui.cli import (
    Context,
    _print_sync,
    _sync,
    cli,
    echo_json,
    format_option,
    max_size_option,
    pass_ctx,
    print_table,
    safe,
)


@cli.group()
def users() -> None:
    """Accounts for `pressmark serve`: each browser session logs in as one.

    A coder tags as themselves and exports their own tags; a lead also
    adjudicates and exports everyone's. Passwords are stored only as salted
    scrypt hashes. The command line on the server needs no login.
    """


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


password_stdin = click.option("--password-stdin", is_flag=True,
                              help="Read the password from the first line of standard input (for scripts).")
role_option = click.option("--role", type=click.Choice(["coder", "lead"]), default="coder", show_default=True)


@users.command("add")
@click.argument("name")
@role_option
@password_stdin
@pass_ctx
def users_add(obj: Context, name: str, role: str, password_stdin: bool) -> None:
    """Add the account NAME (asks for its password)."""
    from store.names import check_annotator
    from store.users import add_user, check_password

    check_annotator(name)  # before asking for a password
    add_user(obj.db, name, check_password(_password(password_stdin)), role)
    click.echo(f"user {safe(name)} added ({role})")


@users.command("passwd")
@click.argument("name")
@password_stdin
@pass_ctx
def users_passwd(obj: Context, name: str, password_stdin: bool) -> None:
    """Set a new password for NAME."""
    from store.users import set_password

    if not obj.db.conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
        raise click.BadParameter(f"no user {safe(name)!r}", param_hint="NAME")
    set_password(obj.db, name, _password(password_stdin))
    click.echo(f"password of {safe(name)} changed")


@users.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(["coder", "lead"]))
@pass_ctx
def users_role(obj: Context, name: str, role: str) -> None:
    """Make NAME a coder or a lead (from their next login)."""
    from store.users import set_role

    set_role(obj.db, name, role)
    click.echo(f"{safe(name)} is a {role}")


@users.command("remove")
@click.argument("name")
@pass_ctx
def users_remove(obj: Context, name: str) -> None:
    """Remove the account NAME; the annotations made under it stay."""
    from store.users import remove_user

    remove_user(obj.db, name)
    click.echo(f"user {safe(name)} removed; their annotations stay")


@users.command("list")
@format_option("table", "json")
@pass_ctx
def users_list(obj: Context, fmt: str) -> None:
    """List the accounts: role, last login, failed logins in the last hour."""
    from dataclasses import asdict

    from store.users import list_users

    rows = list_users(obj.db)
    if fmt == "json":
        echo_json([asdict(a) for a in rows])
    elif not rows:
        click.echo("No users yet: `pressmark users add NAME` adds one.", err=True)
    else:
        print_table(["name", "role", "last login", "failed (1 h)", "created"],
                    [[a.name, a.role, a.last_login or "never", a.failures, a.created_at] for a in rows])


@users.command("failures")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@pass_ctx
def users_failures(obj: Context, limit: int) -> None:
    """The last failed logins, newest first: when, the name tried, the address."""
    from store.users import failed_logins

    rows = failed_logins(obj.db, limit)
    if not rows:
        click.echo("No failed logins.", err=True)
    else:
        print_table(["when", "name tried", "address"], [[when, name, address or "?"] for when, name, address in rows])


# --------------------------------------------------------------------------- serve

UNENCRYPTED = ("warning: pressmark serves plain HTTP: names, passwords and annotations cross the network "
               "unencrypted. Bind to 127.0.0.1 and put a TLS reverse proxy (Caddy, nginx) in front: docs/serve.md")


@cli.command()
@click.argument("folder", required=False, type=click.Path(file_okay=False))
@click.option("--host", default=None, help="Address to listen on.  [default: 127.0.0.1, this machine only]")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--public-url", help="The address browsers use, when it is not http://HOST:PORT (behind a proxy: "
              "https://coding.example.org).")
@click.option("--idle-timeout", type=click.FloatRange(min=1), default=30, show_default=True, metavar="MINUTES",
              help="A browser session with no key or click for this long ends (log in again).")
@click.option("--behind-proxy", is_flag=True, help="Take the browser's address from X-Forwarded-For (set by your "
              "reverse proxy), to slow down failed logins per address.")
@max_size_option
@pass_ctx
def serve(obj: Context, folder: str | None, host: str | None, port: int, public_url: str | None, idle_timeout: float,
          behind_proxy: bool, max_size: int) -> None:
    """Serve the app to browsers: each browser session logs in (`pressmark users`) and codes as that user.

    Syncs FOLDER first, if given. One app process per browser session, all on
    this database. Listens on 127.0.0.1 unless --host is given. Needs the
    web extra: pip install 'pressmark[web]'.
    """
    try:
        from tui.serve import PressmarkServer
    except ImportError:
        raise click.UsageError("serving needs textual-serve: pip install 'pressmark[web]'") from None
    from store.users import list_users

    if folder is not None:
        if not Path(folder).is_dir():
            raise click.BadParameter(f"{folder}: no such folder", param_hint="FOLDER")
        _print_sync(_sync(obj, folder, max_size * 1024 * 1024))
    if not list_users(obj.db):
        click.echo("No users yet: nobody can log in. Add one with `pressmark users add NAME --role lead`.", err=True)
    if host is not None:
        click.echo(UNENCRYPTED, err=True)
    db_path = str(Path(obj.db_path).resolve())
    obj.db.close()  # each session opens its own
    PressmarkServer(db_path, host=host or "127.0.0.1", port=port, public_url=public_url,
                    idle_timeout=idle_timeout * 60, trust_forwarded=behind_proxy).serve()


@cli.command("serve-session", hidden=True)
@click.option("--address", default="")
@click.option("--idle-timeout", type=float, required=True)
@pass_ctx
def serve_session(obj: Context, address: str, idle_timeout: float) -> None:
    """One browser session (run by `pressmark serve`, one per websocket): the app, starting at the login screen."""
    import logging

    from tui.app import PressmarkApp

    logging.basicConfig(level=logging.INFO, format="pressmark: %(message)s")  # to textual-serve's console
    app = PressmarkApp(obj.db, annotator="", db_path=obj.db_path, served_from=address, idle_timeout=idle_timeout)
    app.run()
