# -*- coding: utf-8 -*-
"""The per-reply tests done with string methods instead of a regular
expression (on Jython each match costs a few us) give the answers of the
patterns they replace, on Jython 2.7.3 and CPython 3 alike (this module
runs in both: tests/security/test_fast_paths.py imports its checks).

Each check compares the fast function with the pattern it replaced, kept
here as the reference, on generated hostile inputs: every byte or
character class that matters (controls, 8-bit, white space of all kinds,
astral characters, a final newline, which ``$`` also matches before)."""
from __future__ import absolute_import, unicode_literals

import random
import re
import sys

from remote_completion import compat, handover, logs, reply, signature

PY2 = sys.version_info[0] == 2
_chr = unichr if PY2 else chr  # noqa: F821 - Python 2 only, guarded by PY2
ROUNDS = 4000


def _bytes_of(values):
    return bytes(bytearray(values))


def _random_bytes(rng, alphabet, most):
    return _bytes_of(rng.choice(alphabet) for _ in range(rng.randint(0, most)))


# --- reply: header lines --------------------------------------------------------

_FIELD_START = re.compile(b'^[\x21-\x39\x3b-\x7e]{1,200}:')
_PLAIN_FIELD = re.compile(b'^[\x21-\x39\x3b-\x7e]+:[\t\x20-\x7e]*$')
_PLAIN_FOLD = re.compile(b'^[\t ][\t\x20-\x7e]*$')
_LINE_BYTES = [0x00, 0x09, 0x0a, 0x0d, 0x20, 0x21, 0x2d, 0x39, 0x3a, 0x3b, 0x41, 0x61, 0x7e,
               0x7f, 0x80, 0xc3, 0xa9, 0xff]


def _old_plain_fields(head):
    """reply._plain_mail's split of the header section as it was: a pattern
    per line."""
    fields = []
    for line in head.split(b'\n'):
        if _PLAIN_FIELD.match(line):
            name, _colon, value = line.partition(b':')
            fields.append([name, value.lstrip(b' \t')])
        elif fields and fields[-1][1] and _PLAIN_FOLD.match(line):
            fields[-1][1] += b'\n' + line
        else:
            return None
    return fields


def _header_line(rng):
    kind = rng.randint(0, 5)
    if kind == 0:
        return _random_bytes(rng, _LINE_BYTES, 12)
    name = rng.choice([b'From', b'To', b'X-A', b'Content-Type', b'content-transfer-encoding',
                       b'Bad Name', b'Tab\tName', b'', b'x' * 199, b'x' * 200, b'x' * 201,
                       b'Na\xe9me', b'A\x7f'])
    value = rng.choice([b' a@b.example', b'', b' ', b'\t', b' text/plain', b' text/html',
                        b' TEXT/PLAIN; charset=utf-8', b' 8BIT ', b' base64', b' x\x7fy',
                        b' caf\xc3\xa9', b' a:b', b' a\x00b', b' a\rb'])
    if kind == 1:
        return rng.choice([b' ', b'\t', b'  ']) + value
    if kind == 2:
        return name + value + b':' + _random_bytes(rng, _LINE_BYTES, 3)
    return name + b':' + value


def check_field_start_is_the_pattern():
    rng = random.Random(11)
    lines = [b'', b':', b'a:', b'a', b' a:', b'x' * 200 + b':', b'x' * 201 + b':',
             b'x' * 199 + b':', b'a\xe9:', b'a b:', b'\x7f:', b'a:b:c']
    for _ in range(ROUNDS):
        lines.append(_header_line(rng))
        lines.append(_random_bytes(rng, _LINE_BYTES, 8))
    for line in lines:
        assert reply._field_start(line) == bool(_FIELD_START.match(line)), repr(line)


_GOOD_LINES = [b'From: a@b.example', b'To: x@y.example', b'Subject: Approve', b'X-A:',
               b'Content-Type: text/plain; charset=utf-8', b'Content-Transfer-Encoding: 8bit',
               b'Received: from a', b'\tby b', b' with c']


