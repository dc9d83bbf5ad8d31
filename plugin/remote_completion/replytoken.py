"""The token that binds a plain Reply to the request it answers.

A button's mail carries the signed metadata block; a plain Reply may carry
nothing of it (the quote trimmed, or never opened as a link).  So each
request also carries a per-recipient token, bound like the button token to
the task, the recipient and the run, in the two places mail clients keep
when someone presses Reply (GitLab and Discourse bind their replies alike):

- the request's ``Message-ID``, which replies put in ``In-Reply-To`` and
  ``References``: ``<xlr.v2.<run>.<mac>.<nonce>.<task id, '/' as '.'>@domain>``
  (a 32 hex digit MAC; the nonce keeps every Message-ID unique, since some
  mail services drop a second message with an ID they have seen);
- the ``Reply-To`` address, as a sub-address of the reply mailbox:
  ``mailbox+xlr<run><mac16>@domain`` (a 16 hex digit MAC: a local part holds
  at most 64 characters, so the task id cannot ride along; it comes from the
  Message-ID or from the quoted request).

The MAC is HMAC-SHA256 under the configuration's secret over
``"xlr-remote-completion/reply/v2"``, the task id, the lower-cased recipient
and the run id, one a line.  Pure.
"""
from __future__ import absolute_import, unicode_literals

import os
import re

from . import signature
from .compat import to_text

PREFIX = 'xlr-remote-completion/reply/v2'
_MID = re.compile(r'^<?xlr\.v2\.([0-9a-f]{16})\.([0-9a-f]{32})\.[0-9a-f]{1,16}\.'
                  r'([A-Za-z0-9.]{1,600})@[^\s<>@]{1,255}>?$')
_SUB = re.compile(r'^[^\s@+]{1,64}\+xlr([0-9a-f]{16})([0-9a-f]{16})@[^\s@]{1,255}$')
_TASK_PART = re.compile(r'^[A-Za-z][A-Za-z0-9_]*$')
_ANGLED = re.compile(r'<[^<>\s]{1,900}>')
MAX_LOCAL_PART = 64


class Token(object):
    """What a reply presents: the run, a MAC, and the task id when known."""

    def __init__(self, run_id, mac, task_id=None):
        self.run_id = run_id
        self.mac = mac
        self.task_id = task_id

    def __repr__(self):  # never the MAC
        return 'Token(run_id=%r, task_id=%r)' % (self.run_id, self.task_id)


def _mac(secret, task_id, recipient, run_id):
    return signature.mac(secret, PREFIX, [to_text(task_id), to_text(recipient).strip().lower(),
                                          to_text(run_id)])


def _task_in_id(task_id):
    parts = to_text(task_id).split('/')
    if not all(_TASK_PART.match(p) for p in parts):
        raise ValueError('a task id of unexpected shape')
    return '.'.join(parts)


def message_id(secret, task_id, recipient, run_id, domain, nonce=None):
    """The request's Message-ID (with angle brackets)."""
    if not signature.is_run_id(run_id):
        raise ValueError('not a run id')
    nonce = nonce or ''.join('%02x' % b for b in bytearray(os.urandom(4)))
    return '<xlr.v2.%s.%s.%s.%s@%s>' % (run_id, _mac(secret, task_id, recipient, run_id)[:32],
                                        nonce, _task_in_id(task_id), domain)


def reply_address(secret, task_id, recipient, run_id, mailbox):
    """The Reply-To address with the token as a sub-address, or the mailbox
    itself when its local part leaves no room for one."""
    local, _, domain = to_text(mailbox).rpartition('@')
    sub = '%s+xlr%s%s' % (local, run_id, _mac(secret, task_id, recipient, run_id)[:16])
    if not local or '+' in local or len(sub) > MAX_LOCAL_PART:
        return mailbox
    return '%s@%s' % (sub, domain)


def find(message_ids, addresses):
    """Tokens found in a reply: from its In-Reply-To/References Message-IDs
    (with the task id) first, then from sub-addresses among its To/Cc."""
    found = []
    for value in message_ids:
        match = _MID.match(to_text(value).strip())
        if match:
            run_id, mac, task = match.groups()
            found.append(Token(run_id, mac, task.replace('.', '/')))
    for address in addresses:
        match = _SUB.match(to_text(address).strip().lower())
        if match:
            found.append(Token(match.group(1), match.group(2)))
    return found


def verify(secret, token, task_id, sender):
    """True when ``token`` was issued for this task and sender (its run is
    then ``token.run_id``).  Never raises."""
    try:
        if token.task_id is not None and token.task_id != to_text(task_id):
            return False
        expected = _mac(secret, task_id, sender, token.run_id)[:len(token.mac)]
    except (ValueError, TypeError, AttributeError):
        return False
    return len(token.mac) >= 16 and signature.equal(expected, token.mac)


def message_ids_in(header_values):
    """The ``<...>`` items of In-Reply-To and References values (bounded)."""
    ids = []
    for value in header_values:
        for item in _ANGLED.findall(to_text(value)[:20000]):
            ids.append(item)
            if len(ids) >= 100:
                return ids
    return ids
