# -*- coding: utf-8 -*-
"""Small fake script APIs for fetch-cycle tests, in the sandbox's Python shape.

Runs unchanged on CPython 3 (pytest) and Jython 2.7 (tests/jython/checks/
check_fetch.py), so both lanes drive ``fetch.run_fetch_cycle`` with the same
host.  Rules kept from the host contract: completing or failing a task that
is not IN_PROGRESS raises; an unknown task, user or role raises; passwords
are plain properties of the configuration object.
"""
from __future__ import absolute_import, unicode_literals

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
        self.comments = []     # (task id, text)
        self.actions = []      # (task id, 'completeTask'|'failTask')
        self.calls = []        # every API call name, in order
        self.faults = {}       # call name -> number of calls that raise before acting
        self.faults_after = {} # call name -> number of calls that act, then raise

    def add_task(self, task_id, owner=None, team=None, status='IN_PROGRESS', type_name=TASK_TYPE,
                 failures=0, title='Deploy to production'):
        self.tasks[task_id] = dict(status=status, type=type_name, failuresCount=failures,
                                   owner=owner, team=team, title=title)

    def _fault(self, name):
        self.calls.append(name)
        left = self.faults.get(name, 0)
        if left:
            self.faults[name] = left - 1
            raise IOError('injected failure in %s' % name)


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
                   failuresCount=task['failuresCount'], phase=Obj(id=task_id.rsplit('/', 1)[0], title='Phase'),
                   comments=[], releaseUid=None, startDate=None)

    def _act(self, name, task_id, comment, status):
        self.world._fault(name)
        task = self.world.tasks.get(task_id)
        if task is None:
            raise ApiError('Task not found')
        if task['status'] != 'IN_PROGRESS':
            raise ApiError('Task is %s, not IN_PROGRESS' % task['status'])
        text = getattr(comment, 'comment', comment)
        self.world.comments.append((task_id, text))
        task['status'] = status
        if status == 'FAILED':
            task['failuresCount'] += 1
        self.world.actions.append((task_id, name))
        left = self.world.faults_after.get(name, 0)
        if left:
            self.world.faults_after[name] = left - 1
            raise IOError('injected failure after %s' % name)

    def completeTask(self, task_id, comment):
        self._act('completeTask', task_id, comment, 'COMPLETED')

    def failTask(self, task_id, comment):
        self._act('failTask', task_id, comment, 'FAILED')


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
        return Obj(name=name, principals=[Obj(username=u, fullname=None) for u in self.world.roles[name]])


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
    """The script variables of the fetch job, in run_fetch_cycle's order."""
    return (TaskApi(world), ReleaseApi(world), ConfigurationApi(world), UserApi(world),
            RolesApi(world), Comment)
