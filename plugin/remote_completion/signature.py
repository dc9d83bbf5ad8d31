"""Signing and verifying the button tokens of a remote completion request.

One module for both sides: the request mail signs, the fetcher verifies.
The token binds the action, the task, the person the request was sent to and
the task's run (a random id the start script makes each time the task starts
or is retried), and carries the run id in clear:

    v2.<run id: 16 lowercase hex>.<64 lowercase hex>

HMAC-SHA256 under the secret over ``"xlr-remote-completion/v2\\n" + ACTION +
"\\n" + TASK_ID + "\\n" + lower(recipient) + "\\n" + run id``.  So the fetcher
verifies a reply without any API call and only then compares the run with
the task's current run (``handover``); a reply cannot be replayed for
another action, task, person or run.  ``mac``/``equal`` are the primitives
``handover`` signs its comment markers with.
"""
from __future__ import absolute_import, unicode_literals

import hmac
import re

from .compat import JYTHON, hmac_sha256_hex, text_type, to_bytes, to_text
from .metadata import ACTIONS, COMPLETE, FAIL  # noqa: F401 - signature.COMPLETE for callers

VERSION = 'v2'
PREFIX = 'xlr-remote-completion/v2'
RUN_HEX = 16

_WHITESPACE = re.compile(r'\s+', re.UNICODE)
_RUN = re.compile(r'^[0-9a-f]{16}$')
_V2 = re.compile(r'^v2\.([0-9a-f]{16})\.[0-9a-f]{64}$')
_HEX = '0123456789abcdef'
# A token is 'v2.' + 16 + '.' + 64 hex digits.
_TOKEN_LENGTH = 3 + RUN_HEX + 1 + 64


# The shapes above tested with string methods first (on Jython each match
# of a regular expression costs a few us: it builds a state and caches the
# text's code points); the pattern decides only what they do not accept, so
# the answers are the patterns' own (``$`` also before a final newline).
def _is_hex(text, length):
    return len(text) == length and not text.strip(_HEX)


def _plain_token(token):
    """Is ``token`` (lower-case) a v2 token as written, no white space?"""
    return (len(token) == _TOKEN_LENGTH and token[:3] == 'v2.' and token[19] == '.'
            and not token[3:19].strip(_HEX) and not token[20:].strip(_HEX))


def _java_is_equal():
    if not JYTHON:
        return None
    try:
        from java.security import MessageDigest
        from org.python.core.util import StringUtil
    except Exception:  # an odd JVM: fall back to the Python comparison
        return None

    def is_equal(a, b):
        # StringUtil.toBytes: a byte string's bytes as a Java byte[] without
        # a copy per byte (bytearray() costs about 5 us a call here).
        return MessageDigest.isEqual(StringUtil.toBytes(a), StringUtil.toBytes(b))
    return is_equal


_JAVA_EQUAL = _java_is_equal()


def equal(a, b):
    """Constant-time comparison: Java's MessageDigest.isEqual on Jython (its
    hmac has no compare_digest), hmac.compare_digest elsewhere."""
    a, b = to_bytes(a), to_bytes(b)
    if _JAVA_EQUAL is not None:
        return bool(_JAVA_EQUAL(a, b))
    compare = getattr(hmac, 'compare_digest', None)
    if compare is not None:
        return compare(a, b)
    result = len(a) ^ len(b)
    for x, y in zip(bytearray(a), bytearray(b if len(a) == len(b) else a)):
        result |= x ^ y
    return result == 0


def is_run_id(value):
    if value is None:
        return False
    value = to_text(value)
    return _is_hex(value, RUN_HEX) or bool(_RUN.match(value))


def mac(secret, prefix, fields):
    """HMAC-SHA256 hex under ``secret`` over ``prefix`` and ``fields``, one a
    line; raises ValueError when a field is empty or holds a line break (it
    could pose as the next field)."""
    secret = to_text(secret)
    if not secret:
        raise ValueError('no secret to sign with')
    parts = [to_text(prefix)]
    for field in fields:
        if not isinstance(field, text_type):   # a call fewer per field (Jython)
            field = to_text(field)
        if not field:
            raise ValueError('empty signed field')
        if '\n' in field or '\r' in field:
            raise ValueError('line break in a signed field')
        parts.append(field)
    return hmac_sha256_hex(secret, '\n'.join(parts))


def canonical_fields(action, task_id, recipient, run_id):
    """The fields that are signed, in order; raises ValueError on unusable input."""
    action = to_text(action)
    if action not in ACTIONS:
        raise ValueError('unknown action')
    recipient = to_text(recipient or '').strip().lower()
    if not is_run_id(run_id):
        raise ValueError('a run id is %d lowercase hex digits' % RUN_HEX)
    return [action, to_text(task_id), recipient, to_text(run_id)]


def sign(secret, action, task_id, recipient, run_id):
    """``'v2.<run id>.<64 lowercase hex>'``."""
    digest = mac(secret, PREFIX, canonical_fields(action, task_id, recipient, run_id))
    return '%s.%s.%s' % (VERSION, to_text(run_id), digest)


def normalise(text):
    """A presented token with white space removed and lowercased (mail clients
    wrap and capitalise); None if it is not a v2 token at all."""
    if text is None:
        return None
    token = to_text(text).lower()
    if _plain_token(token):
        return token
    token = _WHITESPACE.sub('', token)
    return token if _V2.match(token) else None


def run_of(token):
    """The run id a (normalisable) token names, unverified; or None."""
    token = normalise(token)
    return token[3:3 + RUN_HEX] if token else None


def verify(secret, token, action, task_id, recipient):
    """The run id the token was signed for when it is the v2 token of exactly
    these values under ``secret``; None otherwise (never raises)."""
    presented = normalise(token)
    if presented is None or not secret:
        return None
    run_id = presented[3:3 + RUN_HEX]
    try:
        expected = sign(secret, action, task_id, recipient, run_id)
    except (ValueError, TypeError):
        return None
    return run_id if equal(expected, presented) else None
