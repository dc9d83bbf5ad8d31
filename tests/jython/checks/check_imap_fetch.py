# -*- coding: utf-8 -*-
"""imap.py's reading of FETCH answers on real Jython 2.7.3 (its imaplib, its
str-as-bytes): literals split across reads, the literal and line limits,
untagged EXISTS/EXPUNGE among the responses, BYE, and the differential test
against Jython's imaplib reading (imap_streams.py, shared with
tests/unit/test_imap_fetch.py)."""
from __future__ import absolute_import, unicode_literals

import imap_streams as streams
from remote_completion import imap

BODY = b'Subject: hi\r\n\r\n* 9 FETCH (UID 1)\r\nA1 OK not the end\r\n'


def _answer(body=BODY):
    return (b'* 1 FETCH (UID 101 FLAGS (\\Seen) BODY[] {%d}\r\n' % len(body) + body
            + b')\r\n{TAG} OK Fetch completed\r\n')


def _refused(stream, items, limit, expected, chunks=(65536,)):
    conn = streams.connection(stream, chunks)
    try:
        streams.client(conn)._fetch([101], items, limit)
    except imap.ImapError as error:
        assert expected in '%s' % (error,), error
        return conn
    raise AssertionError('not refused: %s' % expected)


def check_a_literal_split_across_reads_is_read_whole():
    for chunks in ((1,), (2, 5), (65536,)):
        conn = streams.connection(_answer(), chunks)
        found = streams.client(conn)._fetch([101], '(UID FLAGS BODY.PEEK[])', 1000)
        assert found == [(101, ' 1 (UID 101 FLAGS (\\Seen) BODY[] {%d} )' % len(BODY),
                          [BODY])], found
        assert isinstance(found[0][1], type('')), 'the head is text'


def check_literal_limit_exact_and_over():
    found = streams.client(streams.connection(_answer(b'x' * 500)))._fetch(
        [101], '(UID BODY.PEEK[])', 500)
    assert found[0][2] == [b'x' * 500]
    conn = _refused(_answer(b'x' * 501), '(UID BODY.PEEK[])', 500,
                    'literal of 501 bytes where at most 500', chunks=(64,))
    assert len(conn.file.sock.data) > 400, 'refused before the literal is read'


def check_an_over_long_line_is_refused():
    line = b'* 1 FETCH (UID 101 FLAGS (' + b'a' * imap.MAX_LINE + b'))\r\n{TAG} OK done\r\n'
    _refused(line, '(UID FLAGS)', imap.SMALL_LITERAL, 'longer than %d' % imap.MAX_LINE)


def check_exists_and_expunge_among_fetch_responses():
    found, conn = streams.interleaved()
    assert [uid for uid, _h, _l in found] == [101, 102, 103], found
    assert conn.message_count == 12 and conn.arrivals == 2 and conn.expunged == [4]


def check_bye_in_the_middle_fails_the_command():
    _refused(b'* 1 FETCH (UID 101 FLAGS ())\r\n* BYE server shutting down\r\n',
             '(UID FLAGS)', imap.SMALL_LITERAL, 'server shutting down', chunks=(9,))


def check_differential_new_reading_equals_imaplibs():
    bad, compared = streams.fetch_mismatches(range(4), count=25)
    assert compared == 300 and bad == [], bad[:2]


def check_hostile_answers_are_refused_by_both_readings():
    assert streams.hostile_accepted() == []


def check_differential_store_answers():
    """uid_command (FETCH responses dropped as read, EXPUNGEs counted)
    against Jython's imaplib on the same answers: same errors and counts."""
    assert streams.store_mismatches([7]) == []
