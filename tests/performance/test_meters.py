"""The benchmark's process-tree CPU meter (benchmarks.harness.tree_cpu) counts
what a server's processes burn: a live child's own time, and a child that
has ended once its parent has reaped it (Postfix's smtpd and Dovecot's imap
processes come and go during a run)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from benchmarks.harness import tree_cpu

BURN = 0.3   # CPU seconds the child spends, by its own clock
# The child burns until its own CPU clock reaches BURN, then says so.
BURNER = ("import time\n"
          "while time.process_time() < %r: pass\n"
          "print('burnt', flush=True)\n" % BURN)


@pytest.mark.parametrize("child", ["live", "reaped"])
def test_tree_cpu_counts_a_childs_cpu(child):
    if child == "live":
        # The shell's child is alive (waiting on stdin) when we read.
        script = '"$0" -c "$1"; read _'
        burner = BURNER + "input()\n"
    else:
        # The child has ended and the shell has waited for it.
        script = '"$0" -c "$1"; echo burnt; read _'
        burner = BURNER.replace("print('burnt', flush=True)\n", "")
    shell = subprocess.Popen(["sh", "-c", script, sys.executable, burner],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert shell.stdout.readline().strip() == "burnt"
        # Ticks are 10 ms; the child's interpreter start adds to BURN.
        assert tree_cpu(shell.pid) >= BURN - 0.02
    finally:
        shell.stdin.close()
        shell.wait(timeout=30)


def test_tree_cpu_of_no_process_is_zero():
    dead = subprocess.Popen(["true"])
    dead.wait()
    assert tree_cpu(dead.pid) == 0.0
