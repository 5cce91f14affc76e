"""The ``serve`` command: the teaching web app on a local address.

``sarcoma-sim serve [--host 127.0.0.1] [--port 8000] [--db FILE] [--allowed-host NAME]...
[--teacher-token-file FILE] [--max-connections N] [--trusted-proxy ADDRESS]``. Attempts are stored
in SQLite (default: ``attempts.sqlite3`` in the user's data directory), checked writable at start.
Bound to loopback the teacher view is open; bound to any other address (or given a token file) it
needs a teacher token, drawn and printed at start or read from ``--teacher-token-file`` (written
there first if the file does not exist, so the token stays the same across restarts). Requests
must name this server (``--allowed-host`` adds names). Served by waitress with a class's limits
(``sarcoma_sim.web.server``).
"""

from __future__ import annotations

import argparse
import ipaddress
import sys

DEFAULT_PORT = 8000
MIN_TOKEN_LENGTH = 16
# Threads mostly wait (on SQLite, on the diagram worker), so many are cheap and keep decision pages
# from queueing behind diagrams; drawing is CPU-bound, one worker per spare core.
THREADS = 48


def diagram_workers() -> int:
    """Diagram worker processes: the cores beyond the one serving pages, 1 to 4."""
    import os

    return max(1, min(4, (os.cpu_count() or 2) - 1))


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``serve`` to the command parser."""
    p = commands.add_parser("serve", help="start the teaching web app (case player, scenarios, teacher view)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 picks a free one)")
    p.add_argument("--db", metavar="FILE", help="SQLite file for stored attempts (default: in the user's data folder)")
    p.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                   help="a name residents type to reach the server (e.g. teaching.example.org); repeatable")
    p.add_argument("--teacher-token-file", metavar="FILE",
                   help="read the teacher token from FILE (created with a new token if missing): same token "
                        "across restarts, and the teacher view needs it even on loopback")
    p.add_argument("--max-connections", type=int, default=None, metavar="N",
                   help="open connections at most (default 400, enough for 50 browsers); at the limit the "
                        "longest-idle ones are closed")
    p.add_argument("--trusted-proxy", metavar="ADDRESS",
                   help="address of a reverse proxy whose X-Forwarded-Proto is believed (HTTPS: secure cookies)")
    p.add_argument("--lrs", metavar="URL",
                   help="send xAPI statements to this learning record store (its xAPI base, e.g. "
                        "http://127.0.0.1:8100/xAPI/); user and password from --lrs-credentials-file or "
                        "SARCOMA_SIM_LRS_USER and SARCOMA_SIM_LRS_PASSWORD")
    p.add_argument("--lrs-credentials-file", metavar="FILE", help="one line 'user:password' for --lrs")
    p.add_argument("--hide-map", action="store_true",
                   help="teacher setting: cases show no map (focus view or whole map) until their debrief")
    p.set_defaults(handler=cmd_serve)


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_token_file(path: str) -> str:
    """The teacher token in ``path``; a new one is written there (owner-only) when the file does not exist."""
    import os
    import secrets

    from sarcoma_sim.errors import CommandLineError
    from sarcoma_sim.errors import one_line as shown_name

    try:
        with open(path, encoding="utf-8") as file:
            token = file.read().strip()
    except FileNotFoundError:
        token = secrets.token_urlsafe(24)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(token + "\n")
        except OSError as error:
            raise CommandLineError(f"--teacher-token-file {shown_name(path)}: cannot be written "
                                   f"({error.strerror})") from None
        return token
    except (OSError, UnicodeDecodeError) as error:
        raise CommandLineError(f"--teacher-token-file {shown_name(path)}: cannot be read ({error})") from None
    if len(token) < MIN_TOKEN_LENGTH or not token.isascii() or not token.isprintable() or " " in token:
        raise CommandLineError(f"--teacher-token-file {shown_name(path)}: expected one line of at least "
                               f"{MIN_TOKEN_LENGTH} printable ASCII characters without spaces")
    return token


def browser_address(host: str) -> str:
    """An address of this machine a browser can open for the bound ``host`` (a wildcard is not one)."""
    import socket

    if host not in ("0.0.0.0", "::", ""):
        return host
    try:
        # Which local address would reach another network: no packet is sent by a UDP connect.
        with socket.socket(socket.AF_INET6 if host == "::" else socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("2001:db8::1", 9) if host == "::" else ("192.0.2.1", 9))
            address = probe.getsockname()[0]
    except OSError:
        address = "::1" if host == "::" else "127.0.0.1"
    return address


def machine_names(host: str) -> set[str]:
    """Names of this machine residents might type: the bound name, the host name and its qualified form."""
    import socket

    names = {socket.gethostname(), socket.getfqdn()}
    try:
        ipaddress.ip_address(host)
    except ValueError:
        names.add(host)  # bound by name: residents may type that name
    return {n.lower().rstrip(".") for n in names if n}


def default_db() -> str:
    """``attempts.sqlite3`` in the user's data directory (created if missing)."""
    from platformdirs import user_data_path

    folder = user_data_path("sarcoma-sim", appauthor=False, ensure_exists=True)
    return str(folder / "attempts.sqlite3")


def _listen(host: str, port: int):
    """A socket bound to ``host``:``port``; a name that does not resolve or a taken port is an error."""
    import socket

    from sarcoma_sim.errors import CommandLineError

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
    except (OSError, UnicodeError) as error:
        raise CommandLineError(f"--host {host} --port {port}: cannot listen there ({error})") from None
    listener = socket.socket(family, kind, proto)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
    except OSError as error:
        listener.close()
        raise CommandLineError(f"--host {host} --port {port}: cannot listen there ({error})") from None
    return listener


