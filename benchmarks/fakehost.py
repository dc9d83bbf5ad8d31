"""An in-memory XL Release stand-in for benchmarks and performance tests.

Just the host contract's Python shapes (docs/host-contract.md): tasks (with
their comments), releases, users, one IMAP configuration CI.  Python 2.7 and
3 (the benchmark runs it in Jython 2.7.3 as well as CPython).

- ``api_delay``: every API call waits this long first, as a call into a real
  XL Release (database, permission checks) would; calls are counted per name.
- A task counts as *handled* once the fetcher acted on it: ``completeTask``/
  ``failTask`` (before the hand-over) or a comment it wrote (the hand-over's
  verdict marker).  It counts as *ended* once it left IN_PROGRESS, either by
  those calls or because its own waiting script ended it (benchmarks/xlrhost.py).
  Both moments are time-stamped; ``events`` (handled) and ``ended_events``
  let a caller wait with a deadline instead of sleeping.  ``comments`` holds
  the texts the fetcher left per task.
"""
from __future__ import absolute_import, division, print_function

import threading

from benchmarks.clock import clock

TASK_TYPE = "remoteCompletion.RemoteCompletionTask"
IMAP_TYPE = "remoteCompletion.ImapServer"


class Obj(object):
    def __init__(self, **props):
        self.__dict__.update(props)

    def __repr__(self):
        return "Obj(%r)" % (getattr(self, "id", None),)


class Comment(object):
    """The script variable ``Comment``: ``Comment()`` + setComment, or Comment(text)."""
    __slots__ = ("comment",)   # 20,000 of them in the memory benchmark

    def __init__(self, comment=None):
        self.comment = comment

    def setComment(self, text):
        self.comment = text

    def getComment(self):
        return self.comment


class Status(object):
    def __init__(self, name):
        self._name = name

    def name(self):
        return self._name

    def __str__(self):
        return self._name


class ImapCi(object):
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


def run_id_of(number):
    """The run id (16 hex) a benchmark task's request was sent for."""
    return "%016x" % (0xbe4c000000000000 + int(number))


