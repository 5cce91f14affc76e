"""The installed tool's version, as the package metadata gives it (reports and summaries record it)."""

from __future__ import annotations


def tool_version() -> str:
    """The version of the installed ``sarcoma-sim`` distribution, or ``"unknown"`` when not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sarcoma-sim")
    except PackageNotFoundError:
        return "unknown"
