"""A task model shared between processes: JSON in a file, under an flock.

Two fetcher processes (two cluster nodes) each get script APIs backed by the
same file, so a doubled action is visible: every verdict the fetcher records
(a ``commentTask`` carrying a verdict marker) is an action; a task's
waiting script is played by ``settle()`` (the first valid verdict for the
task's run ends it).  There is no ``completeTask``/``failTask``: the plugin
must not need them.  Each task carries the request marker of its run
(``RUN`` unless the task names another ``run``).

It implements the host contract's calls the fetcher uses: ``taskApi``
(getTask, commentTask), ``releaseApi`` (getRelease,
getTeams), ``userApi.getUser``, ``rolesApi.getRole``,
``configurationApi.searchByTypeAndTitle`` and ``Comment``.  Values come back
in the sandbox's Python shape (plain attributes).

Transient faults: ``TaskApi(store, faults=...)`` with a ``Faults`` object
raises at chosen calls, before or after the change is written (the nastiest
case: the task changed but the caller saw an error).
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import time
from pathlib import Path

from remote_completion import handover

TASK_TYPE = "remoteCompletion.RemoteCompletionTask"
IMAP_TYPE = "remoteCompletion.ImapServer"
SMTP_TYPE = "xlrelease.SmtpServer"
RUN = "0123456789abcdef"
_VERDICT = re.compile(r"^`xlr-remote-completion verdict=(COMPLETE|FAIL) run=[0-9a-f]+ "
                      r"mail=([0-9a-f]+) ", re.M)


class ApiError(Exception):
    """What the host raises for a refused call (Java would raise its own class)."""


class TransientError(IOError):
    """An injected network/database hiccup."""


class Obj:
    def __init__(self, **values):
        self.__dict__.update(values)

    def __repr__(self):
        return "Obj(%s)" % ", ".join("%s=%r" % kv for kv in sorted(self.__dict__.items())
                                     if kv[0] not in ("password", "secret"))


class Comment:
    """``Comment()`` + ``setComment(text)`` or ``Comment(text)``."""

    def __init__(self, text=None):
        self.comment = text

    def setComment(self, text):
        self.comment = text

    def getComment(self):
        return self.comment


class TaskStore:
    def __init__(self, path):
        self.path = Path(path)
        self.lock_path = self.path.with_suffix(".lock")

    # --- file access ---------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self):
        with open(self.lock_path, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                data = json.loads(self.path.read_text()) if self.path.exists() else {}
                box = {"data": data, "dirty": False}
                yield box
                if box["dirty"]:
                    tmp = self.path.with_suffix(".tmp%d" % os.getpid())
                    tmp.write_text(json.dumps(box["data"]))
                    os.replace(tmp, self.path)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def read(self):
        with self._locked() as box:
            return box["data"]

    def init(self, users, teams, tasks, releases, imap_ci, roles=None):
        comments = []
        for task_id, task in tasks.items():
            run = task.setdefault("run", RUN)
            if run:
                comments.append({"task": task_id, "author": "admin", "text":
                                 handover.request_comment(imap_ci["secret"], task_id, run)})
        with self._locked() as box:
            box["data"] = {"users": users, "teams": teams, "tasks": tasks, "releases": releases,
                           "roles": roles or {}, "imap": imap_ci, "actions": [], "refused": [],
                           "comments": comments}
            box["dirty"] = True

    def settle(self):
        """The waiting scripts' part: each IN_PROGRESS task ends on the first
        valid verdict for its run (FAIL: failuresCount + 1)."""
        def change(data):
            secret = data["imap"]["secret"]
            for task_id, task in data["tasks"].items():
                if task["status"] != "IN_PROGRESS" or not task.get("run"):
                    continue
                notes = [handover.Note(c["text"], None, i) for i, c in enumerate(data["comments"])
                         if c["task"] == task_id]
                found = handover.winner(notes, secret, task_id, task["run"])
                if found is not None and found.action == "COMPLETE":
                    task["status"] = "COMPLETED"
                elif found is not None:
                    task["status"] = "FAILED"
                    task["failuresCount"] = task.get("failuresCount", 0) + 1
        self.update(change)

    def update(self, fn):
        with self._locked() as box:
            result = fn(box["data"])
            box["dirty"] = True
            return result

    # --- figures for the tests ----------------------------------------------
    def actions(self):
        return self.read()["actions"]

    def refused(self):
        return self.read()["refused"]

    def actions_by_task(self):
        """{task: [action of each distinct mail's verdict]}: the same mail's
        verdict written twice counts once (``handover`` reads it once);
        ``verdict_writes`` counts every write."""
        counts, seen = {}, set()
        for a in self.actions():
            if (a["task"], a.get("mail")) in seen:
                continue
            seen.add((a["task"], a.get("mail")))
            counts.setdefault(a["task"], []).append(a["action"])
        return counts

    def verdict_writes(self):
        return len(self.actions())

    def set_status(self, task_id, status, failures=None):
        def change(data):
            data["tasks"][task_id]["status"] = status
            if failures is not None:
                data["tasks"][task_id]["failuresCount"] = failures
        self.update(change)


class MemoryTaskStore(TaskStore):
    """The same model in memory, for one process (the corpus run)."""

    def __init__(self):
        import threading
        self._data = {}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def _locked(self):
        with self._lock:
            box = {"data": self._data, "dirty": False}
            yield box
            self._data = box["data"]


class Faults:
    """Raise ``TransientError`` on chosen calls: ``plan`` maps a call name
    (``completeTask``...) to a set of 1-based call numbers, each with
    ``'before'`` (nothing written) or ``'after'`` (written, then raised)."""

    def __init__(self, plan=None):
        self.plan = plan or {}
        self.calls = {}
        self.raised = 0

    def check(self, name, stage):
        number = self.calls.get(name, 0)
        if stage == "before":
            number += 1
            self.calls[name] = number
        if self.plan.get(name, {}).get(number) == stage:
            self.raised += 1
            raise TransientError("injected %s failure in %s #%d" % (stage, name, number))


def _comment_text(comment):
    if comment is None:
        return ""
    if isinstance(comment, str):
        return comment
    for name in ("comment", "text"):
        value = getattr(comment, name, None)
        if isinstance(value, str):
            return value
    return str(comment)


class TaskApi:
    def __init__(self, store, node="node", faults=None):
        self.store = store
        self.node = node
        self.faults = faults or Faults()

    def getTask(self, task_id):
        self.faults.check("getTask", "before")
        data = self.store.read()
        task = data["tasks"].get(task_id)
        if task is None:
            raise ApiError("Task '%s' not found" % task_id)
        comments = [Obj(text=c["text"], author=c["author"], date=None)
                    for c in data["comments"] if c["task"] == task_id]
        return Obj(id=task_id, title=task["title"], description=task.get("description", ""),
                   owner=task.get("owner"), team=task.get("team"), status=task["status"],
                   type=task.get("type", TASK_TYPE), failuresCount=task.get("failuresCount", 0),
                   phase=Obj(id=task_id.rsplit("/", 1)[0], title="Phase"),
                   releaseUid=None, comments=comments, startDate=None)

    def commentTask(self, task_id, comment):
        self.faults.check("commentTask", "before")
        text = _comment_text(comment)

        def change(data):
            if task_id not in data["tasks"]:
                raise ApiError("Task '%s' not found" % task_id)
            data["comments"].append({"task": task_id, "text": text, "author": "admin"})
            for action, mail in _VERDICT.findall(text):
                data["actions"].append({"task": task_id, "action": action, "mail": mail,
                                        "node": self.node, "pid": os.getpid(), "at": time.time(),
                                        "comment": text})
        self.store.update(change)
        self.faults.check("commentTask", "after")


class ReleaseApi:
    def __init__(self, store, faults=None):
        self.store = store
        self.faults = faults or Faults()

    def getRelease(self, release_id):
        self.faults.check("getRelease", "before")
        data = self.store.read()
        rel = data["releases"].get(release_id)
        if rel is None:
            raise ApiError("Release '%s' not found" % release_id)
        return Obj(id=release_id, title=rel["title"], status=rel.get("status", "IN_PROGRESS"),
                   phases=[Obj(id=p["id"], title=p["title"]) for p in rel.get("phases", [])])

    def getTeams(self, release_id):
        self.faults.check("getTeams", "before")
        data = self.store.read()
        teams = data["teams"].get(release_id, {})
        return [Obj(id="Team%d" % i, teamName=name,
                    members=[Obj(name=m, fullName=None, type=t, roleId=None) for m, t in members])
                for i, (name, members) in enumerate(sorted(teams.items()))]


class UserApi:
    def __init__(self, store, faults=None):
        self.store = store
        self.faults = faults or Faults()

    def getUser(self, username):
        self.faults.check("getUser", "before")
        users = self.store.read()["users"]
        if username not in users:
            raise ApiError("User '%s' not found" % username)
        u = users[username]
        return Obj(username=username, email=u["email"], fullName=u.get("fullName"))


class RolesApi:
    def __init__(self, store):
        self.store = store

    def getRole(self, name):
        roles = self.store.read()["roles"]
        if name not in roles:
            raise ApiError("Role '%s' not found" % name)
        return Obj(name=name, principals=[Obj(username=u, fullname=None) for u in roles[name]])


class ConfigurationApi:
    def __init__(self, store):
        self.store = store

    def searchByTypeAndTitle(self, ci_type, title):
        data = self.store.read()
        ci = {IMAP_TYPE: data.get("imap"), SMTP_TYPE: data.get("smtp")}.get(ci_type)
        if ci is None:
            return []
        if title and ci.get("title") != title:   # the plugin passes "" for any title
            return []
        return [Obj(type=ci_type, **ci)]


def apis(store, node="node", faults=None):
    """The keyword arguments ``run_fetch_cycle`` takes, backed by ``store``."""
    faults = faults or Faults()
    return dict(taskApi=TaskApi(store, node, faults), releaseApi=ReleaseApi(store, faults),
                configurationApi=ConfigurationApi(store), userApi=UserApi(store, faults),
                rolesApi=RolesApi(store), Comment=Comment)
