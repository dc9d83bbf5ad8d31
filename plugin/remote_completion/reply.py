"""Parse a reply mail (raw bytes) into what the fetcher needs to judge it:
the one place where mail bytes become text.

Pure: no I/O.  Everything in a mail is untrusted, so the parser is bounded
and linear, and never raises on hostile input: a mail it cannot read comes
back with ``error`` set.  The bounds are decided before any parser or
regular expression runs, on the raw bytes, and a mail past one of them is
refused as ``over-cap`` (with ``error_detail`` saying which): it is never
judged on a truncated view, where a cut could hide a second From address or
a To address outside the whitelist.

Text is decoded only with the charsets in ``CHARSETS`` (the same on CPython
and Jython: no codec that decompresses or transforms); any other name falls
back to UTF-8, then Windows-1252, then Latin-1, and is never looked up.

The metadata block (metadata.py) is looked for in the text/plain parts
first and, only when none of them holds one, in the HTML parts converted to
text.  Mail clients mangle it in many ways (quoted-printable, base64,
format=flowed, re-wrapped long lines, ``>`` quoting, HTML entities, other
charsets); each is undone here so that the signature check sees the values
exactly as they were sent.
"""
from __future__ import absolute_import, unicode_literals

import binascii
import re

from email.feedparser import FeedParser
from email.header import decode_header
from email.utils import getaddresses

from . import logs, metadata, plainreply, replytoken
from .compat import PY2, string_types, text_type, to_text
from .metadata import ACTIONS, CONFLICTING_METADATA, INCOMPLETE_METADATA, NO_METADATA

if PY2:  # pragma: no cover - Jython lane
    import htmlentitydefs as _entities
    _chr = unichr  # noqa: F821 - Python 2 only, guarded by PY2
else:
    import html.entities as _entities
    from email.feedparser import BytesFeedParser
    from email.policy import compat32
    _chr = chr

# --- bounds (a reply is a few KB; these leave room for any genuine one) -------
MAX_BYTES = 4 * 1024 * 1024     # the default when the caller gives none
MAX_FIELD_BYTES = 16 * 1024     # one header field, folded lines included
MAX_HEADER_FIELDS = 500         # fields in the top-level header section
MAX_SECTIONS = 130              # header sections (parts) in the raw mail
MAX_MULTIPARTS = 16             # multipart declarations (nesting and siblings)
MAX_PARAMS = 64                 # ';' in one Content-* field (the email package's parameter
                                # split is quadratic in them)
MAX_PARTS = 64                  # MIME parts walked
MAX_DEPTH = 8                   # multipart nesting
MAX_TEXT_CHARS = 256 * 1024     # characters of one decoded text or HTML part
MAX_QUOTE_DEPTH = 100           # nested blockquotes in HTML (each adds '>' to every line)
MAX_ADDRESSES = 100             # To plus Cc addresses
MAX_ADDRESS_COMMENTS = 32       # '(' in one address header (the parser recurses)
MAX_AUTH_RESULTS = 50           # Authentication-Results fields
MAX_COMMENT_CHARS = 1000
MAX_TASK_ID_CHARS = metadata.MAX_TASK_ID_CHARS
MAX_SIGNATURE_CHARS = metadata.MAX_SIGNATURE_CHARS

# --- error reasons (codes shared with decide) --------------------------------
UNREADABLE = 'unreadable'
TOO_LARGE = 'too-large'
OVER_CAP = 'over-cap'
BAD_SENDER = 'bad-sender'
UNKNOWN_ACTION = 'unknown-action'   # a plain Reply whose first words say neither action
__all__ = ['parse_reply', 'ParsedReply', 'html_to_text', 'unflow', 'extract_comment',
           'decode_text', 'CHARSETS', 'UNREADABLE', 'TOO_LARGE', 'OVER_CAP', 'BAD_SENDER',
           'NO_METADATA', 'INCOMPLETE_METADATA', 'CONFLICTING_METADATA', 'ACTIONS',
           'UNKNOWN_ACTION']


class OverCap(Exception):
    """A bound was passed: the mail is refused, never judged cut short."""


class ParsedReply(object):
    """What a reply says.  Every text here came from the mail: untrusted."""

    def __init__(self):
        self.action = None          # 'COMPLETE' | 'FAIL'
        self.task_id = None
        self.signature = None
        self.comment = ''           # bounded and cleaned already
        self.sender = None          # the From address, as written
        self.sender_name = None     # the From display name (decoded, untrusted)
        self.to_addresses = []
        self.cc_addresses = []
        self.auto_reply = None      # None, or which indicator (e.g. 'auto-submitted')
        self.self_sent = False      # carries our own request marker
        self.error = None           # None, or one of the reason codes above
        self.error_detail = None    # for OVER_CAP: which bound (secret-free, short)
        self.message_id = None
        self.subject = None
        # The top-level header fields in order, as (name, value) with only
        # Authentication-Results values kept: authresults trusts the topmost
        # run of them, so their position matters.
        self.authentication_results = []
        self.metadata_source = None  # 'text/plain' | 'text/html'
        # Reply tokens (replytoken.Token) from In-Reply-To/References and To/Cc;
        # ``plain``: the action came from a plain Reply's first words, and the
        # token (not a SIGNATURE) binds it to the request.
        self.tokens = []
        self.plain = False

    @property
    def sender_address(self):
        """The sender address lower-cased: what the signature binds."""
        return self.sender.lower() if self.sender else None

    def __repr__(self):
        # Never the signature: repr may end up in a log line.
        return 'ParsedReply(action=%r, task_id=%r, sender=%r, error=%r, auto=%r, self=%r)' % (
            self.action, logs.clean(self.task_id), logs.clean(self.sender), self.error,
            self.auto_reply, self.self_sent)


