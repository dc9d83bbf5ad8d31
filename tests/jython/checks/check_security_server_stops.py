# -*- coding: utf-8 -*-
"""Dovecot stopped at each kind of IMAP step of a fetch cycle on Jython 2.7.3
(issue 11), the counterpart of tests/security/test_faults.py's
test_server_stopped_at_every_step: the pytest side
(tests/security/test_jython_security.py) owns the server and the fault proxy
and stops Dovecot when the proxy sees the chosen command line (STOP), starts
it again on START; cycles in between must fail cleanly, and ordinary cycles
afterwards must lose and double nothing."""
from __future__ import absolute_import, unicode_literals

from check_security_api_faults import outcome
from check_security_cycle import make_world, recover, safe_cycle
from check_security_faults import _Control
from jython_support import write_json

REQUIRES = ('dovecot',)


def check_server_stopped_at_every_kind_of_step(context):
    control = _Control(context['control_port'])
    users = context['users']
    scenarios = []

    def world_of(user, password):
        return make_world(context['world'], context['host'], context['proxy_port'], user,
                          password)
    try:
        clean, raised = safe_cycle(world_of(*users[0]), context)
        assert not raised and clean.error is None, clean
        steps = control.ask('KINDS').split()
        assert len(steps) < len(users), (steps, len(users))
        for (user, password), step in zip(users[1:], steps):
            world = world_of(user, password)
            assert control.ask('STOP %s' % step) == 'OK'
            broken, raised = safe_cycle(world, context)
            down, raised_down = safe_cycle(world, context)   # still down: a clean failure
            armed = control.ask('ARMED') == '1'
            assert control.ask('START') == 'OK'
            runs, last, raised_later = recover(world, context)
            scenario = {'user': user, 'step': int(step.split(':')[0]),
                        'command': step.split(':', 1)[1], 'armed_after': armed,
                        'raised': raised or raised_down or raised_later,
                        'broken_error': broken.error if broken is not None else 'raised',
                        'down_error': down.error if down is not None else 'raised',
                        'last_error': last.error if last is not None else 'raised',
                        'recovery_cycles': runs}
            scenario.update(outcome(world))
            scenarios.append(scenario)
    finally:
        control.close()
    write_json(context, 'server_stops', {'scenarios': scenarios})
