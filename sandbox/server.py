"""The XL Release stand-in: state, task life cycle, script execution, jobs.

``Server`` holds what the real server would hold (releases, people, shared
configuration, the activity log), moves tasks through the documented life
cycle (task-life-cycle.md), runs plugin scripts as the host contract says
(docs/host-contract.md) and runs the plugin's scheduled jobs (xl-rules.xml,
timed by conf/xl-release.conf).  Everything is driven by an injectable clock:
``VirtualClock`` for tests (nothing runs until ``advance``), ``RealClock``
for the demo.

The methods here are the sandbox's own admin interface (what a person does
in the UI, what a test sets up); scripts get the narrower API objects of
``api.py``, which call into the same methods as the script user.
"""
from __future__ import annotations

import copy
import dataclasses
import itertools
import logging
import os
import threading
from pathlib import Path

from .api import script_apis
from .beans import (CommentBean, ConfigurationBean, MemberType, PhaseBean, PhaseStatus, PrincipalView, ReleaseBean,
                    ReleaseStatus, RoleView, TaskBean, TaskStatus, TeamMemberView, TeamView, Type,
                    UserAccount)
from .clock import RealClock, VirtualClock
from .conf import read_host_conf
from .errors import (IllegalArgumentException, IllegalStateException, NotFoundException,
                     SandboxError, TypeSystemError)
from .model import (DONE, ActivityEntry, CommentRecord, ConfigurationRecord, PhaseRecord,
                    ReleaseRecord, RoleRecord, ScriptRun, TaskRecord, TeamRecord, UserRecord,
                    child_id, new_hex, release_id, release_of)
from .plugin import Plugin
from .rules import Rules, parse_rules
from .runner import run_script
from .schemas import schema_path
from .typesystem import (CONFIGURATION_BASE, MANUAL_TASK, SMTP_SERVER, TASK_BASE, TypeRegistry)

log = logging.getLogger("sandbox.server")

SMTP_SERVER_ID = "Configuration/mail/SmtpServer"
CUSTOM_SCRIPT_TASK = "xlrelease.CustomScriptTask"
HOME_ENV = "XL_RELEASE_SERVER_HOME"
# Variables the host binds in task scripts; a task property may not shadow them.
HOST_VARIABLES = ("taskApi", "releaseApi", "configurationApi", "userApi", "rolesApi", "Comment",
                  "task", "release", "hostRunsScheduledJobs")
REPO = Path(__file__).resolve().parents[1]


def _default_xsd(name):
    # sandbox/schemas.py: schemas/, and Digital.ai's synthetic.xsd via XLR_SYNTHETIC_XSD.
    return schema_path(name)


class _ScriptControl:
    """What a running task script asked for: the next script and its delay."""

    def __init__(self):
        self.next_script = None
        self.delay = None


class RunningTask(TaskBean):
    """The ``task`` variable of a task script: a Task bean plus schedule/setStatusLine."""

    def schedule(self, script, seconds=None):
        control, server, record_id = self._host
        if not isinstance(script, str) or not script:
            raise IllegalArgumentException("task.schedule needs a script path")
        if seconds is None:
            seconds = server.conf.schedule_interval
        elif isinstance(seconds, bool) or not isinstance(seconds, int):
            # The Java signature is schedule(String, Integer).
            raise IllegalArgumentException("task.schedule seconds must be an integer, got %r" % (seconds,))
        control.next_script = script
        control.delay = max(1, seconds)  # "The interval may not be less than 1 second."

    def setStatusLine(self, text):  # noqa: N802 - Java name
        _, server, record_id = self._host
        server._set_status_line(record_id, None if text is None else str(text))


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

    def isInterrupted(self):  # noqa: N802 - Java name
        return self._interrupted.is_set()