# --- entry points ------------------------------------------------------------

def parse_reply(raw, max_bytes=MAX_BYTES, headers_only=False):
    """Parse a raw RFC 5322 message (bytes).  Never raises on mail content.

    ``headers_only``: the body was not downloaded (too large); only the header
    facts (sender, recipients, auto-reply, self-sent) are filled in.
    """
    reply = ParsedReply()
    if raw is None:
        reply.error = UNREADABLE
        return reply
    if isinstance(raw, text_type):
        raw = raw.encode('utf-8', 'replace')
    raw = bytes(raw)
    if len(raw) > max_bytes:
        if not headers_only:
            reply.error = TOO_LARGE
        raw = _header_section(raw, max_bytes)
        headers_only = True
    elif headers_only:
        raw = _header_section(raw, len(raw))
    # LF line ends for the parser: Jython's quoted-printable decoder does not
    # treat "=\r\n" as a soft line break (CPython's does), and the two email
    # packages split a bare CR differently (RFC 5322 allows none).
    raw = raw.replace(b'\r\n', b'\n').replace(b'\r', b'\n')
    try:
        raw = _guard(raw)
        msg = _plain_mail(raw)
        if msg is None:
            msg = _message_from_bytes(raw)
        _read_headers(msg, reply)
        if not headers_only and reply.error is None:
            _read_body(msg, reply)
    except OverCap as error:
        reply.error = OVER_CAP
        reply.error_detail = '%s' % error
    except Exception:  # the email package is lenient; this is belt and braces
        if reply.error is None:
            reply.error = UNREADABLE
    return reply


def _header_section(raw, limit):
    end = raw.find(b'\r\n\r\n', 0, limit)
    if end < 0:
        end = raw.find(b'\n\n', 0, limit)
    return raw[:end if end >= 0 else limit] + b'\r\n\r\n'


def _message_from_bytes(raw):
    # The feed parser itself, not email.message_from_string: on Jython that
    # helper imports its parser on every call (about 0.7 ms of a 0.8 ms parse).
    parser = FeedParser() if PY2 else BytesFeedParser(policy=compat32)
    parser.feed(raw)
    return parser.close()


# A single-part text/plain mail is split without the email package (its feed
# parser is about a fifth of parsing a reply on Jython), but only where the
# split is the one the feed parser makes on both runtimes: every header line
# a name of printable ASCII, a colon and printable ASCII (folded lines only
# after a first line with a value: Jython's parser joins an empty one
# differently), then a blank line and the body; no Content-Type but
# text/plain, no transfer encoding but 7bit, 8bit or binary.  Anything else
# goes to the feed parser.
#
# The lines are tested with string methods, not a regular expression per
# line (on Jython each match costs a few us): the header section holds no
# byte but tab, line feed and printable ASCII (one translate for all of
# it), so a field line is a name without space or tab before its first
# colon, and a folded line starts with a space or tab.
_PLAIN_HEADER_BYTES = bytes(bytearray([0x09, 0x0a]) + bytearray(range(0x20, 0x7f)))
_PLAIN_ENCODINGS = (b'7bit', b'8bit', b'binary')
_FOLD_STARTS = (b' ', b'\t')


def _plain_mail(raw):
    """A _PlainMail of ``raw`` (LF line ends, guarded), or None."""
    end = raw.find(b'\n\n')
    if end <= 0:
        return None
    fields = _plain_fields(raw[:end])
    if fields is None:
        return None
    for name, allowed in ((b'content-type', lambda v: v.partition(b';')[0].strip().lower()
                           == b'text/plain'),
                          (b'content-transfer-encoding',
                           lambda v: v.strip().lower() in _PLAIN_ENCODINGS)):
        values = [value for key, value in fields if key.lower() == name]
        if values and not allowed(values[0]):
            return None
    if not PY2:   # the feed parser's values are text on Python 3
        fields = [[key.decode('ascii'), value.decode('ascii')] for key, value in fields]
    return _PlainMail([tuple(field) for field in fields], raw[end + 2:])


def _plain_fields(head):
    """[name, value] of each field of a header section (LF line ends, no
    blank line) as ``_plain_mail`` takes it, or None."""
    if head.translate(None, _PLAIN_HEADER_BYTES):
        return None
    fields = []
    for line in head.split(b'\n'):
        colon = line.find(b':')
        if colon > 0 and b' ' not in line[:colon] and b'\t' not in line[:colon]:
            fields.append([line[:colon], line[colon + 1:].lstrip(b' \t')])
        elif fields and fields[-1][1] and line[:1] in _FOLD_STARTS:
            fields[-1][1] += b'\n' + line
        else:
            return None
    return fields


