"""The server's own limits on a real server on loopback: slow clients cannot hold it, big bodies are refused unread."""

from __future__ import annotations

import socket
import threading
import time
import urllib.parse
import urllib.request

from sarcoma_sim.web.app import MAX_BODY
from sarcoma_sim.web.server import ClassServer, limits

from helpers.web_server import serving

LIMIT = 20


def address(url: str) -> tuple[str, int]:
    """(host, port) of a base URL."""
    where = urllib.parse.urlsplit(url)
    return where.hostname, where.port


def slow_clients(where, count: int, stop: threading.Event) -> list[socket.socket]:
    """``count`` connections that send a request line, then one header line a second, never finishing."""
    opened = []
    for _ in range(count):
        conn = socket.create_connection(where, timeout=30)
        conn.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
        opened.append(conn)

    def trickle() -> None:
        while not stop.wait(1.0):
            for n, conn in enumerate(opened):
                try:
                    conn.sendall(f"X-Slow-{n}: {time.time()}\r\n".encode())
                except OSError:
                    pass

    threading.Thread(target=trickle, daemon=True).start()
    return opened


def test_more_slow_clients_than_the_connection_limit_do_not_lock_out_a_resident(tmp_path):
    """Twice the connection limit of trickling connections: a normal request is still answered within 15 s."""
    stop = threading.Event()
    with serving(tmp_path / "a.sqlite3", "--max-connections", str(LIMIT)) as (url, _):
        opened = slow_clients(address(url), 2 * LIMIT, stop)
        try:
            time.sleep(3)
            started = time.monotonic()
            with urllib.request.urlopen(url + "/", timeout=15) as response:
                assert response.status == 200
            assert time.monotonic() - started < 15
        finally:
            stop.set()
            for conn in opened:
                conn.close()


def test_an_oversize_content_length_is_refused_before_the_body_is_sent(tmp_path):
    """Content-Length of 1,000,000,000 with no body sent: a 413 answer comes at once, nothing is waited for."""
    with serving(tmp_path / "b.sqlite3") as (url, _):
        with socket.create_connection(address(url), timeout=15) as conn:
            conn.sendall(b"POST /cases HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded"
                         b"\r\nContent-Length: 1000000000\r\n\r\n")
            answer = conn.recv(4096)
        assert answer.startswith(b"HTTP/1.1 413")
        with socket.create_connection(address(url), timeout=15) as conn:
            body = b"case=gist&seed=1&pad=" + b"x" * (MAX_BODY - 21)
            conn.sendall(b"POST /cases HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded"
                         + f"\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
            assert conn.recv(4096).startswith(b"HTTP/1.1 303")


def test_limits_fit_a_class():
    """The settings: body limit just above the app's, a connection limit above a class's browsers, short idle time."""
    settings = limits()
    assert settings["max_request_body_size"] == MAX_BODY + 1
    assert settings["connection_limit"] >= 300 and settings["channel_timeout"] <= 60
    assert "trusted_proxy" not in settings and limits(trusted_proxy="10.0.0.1")["trusted_proxy_headers"] == {
        "x-forwarded-proto"}


class FakeChannel:
    """What ``make_room`` looks at in a waitress channel."""

    def __init__(self, created: float, busy: bool = False):
        self.creation_time = created
        self.requests = [object()] if busy else []
        self.will_close = False
        self.total_outbufs_len = 0


def test_make_room_closes_the_oldest_waiting_connections_never_a_busy_one():
    """At the limit the oldest connections without a complete request are closed first; busy ones stay."""
    server = ClassServer.__new__(ClassServer)
    channels = {n: FakeChannel(created=n, busy=n % 3 == 0) for n in range(12)}
    server.active_channels = channels
    server._map = {**channels, "listener": None}
    server.adj = type("Adj", (), {"connection_limit": 12})()
    marked = server.make_room()
    closed = sorted(n for n, c in channels.items() if c.will_close)
    assert marked == len(closed) == 2 and closed == [1, 2]
