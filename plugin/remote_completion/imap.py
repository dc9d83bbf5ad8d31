"""IMAP client for the fetcher, on imaplib, for Jython 2.7 and CPython 3.

Why not plain ``imaplib.IMAP4_SSL``: on Jython it verifies nothing, has no
STARTTLS and takes no timeout.  So the connection class below opens the
socket itself (with a timeout), wraps it with a verifying context through
``tls.wrap`` (chain and host name, on both runtimes), performs STARTTLS
itself, and traces every protocol line through ``maildebug`` (LOGIN masked,
message contents reduced to their size).

FETCH answers (the drain's listing, sizes, texts and claims) are read by
``_Connection.fetch_into``: a line per ``readline`` from the connection's
own buffer (``_Reader``), a literal in one read, grouped into responses as
they come (``_FetchAnswers``), where imaplib would match several regexes per
line and keep every piece until the command ends (on Jython that reading
was about an eighth of a drain).  Everything else in the answer (the tagged
reply, BYE, EXISTS, EXPUNGE, ...) still goes through imaplib.  Literals are
bounded by what was asked for, an answer by what it may hold.

IDLE (RFC 2177) is spoken here too (``ImapClient.idle``): neither CPython's
nor Jython's imaplib has it.  The push loop (``push.py``) only decides when
to idle and what to do on new mail, as mail_room keeps its connection
(``imap/connection.rb``) apart from its loop (``mailbox_watcher.rb``).

Every failure surfaces as ``ImapError`` whose text holds no credential.
"""
from __future__ import absolute_import, unicode_literals

import imaplib
import re
import socket
import time

from . import logs, maildebug, oauth, tls
from .compat import to_bytes, to_text

TLS_NONE = 'none'
TLS_STARTTLS = 'starttls'
TLS_IMPLICIT = 'implicit'

DEFAULT_TIMEOUT = 30.0
MAX_LINE = 2 * 1024 * 1024          # no sane answer line is longer (listing is windowed)
DEFAULT_MAX_LITERAL = 64 * 1024 * 1024
UID_SET_CHUNK = 500                 # ranges (a:b or a) per UID set on one command line
LIST_WINDOW = 1000                  # messages listed per command (uid_windows)
READ_BLOCK = 65536                  # bytes asked of the socket at once (_Reader)
# A FETCH answer's literals: no larger than what was asked for.  Items
# without a body (UID, sizes, dates, flags, MODSEQ) hold no literal that
# could be longer than this; a header is at most the bytes asked for, a
# whole message at most max-message-size.
SMALL_LITERAL = 4096
# Text of one FETCH response (its lines without the literals), at most.
RESPONSE_TEXT = 64 * 1024

IDLE = 'IDLE'
# Untagged lines during IDLE are short ("* 12 EXISTS"); a server that sends
# more without a line end is broken or hostile, and must not fill memory.
MAX_IDLE_LINE = 64 * 1024
# Longest single socket wait while idling, so a stop request is seen soon.
IDLE_POLL_SECONDS = 0.5

# Jython 2.7's imaplib does not know these commands; CPython's knows some.
for _name, _states in (('STARTTLS', ('NONAUTH',)),
                       ('IDLE', ('AUTH', 'SELECTED')),
                       ('MOVE', ('SELECTED',)),
                       ('UNSELECT', ('SELECTED',)),
                       ('NAMESPACE', ('AUTH', 'SELECTED')),
                       ('ENABLE', ('AUTH',))):
    imaplib.Commands.setdefault(_name, _states)


class ImapError(Exception):
    """An IMAP operation failed; the message is safe to log."""


class AuthenticationRefused(ImapError):
    """The server said NO to LOGIN/AUTHENTICATE (not a broken connection)."""


class ConnectionLost(ImapError):
    """The server closed or broke the connection while idling."""


class IdleRefused(ImapError):
    """The server answered IDLE with NO or BAD."""


def offers_idle(capabilities):
    """True if a CAPABILITY list names IDLE."""
    return IDLE in set(to_text(c).strip().upper() for c in (capabilities or ()))