class _PlainMail(object):
    """What this module asks of an email.message.Message, for a mail
    ``_plain_mail`` split: the header fields in order and the body's bytes
    (``get_payload`` is only ever asked to decode, which is a no-op here)."""

    def __init__(self, fields, body):
        self._fields, self._body = fields, body

    def items(self):
        return list(self._fields)

    def get_all(self, name, failobj=None):
        name = name.lower()
        return [value for key, value in self._fields if key.lower() == name] or failobj

    def get(self, name, failobj=None):
        values = self.get_all(name)
        return values[0] if values else failobj

    def get_content_type(self):
        return 'text/plain'

    def is_multipart(self):
        return False

    def get_payload(self, decode=True):
        return self._body


# --- bounds on the raw bytes, before any parser ----------------------------------

# A header field's first line: a name of 1 to 200 bytes (printable, no
# colon) and a colon.  Tested with string methods (``_field_start``), not a
# regular expression per line: on Jython each match costs a few us.
_FIELD_NAME_BYTES = bytes(bytearray(range(0x21, 0x3a)) + bytearray(range(0x3b, 0x7f)))
_FIELD_NAME_MAX = 200


def _field_start(line):
    """Does ``line`` start with a field name and its colon?"""
    colon = line[:_FIELD_NAME_MAX + 1].find(b':')
    return colon > 0 and not line[:colon].strip(_FIELD_NAME_BYTES)


# RFC 2231 parameter names ('name*', 'name*0', 'name*0*'): the email
# package decodes their values with whatever charset they name, and on
# Python 2 (Jython) that may be a decompressor.  The star is replaced, so the
# parameter is read as a plain one.  Linear: each run of white space or of
# name characters is scanned from the one semicolon before it.
_RFC2231 = re.compile(br';([ \t\r\n]*[^\s;=*"]{1,64})\*')


def _guard(raw):
    """The raw mail (LF line ends) checked against the bounds and with RFC 2231
    parameter names disarmed; raises OverCap.  One pass over the lines.

    Header sections are the top one and any that follows a line starting
    with ``--`` (a MIME boundary, or something a boundary could be)."""
    in_headers = True
    top = True
    field = 0          # bytes of the current field so far
    params = -1        # ';' in the current Content-* field (-1: another field)
    fields = 0
    sections = 1
    multiparts = 0
    for line in raw.split(b'\n'):
        if not in_headers:
            if line.startswith(b'--'):
                in_headers, field, top = True, 0, False
            continue
        if not line.strip(b'\r'):
            in_headers = False
            continue
        if len(line) > MAX_FIELD_BYTES:
            raise OverCap('a header line over %d bytes' % MAX_FIELD_BYTES)
        if line[:1] in _FOLD_STARTS:
            field += len(line)
        elif _field_start(line):
            if field == 0 and not top:
                sections += 1
            field = len(line)
            fields += 1 if top else 0
            params = 0 if line[:8].lower() == b'content-' else -1
        else:
            in_headers = False
            continue
        if field > MAX_FIELD_BYTES:
            raise OverCap('a header field over %d bytes' % MAX_FIELD_BYTES)
        if params >= 0:
            params += line.count(b';')
            if params > MAX_PARAMS:
                raise OverCap('more than %d parameters in a Content field' % MAX_PARAMS)
        if b'multipart' in line.lower():
            multiparts += 1
    if fields > MAX_HEADER_FIELDS:
        raise OverCap('more than %d header fields' % MAX_HEADER_FIELDS)
    if sections > MAX_SECTIONS:
        raise OverCap('more than %d MIME parts' % MAX_SECTIONS)
    if multiparts > MAX_MULTIPARTS:
        raise OverCap('more than %d multipart declarations' % MAX_MULTIPARTS)
    if b'*' in raw:
        raw = _RFC2231.sub(b';\\1-', raw)
    return raw


# --- charsets -------------------------------------------------------------------

def _charset_table():
    table = {'utf-8': 'utf-8', 'utf8': 'utf-8', 'us-ascii': 'ascii', 'ascii': 'ascii',
             'ansi-x3.4-1968': 'ascii', 'latin1': 'iso8859-1', 'latin-1': 'iso8859-1',
             'koi8-r': 'koi8-r', 'koi8-u': 'koi8-u', 'utf-16': 'utf-16',
             'utf-16le': 'utf-16-le', 'utf-16be': 'utf-16-be',
             'shift-jis': 'shift_jis', 'sjis': 'shift_jis', 'x-sjis': 'shift_jis',
             'euc-jp': 'euc_jp', 'iso-2022-jp': 'iso2022_jp', 'gb2312': 'gb2312', 'gbk': 'gbk',
             'gb18030': 'gb18030', 'big5': 'big5', 'euc-kr': 'euc_kr', 'ks-c-5601-1987': 'cp949',
             'cp949': 'cp949'}
    for number in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16):
        for spelling in ('iso-8859-%d', 'iso8859-%d'):
            table[spelling % number] = 'iso8859-%d' % number
    for number in range(1250, 1259):
        table['windows-%d' % number] = 'cp%d' % number
        table['cp%d' % number] = 'cp%d' % number
    return table


