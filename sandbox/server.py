"""The XL Release stand-in: one ``Server`` made of one part per concern.

``Server`` holds what the real server would hold and behaves, by default, as
XL Release is documented to behave (docs/sandbox.md lists each rule and its
evidence).  Its parts, each in its own module:

- ``state.State``: folders, releases, phases, tasks, people, teams, configuration;
- ``lifecycle.Lifecycle``: the task life cycle and the release flow
  (task-life-cycle.md), the task actions of the UI and the API;
- ``security.Security``: the run-as user and permission checks;
- ``scripts.ScriptHost``: running task scripts and the connection test;
- ``jobs.JobScheduler``: xl-rules.xml's scheduled jobs (only when asked for);
- ``views.Views``: the beans scripts get and what tests inspect.

This module wires them together and owns the server's life (start/stop)
and fault injection.  Everything is driven by an injectable clock:
``VirtualClock`` for tests (nothing runs until ``advance``), ``RealClock``
for the demo.  The methods are the sandbox's admin interface (what a person
does in the UI, what a test sets up); scripts get the narrower API objects
of ``api.py``, which call into the same methods as the release's run-as user.
"""
from __future__ import annotations

import itertools
import logging
import os
import threading
from pathlib import Path

from .clock import RealClock
from .conf import read_host_conf
from .errors import SandboxError
from .jobs import JobRun, JobScheduler, JobThread
from .lifecycle import Lifecycle
from .plugin import Plugin
from .schemas import schema_path
from .scripts import HOST_VARIABLES, RunningTask, ScriptHost
from .security import Security
from .state import SMTP_SERVER_ID, State
from .views import CUSTOM_SCRIPT_TASK, Views

log = logging.getLogger("sandbox.server")

HOME_ENV = "XL_RELEASE_SERVER_HOME"
REPO = Path(__file__).resolve().parents[1]

# The switches of XL Release's documented behaviour (see Server), and the
# sandbox's earlier, kinder behaviour.  DEFAULTS is what a Server gets when a
# switch is not given: XL Release's behaviour (the plugin ends its tasks through
# their own scripts since the hand-over, issue 10).
XL_RELEASE = dict(run_jobs=False, refuse_script_task_outcome=True, release_variable=False,
                  comment_variable=True, refuse_title_none=True, inherited_team_views=False,
                  smtp_password_readable=True, reset_failures_on_retry=False)
LEGACY = dict(XL_RELEASE, run_jobs=True, refuse_script_task_outcome=False, release_variable=True,
              refuse_title_none=False)
DEFAULTS = XL_RELEASE