def lrs_settings(args: argparse.Namespace) -> tuple[str, str, str] | None:
    """(URL, user, password) for ``--lrs``, from the credentials file or the environment; None without ``--lrs``."""
    import os
    from urllib.parse import urlsplit

    from sarcoma_sim.errors import CommandLineError
    from sarcoma_sim.errors import one_line as shown_name

    if not args.lrs:
        if args.lrs_credentials_file:
            raise CommandLineError("--lrs-credentials-file: only used with --lrs URL")
        return None
    parts = urlsplit(args.lrs)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CommandLineError(f"--lrs {shown_name(args.lrs)}: expected an http:// or https:// address")
    if args.lrs_credentials_file:
        try:
            with open(args.lrs_credentials_file, encoding="utf-8") as file:
                line = file.read().strip()
        except (OSError, UnicodeDecodeError) as error:
            raise CommandLineError(f"--lrs-credentials-file {shown_name(args.lrs_credentials_file)}: "
                                   f"cannot be read ({error})") from None
        user, colon, password = line.partition(":")
        if not colon or not user or "\n" in line:
            raise CommandLineError(f"--lrs-credentials-file {shown_name(args.lrs_credentials_file)}: "
                                   "expected one line 'user:password'")
    else:
        user = os.environ.get("SARCOMA_SIM_LRS_USER", "")
        password = os.environ.get("SARCOMA_SIM_LRS_PASSWORD", "")
        if not user:
            raise CommandLineError("--lrs: give the LRS user and password in --lrs-credentials-file or in "
                                   "SARCOMA_SIM_LRS_USER and SARCOMA_SIM_LRS_PASSWORD")
    return args.lrs, user, password


def cmd_serve(args: argparse.Namespace) -> int:
    """Bind, print the address (and the teacher token off loopback), serve until interrupted."""
    import secrets
    import signal
    import sqlite3
    from pathlib import Path

    from sarcoma_sim.errors import CommandLineError
    from sarcoma_sim.errors import one_line as shown_name
    from sarcoma_sim.notice import NOT_FOR_CLINICAL_USE
    from sarcoma_sim.web.app import create_app
    from sarcoma_sim.web.server import create_class_server
    from sarcoma_sim.web.store import StoreUnwritable

    if not 0 <= args.port <= 65535:
        raise CommandLineError(f"--port {args.port}: expected a port number from 0 to 65535")
    if args.max_connections is not None and not 10 <= args.max_connections <= 10_000:
        raise CommandLineError(f"--max-connections {args.max_connections}: expected a number from 10 to 10000")
    for name in args.allowed_host:
        if not name or not all(c.isalnum() or c in ".-_" for c in name):
            raise CommandLineError(f"--allowed-host {shown_name(name)}: expected a host name (letters, digits, "
                                   "dots, hyphens)")
    db = args.db or default_db()
    if Path(db).is_dir():
        raise CommandLineError(f"--db {shown_name(db)}: is a folder, expected a file name")
    loopback = is_loopback(args.host)
    if args.teacher_token_file:
        token: str | None = read_token_file(args.teacher_token_file)
    else:
        token = None if loopback else secrets.token_urlsafe(16)
    allowed = set(args.allowed_host) | (set() if loopback else machine_names(args.host))
    lrs = lrs_settings(args)
    try:
        app = create_app(db, token, diagram_workers=diagram_workers(), allowed_hosts=allowed, loopback_only=loopback,
                         lrs=lrs, warm_layouts=True)
        app.config["HIDE_MAP"] = args.hide_map
    except StoreUnwritable as error:
        raise CommandLineError(f"--db {shown_name(db)}: {error.reason}; expected a file this user can write") \
            from None
    except sqlite3.Error as error:
        raise CommandLineError(f"--db {shown_name(db)}: cannot be used as an SQLite file ({error})") from None
    listener = _listen(args.host, args.port)
    settings: dict = {"threads": THREADS, "trusted_proxy": args.trusted_proxy}
    if args.max_connections is not None:
        settings["connection_limit"] = args.max_connections
    server = create_class_server(app, listener, **settings)
    app.config["DRAWER"].start()  # the diagram workers start, and lay out the shipped pathways, before a request
    port = listener.getsockname()[1]
    where = browser_address(args.host)
    shown = f"[{where}]" if ":" in where else where
    print(f"sarcoma-sim teaching app on http://{shown}:{port}/", flush=True)
    if where != args.host:
        print(f"(listening on every address of this machine; on this machine also http://localhost:{port}/)",
              flush=True)
    print(f"attempts stored in {shown_name(db)}", flush=True)
    if token:
        if args.teacher_token_file:
            print(f"teacher token: in {shown_name(args.teacher_token_file)}  (sign in at /teacher/login)", flush=True)
        else:
            print(f"teacher token: {token}  (sign in at /teacher/login)", flush=True)
    if lrs is not None:
        print(f"xAPI statements sent to {shown_name(lrs[0])}", flush=True)
    print(NOT_FOR_CLINICAL_USE, flush=True)
    print("Ctrl-C stops the server.", flush=True)

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)  # a terminated server stops its diagram workers too
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        print("stopped", file=sys.stderr)
        server.close()
        server.task_dispatcher.shutdown()
        app.config["DRAWER"].close()
        if app.config.get("LRS_SENDER") is not None:
            app.config["LRS_SENDER"].stop()  # what is unsent stays in the outbox for the next start
        app.config["STORE"].close()
    return 0