# Declared charset (lower case, '_' as '-') -> the Python codec that decodes it.
# Only text codecs that exist and agree on CPython 3 and Jython 2.7
# (tests/security/test_parser_bounds.py checks both).
CHARSETS = _charset_table()
_FALLBACKS = ('utf-8', 'cp1252')


def charset_codec(name):
    """The codec for a declared charset, or None (unknown: never looked up)."""
    if not name:
        return None
    name = to_text(name)[:40].strip().strip('"\'').strip().lower().replace('_', '-')
    return CHARSETS.get(name)


def decode_text(data, charset):
    """Bytes in a declared charset as text; unknown or wrong charsets fall back."""
    if data is None:
        return ''
    data = bytes(data)
    codec = charset_codec(charset)
    if codec in ('utf-16', 'utf-16-le', 'utf-16-be'):
        # The runtimes disagree on byte order marks (CPython reads the
        # machine's order without one, Jython big-endian, and they treat a
        # mark against the label differently): a mark decides and goes,
        # else the label, else big-endian (RFC 2781).
        if data[:2] in (b'\xff\xfe', b'\xfe\xff'):
            codec = 'utf-16-le' if data[:2] == b'\xff\xfe' else 'utf-16-be'
            data = data[2:]
        elif codec == 'utf-16':
            codec = 'utf-16-be'
    for name in ((codec,) if codec else ()) + _FALLBACKS:
        try:
            return data.decode(name)
        except (UnicodeError, LookupError):
            continue
    # latin-1 maps every byte: the last resort never fails.
    return data.decode('latin-1')


# --- headers -----------------------------------------------------------------

def _header_text(value):
    if not isinstance(value, string_types):
        # compat32 hands back a Header when the raw value had 8-bit bytes.
        value = _decode_words(value)
    return to_text(value)


def _header_values(msg, name):
    """All values of a header as text, 8-bit junk decoded safely."""
    return [_header_text(value) for value in msg.get_all(name) or []]


def _decode_words(value):
    """RFC 2047 encoded words (or a Header object) decoded to text."""
    try:
        parts = decode_header(value)
    except Exception:
        return to_text(value)
    out = []
    for chunk, charset in parts:
        if isinstance(chunk, text_type):
            out.append(chunk)
        else:
            out.append(decode_text(chunk, charset))
    return ''.join(out)


def _first(msg, name):
    values = _header_values(msg, name)
    return values[0] if values else None


# One plain address, or "Simple Name <address>": a value whose parse by
# getaddresses is known without running its character-by-character parser
# (about 130 us a header on Jython).  Anything else goes to getaddresses.
_ADDR_SPEC = r'[A-Za-z0-9_%+\-]+(?:\.[A-Za-z0-9_%+\-]+)*@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*'
_SIMPLE_ADDRESS = re.compile(r'^[ \t\r\n]*(?:([A-Za-z0-9]+(?: [A-Za-z0-9]+)*) <(%s)>|(%s))'
                             r'[ \t\r\n]*$' % (_ADDR_SPEC, _ADDR_SPEC))


def _address_pairs(values, name):
    if not values:
        return []
    if len(values) == 1:
        simple = _SIMPLE_ADDRESS.match(values[0])   # linear: one way to split words
        if simple:
            if simple.group(3):
                return [('', simple.group(3))]
            return [(simple.group(1), simple.group(2))]
    for value in values:
        if value.count('(') > MAX_ADDRESS_COMMENTS:
            # The address parser recurses into nested comments.
            raise OverCap('more than %d comments in %s' % (MAX_ADDRESS_COMMENTS, name))
    return getaddresses(values)


def _addresses(values, name):
    out = []
    try:
        pairs = _address_pairs(values, name)
    except OverCap:
        raise
    except Exception:
        return out
    for _name, address in pairs:
        address = (address or '').strip()
        if address:
            out.append(address)
    return out


_ADDRESS_OK = re.compile(r'^[^\s@<>(),;:"\[\]\\]+@[A-Za-z0-9.\-]+$', re.U)


def _read_sender(msg, reply):
    values = _header_values(msg, 'From')
    if len(values) != 1:
        reply.error = BAD_SENDER
        return
    try:
        pairs = [p for p in _address_pairs(values, 'From') if p[0] or p[1]]
    except OverCap:
        raise
    except Exception:
        pairs = []
    if len(pairs) != 1:
        reply.error = BAD_SENDER
        return
    name, address = pairs[0]
    address = (address or '').strip()
    # One plain address: no route syntax, no spaces or controls, a domain.
    if len(address) > 254 or not _ADDRESS_OK.match(address):
        reply.error = BAD_SENDER
        return
    reply.sender = address
    reply.sender_name = logs.clean(_decode_words(name), 100) if name else None


_AUTO_PRECEDENCE = ('bulk', 'junk', 'auto_reply', 'auto-reply')


