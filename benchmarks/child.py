"""The benchmark's child processes (netdelay.py, smtpsink.py, the workers):
each is started with a pipe on its standard input and ends when that pipe
closes; a ``PortProcess`` prints ``PORT <n>`` once it listens."""
from __future__ import annotations

import subprocess


class PortProcess:
    def __init__(self, cmd, what):
        self.process = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)
        line = self.process.stdout.readline()
        if not line.startswith("PORT "):
            self.close()
            raise RuntimeError("%s did not start: %r" % (what, line))
        self.port = int(line.split()[1])

    def close(self):
        stop(self.process, 10)


def stop(process, timeout):
    """Close the child's standard input (its signal to end), then wait for it;
    killed after ``timeout`` seconds."""
    if process.poll() is None:
        process.stdin.close()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
