# -*- coding: utf-8 -*-
"""Adversarial input shapes for each parser entry point, and the complexity
measure: the same code on CPython (tests/security/test_parser_complexity.py)
and on Jython (check_parser_security.py), so both runtimes time the same
shapes at the same sizes.

``complexity(entry, shape)`` times one shape at size n and at 8n (best of
two runs each, in this thread's CPU time, repeated so one run takes at
least MIN_SECONDS) and returns the ratio: about 8 for linear work, about
64 for quadratic.  A ratio is compared with RATIO_LIMIT (20), far from
both, so machine noise cannot flip the verdict.
"""
from __future__ import absolute_import, unicode_literals

import sys
import time

from remote_completion import authresults, reply


def _cpu_clock():
    """This thread's CPU seconds: other processes on a busy machine do not
    count (wall time would let them inflate one of the two runs)."""
    if sys.platform.startswith('java'):
        from java.lang.management import ManagementFactory
        bean = ManagementFactory.getThreadMXBean()
        if bean.isCurrentThreadCpuTimeSupported():
            return lambda: bean.getCurrentThreadCpuTime() / 1e9
        return time.time
    return getattr(time, 'thread_time', time.time)


_clock = _cpu_clock()

RATIO_LIMIT = 20.0
MIN_SECONDS = 0.015
SCALE = 8


def _mail(body, extra=''):
    head = ('From: alice@corp.com\nTo: xlr@corp.com\nSubject: x\n' + extra
            + 'Content-Type: text/plain; charset=utf-8\n\n')
    return (head + body).encode('utf-8')


def _html_mail(markup):
    head = ('From: alice@corp.com\nTo: xlr@corp.com\nSubject: x\n'
            'Content-Type: text/html; charset=utf-8\n\n')
    return (head + markup).encode('utf-8')


def _flowed_mail(text):
    head = ('From: alice@corp.com\nTo: xlr@corp.com\nSubject: x\n'
            'Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\n\n')
    return (head + text).encode('utf-8')


def _parse(raw):
    return reply.parse_reply(raw)


def _html(text):
    try:
        return reply.html_to_text(text)
    except reply.OverCap:
        return None


def _addresses(value):
    try:
        return reply._addresses([value], 'To')
    except reply.OverCap:
        return None


def _check_results(values):
    return authresults.check([('Authentication-Results', v) for v in values],
                             'alice@corp.com', 'mx.corp.com')


