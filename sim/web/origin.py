"""Refuse state-changing requests that another web site makes the reader's browser send (CSRF).

The app has no session to steal, but a page elsewhere could still make a browser post answers, a
scenario or a pathway file to a server on loopback, where the teacher view needs no token. Browsers
say where a request comes from: ``Sec-Fetch-Site`` (Fetch Metadata) when they send it, else the
``Origin`` header. A POST is refused (403) when either says it came from another origin; requests
without both headers (command-line clients, scripts) are not browser-forged and pass. This is the
rule of Go's ``net/http.CrossOriginProtection`` and OWASP's CSRF cheat sheet ("Fetch Metadata",
"verifying origin with standard headers"); no token is needed, so pages work without JavaScript.
``Origin: null`` (a sandboxed frame, a ``data:`` page, a redirect from elsewhere) is refused: the
app's own pages send ``Referrer-Policy: same-origin``, so their posts carry their real origin.

DNS rebinding would defeat that rule: a page from another site whose name is then pointed at this
server is same-origin to the browser. So every request's ``Host`` must name this server
(``host_refusal``): bound to loopback, a loopback name or address; bound beyond it, also any IP
address (an address is never rebound: the page's origin would be that address) and the names
allowed on the command line or found for the machine. Django's ``ALLOWED_HOSTS`` is the same idea.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# "none": typed into the address bar or a bookmark; "same-origin": this app's own pages.
ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})


def cross_origin_reason(method: str, headers, host: str) -> str | None:
    """Why a request must be refused as cross-origin, or ``None`` when it may proceed.

    ``headers`` is a mapping of request headers; ``host`` is the ``Host`` the request was sent to.
    """
    if method.upper() in SAFE_METHODS:
        return None
    fetch_site = headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        if fetch_site.strip().lower() in ALLOWED_FETCH_SITES:
            return None
        return f"the browser says this request came from another site ({fetch_site.strip()[:40]})"
    origin = headers.get("Origin")
    if origin is None:
        return None
    if origin.strip() == "null":
        return "the browser hid where this request came from (Origin: null)"
    if urlsplit(origin.strip()).netloc.lower() != host.lower():
        return f"the request came from another origin ({origin.strip()[:80]})"
    return None


LOOPBACK_NAMES = frozenset({"localhost"})


def host_name(host: str) -> str:
    """The name or address in a ``Host`` header, without port or IPv6 brackets, lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _address(name: str):
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def host_refusal(host: str, allowed: frozenset[str], loopback_only: bool) -> str | None:
    """Why a request sent to ``host`` (its ``Host`` header) is refused, or ``None`` when it names this server.

    ``allowed`` are names allowed besides loopback ones (lower case); with ``loopback_only`` (the
    server is bound to loopback) an address must be a loopback one.
    """
    name = host_name(host)
    address = _address(name)
    if address is not None:
        if address.is_loopback or not loopback_only:
            return None
    elif name in LOOPBACK_NAMES or name.endswith(".localhost") or name.rstrip(".") in allowed:
        return None
    return (f"this server does not answer to the name {name[:80]!r}; the teacher can allow it with "
            "'sarcoma-sim serve --allowed-host NAME'")