class _Connection(imaplib.IMAP4):
    """imaplib.IMAP4 over our own socket: timeout, verified TLS, trace."""

    def __init__(self, host, port, tls_mode, context, timeout, max_literal):
        self._tls_mode = tls_mode
        self._context = context
        self._timeout = timeout
        self._max_literal = max_literal
        self.in_auth = False    # an AUTHENTICATE exchange: client lines are masked
        self.sock = None
        self.file = None
        # Sequence numbers move when messages are expunged; a drain that
        # lists the mailbox in windows follows them here (see uid_windows).
        self.message_count = None
        self.expunged = None            # a list while a drain follows expunges
        # New mail told (EXISTS growing the count), and how much of it the
        # last complete listing had seen (None: none complete yet).
        self.arrivals = 0
        self.listed_arrivals = None
        self._greeted = False           # imaplib's CAPABILITY right after the greeting
        self._held = None               # commands written with the next one (pipelined)
        self._unsent = b''
        self._answers = None            # a _FetchAnswers taking this command's FETCH responses
        self._pushback = None           # a line read ahead, for imaplib to read again
        imaplib.IMAP4.__init__(self, host, port)

    def note(self, kind, number):
        """An untagged EXISTS or EXPUNGE, in the order the server sent them."""
        if kind == 'EXISTS':
            if self.message_count is not None and number > self.message_count:
                self.arrivals += 1
            self.message_count = number
        elif kind == 'EXPUNGE':
            if self.message_count:
                self.message_count -= 1
            if self.expunged is not None:
                self.expunged.append(number)

    def _append_untagged(self, typ, dat):
        kind = to_text(typ).upper()
        if kind in ('EXISTS', 'EXPUNGE'):
            try:
                self.note(kind, int(dat))
            except (TypeError, ValueError):
                pass
            if kind == 'EXPUNGE':
                return  # nobody reads imaplib's copy, and a drain would pile them up
        imaplib.IMAP4._append_untagged(self, typ, dat)

    def capability(self):
        """imaplib asks right after the greeting; a greeting that announced
        its capabilities (RFC 3501 7.1, ``* OK [CAPABILITY ...]``) answers
        that without a round trip.  Later calls always ask the server."""
        if not self._greeted:
            self._greeted = True
            announced = self.untagged_responses.pop('CAPABILITY', None)
            if announced and announced[-1]:
                return 'OK', [announced[-1]]
        return imaplib.IMAP4.capability(self)

    def pipelined(self, name, *args):
        """Send command ``name`` in the same write as the next command (RFC
        3501 5.5: the server answers them in order), so both cost one round
        trip; returns its tag for ``_command_complete``.  Only for commands
        whose outcome the next one does not depend on."""
        self._held = []
        try:
            tag = self._command(name, *args)
        finally:
            held, self._held = self._held, None
            self._unsent += b''.join(held)
        return tag

    # --- transport (the overridable methods of imaplib.IMAP4) -----------------
    def open(self, host='', port=imaplib.IMAP4_PORT, timeout=None):
        self.host = host
        self.port = port
        sock = socket.create_connection((host, port), self._timeout)
        try:
            if self._tls_mode == TLS_IMPLICIT:
                sock = tls.wrap(sock, self._context, host)
                sock.settimeout(self._timeout)
        except Exception:
            sock.close()
            raise
        self._set_socket(sock)

    def _set_socket(self, sock):
        self.sock = sock
        self.file = _Reader(sock)

    def read(self, size):
        if size > self._max_literal:
            raise self.abort('server sent a literal of %d bytes (limit %d)'
                             % (size, self._max_literal))
        chunks = []
        left = size
        while left > 0:
            data = self.file.read(left)
            if not data:
                raise self.abort('connection closed inside a literal')
            chunks.append(data)
            left -= len(data)
        data = b''.join(chunks)
        maildebug.trace('IMAP', 'S', '{literal, %d bytes}' % size)
        return data

    def readline(self):
        if self._pushback is not None:   # read and traced already (_get_response)
            line, self._pushback = self._pushback, None
            return line
        if self._unsent:
            self._flush()   # never wait for an answer to a command not yet written
        line = self.file.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise self.abort('server line longer than %d bytes' % MAX_LINE)
        if maildebug.enabled():   # the text is made only for a trace (on Jython: per line)
            maildebug.trace('IMAP', 'S', _line_text(line))
        return line

    def send(self, data):
        if maildebug.enabled():
            for piece in _line_text(data).split('\r\n'):
                if piece:
                    maildebug.trace('IMAP', 'C', piece, in_auth=self.in_auth)
        if self._held is not None:
            self._held.append(to_bytes(data))
            return
        data, self._unsent = self._unsent + to_bytes(data), b''
        self.sock.sendall(data)

    def _flush(self):
        data, self._unsent = self._unsent, b''
        self.sock.sendall(data)

    # --- FETCH answers, read without imaplib's per-line work ------------------
    def fetch_into(self, answers, command, *args):
        """``command`` (imaplib's ``uid`` or ``fetch``) with its untagged
        FETCH responses going to ``answers`` (a _FetchAnswers) as they are
        read; returns imaplib's (typ, data).  ``* n EXPUNGE/EXISTS/RECENT``
        go to ``_append_untagged`` as imaplib would pass them; everything
        else (the tagged reply, BYE, VANISHED, ...) is read by imaplib as
        before, so errors and the message count are what they were."""
        for entry in self.untagged_responses.pop('FETCH', None) or ():
            answers.add_entry(entry)   # left by an earlier command: first, as imaplib had them
        self._answers = answers
        try:
            return command(*args)
        finally:
            self._answers = None
            self._pushback = None

    def _get_response(self):
        """imaplib's, except that while ``fetch_into`` runs, untagged FETCH
        responses are read here: one ``readline`` per line, a literal in one
        read, no regex per line.  A line that is not one goes back to
        imaplib (``_pushback``), which reads it as before."""
        answers = self._answers
        if answers is None or self._pushback is not None:
            return imaplib.IMAP4._get_response(self)
        if self._unsent:
            self._flush()
        readline = self.file.readline
        tracing = maildebug.enabled()    # once per answer, not per line
        while True:
            line = readline(MAX_LINE + 1)     # as self.readline(), inlined
            if len(line) > MAX_LINE:
                raise self.abort('server line longer than %d bytes' % MAX_LINE)
            if tracing:
                maildebug.trace('IMAP', 'S', _line_text(line))
            dat = _fetch_data(line)
            if dat is None:
                counted = _count_line(line)
                if counted is not None:     # as imaplib would hand it over
                    self._append_untagged(counted[0], counted[1])
                    continue
                self._pushback = line
                return imaplib.IMAP4._get_response(self)
            answers.piece(dat, self.abort, dat[dat.find(b' ') + 1:][:1] == b'(')
            while dat[-1:] == b'}':
                size = _literal_size(dat)
                if size is None:
                    break
                if size > answers.limit:
                    raise self.abort('server sent a literal of %d bytes where at most %d '
                                     'were asked for' % (size, answers.limit))
                answers.reserve(size, self.abort)
                answers.literal(self.read(size))
                dat = self._get_line()       # the rest of the response (imaplib's checks)
                answers.piece(dat, self.abort)

    def shutdown(self):
        try:
            if self.file is not None:
                self.file.close()
        except Exception:
            pass
        try:
            if self.sock is not None:
                try:
                    self.sock.shutdown(socket.SHUT_RDWR)
                except Exception:
                    pass  # already closed by the server
                self.sock.close()
        finally:
            self.sock = None
            self.file = None

    def socket(self):
        return self.sock

    # --- STARTTLS (Jython's imaplib has none; CPython's cannot use tls.wrap) --
    def start_tls(self):
        if 'STARTTLS' not in self.capabilities:
            raise ImapError('the server does not offer STARTTLS on port %s' % self.port)
        typ, data = self._simple_command('STARTTLS')
        if typ != 'OK':
            raise ImapError('the server refused STARTTLS: %s'
                            % logs.clean(_line_text(data and data[-1]), 200))
        if self.file.take():
            # Bytes after the OK, before the handshake, would be read as if
            # they came over TLS (a man in the middle's injection).
            raise ImapError('the server sent data after its STARTTLS answer')
        wrapped = tls.wrap(self.sock, self._context, self.host)
        wrapped.settimeout(self._timeout)
        self._set_socket(wrapped)
        # Capabilities seen before TLS cannot be trusted (RFC 3501 6.2.1):
        # nothing said before it counts, and the server is asked again.
        self.untagged_responses.clear()
        typ, data = imaplib.IMAP4.capability(self)
        if typ != 'OK' or not data or data[-1] is None:
            raise ImapError('no CAPABILITY answer after STARTTLS')
        self.capabilities = tuple(_line_text(data[-1]).upper().split())


