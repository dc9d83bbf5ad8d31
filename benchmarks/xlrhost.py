"""XL Release's side of a waiting task, for the benchmark: it runs the
plugin's real waiting script (ext/remoteCompletion/WaitForReply.py) for
every IN_PROGRESS task, as XL Release runs a custom script task's
``task.schedule(script, seconds)``.  Python 2.7 and 3.

- The script runs with the documented script variables (task, taskApi,
  releaseApi, configurationApi, userApi, rolesApi, Comment, the task's
  script-category properties) in a fresh globals dict per run, in a warm
  interpreter (modules stay imported);
- a run that calls ``task.schedule`` runs again that many seconds later; a
  run that returns without it ends the task COMPLETED; ``sys.exit`` with a
  non-zero code or an exception ends it FAILED (XL Release's behaviour for
  a custom script task);
- a task that left IN_PROGRESS meanwhile (the fetcher completed it) is not
  run again;
- ``threads`` script threads share the due runs (XL Release runs task
  scripts on a pool; its size is not documented, 8 here);
- the CPU time every run spent on its thread is added up (``cpu``), so the
  waiting scripts' share of a core can be told apart from everything else
  in the process (the mail appender, the push job).
"""
from __future__ import absolute_import, division

import heapq
import io
import os
import random
import threading

from benchmarks.clock import clock, thread_cpu

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WAIT_SCRIPT_PATH = os.path.join(REPO, "ext", "remoteCompletion", "WaitForReply.py")


class _Scheduled(Exception):
    pass


class TaskVariable(object):
    """The ``task`` script variable: the task bean plus schedule/setStatusLine."""

    def __init__(self, bean):
        self.__dict__["_bean"] = bean
        self.__dict__["scheduled"] = None

    def schedule(self, script, seconds=None):
        self.__dict__["scheduled"] = (script, 5 if seconds is None else int(seconds))

    def setStatusLine(self, text):
        self._bean.statusLine = text

    def __getattr__(self, name):
        return getattr(self.__dict__["_bean"], name)

    def __setattr__(self, name, value):
        setattr(self._bean, name, value)


class ScriptHost(object):
    def __init__(self, host, task_ids, extra_variables=None, threads=8, first_within=30.0,
                 seed=1, script_path=WAIT_SCRIPT_PATH):
        self.host = host
        with io.open(script_path, "r", encoding="utf-8") as handle:
            self.code = compile(handle.read(), script_path, "exec")
        self.extra = dict(extra_variables or {})
        self.threads = threads
        self.lock = threading.Condition(threading.Lock())
        self.queue = []
        self.stopping = False
        self.cpu = 0.0
        self.runs = 0
        self.failures = []
        self.costs = []          # (wall, cpu) per run
        self._seq = 0
        rng = random.Random(seed)
        now = clock()
        # Tasks started at different moments: their first runs spread over
        # one interval.
        for task_id in task_ids:
            self._push(now + rng.uniform(0, first_within), task_id)
        self._workers = []

    def _push(self, due, task_id):
        self._seq += 1
        heapq.heappush(self.queue, (due, self._seq, task_id))

    def start(self):
        for index in range(self.threads):
            worker = threading.Thread(target=self._work, name="xlr-script-%d" % index)
            worker.daemon = True
            worker.start()
            self._workers.append(worker)

    def stop(self, timeout=120.0):
        with self.lock:
            self.stopping = True
            self.lock.notify_all()
        for worker in self._workers:
            worker.join(timeout)

    def _next(self):
        with self.lock:
            while True:
                if self.stopping:
                    return None
                if self.queue:
                    wait = self.queue[0][0] - clock()
                    if wait <= 0:
                        return heapq.heappop(self.queue)[2]
                else:
                    wait = None
                # A scheduler's timed wait for the next due run (not a test sleep).
                self.lock.wait(wait)

    def _work(self):
        while True:
            task_id = self._next()
            if task_id is None:
                return
            if not self.host.in_progress(task_id):
                continue
            started, cpu = clock(), thread_cpu()
            again = self.run_once(task_id)
            took, spent = clock() - started, thread_cpu() - cpu
            with self.lock:
                self.cpu += spent
                self.runs += 1
                self.costs.append((took, spent))
                if again is not None and not self.stopping:
                    self._push(clock() + again, task_id)
                    self.lock.notify()

    def variables(self, bean):
        names = dict(task=TaskVariable(bean), taskApi=self.host.taskApi,
                     releaseApi=self.host.releaseApi,
                     configurationApi=self.host.configurationApi, userApi=self.host.userApi,
                     rolesApi=self.host.rolesApi, Comment=self.host.Comment,
                     requestRecipients=bean.owner + "@bench.example",
                     requestRun=getattr(bean, "run_id", None), __name__="__main__")
        names.update(self.extra)
        return names

    def run_once(self, task_id):
        """One run of the script; seconds until the next run, or None (ended)."""
        with self.host.lock:
            bean = self.host.tasks[task_id]
        names = self.variables(bean)
        try:
            exec(self.code, names)
        except SystemExit as stop:
            if stop.code not in (None, 0):
                self._end(task_id, "FAILED")
                return None
        except Exception as error:  # the task fails, as in XL Release
            self.failures.append("%s: %s" % (type(error).__name__, error))
            self._end(task_id, "FAILED")
            return None
        scheduled = names["task"].scheduled
        if scheduled is not None:
            return scheduled[1]
        self._end(task_id, "COMPLETED")
        return None

    def _end(self, task_id, status):
        try:
            self.host.end(task_id, status)
        except RuntimeError:
            pass  # the fetcher ended it meanwhile (before the hand-over)
