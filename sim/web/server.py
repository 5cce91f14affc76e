"""The waitress server with limits that fit a class, so no one client can hold it.

Waitress's defaults suit a server behind a proxy: 100 connections, 120 s before an idle one is
closed, bodies up to 1 GiB spooled to disk before the app sees them. Here:

- a body longer than the app's limit is refused (413) from its ``Content-Length`` header, before
  one byte of it is read (``max_request_body_size`` is checked when the headers end);
- an idle keep-alive connection is closed after ``IDLE_SECONDS``;
- at ``connection_limit`` open connections waitress stops accepting, so a client that opens many
  connections and sends a header line now and then (slowloris) would lock everyone out; this
  server then closes the connections that have waited longest without a complete request (idle
  keep-alives, requests that never finish), oldest first, so a new client is always accepted. A
  request already complete and being answered is never closed this way.
"""

from __future__ import annotations

from typing import Any, cast

from waitress.adjustments import Adjustments
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

from sarcoma_sim.web.app import MAX_BODY

# A class of 50 residents, each browser holding up to 6 connections, plus a teacher: 300; room above that.
CONNECTION_LIMIT = 400
IDLE_SECONDS = 30
MAX_HEADER_BYTES = 32 * 1024
# Closing connections in batches lets the accept loop breathe when a flood keeps coming.
ROOM = 0.1


class ClassServer(TcpWSGIServer):
    """A waitress TCP server that makes room at its connection limit instead of refusing everyone."""

    def readable(self):
        """Accept new connections; at the limit, first close the longest-waiting ones without a request."""
        if self.accepting and self.open_connections() >= self.adj.connection_limit:
            self.make_room()
        return super().readable()

    def open_connections(self) -> int:
        """Sockets in the server's loop (connections, the listener, the wake-up pipe), as waitress counts them."""
        return len(cast(Any, self)._map)

    def make_room(self) -> int:
        """Mark the oldest connections with no complete request to close; how many were marked."""
        # The stubs type active_channels as one channel; it is waitress's dict of them.
        channels = list(cast(dict, self.active_channels).values())
        closing = sum(1 for c in channels if c.will_close)
        limit = self.adj.connection_limit
        wanted = self.open_connections() - limit + max(1, int(limit * ROOM)) - closing
        waiting = sorted((c for c in channels if not (c.will_close or c.requests or c.total_outbufs_len)),
                         key=lambda c: c.creation_time)
        for channel in waiting[:max(0, wanted)]:
            channel.will_close = True
        return max(0, min(wanted, len(waiting)))


def limits(connection_limit: int = CONNECTION_LIMIT, threads: int = 48, trusted_proxy: str | None = None) -> dict:
    """Waitress adjustments for a class (see the module's docstring)."""
    settings: dict = dict(threads=threads, connection_limit=connection_limit, channel_timeout=IDLE_SECONDS,
                          cleanup_interval=max(1, IDLE_SECONDS // 3), max_request_header_size=MAX_HEADER_BYTES,
                          # waitress refuses a Content-Length equal to its limit or above: MAX_BODY still passes.
                          max_request_body_size=MAX_BODY + 1, ident="sarcoma-sim")
    if trusted_proxy:
        settings.update(trusted_proxy=trusted_proxy, trusted_proxy_headers={"x-forwarded-proto"},
                        clear_untrusted_proxy_headers=True)
    return settings


def create_class_server(app, listener, **settings) -> ClassServer:
    """A ``ClassServer`` serving ``app`` on the bound socket ``listener`` with ``limits(**settings)``."""
    adjustments = Adjustments(**limits(**settings))
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adjustments.threads)
    return ClassServer(app, {}, True, listener, dispatcher=dispatcher, adj=adjustments, bind_socket=False,
                       sockinfo=(listener.family, listener.type, listener.proto, listener.getsockname()))
