"""An in-memory XL Release stand-in for benchmarks and performance tests.

Just the host contract's Python shapes (docs/host-contract.md): tasks,
releases, users, one IMAP configuration CI.  Each task carries the request
marker of its run (``RUN``).  ``commentTask`` with a verdict marker is the
fetcher's hand-over: it records the time, ends the task at once (standing in
for the task's waiting script, which does so on its next run) and sets an
event per task, so a caller can wait with a deadline instead of sleeping.
"""
from __future__ import annotations

import re
import threading
import time

from remote_completion import handover
from remote_completion import host as host_mod

RUN = "0123456789abcdef"
_VERDICT = re.compile(r"^`xlr-remote-completion verdict=(COMPLETE|FAIL) ", re.M)

TASK_TYPE = "remoteCompletion.RemoteCompletionTask"
IMAP_TYPE = "remoteCompletion.ImapServer"


class Obj:
    def __init__(self, **props):
        self.__dict__.update(props)

    def __repr__(self):
        return "Obj(%r)" % (getattr(self, "id", None),)


class Comment:
    """The script variable ``Comment``: ``Comment()`` + setComment, or Comment(text)."""

    def __init__(self, comment=None):
        self.comment = comment

    def setComment(self, text):
        self.comment = text

    def getComment(self):
        return self.comment


class Status:
    def __init__(self, name):
        self._name = name

    def name(self):
        return self._name

    def __str__(self):
        return self._name


class ImapCi:
    def __init__(self, **props):
        self.id = props.pop("id", "Configuration/Custom/ImapServer1")
        self.title = props.pop("title", "Remote completion mailbox")
        self.type = IMAP_TYPE
        self._props = props

    def getProperty(self, name):
        if name not in self._props:
            raise KeyError("Unknown property " + name)
        return self._props[name]

    def __getattr__(self, name):
        props = self.__dict__.get("_props", {})
        if name in props:
            return props[name]
        raise AttributeError(name)

    def __repr__(self):
        return "ImapCi(%s)" % self.title


class Host:
    """Tasks, users and the APIs over them, thread-safe."""

    def __init__(self, imap_ci: ImapCi, release_id="Applications/Release0001"):
        self.lock = threading.Lock()
        self.imap_ci = imap_ci
        self.release = Obj(id=release_id, title="Benchmark release", status="IN_PROGRESS",
                           phases=[Obj(id=release_id + "/Phase0001", title="Go")])
        self.tasks: dict[str, Obj] = {}
        self.users: dict[str, Obj] = {}
        self.events: dict[str, threading.Event] = {}
        self.acted_at: dict[str, float] = {}
        self.comments: dict[str, list[str]] = {}
        self.any_acted = threading.Event()
        self.taskApi = TaskApi(self)
        self.releaseApi = ReleaseApi(self)
        self.configurationApi = ConfigurationApi(self)
        self.userApi = UserApi(self)
        self.rolesApi = RolesApi(self)
        self.Comment = Comment

    @property
    def apis(self):
        return (self.taskApi, self.releaseApi, self.configurationApi, self.userApi,
                self.rolesApi, self.Comment)

    @property
    def bundle(self):
        """The APIs as ``run_fetch_cycle`` takes them."""
        return host_mod.Apis(*self.apis)

    def add_user(self, username, email):
        self.users[username] = Obj(username=username, email=email, fullName=username.title())

    def add_task(self, number: int, owner: str) -> Obj:
        phase = self.release.phases[0]
        task_id = "%s/Task%06d" % (phase.id, number)
        task = Obj(id=task_id, title="Approve step %d" % number, description="", owner=owner,
                   team=None, status=Status("IN_PROGRESS"), type=TASK_TYPE, failuresCount=0,
                   phase=phase, releaseUid=1, startDate=None, run=RUN,
                   comments=[Obj(text=handover.request_comment(
                       self.imap_ci.getProperty("secret"), task_id, RUN))])
        with self.lock:
            self.tasks[task_id] = task
            self.events[task_id] = threading.Event()
        return task

    def act(self, task_id, status, comment):
        with self.lock:
            task = self.tasks.get(task_id)
            if task is None:
                raise LookupError("Task %s not found" % task_id)
            if task.status.name() != "IN_PROGRESS":
                raise RuntimeError("Task %s is %s, not IN_PROGRESS" % (task_id, task.status))
            task.status = Status(status)
            text = getattr(comment, "comment", comment)
            self.comments.setdefault(task_id, []).append(text)
            self.acted_at[task_id] = time.monotonic()
            event = self.events[task_id]
        event.set()
        self.any_acted.set()

    def completed(self):
        with self.lock:
            return sum(1 for t in self.tasks.values() if t.status.name() == "COMPLETED")


class TaskApi:
    def __init__(self, host):
        self.host = host

    def getTask(self, task_id):
        with self.host.lock:
            task = self.host.tasks.get(task_id)
        if task is None:
            raise LookupError("Task %s not found" % task_id)
        return task

    def commentTask(self, task_id, comment):
        text = getattr(comment, "comment", comment)
        found = _VERDICT.search(text)
        if found is not None:
            self.host.act(task_id, "COMPLETED" if found.group(1) == "COMPLETE" else "FAILED", text)
        else:
            with self.host.lock:
                self.host.comments.setdefault(task_id, []).append(text)
        with self.host.lock:
            task = self.host.tasks.get(task_id)
            if task is not None:
                task.comments = task.comments + [Obj(text=text)]

    def assignTask(self, task_id, username):
        self.getTask(task_id).owner = username

    def updateTask(self, task):
        return task


class ReleaseApi:
    def __init__(self, host):
        self.host = host

    def getRelease(self, release_id):
        if release_id != self.host.release.id:
            raise LookupError("Release %s not found" % release_id)
        return self.host.release

    def getTeams(self, release_id):
        return []


class ConfigurationApi:
    def __init__(self, host):
        self.host = host

    def searchByTypeAndTitle(self, ci_type, title):
        if ci_type == IMAP_TYPE:
            return [self.host.imap_ci]
        return []


class UserApi:
    def __init__(self, host):
        self.host = host

    def getUser(self, username):
        user = self.host.users.get(username)
        if user is None:
            raise LookupError("User %s not found" % username)
        return user


class RolesApi:
    def __init__(self, host):
        self.host = host

    def getRole(self, name):
        raise LookupError("Role %s not found" % name)
