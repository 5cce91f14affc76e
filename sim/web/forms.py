"""Reading form fields strictly: a missing, malformed or out-of-range field is a 400 page naming it."""

from __future__ import annotations

from typing import Literal, overload

from flask import abort

MAX_SEED = 2**32 - 1


@overload
def whole_number(form, name: str, low: int, high: int, *, required: Literal[True] = True) -> int: ...


@overload
def whole_number(form, name: str, low: int, high: int, *, required: bool) -> int | None: ...


def whole_number(form, name: str, low: int, high: int, *, required: bool = True) -> int | None:
    """Field ``name`` as an int in [low, high]; only ASCII digits count."""
    raw = form.get(name, "")
    if not isinstance(raw, str):
        abort(400, f"field {name!r}: expected a whole number")
    raw = raw.strip()
    if not raw and not required:
        return None
    if not (raw and len(raw) <= 12 and raw.isascii() and raw.isdigit()):
        abort(400, f"field {name!r}: expected a whole number from {low} to {high}, got {raw[:40]!r}")
    value = int(raw)
    if not low <= value <= high:
        abort(400, f"field {name!r}: expected a whole number from {low} to {high}, got {value}")
    return value


def one_of(form, name: str, allowed) -> str:
    """Field ``name``, which must be one of ``allowed``."""
    raw = form.get(name, "")
    if raw not in allowed:
        abort(400, f"field {name!r}: expected one of the listed choices, got {str(raw)[:40]!r}")
    return raw
