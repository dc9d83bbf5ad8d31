"""Running task scripts as XL Release runs a custom task's Python scripts.

Evidence: create-custom-task-types.md (input/output variables),
using-scheduling-in-scripts.md (``task.schedule``, ``setStatusLine``, how a
script's end decides the task), additional-jython-helper-functions.md
(``getCurrentTask()`` ... for "Python scripts for plugin tasks"),
using-the-xl-release-api-in-scripts.md (the APIs run as the release's
"Run automated tasks as" user; ``Comment`` is
``com.xebialabs.xlrelease.api.v1.forms.Comment``).

A script's end decides the task:
- it returns, and did not call ``task.schedule``: COMPLETED;
- it calls ``task.schedule``: stays IN_PROGRESS, the next script runs later;
- it raises, or calls ``sys.exit`` with any status (``sys.exit()``,
  ``sys.exit(0)`` too: "sys.exit() is called: ... the task fails"): FAILED;
- nothing runs, and no outcome applies, once the task has left IN_PROGRESS.
"""
from __future__ import annotations

import copy
import sys
import types

from .api import script_apis
from .beans import Comment, TaskBean
from .errors import IllegalArgumentException, SandboxError, TypeSystemError
from .model import ScriptRun
from .runner import run_script
from .typesystem import TASK_BASE

# Variables the host binds in task scripts; a task property may not shadow them.
HOST_VARIABLES = ("taskApi", "releaseApi", "configurationApi", "userApi", "rolesApi", "folderApi",
                  "Comment", "task", "release", "hostRunsScheduledJobs", "getCurrentTask",
                  "getCurrentPhase", "getCurrentRelease", "getTasksByTitle", "getPhasesByTitle",
                  "getReleasesByTitle")
# The Java package of the Comment form, importable as on XL Release.
COMMENT_MODULE = "com.xebialabs.xlrelease.api.v1.forms"


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
            raise IllegalArgumentException(
                "task.schedule seconds must be an integer, got %r" % (seconds,))
        control.next_script = script
        control.delay = max(1, seconds)  # "The interval may not be less than 1 second."

    def setStatusLine(self, text):  # Java name
        _, server, record_id = self._host
        server._set_status_line(record_id, None if text is None else str(text))


class ScriptHost:
    """Task scripts and the connection test (a mixin of ``Server``)."""

    def _init_scripts(self):
        self._saved_modules = None

    # ------------------------------------------------- the Java package shim
    def _install_script_modules(self):
        """Make ``from com.xebialabs.xlrelease.api.v1.forms import Comment`` work
        while the server runs (on XL Release it is a class on the class path)."""
        names = COMMENT_MODULE.split(".")
        chain = [".".join(names[:i + 1]) for i in range(len(names))]
        self._saved_modules = {name: sys.modules.get(name) for name in chain}
        parent = None
        for name in chain:
            module = types.ModuleType(name)
            module.__path__ = []   # a package, so the next level imports
            if parent is not None:
                setattr(parent, name.rsplit(".", 1)[1], module)
            sys.modules[name] = module
            parent = module
        parent.Comment = Comment

    def _remove_script_modules(self):
        for name, module in (self._saved_modules or {}).items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
        self._saved_modules = None

    # ------------------------------------------------------ which script
    def _event_script(self, rule):
        """The script a task-event rule names: the default of its script-property."""
        if not self.types.is_a(rule.task_type, TASK_BASE):
            raise SandboxError("xl-rules.xml: task-event for %s, which is not a task type"
                               % rule.task_type)
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

    # ------------------------------------------------------- task scripts
    def _set_status_line(self, task_id, text):
        with self._lock:
            self._task(task_id).status_line = text
            self._notify()

    def _schedule_script(self, task, script, delay):
        execution = task.execution
        task.pending_script = script
        task.pending = self.clock.call_later(
            delay, lambda: self._run_task_script(task.id, execution, script),
            name="%s %s" % (script, task.id.rsplit("/", 1)[-1]))

    def run_as_user(self, rel_id):
        """The release's "Run automated tasks as" user (scriptUsername)."""
        with self._lock:
            return self._release(rel_id).script_username

    def _helper_functions(self, task_id, user):
        """additional-jython-helper-functions.md, as the run-as user."""
        rel_id = self.tasks[task_id].release_id

        def current_task():
            return self.task_bean(task_id)

        def current_phase():
            with self._lock:
                return self._phase_bean(self.phases[self.tasks[task_id].phase_id])

        def current_release():
            return self.release_bean(rel_id)

        def tasks_by_title(taskTitle, phaseTitle=None, releaseId=None):
            target = str(releaseId) if releaseId is not None else rel_id
            self.authorize(user, "getTasksByTitle", target, "view")
            return self.tasks_by_title(target, taskTitle, phaseTitle)

        def phases_by_title(phaseTitle, releaseId=None):
            target = str(releaseId) if releaseId is not None else rel_id
            self.authorize(user, "getPhasesByTitle", target, "view")
            return self.phases_by_title(target, phaseTitle)

        def releases_by_title(releaseTitle):
            return self.releases_by_title(releaseTitle, user)

        return {"getCurrentTask": current_task, "getCurrentPhase": current_phase,
                "getCurrentRelease": current_release, "getTasksByTitle": tasks_by_title,
                "getPhasesByTitle": phases_by_title, "getReleasesByTitle": releases_by_title}

    def _task_variables(self, task, control):
        user = self.releases[task.release_id].script_username
        variables = script_apis(self, user)
        variables.update(self._helper_functions(task.id, user))
        if self.comment_variable:
            variables["Comment"] = Comment
        running = self._task_bean(task, cls=RunningTask)
        object.__setattr__(running, "_host", (control, self, task.id))
        variables["task"] = running
        if self.release_variable:
            variables["release"] = self._release_bean(self.releases[task.release_id])
        if self.run_jobs:
            # Only when asked to run xl-rules.xml's jobs: the waiting script need not fetch.
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
                return   # the task left IN_PROGRESS (or was retried): nothing runs
            task.pending = None
            task.pending_script = None
            typedef = self.types.get(task.type)
            missing = self.types.missing_required(typedef, task.properties,
                                                  lambda p: p.category == "input")
            run = ScriptRun(script, self._now())
            task.runs.append(run)
            # The script's log and the task's end are the run-as user's doing.
            run_as = self.releases[task.release_id].script_username
            if missing:
                run.outcome, run.ended = "failed", self._now()
                run.error = "Required input without a value: %s" % ", ".join(missing)
                self._add_comment(task, run.error, run_as)
                self._fail(task, run_as)
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
                self._add_comment(task, text, run_as)
            run.error = error
            if task.status != "IN_PROGRESS" or task.execution != execution:
                run.outcome = "discarded"  # the task left IN_PROGRESS while the script ran
            elif error:
                run.outcome = "failed"
                self._fail(task, run_as)
            elif control.next_script:
                run.outcome = "scheduled"
                self._schedule_script(task, control.next_script, control.delay)
            else:
                run.outcome = "completed"
                self._complete(task, run_as)
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
            return {"success": False, "errorText": "no script %s" % script, "scriptFound": False,
                    "output": ""}
        outcome = run_script(source, filename, {"configuration": bean})
        return {"success": outcome.ok, "errorText": outcome.error, "scriptFound": True,
                "output": outcome.output}
