# -*- coding: utf-8 -*-
"""FETCH answers on a fake wire, for the IMAP reader's tests on CPython
(tests/unit/test_imap_fetch.py) and on Jython (check_imap_fetch.py).

- ``connection(stream, ...)``: an ``imap._Connection`` over a fake socket
  that hands out ``stream`` in chunks of the given sizes (``{TAG}`` stands
  for the tag of the next command), or, with ``old=True``, over a plain
  buffered file read by imaplib alone (the reading before ``_FetchAnswers``).
- ``old_fetch(client, uids, items)``: ``ImapClient._fetch`` as it was
  (imaplib's list, grouped into responses): the differential oracle.
- ``streams(seed)``: generated answers, ordinary and hostile.

Not a check module (its name does not start with ``check_``).  Python 2.7
and 3.
"""
from __future__ import absolute_import, unicode_literals

import io
import random
import re

from remote_completion import imap
from remote_completion.compat import to_bytes

GREETING = b'* OK [CAPABILITY IMAP4rev1 UIDPLUS CONDSTORE] ready\r\n'


class FakeSocket(object):
    """``recv`` hands out ``data`` in pieces of the sizes in ``chunks``
    (cycled), never more than asked; then b'' (the server closed)."""

    def __init__(self, data=b'', chunks=(65536,)):
        self.data = data
        self.chunks = list(chunks)
        self.turn = 0
        self.sent = []
        self.reads = 0

    def recv(self, size):
        self.reads += 1
        step = self.chunks[self.turn % len(self.chunks)]
        self.turn += 1
        piece, self.data = self.data[:min(size, step)], self.data[min(size, step):]
        return piece

    def sendall(self, data):
        self.sent.append(data)

    def settimeout(self, value):
        pass

    def gettimeout(self):
        return None


class _FileOnly(object):
    """The file the old reading had (``sock.makefile``), over all of
    ``data`` at once: the same bytes, read by imaplib line by line."""

    def __init__(self, data):
        self.io = io.BytesIO(data)

    def readline(self, limit):
        return self.io.readline(limit)

    def read(self, size):
        return self.io.read(size)

    def close(self):
        pass


class _Conn(imap._Connection):
    def open(self, host='', port=0, timeout=None):
        self._set_socket(FakeSocket(GREETING))


def connection(stream, chunks=(65536,), old=False, max_literal=imap.DEFAULT_MAX_LITERAL):
    """A selected connection whose next command is answered by ``stream``."""
    conn = _Conn('imap.test', 993, imap.TLS_NONE, None, 5.0, max_literal)
    conn.state = 'SELECTED'
    conn.message_count, conn.expunged = 20, []   # as while uid_windows lists
    tag = to_bytes(conn.tagpre) + to_bytes('%d' % conn.tagnum)
    data = stream.replace(b'{TAG}', tag)
    if old:
        conn.file = _FileOnly(data)
    else:
        conn.file.sock.data = data
        conn.file.sock.chunks = list(chunks)
    return conn


def client(conn):
    client = imap.ImapClient('imap.test', 993, imap.TLS_NONE)
    client.conn = conn
    return client


_RESPONSE_START = re.compile(r'^\s*\d+\s+\(')
_FETCH_UID = re.compile(r'UID\s+(\d+)', re.I)


def old_fetch(client, uids, items):
    """``ImapClient._fetch`` before the reader: imaplib's ``uid`` and the
    grouping of its list (as in main until 2026-12-03)."""
    wanted = set(int(u) for u in uids)
    results = []
    for chunk in imap.uid_sets(wanted):
        data = client._call('fetch', client.conn.uid, 'FETCH', chunk, items)
        current = None
        for entry in data:
            if entry is None:
                continue
            literal = None
            if isinstance(entry, tuple):
                literal = entry[1]
            text = imap._line_text(entry)
            if current is None or _RESPONSE_START.match(text):
                current = ['', []]
                results.append(current)
            current[0] += ' ' + text
            if literal is not None:
                current[1].append(to_bytes(literal))
    out = []
    for head, literals in results:
        match = _FETCH_UID.search(head)
        if match and int(match.group(1)) in wanted:
            out.append((int(match.group(1)), head, literals))
    return out


