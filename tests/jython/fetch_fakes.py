# -*- coding: utf-8 -*-
"""Small fake script APIs for fetch-cycle tests, in the sandbox's Python shape.

Runs unchanged on CPython 3 (pytest) and Jython 2.7 (tests/jython/checks/
check_fetch.py), so both lanes drive ``fetch.run_fetch_cycle`` with the same
host.  Rules kept from the host contract: ``commentTask`` adds a comment
(there is no ``completeTask``/``failTask``: the plugin must not need them);
an unknown task, user or role raises; passwords are plain properties of the
configuration object.  Each task carries the request marker of its run
(``RUN`` unless told), as the start script writes it; ``World.settle()``
plays the tasks' waiting scripts (a FAIL verdict fails the task,
``failuresCount`` + 1; COMPLETE completes it).
"""
from __future__ import absolute_import, unicode_literals

import re

from remote_completion import handover, host

RUN = '0123456789abcdef'
TASK_TYPE = 'remoteCompletion.RemoteCompletionTask'
IMAP_TYPE = 'remoteCompletion.ImapServer'


class ApiError(Exception):
    pass


class Obj(object):
    def __init__(self, **values):
        self.__dict__.update(values)

    def __repr__(self):
        return 'Obj(%s)' % ', '.join('%s=%r' % kv for kv in sorted(self.__dict__.items())
                                     if kv[0] not in ('password', 'secret'))


class Comment(object):
    """``Comment()`` + ``setComment(text)`` or ``Comment(text)``."""

    def __init__(self, text=None):
        self.comment = text

    def setComment(self, text):
        self.comment = text


class World(object):
    """Tasks, users, teams and the IMAP configuration of one test."""

    def __init__(self, imap=None):
        self.tasks = {}        # id -> dict(status, type, failuresCount, owner, team, title)
        self.users = {}        # username -> (fullName, email)
        self.teams = {}        # team name -> [(member name, 'PRINCIPAL'|'ROLE')]
        self.roles = {}        # role name -> [usernames]
        self.imap_cis = [imap] if imap is not None else []
        self.comments = []     # (task id, text): every comment the plugin added
        self.actions = []      # (task id, 'COMPLETE'|'FAIL'): each verdict marker recorded
        self.calls = []        # every API call name, in order
        self.faults = {}       # call name -> number of calls that raise before acting
        self.faults_after = {} # call name -> number of calls that act, then raise

    def add_task(self, task_id, owner=None, team=None, status='IN_PROGRESS', type_name=TASK_TYPE,
                 failures=0, title='Deploy to production', run=RUN):
        self.tasks[task_id] = dict(status=status, type=type_name, failuresCount=failures,
                                   owner=owner, team=team, title=title, run=run, notes=[])
        if run:
            self.tasks[task_id]['notes'].append(
                handover.request_comment(self.secret(), task_id, run))

    def secret(self):
        return self.imap_cis[0].secret if self.imap_cis else 'no-secret'

    def retry(self, task_id, run):
        """A retried task: a new run (its start script writes a new marker)."""
        task = self.tasks[task_id]
        task['status'], task['run'] = 'IN_PROGRESS', run
        task['notes'].append(handover.request_comment(self.secret(), task_id, run))

    def settle(self):
        """The waiting scripts' part: end each IN_PROGRESS task on the first
        valid verdict for its run."""
        for task_id, task in self.tasks.items():
            if task['status'] != 'IN_PROGRESS' or not task.get('run'):
                continue
            notes = [handover.Note(t, None, i) for i, t in enumerate(task['notes'])]
            found = handover.winner(notes, self.secret(), task_id, task['run'])
            if found is not None and found.action == 'COMPLETE':
                task['status'] = 'COMPLETED'
            elif found is not None:
                task['status'] = 'FAILED'
                task['failuresCount'] += 1

    def _fault(self, name):
        self.calls.append(name)
        left = self.faults.get(name, 0)
        if left:
            self.faults[name] = left - 1
            raise IOError('injected failure in %s' % name)