def _auto_reply_indicator(msg):
    value = _first(msg, 'Auto-Submitted')
    if value is not None and value.strip().split(';')[0].strip().lower() not in ('no', ''):
        return 'auto-submitted'
    if msg.get('X-Autoreply') is not None:
        return 'x-autoreply'
    if msg.get('X-Autorespond') is not None:
        return 'x-autorespond'
    for value in _header_values(msg, 'Precedence'):
        if value.strip().lower() in _AUTO_PRECEDENCE:
            return 'precedence'
    if (msg.get_content_type() or '').lower() == 'multipart/report':
        return 'report'
    for value in _header_values(msg, 'Return-Path'):
        if value.strip().replace(' ', '') == '<>':
            return 'null-return-path'
    return None


_AUTH_RESULTS = 'authentication-results'


class _Fields(object):
    """A message's own header fields, indexed once by lower-case name: the
    email package scans every field on each lookup, and a mail gets a dozen
    lookups (on Jython each scan costs tens of microseconds)."""

    def __init__(self, msg, by_name):
        self.msg = msg
        self.by_name = by_name   # {name.lower(): [value, ...]} of msg.items()

    def get_all(self, name):
        return self.by_name.get(name.lower())

    def get(self, name):
        values = self.by_name.get(name.lower())
        return values[0] if values else None

    def get_content_type(self):
        return self.msg.get_content_type()


def _read_headers(msg, reply):
    ordered = []
    by_name = {}
    count = 0
    for name, value in msg.items():   # one pass: the order, and the index of _Fields
        by_name.setdefault(name.lower(), []).append(value)
        text = to_text(name)
        if text.strip().lower() == _AUTH_RESULTS:
            count += 1
            ordered.append(('Authentication-Results', _header_text(value)))
        else:
            ordered.append((text, ''))
    if count > MAX_AUTH_RESULTS:
        raise OverCap('more than %d Authentication-Results fields' % MAX_AUTH_RESULTS)
    reply.authentication_results = ordered
    msg = _Fields(msg, by_name)
    _read_sender(msg, reply)
    reply.to_addresses = _addresses(_header_values(msg, 'To'), 'To')
    reply.cc_addresses = _addresses(_header_values(msg, 'Cc'), 'Cc')
    if len(reply.to_addresses) + len(reply.cc_addresses) > MAX_ADDRESSES:
        raise OverCap('more than %d To and Cc addresses' % MAX_ADDRESSES)
    reply.auto_reply = _auto_reply_indicator(msg)
    reply.self_sent = metadata.MARKER_REQUEST in [
        v.strip().lower() for v in _header_values(msg, metadata.MARKER_HEADER)]
    reply.message_id = logs.clean(_first(msg, 'Message-ID'), 200) or None
    referenced = replytoken.message_ids_in(_header_values(msg, 'In-Reply-To')
                                           + _header_values(msg, 'References'))
    reply.tokens = replytoken.find(referenced, reply.to_addresses + reply.cc_addresses)[:20]
    subject = _first(msg, 'Subject')
    reply.subject = logs.clean(_decode_words(subject), 200) if subject else None


# --- body ----------------------------------------------------------------------

def _text_parts(msg):
    """(content_type, part) for the readable text parts, bounded walk, in order."""
    found = []
    stack = [(msg, 0)]
    walked = 0
    while stack:
        part, depth = stack.pop()
        walked += 1
        if walked > MAX_PARTS:
            raise OverCap('more than %d MIME parts' % MAX_PARTS)
        ctype = (part.get_content_type() or '').lower()
        if part.is_multipart():
            if ctype == 'message/rfc822':
                continue
            if depth >= MAX_DEPTH:
                raise OverCap('multipart nesting deeper than %d' % MAX_DEPTH)
            children = part.get_payload()
            if not isinstance(children, list):
                continue
            for child in reversed(children):
                stack.append((child, depth + 1))
            continue
        disposition = (_first(part, 'Content-Disposition') or '').split(';')[0].strip().lower()
        if disposition == 'attachment':
            continue
        if ctype in ('text/plain', 'text/html'):
            found.append((ctype, part))
    return found


def content_params(value):
    """{name: value} of a Content-Type value's parameters, lower-case names.
    Our own linear reading: the email package's get_param is quadratic on
    some values and decodes RFC 2231 values with a charset the mail names."""
    params = {}
    text = to_text(value or '')
    for piece in text.split(';')[1:40]:
        name, sep, val = piece.partition('=')
        if sep:
            params[name.strip().lower()] = val.strip().strip('"').strip()
    return params


_B64_ALPHABET = b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
_B64_JUNK = bytes(bytearray(c for c in range(256) if c not in bytearray(_B64_ALPHABET)))


def _base64(payload):
    """Base64 as both runtimes read it alike (their email packages disagree on
    damaged input): every byte outside the alphabet dropped, the tail padded."""
    if not isinstance(payload, bytes):
        payload = to_text(payload).encode('latin-1', 'replace')
    data = payload.translate(None, _B64_JUNK)
    data = data[:len(data) - len(data) % 4] if len(data) % 4 == 1 else data
    return binascii.a2b_base64(data + b'=' * (-len(data) % 4))


