# -*- coding: utf-8 -*-
"""metadata on Jython: the value-character patterns accept exactly the
characters of their sets (Jython's sre and unicode, astral characters
included)."""
from __future__ import absolute_import, unicode_literals

import random

from remote_completion import metadata

_ALPHABET = ('ABCXYZabcxyz0189/_.-: *\t\n\r\x00\x7f\xe9\u0130\u0131\u212a\u017f\uff0f'
             '\U0001f600')


def check_value_patterns_accept_exactly_their_characters():
    rng = random.Random(7)
    values = ['', 'Applications/Release1/Phase2/Task3', 'v2.0123456789abcdef.' + 'a' * 64]
    for _ in range(3000):
        values.append(''.join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 12))))
    for value in values:
        for chars, pattern in ((metadata._ID_CHARS, metadata._ID_VALUE),
                               (metadata._TOKEN_CHARS, metadata._TOKEN_VALUE)):
            want = all(char in chars for char in value)
            assert metadata._chars_in(value, pattern) == want, repr(value)