def check_plain_split_is_the_patterns_split():
    rng = random.Random(12)
    taken = 0
    for _ in range(ROUNDS):
        head = b'\n'.join(_header_line(rng) if rng.randint(0, 3) == 0 else rng.choice(_GOOD_LINES)
                          for _ in range(rng.randint(0, 6)))
        if rng.randint(0, 9) == 0:
            head = b'\n' + head
        old = _old_plain_fields(head)
        assert reply._plain_fields(head) == old, repr(head)
        taken += old is not None
    assert taken > ROUNDS // 20   # the split is taken, not only refused


# --- reply: comment lines -------------------------------------------------------------

_COMMENT_PIECES = ['From: a', '*From*: a', 'Von:', 'VAN :', '-- ', '--', '---- Original Message',
                   '-----Original Message-----', '_' * 9, '_' * 10, '_' * 12 + ' ',
                   'Begin forwarded message:', 'BEGIN FORWARDED MESSAGE:', 'begin forwarded',
                   '-- Forwarded message --', ' ', 'x', '\u017f', '\u212a', '\u0130', ':', '-',
                   '_', 'Sent:', 'ok', '\t']


def check_comment_separators_are_the_patterns():
    rng = random.Random(13)
    lines = list(_COMMENT_PIECES) + ['']
    for _ in range(ROUNDS):
        lines.append(''.join(rng.choice(_COMMENT_PIECES) for _ in range(rng.randint(1, 3))))
    for line in lines:
        assert reply._separator(line) == bool(reply._SEPARATORS.match(line)), repr(line)
        assert reply._outlook_from(line) == bool(reply._OUTLOOK_FROM.match(line)), repr(line)


# --- logs.clean -------------------------------------------------------------------------

_UNSAFE = re.compile('[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]')
_SPACES = re.compile(r'\s+', re.UNICODE)
_TEXT_CHARS = ['a', 'Z', '0', ' ', ' ', '\t', '\n', '\r', '\x0b', '\x0c', '\x1c', '\x1f', '\x00',
               '\x7f', '\x85', '\x9f', '\xa0', '\u1680', '\u2000', '\u200a', '\u200b', '\u2028',
               '\u2029', '\u202a', '\u202f', '\u205f', '\u2066', '\u3000', '\ufeff', '\xe9',
               '\U0001f600', '.', '<', '>']


def _old_clean(value, limit=200):
    if value is None:
        return ''
    text = compat.to_text(value)
    text = _UNSAFE.sub(' ', text)
    text = _SPACES.sub(' ', text).strip()
    if len(text) > limit:
        text = text[:max(0, limit - 3)]
        if text and 0xD800 <= ord(text[-1]) <= 0xDBFF:
            text = text[:-1]
        text += '...'
    return text


def check_clean_is_the_two_substitutions():
    rng = random.Random(14)
    values = [None, '', ' ', 'plain words', 'a  b', ' a ', 'a\tb', 'caf\xe9 ok', b'bytes ok',
              b'bytes\xc3\xa9 \xff', 'x' * 300, 'x' * 196 + '\U0001f600' + 'y' * 10]
    for _ in range(ROUNDS):
        values.append(''.join(rng.choice(_TEXT_CHARS) for _ in range(rng.randint(0, 14))))
    for value in values:
        for limit in (200, 5):
            assert logs.clean(value, limit) == _old_clean(value, limit), repr(value)


# --- signature, handover ----------------------------------------------------------------

_RUN = re.compile(r'^[0-9a-f]{16}$')
_V2 = re.compile(r'^v2\.([0-9a-f]{16})\.[0-9a-f]{64}$')
_WHITESPACE = re.compile(r'\s+', re.UNICODE)
_TOKEN_CHARS = '0123456789abcdefABCDEFgv2. \t\n\xa0\u2003\u212a\U0001f600'


def _old_normalise(text):
    if text is None:
        return None
    token = _WHITESPACE.sub('', compat.to_text(text)).lower()
    return token if _V2.match(token) else None


def _mutations(rng, good):
    out = [good, good.upper(), good + '\n', good + ' ', ' ' + good, good[:-1], good + 'a',
           good.replace('.', ' .', 1), good[:40] + '\n' + good[40:], good.replace('v2', 'V2')]
    for _ in range(8):
        chars = list(good)
        chars[rng.randrange(len(chars))] = rng.choice(_TOKEN_CHARS)
        out.append(''.join(chars))
    return out


