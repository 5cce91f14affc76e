"""Text from files made safe for a terminal: control characters shown as escapes, never sent raw.

A label or file name holding ``ESC ] 0 ; ... BEL`` or ``ESC [ 2 J`` would otherwise retitle or clear
the reader's terminal. Line breaks and tabs are kept; every other C0/C1 control character and DEL
becomes ``\\xNN``.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe_for_terminal(text: str) -> str:
    """``text`` with control characters (but line breaks and tabs) replaced by ``\\xNN`` escapes."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)