class WaitingTask(object):
    """The running task as its waiting script sees it: the status line, and
    the reschedules it asked for as (script, seconds)."""

    def __init__(self, task_id, status_line='Waiting for a reply by email'):
        self.id = task_id
        self.statusLine = status_line
        self.scheduled = []

    def setStatusLine(self, text):
        self.statusLine = text

    def schedule(self, script, seconds=5):
        self.scheduled.append((script, seconds))


class TaskApi(object):
    def __init__(self, world):
        self.world = world

    def getTask(self, task_id):
        self.world._fault('getTask')
        task = self.world.tasks.get(task_id)
        if task is None:
            raise ApiError('Task not found')
        return Obj(id=task_id, title=task['title'], description='', owner=task['owner'],
                   team=task['team'], status=task['status'], type=task['type'],
                   failuresCount=task['failuresCount'],
                   phase=Obj(id=task_id.rsplit('/', 1)[0], title='Phase'),
                   comments=[Obj(text=t, author='admin') for t in task['notes']],
                   releaseUid=None, startDate=None)

    def commentTask(self, task_id, comment):
        self.world._fault('commentTask')
        task = self.world.tasks.get(task_id)
        if task is None:
            raise ApiError('Task not found')
        text = getattr(comment, 'comment', comment)
        task['notes'].append(text)
        self.world.comments.append((task_id, text))
        for action in _VERDICT.findall(text):
            self.world.actions.append((task_id, action))
        left = self.world.faults_after.get('commentTask', 0)
        if left:
            self.world.faults_after['commentTask'] = left - 1
            raise IOError('injected failure after commentTask')


_VERDICT = re.compile(r'^`xlr-remote-completion verdict=(COMPLETE|FAIL) ', re.M)


class ReleaseApi(object):
    def __init__(self, world):
        self.world = world

    def getTeams(self, release_id):
        self.world._fault('getTeams')
        return [Obj(id='Team%d' % i, teamName=name,
                    members=[Obj(name=m, fullName=None, type=t, roleId=None) for m, t in members])
                for i, (name, members) in enumerate(sorted(self.world.teams.items()))]

    def getRelease(self, release_id):
        return Obj(id=release_id, title='Release', status='IN_PROGRESS', phases=[])


class UserApi(object):
    def __init__(self, world):
        self.world = world

    def getUser(self, username):
        self.world._fault('getUser')
        if username not in self.world.users:
            raise ApiError('User not found')
        full_name, email = self.world.users[username]
        return Obj(username=username, fullName=full_name, email=email)


class RolesApi(object):
    def __init__(self, world):
        self.world = world

    def getRole(self, name):
        if name not in self.world.roles:
            raise ApiError('Role not found')
        return Obj(
            name=name, principals=[Obj(username=u, fullname=None) for u in self.world.roles[name]]
        )


class ConfigurationApi(object):
    def __init__(self, world):
        self.world = world

    def searchByTypeAndTitle(self, ci_type, title):
        if ci_type == IMAP_TYPE:
            return list(self.world.imap_cis)
        return []


def imap_ci(host, port, username, password, secret, from_address, tls_mode='IMPLICIT', use_tls=True,
            trusted=None, whitelist=None, quarantine=None, title='Replies'):
    return Obj(id='Configuration/Custom/Configuration1', title=title, type=IMAP_TYPE, host=host,
               port=port, useTls=use_tls, tlsMode=tls_mode, username=username, password=password,
               fromAddress=from_address, enableWhitelisting=bool(whitelist),
               domainWhitelist=list(whitelist or []), secret=secret, trustedCertificates=trusted,
               quarantineFolder=quarantine, requireSenderAuthentication=False, authservId=None)


def apis(world):
    """The script variables of the fetch job, in the job's positional order."""
    return (TaskApi(world), ReleaseApi(world), ConfigurationApi(world), UserApi(world),
            RolesApi(world), Comment)


def bundle(world):
    """The same APIs as the ``host.Apis`` bundle ``run_fetch_cycle`` takes."""
    return host.Apis(*apis(world))
