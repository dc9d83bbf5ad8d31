"""Fetch cycles driven by the waiting script, for hosts without a job scheduler.

XL Release runs a plugin's Jython scripts for tasks, triggers and connection
tests, but has no scheduler for a free-standing script: it never reads
``xl-rules.xml`` (docs/xl-rules.md).  There, the waiting script that every
IN_PROGRESS remote completion task re-runs (``WaitForReply.py``) drives the
fetcher: each run starts a fetch cycle when one is due, i.e.

- ``fetching-enabled`` is true,
- the JVM has been up for ``startup-delay``,
- no fetch cycle started in this JVM during the last ``sync-interval``.

So however many tasks wait, the mailbox is read about once per
``sync-interval``, as XL Release's documentation of these keys says.  The
"last cycle" mark lives in the JVM's system properties on Jython, because XL
Release may give each script run a fresh interpreter (module globals would
not survive); taking the slot is a compare-and-set, so two script threads
never both start a cycle for the same slot.  A host that runs the
``xl-rules.xml`` job itself (the sandbox) says so with the task-script
variable ``hostRunsScheduledJobs`` and the waiting script then only waits.
"""
from __future__ import absolute_import, unicode_literals

import threading
import time

from . import fetch, host, logs, settings as settings_module, start
from .compat import JYTHON, prop, to_text

LAST_CYCLE_KEY = 'xlr.remote-completion.last-cycle-millis'


class _PythonStore(object):
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


class _JvmStore(object):
    """JVM-wide slot: java.lang.System properties (a synchronized Hashtable)."""

    def __init__(self):
        from java.lang import System  # noqa: F401 - Jython only
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


_store = [None]


def _slot_store():
    if _store[0] is None:
        _store[0] = _JvmStore() if JYTHON else _PythonStore()
    return _store[0]


def _now_millis():
    return int(time.time() * 1000)


def take_cycle_slot(sync_interval, startup_delay, now_millis=None, store=None):
    """True when a fetch cycle is due and this caller got the slot for it."""
    store = store or _slot_store()
    now = _now_millis() if now_millis is None else int(now_millis)
    if now - store.started_millis < startup_delay * 1000:
        return False
    last = store.get(LAST_CYCLE_KEY)
    if last is not None:
        try:
            if now - int(last) < sync_interval * 1000:
                return False
        except ValueError:
            pass  # a foreign value: take the slot over
    return store.compare_and_set(LAST_CYCLE_KEY, last, to_text(now))


def _still_in_progress(taskApi, task):
    try:
        return host.task_status(taskApi.getTask(prop(task, 'id'))) == 'IN_PROGRESS'
    except Exception:
        return True  # cannot tell: keep waiting rather than drop the task's schedule


def wait_for_reply(task, request_recipients, taskApi, releaseApi, configurationApi, userApi,
                   rolesApi, Comment, host_runs_jobs=False, now_millis=None, store=None):
    """The waiting script's work: fetch when due (see the module text), then
    keep the task waiting unless a reply has just completed or failed it.
    Returns the fetch cycle's Summary, or None when no cycle ran."""
    log = logs.get_logger()
    conf = settings_module.load_or_defaults(lambda text: log.error(
        'Remote completion: %s; using the defaults.', logs.clean(text, 500)))
    summary = None
    if (not host_runs_jobs and conf.fetching_enabled
            and take_cycle_slot(conf.sync_interval, conf.startup_delay, now_millis, store)):
        try:
            summary = fetch.run_fetch_cycle(taskApi, releaseApi, configurationApi, userApi,
                                            rolesApi, Comment, settings=conf)
        except Exception as error:  # the mailbox's trouble must not fail the task
            log.error('Remote completion: fetch cycle from the waiting task failed: %s',
                      logs.clean(logs.mask_secrets(to_text(error)), 300))
    if summary is None or _still_in_progress(taskApi, task):
        start.keep_waiting(task, request_recipients, interval=max(1, int(conf.sync_interval)))
    return summary