class Server:
    def __init__(self, home, plugins=(), clock=None, script_user: str = "admin",
                 synthetic_xsd=None, rules_xsd=None, long_lived_jobs=None,
                 custom_script_task_type=True):
        self.home = Path(home).resolve()
        self.home.mkdir(parents=True, exist_ok=True)
        self.clock = clock if clock is not None else RealClock()
        self._own_clock = clock is None
        self.script_user = script_user
        self.plugins = list(plugins)
        self.types = TypeRegistry()
        xsd = synthetic_xsd or _default_xsd("synthetic.xsd")
        for plugin in self.plugins:
            self.types.load_synthetic(plugin.synthetic, "%s (%s)" % (Plugin.__name__, plugin.location), xsd)
        self._check_task_types()
        rxsd = rules_xsd or _default_xsd("xl-rules.xsd")
        jobs, events = [], []
        for plugin in self.plugins:
            rules = parse_rules(plugin.rules, "xl-rules.xml of %s" % plugin.location, rxsd)
            jobs += rules.jobs
            events += rules.task_events
        self.rules = Rules(tuple(jobs), tuple(events))
        # Start-up errors, as XL Release's would be: a job or hook pointing nowhere.
        for job in self.rules.jobs:
            self._find_script(job.script)
        for rule in self.rules.task_events:
            self._event_script(rule)
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
        # XL Release's own shape: a custom task's type is xlrelease.CustomScriptTask
        # and only taskType is the synthetic type. Off: the contract's shape.
        self.custom_script_task_type = custom_script_task_type

        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._uids = itertools.count(1)
        self.users: dict[str, UserRecord] = {}
        self.roles: dict[str, RoleRecord] = {}
        self.releases: dict[str, ReleaseRecord] = {}
        self.phases: dict[str, PhaseRecord] = {}
        self.tasks: dict[str, TaskRecord] = {}
        self.configurations: dict[str, ConfigurationRecord] = {}
        self._activity: dict[str, list[ActivityEntry]] = {}
        self.job_runs: list[JobRun] = []
        self._faults: dict[str, list] = {}
        self.api_faults_raised: list[str] = []
        self._job_handles = []
        self._long_lived = []
        self._stop = threading.Event()
        self._running = False
        self._saved_env = None
        self.conf = None
        self.add_user(script_user, full_name="Administrator")

    # ------------------------------------------------------------------ life
    def start(self):
        if self._running:
            return self
        self.conf = read_host_conf(self.home, self.rules.jobs)
        for plugin in self.plugins:
            plugin.activate()
        self._saved_env = os.environ.get(HOME_ENV)
        os.environ[HOME_ENV] = str(self.home)
        self._stop.clear()
        self._running = True
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
        return self

    def stop(self, timeout: float = 30.0):
        if not self._running:
            return
        self._running = False
        self._stop.set()
        for thread in self._long_lived:
            thread.interrupt()
        with self._lock:
            for handle in self._job_handles:
                handle.cancel()
            for task in self.tasks.values():
                if task.pending is not None:
                    task.pending.cancel()
                    task.pending = None
            self._changed.notify_all()
        for thread in self._long_lived:
            thread.join(timeout)
        stuck = [t.name for t in self._long_lived if t.is_alive()]
        self._long_lived = []
        if self._own_clock:
            self.clock.close()
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
            raise SandboxError("the server is not started (call start() or use it as a context manager)")

    # ------------------------------------------------------- fault injection
    def inject_api_fault(self, call, error=None, times=1):
        """Make the next ``times`` script calls of ``call`` (e.g.
        ``"taskApi.completeTask"``) raise ``error`` (default: a RuntimeError
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

    def _log(self, release, user, activity, message, target_type, target_id, data_id=None):
        entry = ActivityEntry(user, activity, message, self._now(), target_type, target_id, data_id)
        self._activity.setdefault(release, []).append(entry)

    def _notify(self):
        self._changed.notify_all()

    def _task(self, task_id) -> TaskRecord:
        try:
            return self.tasks[str(task_id)]
        except KeyError:
            raise NotFoundException("Task %s not found" % (task_id,)) from None

    def _release(self, rel_id) -> ReleaseRecord:
        try:
            return self.releases[str(rel_id)]
        except KeyError:
            raise NotFoundException("Release %s not found" % (rel_id,)) from None

    def _find_script(self, path):
        for plugin in self.plugins:
            if plugin.has_script(path):
                return plugin
        raise SandboxError("script %s is in no loaded plugin" % (path,))

    def _event_script(self, rule):
        """The script a task-event rule names: the default of its script-property."""
        if not self.types.is_a(rule.task_type, TASK_BASE):
            raise SandboxError("xl-rules.xml: task-event for %s, which is not a task type" % rule.task_type)
        prop = self.types.get(rule.task_type).properties.get(rule.script_property)
        if prop is None or not prop.default:
            raise SandboxError("xl-rules.xml: %s has no property %s with a default script" % (
                rule.task_type, rule.script_property))
        self._find_script(prop.default)
        return prop.default

    def _entry_script(self, task, on):
        """What runs when a task starts or is retried: the task-event rule's
        script, else what XL Release runs for any PythonScript task
        (``scriptLocation`` or ``prefix/Name.py``)."""
        rule = self.rules.event(task.type, on)
        if rule is not None:
            return self._event_script(rule)
        return self.types.get(task.type).default_script()

    def _check_task_types(self):
        for typedef in self.types.task_types():
            for name, prop in typedef.properties.items():
                if prop.category and name in HOST_VARIABLES:
                    raise TypeSystemError("%s.%s would hide the host's script variable %s" % (
                        typedef.name, name, name))

    # ------------------------------------------------------ people & config
    def add_user(self, username, email=None, full_name=None):
        with self._lock:
            if username in self.users:
                raise SandboxError("user %s exists" % username)
            self.users[username] = UserRecord(username, email, full_name)
        return username

    def add_role(self, name, principals=()):
        with self._lock:
            if name in self.roles:
                raise SandboxError("role %s exists" % name)
            for principal in principals:
                if principal not in self.users:
                    raise SandboxError("role %s: unknown user %s" % (name, principal))
            self.roles[name] = RoleRecord("Role" + new_hex(), name, list(principals))
        return name

    def create_configuration(self, type_name, title, **values):
        """A shared configuration object (Settings > Shared configuration)."""
        if not self.types.is_a(type_name, CONFIGURATION_BASE) or self.types.get(type_name).virtual:
            raise TypeSystemError("%s is not a configuration type one can create" % type_name)
        if type_name == SMTP_SERVER:
            raise SandboxError("the SMTP server is a singleton: use set_smtp_server()")
        record_values = self.types.build_values(type_name, dict(values, title=title), check_required=True)
        with self._lock:
            ci_id = "Configuration/Custom/Configuration" + new_hex()
            self.configurations[ci_id] = ConfigurationRecord(ci_id, type_name, record_values)
        return ci_id

    def update_configuration(self, ci_id, **values):
        with self._lock:
            record = self._configuration(ci_id)
            merged = dict(record.values)
            typedef = self.types.get(record.type)
            for name, value in values.items():
                merged[name] = typedef.property(name).coerce(value, record.type)
            self.types.check_required(typedef, merged, lambda p: True)
            record.values = merged

    def delete_configuration(self, ci_id):
        with self._lock:
            self._configuration(ci_id)
            del self.configurations[ci_id]

    def set_smtp_server(self, **values):
        """Settings > SMTP server: the one ``xlrelease.SmtpServer`` CI."""
        values.setdefault("title", "SMTP server")
        record_values = self.types.build_values(SMTP_SERVER, values, check_required=True)
        with self._lock:
            self.configurations[SMTP_SERVER_ID] = ConfigurationRecord(SMTP_SERVER_ID, SMTP_SERVER, record_values)
        return SMTP_SERVER_ID

    def _configuration(self, ci_id):
        try:
            return self.configurations[ci_id]
        except KeyError:
            raise NotFoundException("Configuration %s not found" % (ci_id,)) from None

    def list_configurations(self):
        """What Settings > Shared configuration lists: passwords masked."""
        with self._lock:
            result = []
            for record in self.configurations.values():
                secret = self.types.get(record.type).password_names()
                shown = {k: ("********" if k in secret and v else v) for k, v in record.values.items()}
                result.append({"id": record.id, "type": record.type, "properties": shown})
            return result

    # ---------------------------------------------------- releases & tasks
    def create_release(self, title, description=None, owner=None, as_user=None):
        user = as_user or self.script_user
        with self._lock:
            rel = ReleaseRecord(release_id(), next(self._uids), title, description, owner or user)
            self.releases[rel.id] = rel
            self._log(rel.id, user, "RELEASE_CREATED", "Created release '%s'" % title, "RELEASE", rel.id)
        return rel.id

    def add_phase(self, rel_id, title):
        with self._lock:
            rel = self._release(rel_id)
            if rel.status in ("COMPLETED", "ABORTED"):
                raise IllegalStateException("release %s is %s" % (rel.id, rel.status))
            phase = PhaseRecord(child_id(rel.id, "Phase"), rel.id, title)
            self.phases[phase.id] = phase
            rel.phases.append(phase.id)
        return phase.id

    def add_task(self, phase_id, type_name, title, description=None, owner=None, team=None,
                 as_user=None, **properties):
        user = as_user or self.script_user
        if type_name != MANUAL_TASK and not (self.types.is_a(type_name, TASK_BASE)
                                             and not self.types.get(type_name).virtual):
            raise TypeSystemError("%s is not a task type (known: %s)" % (
                type_name, ", ".join([MANUAL_TASK] + sorted(t.name for t in self.types.task_types()))))
        values = self.types.build_values(type_name, properties, owner=type_name)
        with self._lock:
            self._check_references(type_name, properties)
            try:
                phase = self.phases[phase_id]
            except KeyError:
                raise NotFoundException("Phase %s not found" % phase_id) from None
            if phase.status in DONE:
                raise IllegalStateException("phase %s is %s" % (phase.id, phase.status))
            self._check_assignee(phase.release_id, owner, team)
            task = TaskRecord(child_id(phase.id, "Task"), phase.id, phase.release_id, type_name, title,
                              description, owner, team, properties=values)
            self.tasks[task.id] = task
            phase.tasks.append(task.id)
            self._log(phase.release_id, user, "TASK_CREATED", "Added task '%s'" % title, "TASK", task.id)
        return task.id

    def set_task_properties(self, task_id, **values):
        """Edit a task's typed properties (only while it is not active, as in the UI)."""
        with self._lock:
            task = self._task(task_id)
            if task.status == "IN_PROGRESS":
                raise IllegalStateException("task %s is in progress: its properties are locked" % task_id)
            typedef = self.types.get(task.type)
            self._check_references(task.type, values)
            for name, value in values.items():
                task.properties[name] = typedef.property(name).coerce(value, task.type)
                self._log(task.release_id, self.script_user, "TASK_PROPERTY_UPDATED",
                          "Changed property '%s' of task '%s'" % (name, task.title), "TASK", task.id)

    def add_team(self, rel_id, name, members=(), roles=(), as_user=None):
        """A release team: ``members`` are usernames, ``roles`` global role names."""
        user = as_user or self.script_user
        with self._lock:
            rel = self._release(rel_id)
            if any(t.name == name for t in rel.teams):
                raise SandboxError("release already has a team %s" % name)
            for member in members:
                if member not in self.users:
                    raise SandboxError("team %s: unknown user %s" % (name, member))
            for role in roles:
                if role not in self.roles:
                    raise SandboxError("team %s: unknown role %s" % (name, role))
            team = TeamRecord(child_id(rel.id, "Team"), name, list(members), list(roles))
            rel.teams.append(team)
            self._log(rel.id, user, "TEAM_CREATED", "Created team '%s'" % name, "TEAM", team.id)
        return team.id

    def update_team(self, rel_id, name, members=None, roles=None, as_user=None):
        user = as_user or self.script_user
        with self._lock:
            rel = self._release(rel_id)
            team = next((t for t in rel.teams if t.name == name), None)
            if team is None:
                raise NotFoundException("release %s has no team %s" % (rel_id, name))
            if members is not None:
                team.principals = list(members)
            if roles is not None:
                team.roles = list(roles)
            self._log(rel.id, user, "TEAM_UPDATED", "Changed members of team '%s'" % name, "TEAM", team.id)

    def _check_references(self, type_name, values):
        """A ci property must name an existing configuration of its referenced type."""
        typedef = self.types.get(type_name)
        for name, value in values.items():
            prop = typedef.property(name)
            if prop.kind != "ci" or value is None:
                continue
            record = self.configurations.get(value)
            if record is None or not self.types.is_a(record.type, prop.referenced_type):
                raise TypeSystemError("%s.%s must reference a %s configuration, not %r" % (
                    type_name, name, prop.referenced_type, value))

    def _check_assignee(self, rel_id, owner, team):
        if owner is not None and owner not in self.users:
            raise NotFoundException("User %s not found" % owner)
        if team is not None and not any(t.name == team for t in self.releases[rel_id].teams):
            # XL Release creates a team when a task names a new one; the sandbox
            # wants teams set up first so members are explicit.
            raise NotFoundException("release has no team %s (add_team first)" % team)

    # ------------------------------------------------------------ the flow
    def start_release(self, rel_id, as_user=None):
        self._require_running()
        user = as_user or self.script_user
        with self._lock:
            rel = self._release(rel_id)
            if rel.status != "PLANNED":
                raise IllegalStateException("release %s is %s, not PLANNED" % (rel.id, rel.status))
            rel.status = "IN_PROGRESS"
            rel.start_date = self._now()
            self._log(rel.id, user, "RELEASE_STARTED", "Started release '%s'" % rel.title, "RELEASE", rel.id)
            self._advance(rel, user)
            self._notify()

    def _advance(self, rel, user):
        """Start the next task of the release, or finish phases and the release."""
        for phase_id in rel.phases:
            phase = self.phases[phase_id]
            if phase.status in DONE:
                continue
            if phase.status == "PLANNED":
                phase.status = "IN_PROGRESS"
                self._log(rel.id, user, "PHASE_STARTED", "Started phase '%s'" % phase.title, "PHASE", phase.id)
            for task_id in phase.tasks:
                task = self.tasks[task_id]
                if task.status in DONE:
                    continue
                if task.status == "PLANNED":
                    self._start_task(task, user)
                return  # the flow waits for this task
            phase.status = "COMPLETED"
            self._log(rel.id, user, "PHASE_COMPLETED", "Completed phase '%s'" % phase.title, "PHASE", phase.id)
        rel.status = "COMPLETED"
        rel.end_date = self._now()
        self._log(rel.id, user, "RELEASE_COMPLETED", "Completed release '%s'" % rel.title, "RELEASE", rel.id)

    def _start_task(self, task, user, retry=False):
        task.status = "IN_PROGRESS"
        task.execution += 1
        if not retry:
            task.start_date = self._now()
        task.end_date = None
        if retry:
            self._log(task.release_id, user, "TASK_RETRIED", "Retried task '%s'" % task.title, "TASK", task.id)
        else:
            self._log(task.release_id, user, "TASK_STARTED", "Started task '%s'" % task.title, "TASK", task.id)
        if task.type != MANUAL_TASK:
            self._schedule_script(task, self._entry_script(task, "retry" if retry else "start"), 0)

    def _leave_in_progress(self, task):
        if task.pending is not None:
            task.pending.cancel()
            task.pending = None
            task.pending_script = None

    def _complete(self, task, user, skipped=False):
        self._leave_in_progress(task)
        task.status = "SKIPPED" if skipped else "COMPLETED"
        task.end_date = self._now()
        self._log(task.release_id, user, "TASK_SKIPPED" if skipped else "TASK_COMPLETED",
                  "%s task '%s'" % ("Skipped" if skipped else "Completed", task.title), "TASK", task.id)
        rel = self.releases[task.release_id]
        if rel.status == "FAILED":
            self._resume(rel, task, user)
        self._advance(rel, user)

    def _fail(self, task, user):
        self._leave_in_progress(task)
        task.status = "FAILED"
        task.failures_count += 1
        task.end_date = self._now()
        self._log(task.release_id, user, "TASK_FAILED", "Failed task '%s'" % task.title, "TASK", task.id)
        phase = self.phases[task.phase_id]
        phase.status = "FAILED"
        self._log(task.release_id, user, "PHASE_FAILED", "Failed phase '%s'" % phase.title, "PHASE", phase.id)
        rel = self.releases[task.release_id]
        rel.status = "FAILED"
        self._log(rel.id, user, "RELEASE_FAILED", "Failed release '%s'" % rel.title, "RELEASE", rel.id)

    def _resume(self, rel, task, user):
        phase = self.phases[task.phase_id]
        phase.status = "IN_PROGRESS"
        self._log(rel.id, user, "PHASE_RESUMED", "Resumed phase '%s'" % phase.title, "PHASE", phase.id)
        rel.status = "IN_PROGRESS"
        self._log(rel.id, user, "RELEASE_RESUMED", "Resumed release '%s'" % rel.title, "RELEASE", rel.id)

    def _add_comment(self, task, text, user):
        comment = CommentRecord(child_id(task.id, "Comment"), text, user, self._now())
        task.comments.append(comment)
        self._log(task.release_id, user, "COMMENT_ADDED",
                  "Commented on task '%s': %s" % (task.title, text), "TASK", task.id, comment.id)

    def complete_task(self, task_id, comment=None, as_user=None):
        """Only an IN_PROGRESS task; adds the comment, completes, the flow goes on."""
        user = as_user or self.script_user
        with self._lock:
            task = self._task(task_id)
            if task.status != "IN_PROGRESS":
                raise IllegalStateException("Task '%s' is %s: only a task in progress can be completed"
                                            % (task.title, task.status))
            if comment:
                self._add_comment(task, comment, user)
            self._complete(task, user)
            self._notify()
            return self._task_bean(task)

    def fail_task(self, task_id, comment=None, as_user=None):
        """Only an IN_PROGRESS task; adds the comment, FAILED, failuresCount + 1."""
        user = as_user or self.script_user
        with self._lock:
            task = self._task(task_id)
            if task.status != "IN_PROGRESS":
                raise IllegalStateException("Task '%s' is %s: only a task in progress can be failed"
                                            % (task.title, task.status))
            if comment:
                self._add_comment(task, comment, user)
            self._fail(task, user)
            self._notify()
            return self._task_bean(task)

    def retry_task(self, task_id, comment=None, as_user=None):
        """FAILED -> IN_PROGRESS; ``failuresCount`` stays; the task's script runs again."""
        self._require_running()
        user = as_user or self.script_user
        with self._lock:
            task = self._task(task_id)
            if task.status != "FAILED":
                raise IllegalStateException("Task '%s' is %s: only a failed task can be retried"
                                            % (task.title, task.status))
            if comment:
                self._add_comment(task, comment, user)
            self._resume(self.releases[task.release_id], task, user)
            self._start_task(task, user, retry=True)
            self._notify()
            return self._task_bean(task)

    def skip_task(self, task_id, comment=None, as_user=None):
        """IN_PROGRESS or FAILED -> SKIPPED; the flow goes on."""
        user = as_user or self.script_user
        with self._lock:
            task = self._task(task_id)
            if task.status not in ("IN_PROGRESS", "FAILED"):
                raise IllegalStateException("Task '%s' is %s: only a task in progress or failed can be skipped"
                                            % (task.title, task.status))
            if comment:
                self._add_comment(task, comment, user)
            self._complete(task, user, skipped=True)
            self._notify()
            return self._task_bean(task)

    def comment_task(self, task_id, comment, as_user=None):
        user = as_user or self.script_user
        if not comment:
            raise IllegalArgumentException("a comment needs text")
        with self._lock:
            task = self._task(task_id)
            self._add_comment(task, comment, user)
            self._notify()
            return self._task_bean(task)

    def assign_task(self, task_id, username, as_user=None):
        user = as_user or self.script_user
        with self._lock:
            task = self._task(task_id)
            self._check_assignee(task.release_id, username, None)
            self._set_owner(task, username, user)
            self._notify()
            return self._task_bean(task)

    def _set_owner(self, task, username, user):
        if task.owner != username:
            task.owner = username
            self._log(task.release_id, user, "TASK_OWNER_UPDATED",
                      "Assigned task '%s' to %s" % (task.title, username or "nobody"), "TASK", task.id)

    def update_task(self, task_id, bean, as_user=None):
        """Apply a Task bean's editable properties (title, description, owner, team)."""
        user = as_user or self.script_user
        if not isinstance(bean, TaskBean):
            raise IllegalArgumentException("updateTask needs a Task, got %s" % type(bean).__name__)
        with self._lock:
            task = self._task(task_id)
            if bean.id is not None and bean.id != task.id:
                raise IllegalArgumentException("task id %s does not match %s" % (bean.id, task.id))
            self._check_assignee(task.release_id, bean.owner, bean.team)
            if bean.title != task.title:
                if not bean.title:
                    raise IllegalArgumentException("a task needs a title")
                task.title = bean.title
                self._log(task.release_id, user, "TASK_TITLE_UPDATED", "Changed title of task to '%s'"
                          % task.title, "TASK", task.id)
            if bean.description != task.description:
                task.description = bean.description
                self._log(task.release_id, user, "TASK_DESCRIPTION_UPDATED",
                          "Changed description of task '%s'" % task.title, "TASK", task.id)
            self._set_owner(task, bean.owner, user)
            if bean.team != task.team:
                task.team = bean.team
                self._log(task.release_id, user, "TASK_TEAM_UPDATED", "Assigned task '%s' to team %s"
                          % (task.title, task.team or "none"), "TASK", task.id)
            self._notify()
            return self._task_bean(task)

    def _set_status_line(self, task_id, text):
        with self._lock:
            self._task(task_id).status_line = text
            self._notify()

    # ------------------------------------------------------- task scripts
    def _schedule_script(self, task, script, delay):
        execution = task.execution
        task.pending_script = script
        task.pending = self.clock.call_later(
            delay, lambda: self._run_task_script(task.id, execution, script),
            name="%s %s" % (script, task.id.rsplit("/", 1)[-1]))

    def _task_variables(self, task, control):
        variables = script_apis(self, self.script_user)
        running = self._task_bean(task, cls=RunningTask)
        object.__setattr__(running, "_host", (control, self, task.id))
        variables["task"] = running
        variables["release"] = self._release_bean(self.releases[task.release_id])
        # This host runs xl-rules.xml's jobs: the waiting script need not fetch.
        variables["hostRunsScheduledJobs"] = True
        typedef = self.types.get(task.type)
        for prop in typedef.by_category("input", "output", "script"):
            value = copy.deepcopy(task.properties.get(prop.name))
            if prop.kind == "ci" and value is not None:
                value = self._ci_as_dict(value)
            variables[prop.name] = value
        return variables

    def _ci_as_dict(self, ci_id):
        # A ci input arrives as a dict of the CI's properties (jiraServer['url']).
        record = self.configurations.get(ci_id)
        if record is None:
            return None
        return dict(copy.deepcopy(record.values), id=record.id)

    def _run_task_script(self, task_id, execution, script):
        control = _ScriptControl()
        with self._lock:
            task = self.tasks[task_id]
            if task.status != "IN_PROGRESS" or task.execution != execution:
                return
            task.pending = None
            task.pending_script = None
            typedef = self.types.get(task.type)
            missing = self.types.missing_required(typedef, task.properties, lambda p: p.category == "input")
            run = ScriptRun(script, self._now())
            task.runs.append(run)
            if missing:
                run.outcome, run.error, run.ended = "failed", "Required input without a value: %s" % (
                    ", ".join(missing)), self._now()
                self._add_comment(task, run.error, self.script_user)
                self._fail(task, self.script_user)
                self._notify()
                return
            variables = self._task_variables(task, control)
        try:
            plugin = self._find_script(script)
            source, filename = plugin.read_script(script)
        except SandboxError as exc:
            source, filename = "raise RuntimeError(%r)" % str(exc), "<missing %s>" % script
        outcome = run_script(source, filename, variables)
        with self._lock:
            run.ended = self._now()
            run.output = outcome.output
            run.exit_code = outcome.exit_code
            error = outcome.error
            if task.execution == execution:
                error = error or self._copy_back(task, typedef, outcome.variables)
            if outcome.output or error:
                text = "\n".join(part.rstrip("\n") for part in (outcome.output, error) if part)
                self._add_comment(task, text, self.script_user)
            run.error = error
            if task.status != "IN_PROGRESS" or task.execution != execution:
                run.outcome = "discarded"  # the task left IN_PROGRESS while the script ran
            elif error:
                run.outcome = "failed"
                self._fail(task, self.script_user)
            elif control.next_script:
                run.outcome = "scheduled"
                self._schedule_script(task, control.next_script, control.delay)
            else:
                run.outcome = "completed"
                self._complete(task, self.script_user)
            self._notify()

    def _copy_back(self, task, typedef, variables):
        """Copy output and script variables onto the task; an error text if one does not fit."""
        for prop in typedef.by_category("output", "script"):
            value = variables.get(prop.name)
            try:
                task.properties[prop.name] = prop.coerce(value, task.type)
            except TypeSystemError as exc:
                return "Cannot store %s property %s: %s" % (prop.category, prop.name, exc)
        return None

    # ---------------------------------------------------------------- jobs
    def _schedule_job(self, job, delay, job_conf):
        if not self._running:
            return
        handle = self.clock.call_later(delay, lambda: self._run_job(job, job_conf), name="job " + job.name)
        with self._lock:
            self._job_handles = [h for h in self._job_handles if not (h.done or h.cancelled)] + [handle]

    def _job_variables(self):
        return script_apis(self, self.script_user)

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

    # ------------------------------------------------------- connection test
    def test_configuration(self, ci_id):
        """Shared configuration > Test: run ``prefix/Name.py`` with ``configuration``.

        Returns a dict shaped like SharedConfigurationStatusResponse
        (success, errorText, scriptFound) plus the script's output.
        """
        self._require_running()
        with self._lock:
            record = self._configuration(ci_id)
            typedef = self.types.get(record.type)
            bean = self._configuration_bean(record)
        script = typedef.default_script()
        try:
            source, filename = self._find_script(script).read_script(script)
        except SandboxError:
            return {"success": False, "errorText": "no script %s" % script, "scriptFound": False, "output": ""}
        outcome = run_script(source, filename, {"configuration": bean})
        return {"success": outcome.ok, "errorText": outcome.error, "scriptFound": True,
                "output": outcome.output}

    # ------------------------------------------------------------- beans
    def _comment_bean(self, c):
        return CommentBean(id=c.id, text=c.text, author=c.author, date=c.date, creationDate=c.date)

    def _phase_bean(self, phase, tasks=None):
        return PhaseBean(id=phase.id, title=phase.title, status=PhaseStatus.of(phase.status), tasks=tasks)

    def _task_bean(self, task, cls=TaskBean):
        rel = self.releases[task.release_id]
        task_type = Type(task.type)
        bean_type = task_type
        if self.custom_script_task_type and task.type != MANUAL_TASK:
            bean_type = Type(CUSTOM_SCRIPT_TASK)
        return cls(id=task.id, type=bean_type, taskType=task_type, title=task.title,
                   description=task.description, owner=task.owner, team=task.team,
                   status=TaskStatus.of(task.status), failuresCount=task.failures_count,
                   phase=self._phase_bean(self.phases[task.phase_id]), releaseUid=rel.uid,
                   comments=[self._comment_bean(c) for c in task.comments],
                   startDate=task.start_date, endDate=task.end_date, statusLine=task.status_line)

    def _release_bean(self, rel):
        phases = []
        for phase_id in rel.phases:
            phase = self.phases[phase_id]
            phases.append(self._phase_bean(phase, [self._task_bean(self.tasks[t]) for t in phase.tasks]))
        return ReleaseBean(id=rel.id, title=rel.title, description=rel.description, owner=rel.owner,
                           status=ReleaseStatus.of(rel.status), phases=phases,
                           startDate=rel.start_date, endDate=rel.end_date)

    def _configuration_bean(self, record):
        typedef = self.types.get(record.type)
        return ConfigurationBean(record.id, Type(record.type), copy.deepcopy(record.values),
                                 typedef.password_names())

    def task_bean(self, task_id):
        """A fresh Task snapshot (taskApi.getTask)."""
        with self._lock:
            return self._task_bean(self._task(task_id))

    def release_bean(self, rel_id):
        with self._lock:
            return self._release_bean(self._release(rel_id))

    def team_views(self, rel_id):
        with self._lock:
            rel = self._release(rel_id)
            views = []
            for team in rel.teams:
                members = [TeamMemberView(name=u, fullName=self.users[u].full_name,
                                          type=MemberType.of("PRINCIPAL"), roleId=None)
                           for u in team.principals]
                members += [TeamMemberView(name=r, fullName=None, type=MemberType.of("ROLE"),
                                           roleId=self.roles[r].id) for r in team.roles]
                views.append(TeamView(id=team.id, teamName=team.name, members=members,
                                      permissions=[], systemTeam=False))
            return views

    def user_account(self, username):
        with self._lock:
            user = self.users.get(username)
            if user is None:
                raise NotFoundException("User %s not found" % (username,))
            return UserAccount(username=user.username, email=user.email, fullName=user.full_name,
                               external=False, loginAllowed=True)

    def role_view(self, name):
        with self._lock:
            role = self.roles.get(name)
            if role is None:
                raise NotFoundException("Role %s not found" % (name,))
            return RoleView(id=role.id, name=role.name, permissions=[], principals=[
                PrincipalView(username=p, fullname=self.users[p].full_name) for p in role.principals])

    def search_configurations(self, type_name, title):
        type_name = str(type_name)
        if type_name not in self.types.types:
            raise IllegalArgumentException("Unknown type %s" % type_name)
        with self._lock:
            return [self._configuration_bean(r) for r in self.configurations.values()
                    if self.types.is_a(r.type, type_name) and (title is None or r.title == title)]

    # -------------------------------------------------------- inspection
    def activity_log(self, rel_id, category=None):
        with self._lock:
            self._release(rel_id)
            entries = list(self._activity.get(rel_id, []))
        if category is not None:
            entries = [e for e in entries if category in e.categories]
        return entries

    def task_runs(self, task_id):
        with self._lock:
            return list(self._task(task_id).runs)

    def task_properties(self, task_id):
        with self._lock:
            return copy.deepcopy(self._task(task_id).properties)

    def pending_script(self, task_id):
        with self._lock:
            return self._task(task_id).pending_script

    def release_of(self, any_id):
        return release_of(any_id)

    def wait_until(self, predicate, timeout: float) -> bool:
        """Wait (real clock) until ``predicate(server)`` holds; False on timeout."""
        import time
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
            return True


__all__ = ["Server", "RunningTask", "JobThread", "SMTP_SERVER_ID"]