def _part_text(part, unflowed=True):
    try:
        if (_header_text(part.get('Content-Transfer-Encoding', '')).strip().lower()
                == 'base64'):
            data = _base64(part.get_payload())
        else:
            data = part.get_payload(decode=True)
    except Exception:
        data = None
    if data is None:
        # Never get_payload() undecoded: on Python 3 it decodes with the
        # charset the part names.
        data = b''
    if len(data) > MAX_TEXT_CHARS * 4:
        raise OverCap('a text part over %d bytes' % (MAX_TEXT_CHARS * 4))
    params = content_params(_header_text(part.get('Content-Type', '')))
    text = decode_text(data, params.get('charset'))
    if len(text) > MAX_TEXT_CHARS:
        raise OverCap('a text part over %d characters' % MAX_TEXT_CHARS)
    text = text.replace('\r\n', '\n').replace('\r', '\n')
    if (part.get_content_type() or '').lower() == 'text/plain':
        if unflowed and params.get('format', '').lower() == 'flowed':
            text = unflow(text, params.get('delsp', '').lower() == 'yes')
    return text


def unflow(text, delsp=False):
    """Undo RFC 3676 format=flowed: join soft-broken lines of the same quote
    depth.  Linear: pieces are joined once (repeated ``+=`` is quadratic on
    Jython)."""
    out = []
    pieces = None
    current_depth = 0
    for line in text.split('\n'):
        depth = 0
        while depth < len(line) and line[depth] == '>':
            depth += 1
        body = line[depth:]
        if body.startswith(' '):
            body = body[1:]  # space-stuffing (or the space after the quote marks)
        soft = body.endswith(' ') and body != '-- '
        if pieces is not None and depth != current_depth:
            out.append(_quoted(current_depth, ''.join(pieces)))
            pieces = None
        if pieces is None:
            pieces, current_depth = [], depth
        pieces.append(body[:-1] if soft and delsp else body)
        if not soft:
            out.append(_quoted(current_depth, ''.join(pieces)))
            pieces = None
    if pieces is not None:
        out.append(_quoted(current_depth, ''.join(pieces)))
    return '\n'.join(out)


def _quoted(depth, text):
    return ('>' * depth + ' ' + text) if depth else text


# --- HTML to text ------------------------------------------------------------
# Our own scanner, linear by construction (every find starts past the last
# one); the standard library's HTMLParser is quadratic on some inputs.

_BLOCK_TAGS = frozenset(['address', 'article', 'aside', 'blockquote', 'br', 'dd', 'div', 'dl',
                         'dt', 'fieldset', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4',
                         'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav', 'ol', 'p', 'pre',
                         'section', 'table', 'tbody', 'td', 'th', 'thead', 'tr', 'ul'])
_SKIP_TAGS = frozenset(['head', 'script', 'style', 'title', 'template'])
_TAG_NAME = re.compile(r'</?([A-Za-z][A-Za-z0-9:_-]{0,40})', re.U)
_ENTITY_CHARS = 32


def _entity(name):
    if name[:1] == '#':
        try:
            value = int(name[2:], 16) if name[1:2] in ('x', 'X') else int(name[1:])
            return _chr(value) if 0 < value < 0x110000 else ' '
        except (ValueError, OverflowError):
            return None
    if name == 'apos':
        return "'"
    codepoint = _entities.name2codepoint.get(name)
    return _chr(codepoint) if codepoint else None


def _unescape(text):
    if '&' not in text:
        return text
    out = []
    index = 0
    while True:
        amp = text.find('&', index)
        if amp < 0:
            out.append(text[index:])
            return ''.join(out)
        out.append(text[index:amp])
        # A slice, not find(';', start, end): Jython's find with an end is
        # not bounded by it (quadratic here).
        name = text[amp + 1:amp + 2 + _ENTITY_CHARS]
        semi = name.find(';')
        decoded = _entity(name[:semi]) if semi >= 0 else None
        if decoded is None:
            out.append('&')
            index = amp + 1
        else:
            out.append(decoded)
            index = amp + semi + 2


def _tag_end(html, index, found):
    """Where the tag whose attributes start at ``index`` ends ('>' outside a
    quoted attribute value), or -1.  ``found`` keeps each find's result for
    the whole document until the scan passes it, so no stretch of the text
    is searched twice."""
    while True:
        for char in found:
            if found[char] != -1 and found[char] < index:
                found[char] = html.find(char, index)
        end = found['>']
        if end < 0:
            return -1
        quotes = [q for q in (found['"'], found["'"]) if 0 <= q < end]
        if not quotes:
            return end
        quote = min(quotes)
        if html[max(0, quote - 3):quote].rstrip()[-1:] != '=':
            index = quote + 1      # a stray quote, not an attribute value
            continue
        close = html.find(html[quote], quote + 1)
        if close < 0:
            return -1
        index = close + 1


class _Lines(object):
    def __init__(self):
        self.lines = []
        self.line = []
        self.depth = 0

    def text(self, data):
        self.line.append(_unescape(data.replace('\r', ' ').replace('\n', ' ')))

    def newline(self):
        text = ''.join(self.line)
        self.lines.append(_quoted(self.depth, text) if text.strip() else '')
        self.line = []