# entry point -> [(shape name, size n, build(n) -> input, call(input))]
# Sizes: 8n stays within the bounds the shape meets first (a text part of
# 256 K characters, a header field of 16 K), so the work really grows.
SHAPES = {
    'reply': [
        ('label-stars', 3000, lambda n: _mail(
            'METADATA (DO NOT MODIFY)\n' + ('ACTION:' + '*' * 900 + 'x\n') * (n // 100)), _parse),
        ('long-line-wrote', 3000, lambda n: _mail('wrote' + ' ' * (n * 10) + 'x\n'), _parse),
        ('many-short-lines', 3000, lambda n: _mail('x\n' * (n * 5)), _parse),
        ('header-starts', 3000, lambda n: _mail('METADATA (DO NOT\n' * (n // 2)), _parse),
        ('qp-soft-breaks', 3000, lambda n: _mail('=\n' * (n * 4), 'Content-Transfer-Encoding: '
                                                 'quoted-printable\n'), _parse),
        ('semicolons-in-a-param', 200, lambda n: _mail(
            'ok\n', 'X-Y: a\nContent-Disposition: inline; x="' + '; ' * (n * 4) + '"\n'), _parse),
        ('semicolons-in-a-boundary', 200, lambda n: (
            'From: alice@corp.com\nContent-Type: multipart/mixed; x="' + '; ' * (n * 4)
            + '"; boundary="b"\n\n--b\n\nhi\n--b--\n').encode('ascii'), _parse),
        ('rfc2231-stars', 3000, lambda n: _mail('; a*=b' * (n * 4) + '\n'), _parse),
        ('many-parts', 4, lambda n: (
            'From: alice@corp.com\nTo: xlr@corp.com\nContent-Type: multipart/mixed; boundary="b"'
            '\n\n' + '--b\nContent-Type: text/plain\n\nhello\n' * n + '--b--\n').encode('ascii'),
         _parse),
    ],
    'html-to-text': [
        ('stray-quotes', 2000, lambda n: '<a ' + '" ' * (n * 5) + '>x', _html),
        ('many-lt', 2000, lambda n: '<' * (n * 10), _html),
        ('unclosed-comments', 2000, lambda n: '<!--' * (n * 3), _html),
        ('entities', 2000, lambda n: '&' * (n * 5) + '&#' * (n * 2), _html),
        ('attributes', 2000, lambda n: '<a' + ' x="1"' * (n * 2) + '>', _html),
        ('unclosed-attribute-pairs', 2000, lambda n: '<a x="' + '"' * (n * 8),
         _html),
        ('skip-tags', 2000, lambda n: '<script>' * (n * 2), _html),
        ('blocks', 2000, lambda n: '<div><blockquote>x</blockquote></div>' * n, _html),
        ('deep-blockquotes', 2000, lambda n: '<blockquote>x' * n, _html),
        ('whole-mail', 500, lambda n: _html_mail('<p>' + '" <a b=\'c\'>&amp; ' * n + '</p>'),
         _parse),
    ],
    'unflow': [
        ('long-paragraph', 3000, lambda n: 'x \n' * (n * 5), reply.unflow),
        ('depth-alternation', 3000, lambda n: ''.join(
            '>' * (i % 5) + 'x \n' for i in range(n * 3)), reply.unflow),
        ('one-long-line', 3000, lambda n: 'x' * (n * 20), reply.unflow),
        ('whole-mail', 3000, lambda n: _flowed_mail('y \n' * (n * 3)), _parse),
    ],
    'authentication-results': [
        ('open-comments', 200, lambda n: ['mx.corp.com; ' + '(' * (n * 2)], _check_results),
        ('quotes', 200, lambda n: ['mx.corp.com; dkim=pass header.d="' + 'a\\"' * n + '"'],
         _check_results),
        ('many-results', 200, lambda n: ['mx.corp.com; ' + 'dkim=pass header.d=x.io; ' * (n // 10)],
         _check_results),
        ('many-semicolons', 200, lambda n: ['mx.corp.com' + ';' * (n * 2)], _check_results),
    ],
    'addresses': [
        ('many-addresses', 150, lambda n: ', '.join('u%d@corp.com' % i for i in range(n // 10)),
         _addresses),
        ('quotes', 150, lambda n: '"' * (n * 2), _addresses),
        ('angle-brackets', 150, lambda n: '<' * (n * 2), _addresses),
        ('comments', 150, lambda n: 'a@b.c ' + '(x) ' * 30 + 'y' * (n * 2), _addresses),
        ('route-syntax', 150, lambda n: '@a,' * (n // 2) + ':x@y.z', _addresses),
        ('words', 150, lambda n: 'a ' * n + '<x@y.z>', _addresses),
        # The simple-address path's near misses: a name with no address after
        # it, one long word, a long dotted local part without a domain.
        ('words-no-address', 150, lambda n: 'ab ' * n + 'c', _addresses),
        ('long-word', 150, lambda n: 'a' * (n * 4) + ' <x@y', _addresses),
        ('dotted-local', 150, lambda n: 'a.' * n + 'a@', _addresses),
    ],
}


def _best(call, value, repeat):
    best = None
    for _ in range(2):
        started = _clock()
        for _ in range(repeat):
            call(value)
        took = _clock() - started
        best = took if best is None or took < best else best
    return best


def complexity(entry, shape_name, attempts=3):
    """{'n', 'seconds_n', 'seconds_8n', 'ratio', 'repeat', 'attempts'} for one
    shape.  A ratio over the limit is measured again (up to ``attempts``
    times in all) and the lowest kept: a pause of the collector or of another
    process can spoil one measurement, while a quadratic parser stays over
    the limit every time."""
    for name, size, build, call in SHAPES[entry]:
        if name != shape_name:
            continue
        small, large = build(size), build(size * SCALE)
        call(small)           # warm up (Jython compiles hot code after a while)
        repeat = 1
        while True:
            took = _best(call, small, repeat)
            if took >= MIN_SECONDS or repeat >= 4096:
                break
            repeat *= 2
        best = None
        for attempt in range(1, attempts + 1):
            if attempt > 1:
                took = _best(call, small, repeat)
            took_large = _best(call, large, repeat)
            ratio = took_large / max(took, 1e-9)
            if best is None or ratio < best['ratio']:
                best = {'n': size, 'repeat': repeat, 'seconds_n': round(took, 5),
                        'seconds_8n': round(took_large, 5), 'ratio': round(ratio, 2),
                        'attempts': attempt}
            if ratio <= RATIO_LIMIT:
                break
        best['attempts'] = attempt
        return best
    raise KeyError(shape_name)


def all_shapes():
    return [(entry, item[0]) for entry in sorted(SHAPES) for item in SHAPES[entry]]
