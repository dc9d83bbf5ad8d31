# -*- coding: utf-8 -*-
"""The adversarial corpus through the real fetch cycle on Jython 2.7.3
(issue 11): tests/security/test_jython_security.py appends every message to
a Dovecot mailbox and passes the task world in ``context``; this runs
``fetch.run_fetch_cycle`` twice with the fake script APIs and writes the
log lines, the actions and the time each message's parse took; the pytest
side judges them with the same rules as the CPython corpus run."""
from __future__ import absolute_import, unicode_literals

import datetime
import logging
import time

import fetch_fakes as fakes
from remote_completion import claims as claims_mod
from remote_completion import fetch, host, logs, reply
from remote_completion import settings as settings_mod
from remote_completion.compat import ANY_ERROR
from jython_support import LogLines as _Lines
from jython_support import write_json

REQUIRES = ('dovecot',)
RECOVERY_CYCLES = 4   # the fault checks' ordinary cycles after a fault


class _ReleaseApi(fakes.ReleaseApi):
    """Teams per release, as the corpus gives them."""

    def getTeams(self, release_id):
        self.world._fault('getTeams')
        teams = self.world.release_teams.get(release_id, {})
        return [fakes.Obj(id='Team%d' % i, teamName=name,
                          members=[fakes.Obj(name=m, fullName=None, type=t, roleId=None)
                                   for m, t in members])
                for i, (name, members) in enumerate(sorted(teams.items()))]


class _Timed(object):
    """reply.parse_reply, timed per call (the fetch cycle calls it by name)."""

    def __init__(self, original):
        self.original = original
        self.seconds = []

    def __call__(self, raw, *args, **kwargs):
        started = time.time()
        try:
            return self.original(raw, *args, **kwargs)
        finally:
            self.seconds.append((time.time() - started, len(raw or b'')))


def make_world(w, host, port, user, password):
    """A fake host holding the corpus world ``w`` (JSON from the pytest side)."""
    world = fakes.World(fakes.imap_ci(
        host, port, user, password, w['secret'], w['mailbox'], tls_mode='none', use_tls=False,
        whitelist=w['whitelist'], quarantine='Quarantine'))
    for username, (full_name, address) in w['users'].items():
        world.users[username] = (full_name, address)
    world.roles = dict((k, list(v)) for k, v in w['roles'].items())
    world.release_teams = w['teams']
    for task_id, task in w['tasks'].items():
        world.add_task(task_id, owner=task.get('owner'), team=task.get('team'),
                       status=task['status'], type_name=task['type'],
                       failures=task.get('failuresCount', 0), title=task['title'],
                       run=task.get('run', fakes.RUN))
    return world


def _world(context):
    return make_world(context['world'], context['host'], context['port'], context['user'],
                      context['password'])


def cycle(world, context, batch_size=50, timeout=20.0, faulty=None):
    """One fetch cycle as the fetch job runs it, with the corpus world's APIs;
    ``faulty``, given, wraps the task, release and user APIs (fault injection)."""
    task_api, _, configuration_api, user_api, roles_api, comment = fakes.apis(world)
    release_api = _ReleaseApi(world)
    if faulty is not None:
        task_api, release_api, user_api = [faulty(api)
                                           for api in (task_api, release_api, user_api)]
    now = datetime.datetime(*context['now'])
    return fetch.run_fetch_cycle(
        host.Apis(task_api, release_api, configuration_api, user_api, roles_api, comment),
        settings=settings_mod.Settings(batch_size=batch_size, network_timeout=timeout,
                                       max_message_size=context['max_message_size']),
        now=now)


def safe_cycle(world, context, port=None, faulty=None):
    """A fault check's cycle (batches of 3, 10 s network timeout), to ``port``
    if given: (summary or None, whether it raised).  A cycle must never raise
    (a Java error either): the pytest side counts it."""
    if port is not None:
        world.imap_cis[0].port = port
    try:
        return cycle(world, context, batch_size=3, timeout=10.0, faulty=faulty), False
    except ANY_ERROR:
        return None, True


def recover(world, context, port=None):
    """Ordinary cycles after a fault, as if the claim timeout had passed, until
    one finds the mailbox empty: (cycles run, last summary, whether one raised)."""
    later = time.time() + 3 * claims_mod.DEFAULT_TIMEOUT
    saved = claims_mod._clock
    claims_mod._clock = lambda: later
    runs, last, raised = 0, None, False
    try:
        for _ in range(RECOVERY_CYCLES):
            last, failed = safe_cycle(world, context, port)
            raised = raised or failed
            runs += 1
            if last is not None and last.total == 0:
                break
    finally:
        claims_mod._clock = saved
    return runs, last, raised


def check_corpus_through_the_fetch_cycle(context):
    world = _world(context)
    logger = logging.getLogger(logs.LOGGER_NAME)
    handler = _Lines()
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    timed = _Timed(reply.parse_reply)
    reply.parse_reply = timed
    try:
        started = time.time()
        first = cycle(world, context)
        seconds = time.time() - started
        first_lines = list(handler.lines)
        del handler.lines[:]
        second = cycle(world, context)
    finally:
        reply.parse_reply = timed.original
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    worst = max(timed.seconds) if timed.seconds else (0.0, 0)
    result = {'summary': first.as_dict(), 'second': second.as_dict(), 'seconds': round(seconds, 2),
              'log': first_lines, 'actions': [list(a) for a in world.actions],
              'parse_worst_seconds': round(worst[0], 4), 'parse_worst_bytes': worst[1],
              'parses': len(timed.seconds)}
    write_json(context, 'cycle', result)
    assert first.error is None, [m for level, m in first_lines if level == 'ERROR'][:5]
    assert second.total == 0, second
