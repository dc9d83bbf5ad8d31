"""xl-rules.xml's scheduled jobs: run only when a test or the demo asks for them.

XL Release has no xl-rules.xml (the name is XL Deploy's) and runs no job of
a plugin's: on XL Release the remote completion fetch runs inside the
waiting task script.  So by default the sandbox runs none either; with
``Server(..., run_jobs=True)`` it runs them (and says so in its log) as
docs/xl-rules.md describes, timed by conf/xl-release.conf: ``startup-delay``
after start, then ``interval`` after each run ends; long-lived jobs (push
mode) on their own ``JobThread``, interrupted at shutdown.
"""
from __future__ import annotations

import dataclasses
import logging
import threading

from .api import script_apis
from .beans import Comment
from .clock import VirtualClock
from .errors import SandboxError
from .model import ScriptRun
from .runner import run_script

log = logging.getLogger("sandbox.server")


@dataclasses.dataclass
class JobRun(ScriptRun):
    job: str = ""


class JobThread(threading.Thread):
    """The thread of a long-lived job, with Java's interruption protocol.

    Inside XL Release a job thread is stopped by ``Thread.interrupt()`` and a
    blocking script notices ``Thread.currentThread().isInterrupted()``; here
    ``threading.current_thread().isInterrupted()`` answers the same question.
    """

    def __init__(self, **kw):
        super().__init__(daemon=True, **kw)
        self._interrupted = threading.Event()

    def interrupt(self):
        self._interrupted.set()

    def isInterrupted(self):  # Java name
        return self._interrupted.is_set()


class JobScheduler:
    """Scheduled jobs of xl-rules.xml (a mixin of ``Server``)."""

    def _init_jobs(self, rules_xsd, run_jobs, long_lived_jobs):
        self._load_rules(rules_xsd)
        self.run_jobs = bool(run_jobs)
        if long_lived_jobs is not None and not self.run_jobs:
            raise SandboxError("long_lived_jobs only apply with run_jobs=True")
        # None: as xl-rules.xml declares (long-lived="true").  A virtual clock
        # cannot wait for a blocking run, so there a declared long-lived job is
        # scheduled like any other and each run is interrupted from the start
        # (in push mode: one drain).  An explicit set always gets threads.
        self._interrupted_jobs = frozenset()
        if long_lived_jobs is None:
            declared = frozenset(job.name for job in self.rules.jobs if job.long_lived)
            if isinstance(self.clock, VirtualClock):
                long_lived_jobs, self._interrupted_jobs = (), declared
            else:
                long_lived_jobs = declared
        unknown = set(long_lived_jobs) - {job.name for job in self.rules.jobs}
        if unknown:
            raise SandboxError("no scheduled jobs named %s in xl-rules.xml" % sorted(unknown))
        self.long_lived_jobs = frozenset(long_lived_jobs)
        self.job_runs: list[JobRun] = []
        self._job_handles = []
        self._long_lived = []

    def _start_jobs(self):
        if not self.rules.jobs:
            return
        if not self.run_jobs:
            log.info("xl-rules.xml jobs %s not run: XL Release runs no plugin jobs "
                     "(Server(run_jobs=True) asks for them)", [j.name for j in self.rules.jobs])
            return
        log.warning("running xl-rules.xml jobs %s as asked (run_jobs=True): XL Release itself "
                    "would not", [j.name for j in self.rules.jobs])
        for job in self.rules.jobs:
            job_conf = self.conf.jobs[job.name]
            if not job_conf.enabled:
                log.info("job %s: disabled by %s", job.name, job.enabled.conf_key)
                continue
            if job.name in self.long_lived_jobs:
                thread = JobThread(target=self._long_lived_loop, args=(job, job_conf),
                                   name="job-" + job.name)
                self._long_lived.append(thread)
                thread.start()
            else:
                self._schedule_job(job, job_conf.startup_delay, job_conf)

    def _stop_jobs(self, timeout):
        """Interrupt long-lived jobs, cancel scheduled ones; the names of threads still alive."""
        for thread in self._long_lived:
            thread.interrupt()
        with self._lock:
            for handle in self._job_handles:
                handle.cancel()
        for thread in self._long_lived:
            thread.join(timeout)
        stuck = [t.name for t in self._long_lived if t.is_alive()]
        self._long_lived = []
        return stuck

    def _schedule_job(self, job, delay, job_conf):
        if not self._running:
            return
        handle = self.clock.call_later(delay, lambda: self._run_job(job, job_conf),
                                       name="job " + job.name)
        with self._lock:
            self._job_handles = [h for h in self._job_handles
                                 if not (h.done or h.cancelled)] + [handle]

    def _job_variables(self):
        variables = script_apis(self, self.script_user)
        variables["Comment"] = Comment
        return variables

    def _execute_job(self, job):
        run = JobRun(job.script, self._now(), job=job.name)
        with self._lock:
            self.job_runs.append(run)
        try:
            source, filename = self._find_script(job.script).read_script(job.script)
        except SandboxError as exc:
            source, filename = "raise RuntimeError(%r)" % str(exc), "<missing %s>" % job.script
        variables = self._job_variables()
        if job.name in self._interrupted_jobs:
            outcome = self._run_interrupted(source, filename, variables)
        else:
            outcome = run_script(source, filename, variables)
        with self._lock:
            run.ended = self._now()
            run.output, run.error, run.exit_code = outcome.output, outcome.error, outcome.exit_code
            run.outcome = "completed" if outcome.ok else "failed"
            self._notify()
        if outcome.output:
            log.info("job %s output:\n%s", job.name, outcome.output.rstrip())
        if not outcome.ok:
            log.warning("job %s failed:\n%s", job.name, outcome.error)
        return run

    @staticmethod
    def _run_interrupted(source, filename, variables):
        """A long-lived job's run under a virtual clock: on a job thread that is
        interrupted before it starts, so the script does its immediate work
        and returns instead of blocking the clock."""
        result = []
        thread = JobThread(target=lambda: result.append(run_script(source, filename, variables)),
                           name="job-run-interrupted")
        thread.interrupt()
        thread.start()
        thread.join()
        return result[0]

    def _run_job(self, job, job_conf):
        if not self._running:
            return
        try:
            self._execute_job(job)
        finally:
            # Fixed delay: the next run starts interval after this one ended.
            self._schedule_job(job, job_conf.interval, job_conf)

    def _long_lived_loop(self, job, job_conf):
        """A job whose script may block (push mode) runs on its own thread.

        If the script returns (or fails) while the server runs, it starts
        again after the job's interval.  Shutdown interrupts the thread (see
        ``JobThread``) and sets ``stop_event``.
        """
        if self._stop.wait(job_conf.startup_delay):
            return
        while not self._stop.is_set():
            self._execute_job(job)
            if self._stop.wait(job_conf.interval):
                return

    def jobs_due(self):
        """The scheduled job handles still pending (for tests)."""
        with self._lock:
            return [h for h in self._job_handles if not (h.done or h.cancelled)]
