"""Shared plumbing of the long-running commands (relay, consumer, analytics sink, periodic runner)."""

import signal
import threading


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT: the command finishes the batch in hand, then exits."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop
