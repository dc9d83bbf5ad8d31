"""JVM-wide state: small text values every script run of the JVM sees.

XL Release may give each script run a fresh interpreter, so module globals
do not survive between runs; the waiting scripts' fetch slot, the push
session's notices and the outcome replies' rate limit are kept in the JVM's
system properties on Jython (a synchronized Hashtable, so compare-and-set is
atomic across script threads) and in a locked dict on CPython.
"""
from __future__ import absolute_import, unicode_literals

import threading
import time

from .compat import to_text


class PythonStore(object):
    """Process-wide slot for CPython hosts."""

    def __init__(self):
        self._lock = threading.Lock()
        self._values = {}
        self.started_millis = int(time.time() * 1000)

    def get(self, key):
        with self._lock:
            return self._values.get(key)

    def compare_and_set(self, key, expected, value):
        with self._lock:
            if self._values.get(key) != expected:
                return False
            self._values[key] = value
            return True

    def put(self, key, value):
        with self._lock:
            self._values[key] = value

    def remove(self, key):
        with self._lock:
            return self._values.pop(key, None)


class JvmStore(object):
    """JVM-wide slot: java.lang.System properties (a synchronized Hashtable)."""

    def __init__(self):
        from java.lang import System  # Jython only
        from java.lang.management import ManagementFactory
        self._props = System.getProperties()
        self.started_millis = int(ManagementFactory.getRuntimeMXBean().getStartTime())

    def get(self, key):
        value = self._props.get(key)
        return None if value is None else to_text(value)

    def compare_and_set(self, key, expected, value):
        if expected is None:
            return self._props.putIfAbsent(key, value) is None
        return bool(self._props.replace(key, expected, value))

    def put(self, key, value):
        self._props.put(key, value)

    def remove(self, key):
        return self._props.remove(key)
