# -*- coding: utf-8 -*-
"""remote_completion.logs on Jython: cleaning, bounding and secret masking."""
from __future__ import absolute_import, unicode_literals

from remote_completion import logs


def check_clean_removes_line_breaks_and_controls():
    assert logs.clean('a\r\nINFO forged line\x00\x1b[31m') == 'a INFO forged line [31m'


def check_clean_keeps_emoji_whole():
    text = 'ok 😀 done'
    assert logs.clean(text) == text


def check_clean_bounds_without_splitting_a_pair():
    out = logs.clean('😀' * 50, limit=10)
    assert out.endswith('...')
    body = out[:-3]
    assert body and not (0xD800 <= ord(body[-1]) <= 0xDBFF)
    assert body.encode('utf-8').decode('utf-8') == body


def check_secret_is_masked():
    logs.register_secret('jython-s3cret-value')
    assert 'jython-s3cret-value' not in logs.mask_secrets('x jython-s3cret-value y')
