# -*- coding: utf-8 -*-
"""Transient host API faults on Jython 2.7.3 (issue 11), the counterpart of
tests/security/test_faults.py's API fault tests: one call of taskApi,
releaseApi.getTeams or userApi.getUser fails, before or after its change is
written, then ordinary cycles recover against the same Dovecot.  Some faults
raise a java.lang exception, which is no Python Exception on Jython: the
fetch cycle must still keep the mail (compat.HOST_ERRORS).  The pytest side
(tests/security/test_jython_security.py) judges what this writes."""
from __future__ import absolute_import, unicode_literals

import logging

from check_security_cycle import _Lines, make_world, recover, safe_cycle
from jython_support import write_json
from remote_completion import logs

REQUIRES = ('dovecot',)


def _exception(kind, text):
    if kind == 'IllegalStateException':
        from java.lang import IllegalStateException
        return IllegalStateException(text)
    if kind == 'RuntimeException':
        from java.lang import RuntimeException
        return RuntimeException(text)
    return IOError(text)


class Faults(object):
    """tests/security/taskstore.Faults on Jython: ``plan`` maps a call name to
    {1-based call number: (stage, exception kind)}; 'before' raises with
    nothing done, 'after' once the call's change is written."""

    def __init__(self, plan):
        self.plan = plan
        self.calls = {}
        self.raised = []

    def check(self, name, stage):
        number = self.calls.get(name, 0)
        if stage == 'before':
            number += 1
            self.calls[name] = number
        planned = self.plan.get(name, {}).get(number)
        if planned is not None and planned[0] == stage:
            self.raised.append(planned[1])
            raise _exception(planned[1], 'injected %s failure in %s #%d' % (stage, name, number))


class _Faulty(object):
    """An API object whose calls pass through ``Faults``."""

    def __init__(self, inner, faults):
        self._inner, self._faults = inner, faults

    def __getattr__(self, name):
        method = getattr(self._inner, name)

        def call(*args):
            self._faults.check(name, 'before')
            result = method(*args)
            self._faults.check(name, 'after')
            return result
        return call


def outcome(world):
    """What the pytest side judges: the comments the fetcher wrote and the
    tasks' states once their waiting scripts have read them."""
    world.settle()
    return {'comments': [list(c) for c in world.comments],
            'statuses': dict((t, task['status']) for t, task in world.tasks.items())}


def check_api_fails_transiently(context):
    scenarios = []
    for (user, password), (method, stage, number, kind) in zip(context['users'],
                                                                context['plan']):
        world = make_world(context['world'], context['host'], context['port'], user, password)
        faults = Faults({method: {number: (stage, kind)}})
        # The log tells where a fault was caught: at the API call
        # (compat.HOST_ERRORS) or by the per-mail last resort (ERROR line).
        logger = logging.getLogger(logs.LOGGER_NAME)
        lines = _Lines()
        logger.addHandler(lines)
        try:
            first, raised = safe_cycle(world, context,
                                       faulty=lambda api: _Faulty(api, faults))
        finally:
            logger.removeHandler(lines)
        runs, last, raised_later = recover(world, context)
        scenario = {'user': user, 'method': method, 'stage': stage, 'number': number,
                    'kind': kind, 'raised_faults': faults.raised,
                    'raised': raised or raised_later,
                    'first_error': first.error if first is not None else 'raised',
                    'kept': first.kept if first is not None else 0,
                    'first': first.as_dict() if first is not None else None,
                    'last_error': last.error if last is not None else 'raised',
                    'recovery_cycles': runs,
                    'first_errors': [m for level, m in lines.lines if level == 'ERROR']}
        scenario.update(outcome(world))
        scenarios.append(scenario)
    write_json(context, 'api_faults', {'scenarios': scenarios})