class Server(State, Lifecycle, Security, ScriptHost, JobScheduler, Views):
    """An XL Release stand-in.

    Switches (defaults: as XL Release is documented to behave):

    - ``run_jobs``: run xl-rules.xml's scheduled jobs (XL Release has no such
      jobs; a test or the demo asks for them explicitly) and tell task scripts
      ``hostRunsScheduledJobs = True``;
    - ``refuse_script_task_outcome``: completing or failing an IN_PROGRESS
      custom script task (API or UI) is refused: what XL Release does then is
      undocumented, the task ends through its script;
    - ``release_variable`` / ``comment_variable``: offer ``release`` /
      ``Comment`` to task scripts (``release`` is not documented for plugin
      task scripts; ``Comment`` is used by the API page's example);
    - ``refuse_title_none``: ``searchByTypeAndTitle(type, None)`` is refused
      (public plugins pass ``""``; what ``None`` does is unknown);
    - ``inherited_team_views``: ``releaseApi.getTeams`` of a release in a
      folder and ``folderApi.getTeams`` of a folder without teams of its own
      return the inherited teams (default: none; whether XL Release does is
      undocumented, so the strict reading is the default);
    - ``smtp_password_readable``: scripts read the SMTP settings' password
      (off: they get it in a stored, encrypted form; which XL Release does is
      unknown, so the plugin must cope with both);
    - ``reset_failures_on_retry``: a retry sets ``failuresCount`` back to 0
      (when XL Release changes the counter is undocumented: both readings);
    - ``custom_script_task_type``: ``task.type`` is ``xlrelease.CustomScriptTask``
      (XL Release's shape) and ``taskType`` the synthetic type.
    """

    def __init__(self, home, plugins=(), clock=None, script_user: str = "admin",
                 synthetic_xsd=None, rules_xsd=None, long_lived_jobs=None,
                 custom_script_task_type=True, **switches):
        unknown = set(switches) - set(DEFAULTS)
        if unknown:
            raise TypeError("Server() got unknown switches %s (known: %s)" % (
                sorted(unknown), ", ".join(sorted(DEFAULTS))))
        switches = dict(DEFAULTS, **switches)
        self.home = Path(home).resolve()
        self.home.mkdir(parents=True, exist_ok=True)
        self.clock = clock if clock is not None else RealClock()
        self._own_clock = clock is None
        self.script_user = script_user
        self.plugins = list(plugins)
        self.custom_script_task_type = custom_script_task_type
        for name, value in switches.items():   # each switch an attribute of its name
            if name != "run_jobs":                  # the job runner's (_init_jobs)
                setattr(self, name, value)

        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._uids = itertools.count(1)
        self._faults: dict[str, list] = {}
        self.api_faults_raised: list[str] = []
        self._stop = threading.Event()
        self._running = False
        self._saved_env = None
        self.conf = None

        self._load_types(synthetic_xsd or schema_path("synthetic.xsd"))
        self._init_state()
        self._init_security()
        self._init_scripts()
        self._init_jobs(rules_xsd or schema_path("xl-rules.xsd"), switches["run_jobs"],
                        long_lived_jobs)
        self.add_user(script_user, full_name="Administrator", admin=True)

    # ------------------------------------------------------------------ life
    def start(self):
        if self._running:
            return self
        self.conf = read_host_conf(self.home, self.rules.jobs)
        for plugin in self.plugins:
            plugin.activate()
        self._install_script_modules()
        self._saved_env = os.environ.get(HOME_ENV)
        os.environ[HOME_ENV] = str(self.home)
        self._stop.clear()
        self._running = True
        self._start_jobs()
        return self

    def stop(self, timeout: float = 30.0):
        if not self._running:
            return
        self._running = False
        self._stop.set()
        with self._lock:
            for task in self.tasks.values():
                if task.pending is not None:
                    task.pending.cancel()
                    task.pending = None
            self._changed.notify_all()
        stuck = self._stop_jobs(timeout)
        if self._own_clock:
            self.clock.close()
        self._remove_script_modules()
        for plugin in self.plugins:
            plugin.deactivate()
        if self._saved_env is None:
            os.environ.pop(HOME_ENV, None)
        else:
            os.environ[HOME_ENV] = self._saved_env
        if stuck:
            raise SandboxError("long-lived jobs did not stop within %ss: %s" % (timeout, stuck))

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def stop_event(self) -> threading.Event:
        """Set when the server shuts down (long-lived jobs watch it)."""
        return self._stop

    def _require_running(self):
        if not self._running:
            raise SandboxError("the server is not started "
                               "(call start() or use it as a context manager)")

    # ------------------------------------------------------- fault injection
    def inject_api_fault(self, call, error=None, times=1):
        """Make the next ``times`` script calls of ``call`` (e.g.
        ``"taskApi.commentTask"``) raise ``error`` (default: a RuntimeError
        as a server or network failure would) before doing anything."""
        with self._lock:
            self._faults.setdefault(call, []).extend(
                [error or RuntimeError("injected fault: %s is unavailable" % call)] * times)

    def _api_fault(self, call):
        with self._lock:
            pending = self._faults.get(call)
            if not pending:
                return
            error = pending.pop(0)
            self.api_faults_raised.append(call)
        raise error

    # ------------------------------------------------------------- helpers
    def _now(self):
        return self.clock.now()

    def _notify(self):
        self._changed.notify_all()

    def _find_script(self, path):
        for plugin in self.plugins:
            if plugin.has_script(path):
                return plugin
        raise SandboxError("script %s is in no loaded plugin" % (path,))


__all__ = ["Server", "XL_RELEASE", "LEGACY", "DEFAULTS", "RunningTask", "JobThread", "JobRun",
           "SMTP_SERVER_ID", "CUSTOM_SCRIPT_TASK",
           "HOST_VARIABLES", "Plugin"]
