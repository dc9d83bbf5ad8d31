# -*- coding: utf-8 -*-
"""remote_completion.outcome on Jython: the JVM-wide rate limit and the
composed answer (Python 2 email package)."""
from __future__ import absolute_import, unicode_literals

import email

from remote_completion import decide, outcome, reply


def _parsed():
    p = reply.ParsedReply()
    p.sender = 'Alice@Example.com'
    p.message_id = '<m1@example.com>'
    return p


def check_rate_limit_lives_in_the_jvm():
    from java.lang import System
    first = outcome.RateLimiter(limit=2, store=outcome._JvmStore())
    second = outcome.RateLimiter(limit=2, store=outcome._JvmStore())  # a fresh interpreter's view
    assert first.allow('jython-rate@example.com')
    assert second.allow('jython-rate@example.com')
    assert not first.allow('jython-rate@example.com')
    assert System.getProperties().get(
        'xlr.remote-completion.outcome.jython-rate@example.com') is not None


def check_outcome_mail_is_threaded_and_automatic():
    msg = outcome.compose_outcome(_parsed(), decide.Verdict.ignore(decide.NOT_ASSIGNEE),
                                  'box@example.com', now=0, task_title='Déploiement')
    again = email.message_from_string(msg.as_string())
    assert again['To'] == 'alice@example.com'
    assert again['In-Reply-To'] == '<m1@example.com>'
    assert again['Auto-Submitted'] == 'auto-replied'
    body = again.get_payload(decode=True).decode('utf-8')
    assert 'no longer assigned' in body and 'Déploiement' in body


def check_skip_rules_on_jython():
    assert outcome.skip_reason(_parsed(), decide.Verdict.ignore(decide.NO_METADATA),
                               lambda a: False) == 'not-a-user'
