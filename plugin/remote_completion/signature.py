"""Signing and verifying the metadata of a remote completion reply.

One module for both sides: the request mail signs, the fetcher verifies.
The signature binds the action, the task, the person the request was sent to
and the task's attempt (``failuresCount`` when the request was sent), so a
reply cannot be replayed for another action, task, person or a later retry.
"""
from __future__ import absolute_import, unicode_literals

import re

from .compat import constant_time_equals, hmac_sha256_hex, integer_types, to_text
from .metadata import ACTIONS, COMPLETE, FAIL

VERSION = 'v1'
PREFIX = 'xlr-remote-completion/v1'

_WHITESPACE = re.compile(r'\s+', re.UNICODE)
_V1 = re.compile(r'^v1\.[0-9a-f]{64}$')


def canonical_text(action, task_id, recipient, attempt):
    """The exact text that is signed; raises ValueError on unusable input."""
    action = to_text(action)
    if action not in ACTIONS:
        raise ValueError('unknown action')
    task_id = to_text(task_id)
    recipient = to_text(recipient)
    if not task_id or not recipient:
        raise ValueError('task id and recipient are required')
    if '\n' in task_id or '\n' in recipient:
        # A newline would let one field pose as the next one.
        raise ValueError('line break in a signed field')
    if isinstance(attempt, bool) or not isinstance(attempt, integer_types):
        attempt = int(to_text(attempt).strip())
    if attempt < 0:
        raise ValueError('negative attempt')
    return '\n'.join([PREFIX, action, task_id, recipient.strip().lower(), '%d' % attempt])


def sign(secret, action, task_id, recipient, attempt):
    """``'v1.'`` followed by 64 lowercase hex digits."""
    secret = to_text(secret)
    if not secret:
        raise ValueError('no secret to sign with')
    return VERSION + '.' + hmac_sha256_hex(secret, canonical_text(action, task_id, recipient, attempt))


def normalise(signature):
    """A presented signature with white space removed and lowercased (mail
    clients wrap and capitalise); None if it is not a v1 signature at all."""
    if signature is None:
        return None
    text = _WHITESPACE.sub('', to_text(signature)).lower()
    if not _V1.match(text):
        return None
    return text


def verify(secret, signature, action, task_id, recipient, attempt):
    """True only if ``signature`` is the v1 signature of exactly these values."""
    presented = normalise(signature)
    if presented is None or not secret:
        return False
    try:
        expected = sign(secret, action, task_id, recipient, attempt)
    except (ValueError, TypeError):
        return False
    return constant_time_equals(expected, presented)
