"""A server process of our own on a loopback port: a free port, waiting
until the server greets on it (readiness, not a sleep), and stopping it."""
from __future__ import annotations

import socket
import subprocess
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def await_greeting(process, port, greeting: bytes, what: str, log, timeout: float) -> None:
    """Poll ``port`` until a connection reads ``greeting`` first.  Raises
    RuntimeError with ``log()`` when ``process`` exits or ``timeout`` passes
    (the caller stops the process)."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            raise RuntimeError("%s exited: %s\n%s" % (what, output, log()))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                if s.recv(100).startswith(greeting):
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError("%s did not start:\n%s" % (what, log())) from None
            time.sleep(0.05)


def stop_process(process, timeout: float = 10) -> None:
    """SIGTERM (Dovecot's and Postfix's masters stop their children on it),
    then SIGKILL after ``timeout`` seconds."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
