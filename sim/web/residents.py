"""Which resident a browser is: the resident session cookie, looked up in the store (None: anonymous)."""

from __future__ import annotations

from flask import current_app, request

RESIDENT_COOKIE = "sarcoma_sim_resident"


def current_resident() -> dict | None:
    """The resident this browser joined as (id, name, class id and name), or None (anonymous)."""
    return current_app.config["STORE"].resident_for(request.cookies.get(RESIDENT_COOKIE))
