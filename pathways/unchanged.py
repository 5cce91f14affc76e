"""What is worked out from a graph, kept for that graph object while no graph changes.

Cutting a pathway into panels asks the same questions of the same graphs thousands of times (its
fingerprint, a JSON dump of the whole graph; its lines of therapy; the graph of a panel owning a
group of states). A networkx graph can be changed in place, so nothing can be kept by the graph
object in general; but inside ``unchanged_graphs`` no graph is changed once made, and
``remembered`` keeps each answer by the graph object until the outermost block ends. Outside the
block it computes the answer every time. Per thread, and bounded.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Callable, Hashable, Iterator, TypeVar

import networkx as nx

Value = TypeVar("Value")

# graph id -> (the graph, kept so that its id is not reused while the entry lives; {question: answer});
# None outside ``unchanged_graphs``
_LOCAL = threading.local()
# graphs remembered at once (a cut makes a few hundred panel graphs); past it, forgotten all at once
LIMIT = 4096


@contextmanager
def unchanged_graphs() -> Iterator[None]:
    """Within the block no graph is changed once made (the caller's promise): ``remembered`` keeps
    what is worked out from a graph object until the outermost block ends."""
    outer = getattr(_LOCAL, "seen", None)
    if outer is None:
        _LOCAL.seen = {}
    try:
        yield
    finally:
        if outer is None:
            _LOCAL.seen = None


def remembered(graph: nx.MultiDiGraph, question: Hashable, compute: Callable[[], Value]) -> Value:
    """``compute()``, the answer to ``question`` about ``graph``: inside ``unchanged_graphs`` worked
    out once per graph object and question, outside it every time. The answer is shared: callers
    do not change it."""
    seen = getattr(_LOCAL, "seen", None)
    if seen is None:
        return compute()
    entry = seen.get(id(graph))
    if entry is None or entry[0] is not graph:
        if len(seen) >= LIMIT:
            seen.clear()
        entry = seen[id(graph)] = (graph, {})
    answers = entry[1]
    if question not in answers:
        answers[question] = compute()
    return answers[question]