def _line_text(data):
    if data is None:
        return ''
    if isinstance(data, tuple):
        data = data[0]
    return to_text(data, 'utf-8', 'replace').rstrip('\r\n')


class _Reader(object):
    """The connection's input: the socket read in blocks of ``READ_BLOCK``,
    lines and literals cut from one buffer.  Replaces ``sock.makefile``:
    on Jython that file's ``readline`` is Python code over small reads
    (Netty below), a cost per line; here a line costs one ``find``.  A
    timed-out read leaves the buffer as it was."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b''
        self.pos = 0

    def _fill(self):
        data = self.sock.recv(READ_BLOCK)
        if not data:
            return False
        if self.pos >= len(self.buf):
            self.buf = data
        else:
            self.buf = self.buf[self.pos:] + data
        self.pos = 0
        return True

    def readline(self, limit):
        """As a file's ``readline(limit)``: up to and with the next LF, at
        most ``limit`` bytes; at the end of the stream what is left."""
        while True:
            buf, pos = self.buf, self.pos
            newline = buf.find(b'\n', pos, pos + limit)
            if newline >= 0:
                self.pos = newline + 1
                return buf[pos:newline + 1]
            if len(buf) - pos >= limit:
                self.pos = pos + limit
                return buf[pos:pos + limit]
            if not self._fill():
                self.pos = len(buf)
                return buf[pos:]

    def read(self, size):
        """Up to ``size`` bytes (at least one unless the stream ended)."""
        if self.pos >= len(self.buf) and not self._fill():
            return b''
        buf, pos = self.buf, self.pos
        self.pos = min(pos + size, len(buf))
        return buf[pos:self.pos]

    def take(self):
        """What was read from the socket and not yet consumed, handed over."""
        rest = self.buf[self.pos:]
        self.buf, self.pos = b'', 0
        return rest

    def close(self):
        self.buf, self.pos = b'', 0


def _fetch_data(line):
    """For an untagged FETCH response line, the data imaplib would make of
    it (its ``Untagged_status`` match: ``<n> <rest after FETCH>`` without
    the line end, or ``<n>`` alone); None for any other line (imaplib reads
    those)."""
    if line[:2] != b'* ' or line[-2:] != b'\r\n':
        return None
    space = line.find(b' ', 2)
    if space < 3 or line[space + 1:space + 6] != b'FETCH' or not line[2:space].isdigit():
        return None
    after = line[space + 6:space + 7]
    if after == b' ':
        if len(line) > space + 9:     # something after "FETCH "
            return line[2:space + 1] + line[space + 7:-2]
        return line[2:space]
    if after == b'-' or b'A' <= after <= b'Z':
        return None                   # another response type (FETCHX...)
    return line[2:space]              # "* 3 FETCH" or "* 3 FETCH(...": imaplib keeps the number


_COUNTS = {b'EXPUNGE': 'EXPUNGE', b'EXISTS': 'EXISTS', b'RECENT': 'RECENT'}


def _count_line(line):
    """(type, number) for exactly ``* <n> EXPUNGE|EXISTS|RECENT``: what
    imaplib passes to ``_append_untagged`` for such a line; else None."""
    if line[:2] != b'* ' or line[-2:] != b'\r\n':
        return None
    space = line.find(b' ', 2)
    kind = _COUNTS.get(line[space + 1:-2])
    if kind is None or space < 3 or not line[2:space].isdigit():
        return None
    return kind, line[2:space]


def _literal_size(dat):
    """N when ``dat`` ends with ``{N}`` (imaplib's ``Literal``), else None."""
    start = dat.rfind(b'{')
    digits = dat[start + 1:-1]
    if start < 0 or not digits.isdigit():
        return None
    return int(digits)


_DIGITS = '0123456789'


def _starts_response(text):
    """Whether a piece begins a response (``<seq> (``); cheap for the
    usual first line, the regex only for the odd piece."""
    first = text[:1]
    if not (first.isdigit() or first.isspace()):
        return False
    space = text.find(' ')
    if space > 0 and text[space + 1:space + 2] == '(' and not text[:space].strip(_DIGITS):
        return True
    return _RESPONSE_START.match(text) is not None


class _FetchAnswers(object):
    """The FETCH responses of a command, grouped as ``ImapClient._fetch``
    always did: a piece (a line, or the text after a literal) that begins
    ``<seq> (`` starts a response, any other continues the last one.  A
    finished response is kept when ``key(head)`` names it (a UID asked
    for, a position listed), else dropped at once.

    Memory: a literal at most ``limit`` bytes, a response's text at most
    ``RESPONSE_TEXT``, all that is kept at most ``budget`` bytes (what was
    asked for): a server that pads or repeats its answers is cut off."""

    def __init__(self, key, limit, budget):
        self.key = key
        self.limit = limit
        self.budget = budget
        self.used = 0
        self.found = []          # [(key, head, [literals])]
        self._pieces = None      # of the response being read
        self._literals = None
        self._size = 0           # its bytes, literals included
        self._text = 0           # its bytes without the literals

    def _finish(self):
        if self._pieces is None:
            return
        head = ''.join(self._pieces)
        key = self.key(head)
        if key is None:
            self.used -= self._size    # not ours: forgotten
        else:
            self.found.append((key, head, self._literals))
        self._pieces = self._literals = None
        self._size = self._text = 0

    def _add(self, text, literal=None, starts=None):
        if self._pieces is None or (starts if starts is not None else _starts_response(text)):
            self._finish()
            self._pieces, self._literals = [], []
        self._pieces.append(' ' + text)
        if literal is not None:
            self._literals.append(to_bytes(literal))

    def piece(self, dat, abort, starts=None):
        """A line of a response, or the text after a literal (bytes
        without the line end, as imaplib has them); ``starts``: True when
        the caller knows it begins ``<seq> (``, None when it does not."""
        self.reserve(len(dat), abort)
        self._text += len(dat)
        if self._text > RESPONSE_TEXT:
            raise abort('a FETCH response of more than %d bytes of text' % RESPONSE_TEXT)
        self._add(to_text(dat, 'utf-8', 'replace').rstrip('\r\n'), None, starts or None)

    def reserve(self, size, abort):
        """Count ``size`` bytes about to be read into the response."""
        self.used += size
        self._size += size
        if self.used > self.budget:
            raise abort('a FETCH answer of more than %d bytes (more than was asked for)'
                        % self.budget)

    def literal(self, data):
        self._literals.append(to_bytes(data))

    def add_entry(self, entry):
        """An entry of imaplib's list (text, or (text, literal)): a FETCH
        response an earlier command left."""
        if entry is not None:
            self._add(_line_text(entry), entry[1] if isinstance(entry, tuple) else None)

    def results(self):
        self._finish()
        return self.found


def uid_set(uids):
    """``1:3,7,9:12`` for a list of UIDs."""
    uids = sorted(set(int(u) for u in uids))
    ranges = []
    start = prev = None
    for uid in uids:
        if start is None:
            start = prev = uid
        elif uid == prev + 1:
            prev = uid
        else:
            ranges.append((start, prev))
            start = prev = uid
    if start is not None:
        ranges.append((start, prev))
    return ','.join('%d' % a if a == b else '%d:%d' % (a, b) for a, b in ranges)


def uid_sets(uids, max_ranges=UID_SET_CHUNK):
    """``uid_set`` texts for ``uids``, each of at most ``max_ranges`` ranges:
    a run of consecutive UIDs costs one range, so a drained window of a
    thousand messages is usually one short set (one command)."""
    uids = sorted(set(int(u) for u in uids))
    chunk, ranges, prev = [], 0, None
    for uid in uids:
        if prev is None or uid != prev + 1:
            if ranges == max_ranges:
                yield uid_set(chunk)
                chunk, ranges = [], 0
            ranges += 1
        chunk.append(uid)
        prev = uid
    if chunk:
        yield uid_set(chunk)


_RESPONSE_START = re.compile(r'^\s*\d+\s+\(')
_FETCH_UID = re.compile(r'UID\s+(\d+)', re.I)
_FETCH_SIZE = re.compile(r'RFC822\.SIZE\s+(\d+)', re.I)
_FETCH_DATE = re.compile(r'INTERNALDATE\s+"([^"]*)"', re.I)
_FETCH_MODSEQ = re.compile(r'MODSEQ\s+\((\d+)\)', re.I)
_FETCH_FLAGS = re.compile(r'FLAGS\s+\(([^)]*)\)', re.I)


_FETCH_SEQ = re.compile(r'^\s*(\d+)\s+\(')


def _dropped():
    """A _FetchAnswers that keeps nothing (an answer's size is then only
    bounded per response)."""
    return _FetchAnswers(lambda head: None, SMALL_LITERAL, SMALL_LITERAL + RESPONSE_TEXT)


def _budget(count, limit):
    """Bytes a FETCH answer for ``count`` messages may hold (_FetchAnswers)."""
    return max(1, count) * (limit + RESPONSE_TEXT)


def _quote_mailbox(name):
    name = to_text(name)
    if any(c in name for c in '\r\n\x00'):
        raise ImapError('invalid mailbox name')
    return '"' + name.replace('\\', '\\\\').replace('"', '\\"') + '"'


class FetchedMeta(object):
    """What was fetched of one message: size, INTERNALDATE, and, when asked
    for, its flags and MODSEQ, its whole text (``body``) or the first bytes
    of its header (``header``)."""

    def __init__(self, uid, size=None, internaldate=None, header=b'', body=None):
        self.uid = uid
        self.size = size
        self.internaldate = internaldate   # the server's text, e.g. '17-Jul-1996 02:44:25 -0700'
        self.header = header
        self.body = body
        self.flags = None                  # [keyword, ...] when fetched
        self.modseq = None

    def _read(self, head):
        size = _FETCH_SIZE.search(head)
        if size:
            self.size = int(size.group(1))
        date = _FETCH_DATE.search(head)
        if date:
            self.internaldate = date.group(1)
        flags = _FETCH_FLAGS.search(head)
        if flags:
            self.flags = flags.group(1).split()
        modseq = _FETCH_MODSEQ.search(head)
        if modseq:
            self.modseq = int(modseq.group(1))

    def __repr__(self):
        return 'FetchedMeta(uid=%r, size=%r)' % (self.uid, self.size)


def _monotonic():
    clock = getattr(time, 'monotonic', None)
    return clock() if clock is not None else time.time()


def _is_timeout(error):
    if isinstance(error, socket.timeout):
        return True
    # Python 2 / Jython raise ssl.SSLError('The read operation timed out').
    return 'timed out' in to_text(error).lower()


_CAPABILITY_CODE = re.compile(r'^\s*\[CAPABILITY ([^\]]*)\]', re.IGNORECASE)
_UNTAGGED_COUNT = re.compile(br'^\*\s+(\d+)\s+(EXISTS|RECENT|EXPUNGE)\b', re.IGNORECASE)
_NOTED = {b'EXISTS': 'EXISTS', b'EXPUNGE': 'EXPUNGE'}


class IdleSession(object):
    """One IDLE command on a selected connection (``ImapClient.idle``).

    ``start`` sends ``TAG IDLE`` and waits for the continuation;
    ``next_event`` waits for new mail; ``done`` sends DONE and reads up to
    the tagged reply, after which the connection takes ordinary commands.

    It reads the raw (TLS) socket with short timeouts itself, after what the
    connection had read ahead (``_Reader.take``: nothing, after a tagged
    reply, as the server sends nothing unasked).
    """

    def __init__(self, conn, network_timeout=DEFAULT_TIMEOUT, clock=_monotonic):
        self.conn = conn
        self.sock = conn.sock
        self.network_timeout = float(network_timeout)
        self.clock = clock
        self.tag = None
        # Read ahead by the connection (nothing, after a tagged reply).
        take = getattr(getattr(conn, 'file', None), 'take', None)
        self._buffer = take() if take is not None else b''
        self._previous_timeout = None
        self.ended_by_server = False

    def _read_line(self, until, should_stop=None):
        while True:
            newline = self._buffer.find(b'\n')
            if newline >= 0:
                line = self._buffer[:newline + 1]
                self._buffer = self._buffer[newline + 1:]
                maildebug.trace('IMAP', 'S', _line_text(line))
                return line
            if should_stop is not None and should_stop():
                return None
            left = until - self.clock()
            if left <= 0:
                return None
            self.sock.settimeout(min(left, IDLE_POLL_SECONDS))
            try:
                data = self.sock.recv(16384)
            except Exception as error:
                if _is_timeout(error):
                    continue
                raise ConnectionLost('IDLE connection failed: %s' % type(error).__name__)
            if not data:
                raise ConnectionLost('the server closed the IDLE connection')
            self._buffer += to_bytes(data)
            if len(self._buffer) > MAX_IDLE_LINE and self._buffer.find(b'\n') < 0:
                raise ConnectionLost('the server sent a line longer than %d bytes' % MAX_IDLE_LINE)

    def _send(self, text):
        maildebug.trace('IMAP', 'C', text)
        self.sock.sendall(to_bytes(text + '\r\n'))

    def _is_tagged(self, line):
        return line.startswith(self.tag + b' ')

    def start(self):
        """Enter IDLE; raises IdleRefused or ConnectionLost."""
        tag = self.conn._new_tag()
        self.tag = to_bytes(tag)
        # This session reads the reply itself: imaplib must not wait for it.
        getattr(self.conn, 'tagged_commands', {}).pop(tag, None)
        if getattr(self.conn, '_unsent', None):
            self.conn._flush()   # a pipelined command goes before IDLE
        self._previous_timeout = self.sock.gettimeout()
        self._send(to_text(self.tag) + ' ' + IDLE)
        until = self.clock() + self.network_timeout
        while True:
            line = self._read_line(until)
            if line is None:
                raise ConnectionLost('no answer to IDLE within %gs' % self.network_timeout)
            if line.startswith(b'+'):
                return self
            if self._is_tagged(line):
                self.tag = None
                self._restore()
                raise IdleRefused(logs.clean(_line_text(line), 120))
            if self._untagged(line) == 'bye':
                raise ConnectionLost('the server said BYE')

    def _untagged(self, line):
        """Classify an untagged line: 'mail', 'bye' or None."""
        if line[:5].upper() == b'* BYE':
            self.ended_by_server = True
            return 'bye'
        match = _UNTAGGED_COUNT.match(line)
        if match is None:
            return None
        kind = match.group(2).upper()
        note = getattr(self.conn, 'note', None)
        if note is not None and kind in _NOTED:
            note(_NOTED[kind], int(match.group(1)))   # the message count stays right
        return 'mail' if kind in (b'EXISTS', b'RECENT') else None

    def next_event(self, until, should_stop=None):
        """'mail', 'ended' (the server ended IDLE) or None (``until`` passed
        or ``should_stop()`` held).  Raises ConnectionLost."""
        while True:
            line = self._read_line(until, should_stop)
            if line is None:
                return None
            if self._is_tagged(line):
                self.tag = None
                return 'ended'
            kind = self._untagged(line)
            if kind == 'bye':
                raise ConnectionLost('the server said BYE')
            if kind == 'mail':
                return 'mail'

    def done(self):
        """Leave IDLE: DONE, then everything up to the tagged reply."""
        if self.tag is None:
            self._restore()
            return
        self._send('DONE')
        until = self.clock() + self.network_timeout
        while True:
            line = self._read_line(until)
            if line is None:
                raise ConnectionLost('no answer to DONE within %gs' % self.network_timeout)
            if self._is_tagged(line):
                self.tag = None
                break
            if self._untagged(line) == 'bye':
                raise ConnectionLost('the server said BYE')
        if self._buffer:
            # Nothing comes unasked after the tagged reply; if it did, the
            # next fetch cycle reads the mailbox afresh anyway.
            maildebug.trace('IMAP', '-', '%d unexpected bytes after DONE dropped'
                            % len(self._buffer))
            self._buffer = b''
        self._restore()

    def _restore(self):
        try:
            self.sock.settimeout(self._previous_timeout)
        except Exception:
            pass


class ImapClient(object):
    """The operations of the fetcher and of the push loop's IDLE."""

    # A drain claims and removes what is left in few large groups (drain.py):
    # each flag change or expunge costs the server work that grows with the
    # mailbox, not with the command (Dovecot rescans a Maildir after one).
    WHOLE_GROUPS = True

    def __init__(self, host, port, tls_mode=TLS_IMPLICIT, ssl_context=None,
                 timeout=DEFAULT_TIMEOUT,
                 max_literal=DEFAULT_MAX_LITERAL):
        self.host = host
        self.port = int(port)
        self.tls_mode = tls_mode
        self.ssl_context = ssl_context
        self.timeout = timeout
        self.max_literal = max_literal
        self.conn = None
        self.tokens = None      # an oauth.TokenClient: login() then uses OAuth 2.0
        self.enabled = frozenset()   # extensions ENABLEd with the last select()

    @classmethod
    def for_config(cls, config, timeout=DEFAULT_TIMEOUT, max_literal=DEFAULT_MAX_LITERAL):
        """A client for an ``host.ImapConfig`` (a ``graph.GraphMailbox``, with
        the same operations, when the configuration reads mail through Graph)."""
        if getattr(config, 'mail_source', None) == 'graph':
            from . import graph
            return graph.GraphMailbox.for_config(config, timeout, max_literal)
        mode = getattr(config, 'tls_mode', None) or (TLS_IMPLICIT if config.use_tls else TLS_NONE)
        context = None
        if mode != TLS_NONE:
            context = tls.client_context(getattr(config, 'trusted_certificates', None))
        client = cls(config.host, config.port, mode, context, timeout, max_literal)
        if getattr(config, 'oauth', None) is not None:
            client.tokens = oauth.TokenClient(config.oauth, config.trusted_certificates, timeout)
        return client

    # --- session ----------------------------------------------------------------
    def connect(self):
        where = '%s:%s' % (logs.clean(self.host, 100), self.port)
        maildebug.trace('IMAP', '-', 'connecting to %s (%s)' % (where, self.tls_mode))
        try:
            self.conn = _Connection(self.host, self.port, self.tls_mode, self.ssl_context,
                                    self.timeout, self.max_literal)
            if self.tls_mode == TLS_STARTTLS:
                self.conn.start_tls()
        except ImapError:
            self.close()
            raise
        except Exception as error:
            self.close()
            raise ImapError('cannot connect to the IMAP server %s: %s'
                            % (where, logs.describe_error(error)))
        return self

    @property
    def sock(self):
        """The connected socket (TLS-wrapped when TLS is on)."""
        return self.conn.sock if self.conn is not None else None

    @property
    def capabilities(self):
        return tuple(to_text(c).upper() for c in (self.conn.capabilities if self.conn else ()))

    def has(self, capability):
        return capability.upper() in self.capabilities

    def _call(self, what, function, *args):
        if self.conn is None:
            raise ImapError('%s: not connected' % what)
        try:
            typ, data = function(*args)
        except ImapError:
            raise
        except Exception as error:
            raise ImapError('%s failed: %s' % (what, logs.describe_error(error)))
        if typ != 'OK':
            detail = logs.clean(logs.mask_secrets(_line_text(data[-1] if data else '')), 200)
            raise ImapError('%s failed: %s %s' % (what, typ, detail))
        return data

    def login(self, username, password):
        """LOGIN, or OAuth 2.0 (``authenticate_oauth``) when the client was
        made by ``for_config`` for a configuration that uses it."""
        if self.tokens is not None:
            self.authenticate_oauth(username, self.tokens)
        else:
            logs.register_secret(password)
            answer = self._call('login', self.conn.login, to_text(username or ''),
                                to_text(password or ''))
            # Servers announce what they offer after login in the answer
            # (RFC 3501 7.1, ``OK [CAPABILITY ...] Logged in``): no need to ask.
            if self._announced(answer):
                return
        self._refresh_capabilities()

    def _announced(self, answer):
        """Take the capabilities from a tagged OK's CAPABILITY code; whether
        there was one."""
        match = _CAPABILITY_CODE.match(_line_text(answer[-1] if answer else None))
        if match is None:
            return False
        self.conn.capabilities = tuple(match.group(1).upper().split())
        return True

    def authenticate_oauth(self, username, tokens):
        """SASL XOAUTH2 (or OAUTHBEARER when only that is offered) with a
        token from ``tokens``; a refused cached token is replaced once.
        Raises oauth.OAuthError (no token) or ImapError."""
        mechanism = oauth.choose_mechanism(self.capabilities)
        if mechanism is None:
            raise ImapError('the IMAP server offers neither AUTH=XOAUTH2 nor AUTH=OAUTHBEARER, '
                            'so OAuth 2.0 cannot be used with it')
        token = tokens.token()
        try:
            self._sasl(mechanism, username, token)
        except AuthenticationRefused:
            tokens.invalidate()
            if not tokens.last_cached:
                raise
            # Revoked or expired early: one fresh token, one more try.
            self._sasl(mechanism, username, tokens.token(fresh=True))

    def _sasl(self, mechanism, username, token):
        if self.conn is None:
            raise ImapError('authenticate: not connected')
        # The trace masks the response (in_auth); the token is a registered secret.
        response = oauth.client_response(mechanism, username, token, self.host, self.port)
        challenges = []

        def answer(challenge):
            challenges.append(challenge)
            # The first continuation asks for the response; a second one is
            # the server's JSON error, acknowledged with an empty line.
            return response if len(challenges) == 1 else b''
        self.conn.in_auth = True
        try:
            typ, data = self.conn.authenticate(mechanism, answer)
        except self.conn.abort as error:
            raise ImapError('authenticate %s failed: %s' % (mechanism, logs.describe_error(error)))
        except self.conn.error as error:
            detail = oauth.server_error(challenges[1]) if len(challenges) > 1 else ''
            raise AuthenticationRefused('authenticate %s as %s refused: %s%s' % (
                mechanism, logs.clean(username, 100), logs.describe_error(error),
                ' (%s)' % detail if detail else ''))
        except Exception as error:
            raise ImapError('authenticate %s failed: %s' % (mechanism, logs.describe_error(error)))
        finally:
            self.conn.in_auth = False
        if typ != 'OK':
            raise AuthenticationRefused('authenticate %s refused: %s' % (
                mechanism, logs.clean(_line_text(data and data[-1]), 200)))

    def _refresh_capabilities(self):
        # Some servers announce more after login.
        try:
            typ, data = self.conn.capability()
            if typ == 'OK' and data and data[-1]:
                self.conn.capabilities = tuple(_line_text(data[-1]).upper().split())
        except Exception:
            pass

    def select(self, mailbox='INBOX', enable=()):
        """SELECT ``mailbox``; the number of messages in it.  ``enable``:
        extensions (RFC 5161) to ENABLE first, in the same write (one round
        trip for both); ``self.enabled`` then holds those the server says
        it enabled.  A refused ENABLE only leaves them off."""
        self.enabled = frozenset()
        tag = self.conn.pipelined('ENABLE', *enable) if enable and self.conn else None
        data = self._call('select %s' % logs.clean(mailbox, 100), self.conn.select, mailbox)
        if tag is not None:
            self.enabled = self._enabled(tag)
        try:
            return int(_line_text(data[0]) or 0)
        except (ValueError, TypeError, IndexError):
            return 0

    def _enabled(self, tag):
        """The names of ENABLED responses to the ENABLE command ``tag``
        (answered before the SELECT that followed it)."""
        conn = self.conn
        try:
            typ, _data = conn._command_complete('ENABLE', tag)
        except conn.abort as error:
            raise ImapError('enable failed: %s' % logs.describe_error(error))
        except conn.error:   # BAD: an old server without ENABLE
            return frozenset()
        names = conn.untagged_responses.pop('ENABLED', None) or ()
        if typ != 'OK':
            return frozenset()
        return frozenset(n.upper() for entry in names for n in _line_text(entry).split())

    def uid_search_all(self):
        """Every UID in the mailbox (listed window by window, see uid_windows)."""
        return [uid for window in self.uid_windows() for uid in window]

    def uid_windows(self, size=LIST_WINDOW):
        """The mailbox's UIDs in order, at most ``size`` at a time.

        ``size``: a number, or a function of the number of messages not yet
        listed (None when the server has not said) that gives the next
        window's size, so a window can take what is left (drain.py).

        ``UID SEARCH ALL`` answers in one line, which for a mailbox of
        millions does not fit any sane line limit.  A window here is one
        ``FETCH <seq>:<seq+n-1> (UID)`` per ``LIST_WINDOW`` positions:
        positions are dense, so an answer is at most that many short lines,
        and no EXPUNGE comes between two of them (RFC 3501 7.4.1: not during
        FETCH).  The caller may remove messages between two windows: the
        untagged EXPUNGE responses (in order) move the position back for
        each removal before it, so no message is skipped, and a UID is
        listed once only (UIDs grow with the position).  Mail arriving
        meanwhile comes last.
        """
        conn = self.conn
        if conn is None:
            raise ImapError('list: not connected')
        position, last = 1, 0
        conn.expunged = []
        conn.listed_arrivals = None
        try:
            while True:
                count = conn.message_count
                if count is not None and position > count:
                    conn.listed_arrivals = conn.arrivals
                    return
                left = None if count is None else count - position + 1
                want = max(1, int(size(left) if callable(size) else size))
                stop = position + want - 1 if count is None else min(position + want - 1, count)
                listed = []
                while position <= stop:
                    end = min(position + LIST_WINDOW - 1, stop)
                    listed.extend(self._window_uids(position, end))
                    position = end + 1
                uids = sorted(set(u for u in listed if u > last))
                if not uids:
                    if count is None:
                        return
                    continue
                last = uids[-1]
                yield uids
                for number in conn.expunged:
                    if number < position:
                        position -= 1
                del conn.expunged[:]
        finally:
            conn.expunged = None

    def _window_uids(self, first, last):
        """UIDs from ``FETCH first:last (UID)``; other FETCH responses
        (flag changes the server reports unasked) are not ours."""
        def key(head):
            seq = _FETCH_SEQ.match(head)
            uid = _FETCH_UID.search(head)
            if seq and uid and first <= int(seq.group(1)) <= last:
                return int(uid.group(1))
            return None
        count = last - first + 1
        answers = _FetchAnswers(key, SMALL_LITERAL, _budget(count, SMALL_LITERAL))
        self._call('list', self._fetch_into, answers, self.conn.fetch, '%d:%d' % (first, last),
                   '(UID)')
        return [uid for uid, _head, _literals in answers.results()]

    def told_unlisted(self):
        """True when the server told of new mail (an EXISTS, also one read
        by an IDLE session) after the last complete ``uid_windows`` listing
        ended: a drain on this connection has not seen it, and no IDLE will
        tell of it again.  False when no listing was complete (a drain that
        stopped early leaves its mail for the next wake-up anyway)."""
        conn = self.conn
        listed = getattr(conn, 'listed_arrivals', None)
        return listed is not None and conn.arrivals != listed

    def _fetch(self, uids, items, limit=SMALL_LITERAL):
        """[(uid, response text, [literal bytes...])] for UID FETCH of ``uids``.

        Each response's text is its lines (without the literals), each
        after a space; the answer is read by ``_Connection.fetch_into``
        (``_FetchAnswers``).  ``limit``: the longest literal asked for.
        Unsolicited FETCH responses for other UIDs are dropped.
        """
        wanted = set(int(u) for u in uids)

        def key(head):
            match = _FETCH_UID.search(head)
            if match is None:
                return None
            uid = int(match.group(1))
            return uid if uid in wanted else None
        out = []
        for chunk in uid_sets(wanted):
            answers = _FetchAnswers(key, limit, _budget(len(wanted), limit))
            self._call('fetch', self._fetch_into, answers, self.conn.uid, 'FETCH', chunk, items)
            out.extend(answers.results())
        return out

    def _fetch_into(self, answers, command, *args):
        return self.conn.fetch_into(answers, command, *args)

    def uid_command(self, what, command, *args):
        """``UID <command> <args>`` (STORE, EXPUNGE, MOVE, COPY): the FETCH
        responses it causes (with CONDSTORE one per message, even for
        ``.SILENT``) and the EXPUNGEs are read as a FETCH answer is and
        dropped (nobody reads them); imaplib's (typ, data) otherwise."""
        if self.conn is None:
            raise ImapError('%s: not connected' % what)
        return self._call(what, self._fetch_into, _dropped(), self.conn.uid, command, *args)

    def fetch_info(self, uids, modseq=False):
        """{uid: FetchedMeta} with size, INTERNALDATE and flags; with
        ``modseq`` (CONDSTORE enabled) the MODSEQ too, for claims."""
        items = '(UID RFC822.SIZE INTERNALDATE FLAGS%s)' % (' MODSEQ' if modseq else '')
        metas = {}
        for uid, head, _literals in self._fetch(uids, items, SMALL_LITERAL):
            meta = metas.get(uid) or FetchedMeta(uid)
            meta._read(head)
            metas[uid] = meta
        return metas

    def fetch_contents(self, metas, max_size, header_bytes=65536):
        """Fill in ``body`` (messages within ``max_size``) or ``header`` (the
        first ``header_bytes`` of larger ones: a big body is never
        downloaded), and the flags as they are now.  One UID FETCH, two when
        the batch holds an oversized message.  Messages gone meanwhile keep
        ``body`` None and an empty header."""
        small = [m.uid for m in metas if m.size is not None and m.size <= max_size]
        large = [m.uid for m in metas if m.size is None or m.size > max_size]
        by_uid = dict((m.uid, m) for m in metas)
        # A whole message is its RFC822.SIZE, or up to twice that from a
        # server that stores bare LFs and sends CRLFs; a header part at most
        # the bytes asked for.
        largest = max([by_uid[u].size for u in small] or [0])
        for uids, items, field, limit in (
                (small, '(UID FLAGS BODY.PEEK[])', 'body', 2 * largest + SMALL_LITERAL),
                (large, '(UID FLAGS BODY.PEEK[HEADER]<0.%d>)' % int(header_bytes), 'header',
                 max(int(header_bytes), SMALL_LITERAL))):
            if not uids:
                continue
            for uid, head, literals in self._fetch(uids, items, limit):
                meta = by_uid[uid]
                meta._read(head)
                if literals:
                    setattr(meta, field, literals[-1])
        return metas

    def delete(self, uids):
        """Flag as \\Deleted and expunge (only these UIDs when UIDPLUS allows)."""
        if not uids:
            return
        for chunk in uid_sets(uids):
            self.uid_command('store', 'STORE', chunk, '+FLAGS.SILENT', '(\\Deleted)')
        self.expunge(uids)

    def expunge(self, uids=None):
        if uids and self.has('UIDPLUS'):
            for chunk in uid_sets(uids):
                self.uid_command('uid expunge', 'EXPUNGE', chunk)
        else:
            self._call('expunge', self._fetch_into, _dropped(), self.conn.expunge)

    def folder_exists(self, name):
        data = self._call('list', self.conn.list, '""', _quote_mailbox(name))
        return any(entry is not None for entry in data)

    def ensure_folder(self, name):
        if self.folder_exists(name):
            return False
        typ, data = self.conn.create(_quote_mailbox(name))
        if typ != 'OK' and not self.folder_exists(name):  # another client may have made it
            raise ImapError('create folder %s failed: %s' % (
                logs.clean(name, 100), logs.clean(_line_text(data[-1] if data else ''), 200)))
        return True

    def move(self, uids, folder):
        """Move to ``folder``: UID MOVE when offered, else UID COPY + delete."""
        if not uids:
            return
        target = _quote_mailbox(folder)
        if self.has('MOVE'):
            for chunk in uid_sets(uids):
                self.uid_command('move', 'MOVE', chunk, target)
            return
        for chunk in uid_sets(uids):
            self.uid_command('copy', 'COPY', chunk, target)
        self.delete(uids)

    def noop(self):
        self._call('noop', self.conn.noop)

    def idle(self, network_timeout=None, clock=_monotonic):
        """Enter IDLE on the selected mailbox: a started IdleSession.  Its
        answers (IDLE, DONE) must come within ``network_timeout`` (default:
        the client's timeout).  Raises IdleRefused or ConnectionLost."""
        if self.conn is None:
            raise ImapError('idle: not connected')
        timeout = self.timeout if network_timeout is None else network_timeout
        return IdleSession(self.conn, timeout, clock).start()

    def logout(self):
        """Say LOGOUT and close without waiting for the answer: the work is
        done and acknowledged command by command, so the server's BYE would
        say nothing more (it is a round trip less per session)."""
        conn = self.conn
        if conn is None:
            return
        try:
            conn.state = 'LOGOUT'
            conn._command('LOGOUT')
        except Exception:
            pass
        finally:
            self.close()

    def close(self):
        """Always safe; drops the connection without a goodbye."""
        conn, self.conn = self.conn, None
        if conn is not None:
            try:
                conn.shutdown()
            except Exception:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.logout()
        return False