def check_token_shapes_are_the_patterns():
    rng = random.Random(15)
    values = [None, '', 'v2.', '0123456789abcdef', '0123456789abcdef\n', '0123456789ABCDEF',
              '0123456789abcde', b'0123456789abcdef', 'v2.0123456789abcdef.' + 'a' * 64]
    for _ in range(ROUNDS // 10):
        run = ''.join(rng.choice('0123456789abcdef') for _ in range(16))
        mac = ''.join(rng.choice('0123456789abcdef') for _ in range(64))
        values.extend(_mutations(rng, 'v2.%s.%s' % (run, mac)))
        values.extend(_mutations(rng, run))
        values.append(''.join(rng.choice(_TOKEN_CHARS) for _ in range(rng.randint(0, 90))))
    for value in values:
        want = _old_normalise(value)
        assert signature.normalise(value) == want, repr(value)
        assert signature.run_of(value) == (_V2.match(want).group(1) if want else None)
        if value is not None:
            text = compat.to_text(value)
            assert signature.is_run_id(value) == bool(_RUN.match(text)), repr(value)
            assert handover._is_mail_key(value) == bool(_RUN.match(text)), repr(value)


def check_markdown_escape_is_the_substitution():
    rng = random.Random(16)
    pieces = ['a', ' ', '\\', '`', '<', '>', '[', ']', '(', '\xe9', '\U0001f600', '*']
    for _ in range(ROUNDS):
        text = ''.join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
        assert handover._markdown_safe(text) == handover._MARKDOWN.sub(r'\\\1', text), text


def check_marker_lines_read_as_the_patterns_do():
    rng = random.Random(17)
    secret = 'fast-path-secret-0123456789'
    task = 'Applications/Release1/Phase1/Task1'
    run, mail = '0123456789abcdef', 'fedcba9876543210'
    good = [handover.request_line(secret, task, run),
            handover.verdict_line(secret, 'COMPLETE', task, run, mail),
            handover.verdict_line(secret, 'FAIL', task, run, mail)]
    lines = list(good) + ['', '`xlr-remote-completion`', 'x' * 300]
    for line in good:
        for _ in range(ROUNDS // 20):
            chars = list(line)
            chars[rng.randrange(len(chars))] = rng.choice('0af9 `=.\nxZ\xe9')
            lines.append(''.join(chars))
        lines.extend([line + '\n', line + ' ', line * 2, line[:-1]])
    for line in lines:
        for _ in range(2):   # the second reading comes from the memo
            reading = handover._marker(line)
            request, verdict = handover._REQUEST.match(line), handover._VERDICT.match(line)
            if request:
                assert reading == ('request',) + request.groups(), repr(line)
            elif verdict:
                assert reading == ('verdict',) + verdict.groups(), repr(line)
            else:
                assert reading is None, repr(line)


def check_verdict_line_noted_as_the_pattern_reads_it():
    handover._lines[0] = {}
    line = handover.verdict_line('fast-path-secret-0123456789', 'FAIL', 'Applications/R1/T1',
                                 '0123456789abcdef', 'fedcba9876543210')
    noted = handover._lines[0][line]
    assert noted == ('verdict',) + handover._VERDICT.match(line).groups()
    assert [type(item) for item in noted] == [type(item) for item in
                                              ('verdict',) + handover._VERDICT.match(
                                                  line).groups()]


# --- compat.to_text ----------------------------------------------------------------------

def check_to_text_of_bytes_is_the_utf8_decoding():
    rng = random.Random(18)
    values = [b'', b'ascii', _bytes_of(range(128)), b'caf\xc3\xa9', b'\xff\xfe', b'a\x80',
              bytearray(b'abc'), bytearray(b'\xc3\xa9')]
    for _ in range(ROUNDS):
        values.append(_random_bytes(rng, [0x00, 0x41, 0x7f, 0x80, 0xc3, 0xa9, 0xe2, 0xff], 8))
    for value in values:
        want = bytes(value).decode('utf-8', 'replace')
        got = compat.to_text(value)
        assert got == want and type(got) is type(want), repr(value)
