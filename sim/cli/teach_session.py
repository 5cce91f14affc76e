"""The terminal session of a teaching case: options as numbered lines, answers read line by line.

``run_session`` drives a ``TeachingCase`` from lines of text, so piped input works.
"""

from __future__ import annotations

import textwrap
from typing import Callable, Iterable

from sarcoma_sim.patient.case import TeachingCase
from sarcoma_sim.patient.wording import debrief_lines, patient_line, plural

WIDTH = 100


def stop_summary(case: TeachingCase, write: Callable[[str], None]) -> None:
    """What a stopped case prints: the debrief once something was answered, else the score."""
    if case.asked:
        write("")
        for line in debrief_lines(case):
            write(line)
    else:
        write(case.score_line())


def ascii_choice(answer: str, count: int) -> int | None:
    """The 1-based option number ``answer`` names, or None: only ASCII digits count, at most 3 of them."""
    answer = answer.strip()
    if not (1 <= len(answer) <= 3 and answer.isascii() and answer.isdigit()):
        return None
    number = int(answer)
    return number if 1 <= number <= count else None


def run_session(case: TeachingCase, read_line: Callable[[], str | None], write: Callable[[str], None],
                header: Iterable[str] = ()) -> int:
    """Drive ``case`` from ``read_line`` (None at end of input) and ``write``; returns the exit code.

    An answer that is not one of the option numbers (in ASCII digits) is asked again; ``q`` stops
    the case; end of input stops it with the score so far. Long lines are wrapped at word
    boundaries. Always returns 0: stopping is not an error.
    """
    def say(text: str) -> None:
        indent = text[:len(text) - len(text.lstrip())]
        wrapped = textwrap.wrap(text, WIDTH, subsequent_indent=indent + "  ", break_long_words=False,
                                break_on_hyphens=False)
        for piece in wrapped or [""]:
            write(piece)

    for line in header:
        say(line)
    say(patient_line(case.patient, case.pathway, case.card()))
    write("Answer with the number of your choice (q to stop).")
    while (decision := case.next_decision()) is not None:
        write("")
        say(f"Decision {decision.number}. {decision.situation}")
        for i, option in enumerate(decision.options, start=1):
            say(f"  {i}) {option.text}")
        while True:
            answer = read_line()
            if answer is None:
                write("")
                write("End of input: the case stops here.")
                stop_summary(case, say)
                return 0
            if answer.strip().lower() in ("q", "quit"):
                write("Stopped.")
                stop_summary(case, say)
                return 0
            number = ascii_choice(answer, len(decision.options))
            if number is not None:
                break
            write(f"Please answer with a number from 1 to {len(decision.options)} (q to stop).")
        feedback = case.answer(decision, number - 1)
        for line in feedback.lines:
            say(line)
    write("")
    final = case.timeline.state
    if case.ended:
        say(f"The pathway has ended: {case.text_of(final)}.")
    else:
        say(f"The case ends here after {plural(case.asked, 'decision')}, on {case.text_of(final)}.")
    write("")
    for line in debrief_lines(case):
        say(line)
    return 0



def json_session(case: TeachingCase, read_line: Callable[[], str | None], write: Callable[[str], None],
                 seed: int) -> int:
    """Answer ``case`` from ``read_line`` without prompts, then write one JSON transcript; returns 0.

    A line that names no option is passed over; ``q`` or the end of input stops the case.
    """
    import json

    from sarcoma_sim.patient.transcript import transcript

    stopped = "max_decisions"
    try:
        while (decision := case.next_decision()) is not None:
            number = None
            while number is None:
                answer = read_line()
                if answer is None or answer.strip().lower() in ("q", "quit"):
                    stopped = "end_of_input" if answer is None else "quit"
                    raise StopIteration
                number = ascii_choice(answer, len(decision.options))
            case.answer(decision, number - 1)
        if case.ended:
            stopped = "pathway_ended"
    except (StopIteration, KeyboardInterrupt):
        pass
    write(json.dumps(transcript(case.pathway, seed, case.debrief(), stopped), indent=2, ensure_ascii=False))
    return 0
