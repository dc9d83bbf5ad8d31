"""Runs one plugin script the way XL Release runs Jython scripts.

The script executes with ``__name__ == '__builtin__'`` and the given
variables as its globals.  What it prints is captured for its own thread only
(scripts run on the scheduler thread and on long-lived job threads at the
same time).  Outcomes:
- ends normally: ``ok``;
- any ``sys.exit`` (``sys.exit()``, ``sys.exit(0)``, ``sys.exit(1)``, a
  message), or any exception: ``failed``, with the error text kept
  (using-scheduling-in-scripts.md: "sys.exit() is called: the script stops
  executing and the task fails").
The caller decides what an outcome means for a task or a job.
"""
from __future__ import annotations

import dataclasses
import io
import sys
import threading
import traceback

_local = threading.local()


class _ThreadCapture(io.TextIOBase):
    """sys.stdout stand-in: writes of a capturing thread go to its buffer."""

    def __init__(self, underlying):
        self.underlying = underlying

    def _target(self):
        buffer = getattr(_local, "buffer", None)
        return buffer if buffer is not None else self.underlying

    def write(self, text):
        return self._target().write(text)

    def flush(self):
        target = self._target()
        if hasattr(target, "flush"):
            target.flush()

    @property
    def encoding(self):
        return getattr(self.underlying, "encoding", "utf-8")

    def isatty(self):
        return False


def _install_capture():
    if not isinstance(sys.stdout, _ThreadCapture):
        sys.stdout = _ThreadCapture(sys.stdout)


@dataclasses.dataclass
class Outcome:
    ok: bool
    output: str
    error: str | None = None
    exit_code: object = None
    variables: dict = dataclasses.field(default_factory=dict)


def run_script(source: str, filename: str, variables: dict) -> Outcome:
    """Execute ``source`` with ``variables``; never raises for the script's own errors."""
    scope = dict(variables)
    scope["__name__"] = "__builtin__"
    scope.setdefault("__builtins__", __builtins__)
    buffer = io.StringIO()
    _install_capture()
    previous = getattr(_local, "buffer", None)
    _local.buffer = buffer
    try:
        code = compile(source, filename, "exec")
        exec(code, scope)
    except SystemExit as stop:
        code = stop.code
        if code is None:
            error = "Script exited (sys.exit() without a status)"
        elif isinstance(code, int):
            error = "Script exited with code %d" % code
        else:
            error = "Script exited with message: %s" % (code,)
        return Outcome(False, buffer.getvalue(), error, code, scope)
    except BaseException as exc:  # a script's failure is data, not a crash
        if isinstance(exc, KeyboardInterrupt):
            raise
        tb = exc.__traceback__
        # Drop this module's own frame so the trace starts in the script.
        if tb is not None and tb.tb_frame.f_code.co_filename == __file__:
            tb = tb.tb_next
        error = "".join(traceback.format_exception(type(exc), exc, tb)).rstrip()
        return Outcome(False, buffer.getvalue(), error, None, scope)
    finally:
        _local.buffer = previous
    return Outcome(True, buffer.getvalue(), None, None, scope)
