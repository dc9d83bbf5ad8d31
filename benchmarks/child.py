"""A helper process of the benchmark (netdelay.py, smtpsink.py): started
with a pipe on its standard input, it prints ``PORT <n>`` once it listens and
ends when that pipe closes."""
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
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
