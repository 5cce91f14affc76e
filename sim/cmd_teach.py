"""Placeholder: the `teach` command is being built (see its issue)."""


def register(commands):
    """Nothing registered yet."""