def outcome(conn, call):
    """(result or None, error text or None, the connection's state after:
    message count, arrivals, expunged positions, untagged responses kept)."""
    try:
        result, error = call(), None
    except imap.ImapError as caught:
        result, error = None, '%s' % (caught,)
    others = dict((k, list(v)) for k, v in conn.untagged_responses.items() if k != 'FETCH')
    return result, error, (conn.message_count, conn.arrivals, list(conn.expunged or ()), others)


# --- generated answers ----------------------------------------------------------------

WANTED = list(range(101, 109))
ITEMS = '(UID FLAGS BODY.PEEK[])'
LIMIT = 3000


def _literal(rnd):
    kind = rnd.randint(0, 5)
    if kind == 0:
        return b''
    if kind == 1:   # lines that look like protocol: inside a literal they are not
        return b'* 7 FETCH (UID 9)\r\nA001 OK no\r\n* BYE not me\r\n* 3 EXPUNGE\r\n'
    if kind == 2:
        return b'x' * rnd.randint(1, 2000) + b'\r\n'
    if kind == 3:
        return bytes(bytearray(rnd.randint(0, 255) for _ in range(rnd.randint(1, 300))))
    if kind == 4:
        return b'Subject: hi\r\n\r\nbody }\r\n{12}\r\n'
    return b'\r\n' * rnd.randint(1, 5)


def _flags(rnd):
    return rnd.choice([b'()', b'(\\Seen)', b'(\\Seen $XlrClaim-aaaaaaaa $XlrT-123)',
                       b'(\\Deleted \xc3\xa9t\xe9)', b'(' + b' '.join([b'$k%d' % i for i in
                                                                     range(50)]) + b')'])


def _response(rnd, seq, uid):
    """One FETCH response: its items in a random order, perhaps two literals."""
    parts = [b'UID %d' % uid, b'FLAGS ' + _flags(rnd)]
    literals = [_literal(rnd) for _ in range(rnd.choice([0, 1, 1, 1, 2]))]
    rnd.shuffle(parts)
    head = b'* %d FETCH (' % seq
    out = []
    for index, literal in enumerate(literals):
        where = rnd.randint(0, len(parts))
        before, after = parts[:where], parts[where:]
        out.append(head + b' '.join(before) + (b' ' if before else b'')
                   + b'BODY[%d] {%d}\r\n' % (index, len(literal)) + literal)
        head, parts = b'', after
        if parts:
            head = b' '
    out.append(head + b' '.join(parts) + b')\r\n')
    return b''.join(out)


_UNTAGGED = [b'* 12 EXISTS\r\n', b'* 13 EXISTS\r\n', b'* 2 EXPUNGE\r\n', b'* 1 RECENT\r\n',
             b'* VANISHED (EARLIER) 3:5\r\n', b'* OK [HIGHESTMODSEQ 4711] ok\r\n',
             b'* FLAGS (\\Seen \\Deleted)\r\n', b'* OK Still here\r\n',
             b'* 5 FETCH (FLAGS (\\Seen))\r\n', b'* 6 FETCH\r\n', b'* 7 FETCH(UID 103)\r\n',
             b'* 8 FETCH  (UID 104)\r\n', b'* 09 FETCH (UID 105 X {3}\r\nabc 4 (UID 106))\r\n']

_ENDINGS = [b'{TAG} OK Fetch completed\r\n', b'{TAG} OK [HIGHESTMODSEQ 9] done\r\n',
            b'{TAG} NO [SERVERBUG] sorry\r\n', b'{TAG} BAD syntax\r\n',
            b'* BYE going away\r\n', b'', b'* 4 FETCH (UID 104',
            b'* 4 FETCH (UID 104 BODY[] {9}\r\nab',
            b'* 2 fetch (UID 102)\r\n{TAG} OK done\r\n', b'+ go on\r\n{TAG} OK done\r\n']


def streams(seed, count=40):
    """``count`` answers to ``UID FETCH <WANTED> ITEMS``: (name, bytes)."""
    rnd = random.Random(seed)
    out = []
    for number in range(count):
        body = []
        for _ in range(rnd.randint(0, 12)):
            pick = rnd.random()
            if pick < 0.6:
                uid = rnd.choice(WANTED)
                body.append(_response(rnd, uid - 100, uid))
            elif pick < 0.75:
                uid = rnd.randint(1, 300)   # unasked for, or repeated
                body.append(_response(rnd, uid % 50 + 1, uid))
            else:
                body.append(rnd.choice(_UNTAGGED))
        ending = _ENDINGS[0] if rnd.random() < 0.6 else rnd.choice(_ENDINGS)
        out.append(('seed %s #%d' % (seed, number), b''.join(body) + ending))
    return out


