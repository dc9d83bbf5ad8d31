"""The task life cycle and the release flow (task-life-cycle.md), and the task actions.

Statuses and transitions as the life cycle page documents them; one
sequential flow.  The task actions (complete, fail, retry, skip, comment,
assign, update) are the UI's and the API's; the API reaches them through
``api.py`` after its permission check, as the release's run-as user.

Completing or failing a custom script task that is IN_PROGRESS is refused
(``refuse_script_task_outcome``): XL Release documents how a script task
ends (its script returns, raises or calls ``sys.exit``) and nothing about
what the API does to one whose script is running.
"""
from __future__ import annotations

from .beans import TaskBean
from .errors import IllegalArgumentException, IllegalStateException
from .model import DONE, CommentRecord, child_id
from .typesystem import MANUAL_TASK


class Lifecycle:
    """Moves releases, phases and tasks through their statuses (a mixin of ``Server``)."""

    def _is_script_task(self, task):
        return task.type != MANUAL_TASK

    def _refuse_script_task_outcome(self, task, action):
        if (self.refuse_script_task_outcome and task.status == "IN_PROGRESS"
                and self._is_script_task(task)):
            raise IllegalStateException(
                "Task '%s' is a custom script task in progress: the sandbox refuses to %s it, "
                "because what XL Release does then is undocumented; a script task ends through "
                "its script (returns: COMPLETED; raises or sys.exit(): FAILED)"
                % (task.title, action))

    def start_release(self, rel_id, as_user=None):
        self._require_running()
        user = as_user or self.script_user
        with self._lock:
            rel = self._release(rel_id)
            if rel.status != "PLANNED":
                raise IllegalStateException("release %s is %s, not PLANNED" % (rel.id, rel.status))
            rel.status = "IN_PROGRESS"
            rel.start_date = self._now()
            self._log(rel.id, user, "RELEASE_STARTED", "Started release '%s'" % rel.title,
                      "RELEASE", rel.id)
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
                self._log(rel.id, user, "PHASE_STARTED", "Started phase '%s'" % phase.title,
                          "PHASE", phase.id)
            for task_id in phase.tasks:
                task = self.tasks[task_id]
                if task.status in DONE:
                    continue
                if task.status == "PLANNED":
                    self._start_task(task, user)
                return  # the flow waits for this task
            phase.status = "COMPLETED"
            self._log(rel.id, user, "PHASE_COMPLETED", "Completed phase '%s'" % phase.title,
                      "PHASE", phase.id)
        rel.status = "COMPLETED"
        rel.end_date = self._now()
        self._log(rel.id, user, "RELEASE_COMPLETED", "Completed release '%s'" % rel.title,
                  "RELEASE", rel.id)

    def _start_task(self, task, user, retry=False):
        task.status = "IN_PROGRESS"
        task.execution += 1
        if not retry:
            task.start_date = self._now()
        task.end_date = None
        if retry:
            self._log(task.release_id, user, "TASK_RETRIED", "Retried task '%s'" % task.title,
                      "TASK", task.id)
        else:
            self._log(task.release_id, user, "TASK_STARTED", "Started task '%s'" % task.title,
                      "TASK", task.id)
        if self._is_script_task(task):
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
                  "%s task '%s'" % ("Skipped" if skipped else "Completed",
                                    task.title), "TASK", task.id)
        rel = self.releases[task.release_id]
        if rel.status == "FAILED":
            self._resume(rel, task, user)
        self._advance(rel, user)

    def _fail(self, task, user):
        self._leave_in_progress(task)
        task.status = "FAILED"
        task.failures_count += 1
        task.end_date = self._now()
        self._log(task.release_id, user, "TASK_FAILED", "Failed task '%s'" % task.title, "TASK",
                  task.id)
        phase = self.phases[task.phase_id]
        phase.status = "FAILED"
        self._log(task.release_id, user, "PHASE_FAILED", "Failed phase '%s'" % phase.title,
                  "PHASE", phase.id)
        rel = self.releases[task.release_id]
        rel.status = "FAILED"
        self._log(rel.id, user, "RELEASE_FAILED", "Failed release '%s'" % rel.title, "RELEASE",
                  rel.id)

    def _resume(self, rel, task, user):
        phase = self.phases[task.phase_id]
        phase.status = "IN_PROGRESS"
        self._log(rel.id, user, "PHASE_RESUMED", "Resumed phase '%s'" % phase.title, "PHASE",
                  phase.id)
        rel.status = "IN_PROGRESS"
        self._log(rel.id, user, "RELEASE_RESUMED", "Resumed release '%s'" % rel.title, "RELEASE",
                  rel.id)

    def _add_comment(self, task, text, user):
        comment = CommentRecord(child_id(task.id, "Comment"), text, user, self._now())
        task.comments.append(comment)
        self._log(task.release_id, user, "COMMENT_ADDED",
                  "Commented on task '%s': %s" % (task.title, text), "TASK", task.id, comment.id)

    def complete_task(self, task_id, comment=None, as_user=None):
        """Only an IN_PROGRESS task; adds the comment, completes, the flow goes on."""
        return self._end_task(task_id, comment, as_user, "complete", "completed", self._complete)

    def fail_task(self, task_id, comment=None, as_user=None):
        """Only an IN_PROGRESS task; adds the comment, FAILED, failuresCount + 1."""
        return self._end_task(task_id, comment, as_user, "fail", "failed", self._fail)

    def _end_task(self, task_id, comment, as_user, verb, participle, end):
        """complete_task and fail_task: ``end(task, user)`` ends the task."""
        user = as_user or self.script_user
        with self._lock:
            task = self._task(task_id)
            if task.status != "IN_PROGRESS":
                raise IllegalStateException("Task '%s' is %s: only a task in progress "
                                            "can be %s" % (task.title, task.status, participle))
            self._refuse_script_task_outcome(task, verb)
            if comment:
                self._add_comment(task, comment, user)
            end(task, user)
            self._notify()
            return self._task_bean(task)

    def retry_task(self, task_id, comment=None, as_user=None):
        """FAILED -> IN_PROGRESS; ``failuresCount`` stays (0 with
        ``reset_failures_on_retry``); the task's script runs again."""
        self._require_running()
        user = as_user or self.script_user
        with self._lock:
            task = self._task(task_id)
            if task.status != "FAILED":
                raise IllegalStateException("Task '%s' is %s: only a failed task can be retried"
                                            % (task.title, task.status))
            if comment:
                self._add_comment(task, comment, user)
            if self.reset_failures_on_retry:
                task.failures_count = 0
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
                raise IllegalStateException("Task '%s' is %s: only a task in progress "
                                            "or failed can be skipped"
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
                      "Assigned task '%s' to %s" % (task.title,
                                                    username or "nobody"), "TASK", task.id)

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
                self._log(task.release_id, user, "TASK_TITLE_UPDATED",
                          "Changed title of task to '%s'"
                          % task.title, "TASK", task.id)
            if bean.description != task.description:
                task.description = bean.description
                self._log(task.release_id, user, "TASK_DESCRIPTION_UPDATED",
                          "Changed description of task '%s'" % task.title, "TASK", task.id)
            self._set_owner(task, bean.owner, user)
            if bean.team != task.team:
                task.team = bean.team
                self._log(task.release_id, user, "TASK_TEAM_UPDATED",
                          "Assigned task '%s' to team %s"
                          % (task.title, task.team or "none"), "TASK", task.id)
            self._notify()
            return self._task_bean(task)

