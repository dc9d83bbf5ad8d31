# -*- coding: utf-8 -*-
"""Fault injection on Jython 2.7.3 (issue 11): the IMAP connection of a fetch
cycle is cut at every protocol step, before the command reaches Dovecot and
after Dovecot did it but before the client hears so; then ordinary cycles
recover.  The cuts are made by tests/security/faultproxy.py, which the
pytest side (tests/security/test_jython_security.py) runs and arms through a
small line protocol on ``context['control_port']``; it judges the outcome
(nothing lost, nothing doubled) from what this writes and from the mailbox."""
from __future__ import absolute_import, unicode_literals

import io
import json
import os
import socket
import time

from check_security_cycle import cycle, make_world
from remote_completion import claims as claims_mod

REQUIRES = ('dovecot',)
RECOVERY_CYCLES = 4


class _Control(object):
    def __init__(self, port):
        self.sock = socket.create_connection(('127.0.0.1', port), timeout=30)
        self.reader = self.sock.makefile('rb')

    def ask(self, line):
        self.sock.sendall((line + '\n').encode('ascii'))
        return self.reader.readline().decode('ascii').strip()

    def close(self):
        self.ask('BYE')
        self.sock.close()


def _safe_cycle(world, context, port):
    world.imap_cis[0].port = port
    try:
        return cycle(world, context, batch_size=3, timeout=10.0), False
    except Exception:   # a cycle must never raise: the pytest side counts it
        return None, True


def check_connection_cut_at_every_step(context):
    control = _Control(context['control_port'])
    users = context['users']
    scenarios = []
    try:
        user, password = users[0]
        world = make_world(context['world'], context['host'], context['proxy_port'], user, password)
        clean, raised = _safe_cycle(world, context, context['proxy_port'])
        assert not raised and clean.error is None, clean
        steps = int(control.ask('LINES'))
        assert 2 * steps < len(users), (steps, len(users))
        index = 1
        for mode in ('before', 'after'):
            for step in range(1, steps + 1):
                user, password = users[index]
                index += 1
                world = make_world(context['world'], context['host'], context['proxy_port'],
                                   user, password)
                assert control.ask('CUT %d %s' % (step, mode)) == 'OK'
                broken, raised = _safe_cycle(world, context, context['proxy_port'])
                armed = control.ask('ARMED') == '1'
                # Recovery as if the claim timeout had passed.
                later = time.time() + 3 * claims_mod.DEFAULT_TIMEOUT
                saved = claims_mod._clock
                claims_mod._clock = lambda: later
                runs, last, raised_later = 0, None, False
                try:
                    for _ in range(RECOVERY_CYCLES):
                        last, failed = _safe_cycle(world, context, context['port'])
                        raised_later = raised_later or failed
                        runs += 1
                        if last is not None and last.total == 0:
                            break
                finally:
                    claims_mod._clock = saved
                scenarios.append({
                    'user': user, 'mode': mode, 'step': step, 'armed_after': armed,
                    'raised': raised or raised_later,
                    'broken_error': broken.error if broken is not None else 'raised',
                    'last_error': last.error if last is not None else 'raised',
                    'recovery_cycles': runs, 'actions': [list(a) for a in world.actions]})
    finally:
        control.close()
    with io.open(os.path.join(context['out_dir'], 'faults.json'), 'wb') as out:
        out.write(json.dumps({'steps': steps, 'scenarios': scenarios}, sort_keys=True,
                             ensure_ascii=True).encode('ascii'))