def html_to_text(html):
    """HTML to plain lines: block elements end lines, blockquotes become '>'
    quoting, entities are decoded, head/script/style/title are skipped.
    Raises OverCap past MAX_QUOTE_DEPTH (the text would grow quadratically)."""
    out = _Lines()
    lower = None
    found = {'>': -2, '"': -2, "'": -2}
    index = 0
    length = len(html)
    while index < length:
        start = html.find('<', index)
        if start < 0:
            out.text(html[index:])
            break
        if start > index:
            out.text(html[index:start])
        if html.startswith('<!--', start):
            end = html.find('-->', start + 4)
            index = length if end < 0 else end + 3
            continue
        if html.startswith('<!', start) or html.startswith('<?', start):
            end = html.find('>', start)
            index = length if end < 0 else end + 1
            continue
        match = _TAG_NAME.match(html, start)
        if not match:
            out.text('<')
            index = start + 1
            continue
        end = _tag_end(html, match.end(), found)
        if end < 0:
            break           # an unterminated tag: the rest is not text
        index = end + 1
        tag = match.group(1).lower()
        closing = html[start + 1] == '/'
        if tag in _SKIP_TAGS:
            if not closing:
                if lower is None:
                    lower = html.lower()
                close = lower.find('</' + tag, index)
                close_end = lower.find('>', close) if close >= 0 else -1
                index = length if close_end < 0 else close_end + 1
            continue
        if tag not in _BLOCK_TAGS:
            continue
        if closing and tag == 'br':
            continue
        out.newline()
        if tag == 'blockquote':
            out.depth = max(0, out.depth + (-1 if closing else 1))
            if out.depth > MAX_QUOTE_DEPTH:
                raise OverCap('blockquotes nested deeper than %d' % MAX_QUOTE_DEPTH)
    out.newline()
    return '\n'.join(out.lines)


# --- the person's comment ------------------------------------------------------

_WROTE = ('wrote', 'schrieb', 'schreef', 'a \u00e9crit', 'escribi\u00f3', 'ha scritto')
_ON = re.compile(r'^(On|Am|Op|Le|El|Il)\s', re.U)
_SEPARATORS = re.compile(r'^(-{2,}\s*(Original Message|Forwarded message|Urspr\u00fcngliche '
                         r'Nachricht).*|_{10,}|Begin forwarded message:)\s*$', re.I | re.U)
_OUTLOOK_FROM = re.compile(r'^\**(From|Von|Van)\s*:\**\s', re.I | re.U)
_OUTLOOK_NEXT = re.compile(r'^\**(Sent|Date|Gesendet|Verzonden|To)\s*:', re.I | re.U)


# Every line _SEPARATORS matches holds '-', '_' or ':', and every line
# _OUTLOOK_FROM matches holds ':' (characters without case): a line
# without them is not tested with the patterns (on Jython each match costs
# a few us, and most lines of a comment hold neither).
def _separator(line):
    return ('-' in line or '_' in line or ':' in line) and _SEPARATORS.match(line) is not None


def _outlook_from(line):
    return ':' in line and _OUTLOOK_FROM.match(line) is not None


def _wrote(line):
    """An attribution line ("On ..., Alice wrote:"), by plain string tests."""
    line = line.rstrip()
    if not line.endswith(':'):
        return False
    words = ' '.join(line[:-1].lower().split()[-2:])
    return any(words.endswith(w) for w in _WROTE)


def _lines_for_comment(text):
    # Regular expressions below only ever see bounded lines.
    return [line[:metadata.MAX_LINE_CHARS] for line in text.split('\n')]


def extract_comment(text, limit=MAX_COMMENT_CHARS, end=None):
    """The person's own words: above the instruction sentence or the first
    metadata block (``end``: its line index, when known), no quoted history,
    no gateway banners, signatures or disclaimers (plainreply.own_words)."""
    return _clean_comment(plainreply.own_words(_top_lines(text, end)), limit)


def _top_lines(text, end=None):
    """The unquoted lines above the quote, the instruction sentence or the
    first metadata block."""
    lines = _lines_for_comment(text)
    normalised = metadata.normalised_lines(text)
    stop = len(lines) if end is None else min(end, len(lines))
    for index in range(stop):
        line = normalised[index][1]
        # A re-wrapping client may have split the sentence or the header line.
        joined = line + ' ' + (normalised[index + 1][1] if index + 1 < len(lines) else '')
        if metadata.is_instruction(joined) or (line and metadata.header_pieces(normalised, index)):
            stop = index
            break
    kept = []
    for index in range(stop):
        raw = lines[index]
        depth, line = normalised[index]
        if depth:
            continue  # quoted history
        if _separator(line) or line == '--' or raw.rstrip('\r') == '-- ':
            break
        if _wrote(line):
            if kept and _ON.match(kept[-1]) and not _ON.match(line):
                kept.pop()  # the attribution line was wrapped over two lines
            break
        if _outlook_from(line) and any(
                _OUTLOOK_NEXT.match(n[1]) for n in normalised[index + 1:index + 4]):
            break
        kept.append(line)
    return kept