class Host(object):
    """Tasks, users and the APIs over them, thread-safe."""

    def __init__(self, imap_ci, release_id="Applications/Release0001", api_delay=0.0):
        self.lock = threading.Lock()
        self.imap_ci = imap_ci
        self.api_delay = float(api_delay)
        self.calls = {}
        self.release = Obj(id=release_id, title="Benchmark release", status="IN_PROGRESS",
                           phases=[Obj(id=release_id + "/Phase0001", title="Go")])
        self.tasks = {}
        self.users = {}
        self.events = {}         # set once handled
        self.ended_events = {}   # set once ended
        self.acted_at = {}       # handled by the fetcher (act or verdict comment)
        self.ended_at = {}       # left IN_PROGRESS
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
        """The APIs as the library's entry points take them (host.Apis)."""
        from benchmarks import adapters
        return adapters.bundle(self.apis)

    def args(self, func):
        """Positional API arguments for ``func`` (run_fetch_cycle, push.run_job...)."""
        from benchmarks import adapters
        return adapters.api_args(self.apis, func)

    def call(self, name):
        """Every API method starts here: count it, then wait like a real call."""
        with self.lock:
            self.calls[name] = self.calls.get(name, 0) + 1
        if self.api_delay > 0:
            import time
            time.sleep(self.api_delay)   # the stand-in's simulated service time

    def api_calls(self):
        with self.lock:
            return sum(self.calls.values())

    def add_user(self, username, email):
        self.users[username] = Obj(username=username, email=email, fullName=username.title())

    def add_task(self, number, owner, secret=None):
        """A waiting task with the request marker of its run (signed with
        ``secret``, by default the IMAP configuration's)."""
        phase = self.release.phases[0]
        task_id = "%s/Task%06d" % (phase.id, number)
        # The status line as the start script leaves it (StartTask.py sets
        # start.waiting_status_line of the people mailed), so that a waiting
        # run does not set it for the first time, which XL Release's never do.
        task = Obj(id=task_id, title="Approve step %d" % number, description="", owner=owner,
                   team=None, status=Status("IN_PROGRESS"), type=TASK_TYPE,
                   taskType=TASK_TYPE, failuresCount=0, phase=phase, releaseUid=1,
                   comments=[], startDate=None,
                   statusLine="Waiting for a reply by email from %s" % owner.title(),
                   run_id=run_id_of(number), variables=[])
        task.run = task.run_id
        from benchmarks import adapters
        if secret is None:
            secret = self.imap_ci.__dict__.get("_props", {}).get("secret")
        marker = adapters.request_marker(secret, task) if secret else None
        if marker:
            task.comments.append(Comment(marker))
        task.initial_comments = len(task.comments)
        with self.lock:
            self.tasks[task_id] = task
            self.events[task_id] = threading.Event()
            self.ended_events[task_id] = threading.Event()
        return task

    def end(self, task_id, status, comment=None):
        """The task leaves IN_PROGRESS (by the API or by its own script)."""
        with self.lock:
            task = self.tasks.get(task_id)
            if task is None:
                raise LookupError("Task %s not found" % task_id)
            if task.status.name() != "IN_PROGRESS":
                raise RuntimeError("Task %s is %s, not IN_PROGRESS" % (task_id, task.status))
            task.status = Status(status)
            if comment is not None:
                text = getattr(comment, "comment", comment)
                task.comments.append(Comment(text))
            now = clock()
            self.ended_at[task_id] = now
            self.acted_at.setdefault(task_id, now)
        self.ended_events[task_id].set()
        self.events[task_id].set()
        self.any_acted.set()

    def comment(self, task_id, comment):
        with self.lock:
            task = self.tasks.get(task_id)
            if task is None:
                raise LookupError("Task %s not found" % task_id)
            text = comment.getComment() if hasattr(comment, "getComment") else comment
            task.comments.append(Comment(text))
            self.acted_at.setdefault(task_id, clock())
        self.events[task_id].set()
        self.any_acted.set()

    @property
    def comments(self):
        """{task id: the texts left on it since it was added} (no second copy
        kept: the memory benchmark charges the stand-in's records to the run)."""
        with self.lock:
            return dict((task_id, [c.comment for c in task.comments[task.initial_comments:]])
                        for task_id, task in self.tasks.items()
                        if len(task.comments) > task.initial_comments)

    def handled(self):
        with self.lock:
            return len(self.acted_at)

    def completed(self):
        """Tasks the fetcher handled (acted on or left its verdict on)."""
        return self.handled()

    def in_progress(self, task_id):
        with self.lock:
            return self.tasks[task_id].status.name() == "IN_PROGRESS"


class TaskApi(object):
    def __init__(self, host):
        self.host = host

    def getTask(self, task_id):
        self.host.call("getTask")
        with self.host.lock:
            task = self.host.tasks.get(task_id)
        if task is None:
            raise LookupError("Task %s not found" % task_id)
        return task

    def completeTask(self, task_id, comment):
        self.host.call("completeTask")
        self.host.end(task_id, "COMPLETED", comment)

    def failTask(self, task_id, comment):
        self.host.call("failTask")
        self.host.end(task_id, "FAILED", comment)
        self.host.tasks[task_id].failuresCount += 1

    def commentTask(self, task_id, comment):
        self.host.call("commentTask")
        self.host.comment(task_id, comment)

    def assignTask(self, task_id, username):
        self.getTask(task_id).owner = username

    def updateTask(self, task):
        self.host.call("updateTask")
        return task


class ReleaseApi(object):
    def __init__(self, host):
        self.host = host

    def getRelease(self, release_id):
        self.host.call("getRelease")
        if release_id != self.host.release.id:
            raise LookupError("Release %s not found" % release_id)
        return self.host.release

    def getTeams(self, release_id):
        self.host.call("getTeams")
        return []


class ConfigurationApi(object):
    def __init__(self, host):
        self.host = host

    def searchByTypeAndTitle(self, ci_type, title):
        self.host.call("searchByTypeAndTitle")
        if ci_type == IMAP_TYPE:
            return [self.host.imap_ci]
        return []


class UserApi(object):
    def __init__(self, host):
        self.host = host

    def getUser(self, username):
        self.host.call("getUser")
        user = self.host.users.get(username)
        if user is None:
            raise LookupError("User %s not found" % username)
        return user


class RolesApi(object):
    def __init__(self, host):
        self.host = host

    def getRole(self, name):
        self.host.call("getRole")
        raise LookupError("Role %s not found" % name)
