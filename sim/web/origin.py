"""Refuse state-changing requests that another web site makes the reader's browser send (CSRF).

The app has no session to steal, but a page elsewhere could still make a browser post answers, a
scenario or a pathway file to a server on loopback, where the teacher view needs no token. Browsers
say where a request comes from: ``Sec-Fetch-Site`` (Fetch Metadata) when they send it, else the
``Origin`` header. A POST is refused (403) when either says it came from another origin; requests
without both headers (command-line clients, scripts) are not browser-forged and pass. This is the
rule of Go's ``net/http.CrossOriginProtection`` and OWASP's CSRF cheat sheet ("Fetch Metadata",
"verifying origin with standard headers"); no token is needed, so pages work without JavaScript.
"""

from __future__ import annotations

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
    # "null" is what a browser sends for a same-origin form under Referrer-Policy: no-referrer.
    if origin is None or origin.strip() == "null":
        return None
    if urlsplit(origin.strip()).netloc.lower() != host.lower():
        return f"the request came from another origin ({origin.strip()[:80]})"
    return None