def _own_block(text, blocks):
    """True when a complete block stands unquoted above any quoted history
    (a button's mail), rather than inside the quoted request."""
    normalised = metadata.normalised_lines(text)
    boundary = len(normalised)
    for index, (depth, line) in enumerate(normalised):
        if depth:
            continue
        if (_separator(line) or _wrote(line) or (_outlook_from(line) and any(
                _OUTLOOK_NEXT.match(n[1]) for n in normalised[index + 1:index + 4]))):
            boundary = index
            break
    return any(b.complete() and b.start_line < boundary and not normalised[b.start_line][0]
               for b in blocks)


def _bottom_lines(text):
    """A bottom-posted reply's own lines: the unquoted lines after the last
    quoted ('>') line."""
    normalised = metadata.normalised_lines(text)
    last = -1
    for index, (depth, _line) in enumerate(normalised):
        if depth:
            last = index
    if last < 0:
        return []
    return [line for depth, line in normalised[last + 1:] if not depth]


def _clean_comment(kept, limit):
    cleaned = []
    for line in kept:
        line = logs.clean(line, limit)
        if line or (cleaned and cleaned[-1]):
            cleaned.append(line)
    while cleaned and not cleaned[-1]:
        cleaned.pop()
    comment = '\n'.join(cleaned)
    if len(comment) > limit:
        comment = comment[:max(0, limit - 3)].rstrip() + '...'
    return comment


def _plain_reply(parts, reply):
    """A plain Reply (its own text holds no metadata block, the mail carries a
    token): True when it was read as one (action, task id and comment set,
    or ``reply.error`` = UNKNOWN_ACTION / NO_METADATA)."""
    if not reply.tokens:
        return False
    words, quoted_ids, source = None, set(), None
    for ctype, _part, text in _readable(parts):
        blocks = metadata.find_blocks(text)
        if _own_block(text, blocks):
            return False    # a block of the person's own: the button path
        own = plainreply.own_words(_top_lines(text)) or plainreply.own_words(
            _bottom_lines(text))
        for block in blocks:
            if block.values.get(metadata.TASK_ID):
                quoted_ids.add(block.values[metadata.TASK_ID])
        if words is None and any(line.strip() for line in own):
            words, source = own, ctype
    reply.plain = True
    reply.metadata_source = source
    named = [t.task_id for t in reply.tokens if t.task_id]
    if named:
        reply.task_id = named[0]
    elif len(quoted_ids) == 1:
        reply.task_id = list(quoted_ids)[0]   # both quoted blocks name the task
    action, comment = plainreply.say_action(words or [])
    if action is None:
        reply.error = UNKNOWN_ACTION
        return True
    if reply.task_id is None or len(reply.task_id) > MAX_TASK_ID_CHARS:
        reply.error = NO_METADATA
        return True
    reply.action = action
    reply.comment = _clean_comment([comment], MAX_COMMENT_CHARS)
    return True


_SOURCES = (('text/plain', None), ('text/html', html_to_text))


def _readable(parts):
    """(content type, part, text) of the text parts: the text/plain ones
    first, then the text/html ones converted to text.  Lazy: a caller that
    stops after the plain parts never converts the HTML."""
    for source, convert in _SOURCES:
        for item in _readable_of(parts, source, convert):
            yield item


def _readable_of(parts, source, convert):
    """(content type, part, text) of the parts of one content type."""
    for ctype, part in parts:
        if ctype == source:
            text = _part_text(part)
            yield ctype, part, (convert(text) if convert is not None else text)


def _read_body(msg, reply):
    parts = _text_parts(msg)
    if _plain_reply(parts, reply):
        return
    outcomes = []
    # One content type at a time, the HTML only when the plain parts hold no
    # usable block (not itertools.groupby over _readable: to end the plain
    # group it reads, and converts, the first HTML part).
    for source, convert in _SOURCES:
        readable = _readable_of(parts, source, convert)
        found = []       # (text, blocks) of the parts that hold a block
        blocks = []
        for _ctype, part, text in readable:
            in_part = metadata.find_blocks(text)
            if source == 'text/plain' and metadata.resolve(in_part)[1] is not None:
                # A flowed reply may have joined a value split inside a word
                # (delsp=no): the raw lines may hold the complete block.
                raw = _part_text(part, unflowed=False)
                raw_blocks = metadata.find_blocks(raw) if raw != text else []
                if raw_blocks and metadata.resolve(raw_blocks)[1] is None:
                    text, in_part = raw, raw_blocks
            if in_part:
                found.append((text, in_part))
                blocks.extend(in_part)
        if not blocks:
            continue
        values, error = metadata.resolve(blocks)
        outcomes.append((source, found, values, error))
        # Two different blocks are refused outright; an incomplete plain
        # block may be a client mangling one alternative: try the HTML one.
        if error != INCOMPLETE_METADATA:
            break
    if not outcomes:
        reply.error = NO_METADATA
        return
    good = [o for o in outcomes if o[3] is None]
    source, found, values, error = good[0] if good else outcomes[0]
    reply.metadata_source = source
    if error is not None:
        reply.error = error
        return
    reply.action, reply.task_id, reply.signature = values
    text, in_part = found[0]
    reply.comment = extract_comment(text, end=in_part[0].start_line)
