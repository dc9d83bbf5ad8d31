"""Clocks and meters that mean the same on CPython 3 and Jython 2.7.

- ``clock()``: monotonic seconds with sub-microsecond resolution (Jython's
  ``time.time`` has only milliseconds: ``System.nanoTime`` there);
- ``thread_cpu()``: CPU seconds of the calling thread (Java's ThreadMXBean);
- ``process_cpu()``: user + system CPU seconds of this process, from
  /proc/self/stat (for Jython: the whole JVM, its compiler and GC included);
- ``status_kb(field)``: a /proc/self/status field such as VmRSS or VmHWM.
"""
from __future__ import absolute_import, division

import os
import sys
import time

JYTHON = sys.platform.startswith("java")
TICKS = 100.0   # USER_HZ: 100 on every Linux we run on (os.sysconf is absent on Jython)

if JYTHON:
    from java.lang import System as _System
    from java.lang.management import ManagementFactory as _Management

    _THREADS = _Management.getThreadMXBean()

    def clock():
        return _System.nanoTime() / 1e9

    def thread_cpu():
        return _THREADS.getCurrentThreadCpuTime() / 1e9
else:
    clock = time.perf_counter

    def thread_cpu():
        return time.thread_time()


def proc_stat_cpu(pid="self"):
    """(own CPU, CPU of reaped children) in seconds, or (None, None)."""
    try:
        with open("/proc/%s/stat" % pid) as handle:
            text = handle.read()
    except (IOError, OSError):
        return None, None
    fields = text[text.rindex(")") + 2:].split()
    # fields[0] is the state (field 3): utime/stime are fields 14/15,
    # cutime/cstime 16/17.
    utime, stime, cutime, cstime = (int(fields[i]) for i in (11, 12, 13, 14))
    return (utime + stime) / TICKS, (cutime + cstime) / TICKS


def process_cpu():
    own, _children = proc_stat_cpu()
    if own is None:
        return time.process_time() if hasattr(time, "process_time") else time.clock()
    return own


def status_kb(field, pid="self"):
    try:
        with open("/proc/%s/status" % pid) as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (IOError, OSError):
        pass
    return None


def interpreter():
    if JYTHON:
        return "Jython %d.%d.%d" % sys.version_info[:3]
    import platform
    return "%s %s" % (platform.python_implementation(), platform.python_version())


def pid():
    return os.getpid()
