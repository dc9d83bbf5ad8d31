# -*- coding: utf-8 -*-
"""Fault injection on Jython 2.7.3 (issue 11): the IMAP connection of a fetch
cycle is cut at every protocol step, before the command reaches Dovecot and
after Dovecot did it but before the client hears so; then ordinary cycles
recover.  The cuts are made by tests/security/faultproxy.py, which the
pytest side (tests/security/test_jython_security.py) runs and arms through a
small line protocol on ``context['control_port']``; it judges the outcome
(nothing lost, nothing doubled) from what this writes and from the mailbox."""
from __future__ import absolute_import, unicode_literals

import socket

from check_security_cycle import make_world, recover, safe_cycle
from jython_support import write_json

REQUIRES = ('dovecot',)


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


def check_connection_cut_at_every_step(context):
    control = _Control(context['control_port'])
    users = context['users']
    scenarios = []
    try:
        user, password = users[0]
        world = make_world(context['world'], context['host'], context['proxy_port'], user, password)
        clean, raised = safe_cycle(world, context, context['proxy_port'])
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
                broken, raised = safe_cycle(world, context, context['proxy_port'])
                armed = control.ask('ARMED') == '1'
                # Recovery straight to Dovecot, past the proxy.
                runs, last, raised_later = recover(world, context, context['port'])
                scenarios.append({
                    'user': user, 'mode': mode, 'step': step, 'armed_after': armed,
                    'raised': raised or raised_later,
                    'broken_error': broken.error if broken is not None else 'raised',
                    'last_error': last.error if last is not None else 'raised',
                    'recovery_cycles': runs, 'actions': [list(a) for a in world.actions]})
    finally:
        control.close()
    write_json(context, 'faults', {'steps': steps, 'scenarios': scenarios})