def hostile():
    """Answers both readings must refuse: (name, bytes)."""
    big = LIMIT + 1
    return [
        ('literal over the limit', b'* 1 FETCH (UID 101 BODY[] {%d}\r\n' % big
         + b'y' * big + b')\r\n{TAG} OK done\r\n'),
        ('line over MAX_LINE', b'* 1 FETCH (UID 101 FLAGS (' + b'a' * (imap.MAX_LINE + 10)
         + b'))\r\n{TAG} OK done\r\n'),
        ('BYE in the middle', b'* 1 FETCH (UID 101 FLAGS ())\r\n* BYE shutting down\r\n'
         b'* 2 FETCH (UID 102 FLAGS ())\r\n'),
        ('EOF in a literal', b'* 1 FETCH (UID 101 BODY[] {100}\r\nonly this'),
        ('unterminated line', b'* 1 FETCH (UID 101 FLAGS ())\n{TAG} OK done\r\n'),
    ]


# --- the comparisons (both test modules assert on these) -----------------------------------

CHUNKS = ((1,), (7, 3, 64), (65536,))
STORE = ('STORE', '1:9', '+FLAGS.SILENT', '(\\Deleted)')


def fetch_mismatches(seeds, count=40, chunk_sets=CHUNKS):
    """Generated answers where ``_fetch`` differs from imaplib's reading
    (responses, error text, counts), as [(name, chunks, new, old)]; and
    how many readings were compared."""
    bad, compared = [], 0
    for seed in seeds:
        for name, stream in streams(seed, count):
            old = connection(stream, old=True, max_literal=LIMIT)
            expected = outcome(old, lambda: old_fetch(client(old), WANTED, ITEMS))
            for chunks in chunk_sets:
                new = connection(stream, chunks)
                got = outcome(new, lambda: client(new)._fetch(WANTED, ITEMS, LIMIT))
                compared += 1
                if got != expected:
                    bad.append((name, chunks, got, expected))
    return bad, compared


def store_mismatches(seeds, count=25, chunk_sets=((1,), (65536,))):
    """The same for ``uid_command`` (STORE) against imaplib's ``uid``:
    error text and counts (the data it returns is read by nobody)."""
    bad = []
    for seed in seeds:
        for name, stream in streams(seed, count):
            old = connection(stream, old=True, max_literal=imap.SMALL_LITERAL)
            expected = outcome(old, lambda: client(old)._call('store', old.uid, *STORE))[1:]
            for chunks in chunk_sets:
                new = connection(stream, chunks)
                got = outcome(new, lambda: client(new).uid_command('store', *STORE))[1:]
                if got != expected:
                    bad.append((name, chunks, got, expected))
    return bad


def hostile_accepted():
    """Names of ``hostile()`` answers that either reading did not refuse."""
    accepted = []
    for name, stream in hostile():
        old = connection(stream, old=True, max_literal=LIMIT)
        _r, old_error, _s = outcome(old, lambda: old_fetch(client(old), WANTED, ITEMS))
        new = connection(stream, (7, 4096))
        result, new_error, _s = outcome(new, lambda: client(new)._fetch(WANTED, ITEMS, LIMIT))
        if not (old_error and new_error and result is None):
            accepted.append((name, old_error, new_error))
    return accepted


def interleaved():
    """``_fetch`` of an answer with EXPUNGE, EXISTS and RECENT among its
    FETCH responses, from a mailbox of 11: (responses, connection)."""
    stream = (b'* 1 FETCH (UID 101 FLAGS ())\r\n* 4 EXPUNGE\r\n* 11 EXISTS\r\n'
              b'* 2 FETCH (UID 102 FLAGS (\\Seen))\r\n* 12 EXISTS\r\n* 1 RECENT\r\n'
              b'* 3 FETCH (UID 103 FLAGS ())\r\n{TAG} OK done\r\n')
    conn = connection(stream, (5,))
    conn.message_count = 11
    return client(conn)._fetch([101, 102, 103], '(UID FLAGS)'), conn
