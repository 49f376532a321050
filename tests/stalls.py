"""What a test process was doing when a wait ran long: every asyncio task's
stack and every thread's, for the failure report of a test whose server
did not answer (a hang leaves no traceback of its own)."""
from __future__ import annotations

import asyncio
import io
import logging
import sys
import threading
import traceback

log = logging.getLogger("tests.stalls")


def snapshot() -> str:
    out = io.StringIO()
    try:
        tasks = asyncio.all_tasks()
    except RuntimeError:  # no running loop
        tasks = set()
    out.write(f"{len(tasks)} tasks\n")
    for task in sorted(tasks, key=lambda t: t.get_name()):
        out.write(f"--- {task!r}\n")
        task.print_stack(limit=12, file=out)
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    for ident, frame in sys._current_frames().items():
        out.write(f"--- thread {names.get(ident, ident)}\n")
        out.write("".join(traceback.format_stack(frame, limit=15)))
    return out.getvalue()


def report(what: str, waited_s: float) -> None:
    """Logs the snapshot as a warning: pytest shows it with the failure."""
    log.warning("%s: no answer after %.1f s; the process meanwhile:\n%s", what, waited_s, snapshot())
