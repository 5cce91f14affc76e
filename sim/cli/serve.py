"""The ``serve`` command: the teaching web app on a local address.

``sarcoma-sim serve [--host 127.0.0.1] [--port 8000] [--db FILE]``. Attempts are stored in SQLite
(default: ``attempts.sqlite3`` in the user's data directory). Bound to loopback the teacher view
is open; bound to any other address a teacher token is drawn and printed, and the teacher view
needs it. Served by waitress (a pure-Python WSGI server, threads, no other service).
"""

from __future__ import annotations

import argparse
import ipaddress
import sys

DEFAULT_PORT = 8000
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


def cmd_serve(args: argparse.Namespace) -> int:
    """Bind, print the address (and the teacher token off loopback), serve until interrupted."""
    import secrets
    import signal
    import sqlite3
    from pathlib import Path

    from waitress.server import create_server

    from sarcoma_sim.errors import CommandLineError
    from sarcoma_sim.notice import NOT_FOR_CLINICAL_USE
    from sarcoma_sim.web.app import create_app

    if not 0 <= args.port <= 65535:
        raise CommandLineError(f"--port {args.port}: expected a port number from 0 to 65535")
    db = args.db or default_db()
    if Path(db).is_dir():
        raise CommandLineError(f"--db {db}: is a folder, expected a file name")
    token = None if is_loopback(args.host) else secrets.token_urlsafe(16)
    try:
        app = create_app(db, token, diagram_workers=diagram_workers())
        app.config["HIDE_MAP"] = args.hide_map
    except sqlite3.Error as error:
        raise CommandLineError(f"--db {db}: cannot be used as an SQLite file ({error})") from None
    listener = _listen(args.host, args.port)
    server = create_server(app, sockets=[listener], threads=THREADS, ident="sarcoma-sim")
    port = listener.getsockname()[1]
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"sarcoma-sim teaching app on http://{shown}:{port}/", flush=True)
    print(f"attempts stored in {db}", flush=True)
    if token:
        print(f"teacher token: {token}  (the teacher view at /teacher asks for it)", flush=True)
    print(NOT_FOR_CLINICAL_USE, flush=True)
    print("Ctrl-C stops the server.", flush=True)

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)  # a terminated server stops its diagram workers too
    try:
        server.run()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        server.close()
        app.config["DRAWER"].close()
        app.config["STORE"].close()
    return 0
