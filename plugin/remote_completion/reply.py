"""Parse a reply mail (raw bytes) into what the fetcher needs to judge it.

Pure: no I/O.  Everything in a mail is untrusted, so the parser is bounded
(bytes, MIME parts walked, nesting depth, characters scanned) and never
raises on hostile input: a mail it cannot read comes back with ``error`` set.

The metadata block is looked for in the text/plain parts first and, only when
none of them holds one, in the HTML parts converted to text.  Mail clients
mangle it in many ways (quoted-printable, base64, format=flowed, re-wrapped
long lines, ``>`` quoting, HTML entities, non-UTF-8 charsets); each is undone
here so that the signature check sees the values exactly as they were sent.
"""
from __future__ import absolute_import, unicode_literals

import codecs
import email
import re

from email.header import decode_header
from email.utils import getaddresses

from . import logs
from .compat import PY2, string_types, text_type, to_text

if PY2:  # pragma: no cover - Jython lane
    from HTMLParser import HTMLParser
    import htmlentitydefs as _entities
    _chr = unichr  # noqa: F821
else:
    from html.parser import HTMLParser
    import html.entities as _entities
    _chr = chr

# --- bounds ---------------------------------------------------------------
MAX_BYTES = 4 * 1024 * 1024     # a reply is a few KB; anything near this is not one
MAX_PARTS = 64                  # MIME parts walked
MAX_DEPTH = 8                   # multipart nesting
MAX_TEXT_CHARS = 256 * 1024     # characters of one decoded text part scanned
MAX_HEADER_CHARS = 8 * 1024     # characters of one header value read
MAX_COMMENT_CHARS = 1000
MAX_ADDRESSES = 100             # To/Cc addresses kept
MAX_TASK_ID_CHARS = 512
MAX_SIGNATURE_CHARS = 100

SELF_MARKER_HEADER = 'X-XLR-Remote-Completion'
SELF_MARKER_VALUE = 'request'

ACTIONS = ('COMPLETE', 'FAIL')

# --- error reasons (codes shared with decide) --------------------------------
UNREADABLE = 'unreadable'
TOO_LARGE = 'too-large'
NO_METADATA = 'no-metadata'
INCOMPLETE_METADATA = 'incomplete-metadata'
CONFLICTING_METADATA = 'conflicting-metadata'
BAD_SENDER = 'bad-sender'


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
        self.message_id = None
        self.subject = None
        self.authentication_results = []   # raw Authentication-Results values
        self.metadata_source = None  # 'text/plain' | 'text/html'

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
    # LF line ends for the parser: Jython's quoted-printable decoder does not
    # treat "=\r\n" as a soft line break (CPython's does).
    raw = raw.replace(b'\r\n', b'\n')
    try:
        msg = _message_from_bytes(raw)
    except Exception:  # the email package is lenient; this is belt and braces
        reply.error = UNREADABLE
        return reply
    try:
        _read_headers(msg, reply)
        if not headers_only and reply.error is None:
            _read_body(msg, reply)
    except Exception:
        if reply.error is None:
            reply.error = UNREADABLE
    return reply


def _header_section(raw, limit):
    end = raw.find(b'\r\n\r\n', 0, limit)
    if end < 0:
        end = raw.find(b'\n\n', 0, limit)
    return raw[:end if end >= 0 else limit] + b'\r\n\r\n'


def _message_from_bytes(raw):
    if PY2:  # pragma: no cover - Jython lane
        return email.message_from_string(raw)
    from email import policy
    return email.message_from_bytes(raw, policy=policy.compat32)


# --- headers -----------------------------------------------------------------

def _header_values(msg, name):
    """All values of a header as text (bounded), 8-bit junk decoded safely."""
    values = []
    for value in msg.get_all(name) or []:
        if not isinstance(value, string_types):
            # compat32 hands back a Header when the raw value had 8-bit bytes.
            value = _decode_words(value)
        value = to_text(value)
        values.append(value[:MAX_HEADER_CHARS])
    return values


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
            out.append(_decode_bytes(chunk, charset))
    return ''.join(out)


def _first(msg, name):
    values = _header_values(msg, name)
    return values[0] if values else None


def _addresses(values):
    out = []
    try:
        pairs = getaddresses(values)
    except Exception:
        return out
    for _name, address in pairs:
        address = (address or '').strip()
        if address and len(out) < MAX_ADDRESSES:
            out.append(address)
    return out


_ADDRESS_OK = re.compile(r'^[^\s@<>(),;:"\[\]\\]+@[A-Za-z0-9.\-]+$', re.U)


def _read_sender(msg, reply):
    values = _header_values(msg, 'From')
    if len(values) != 1:
        reply.error = BAD_SENDER
        return
    try:
        pairs = [p for p in getaddresses(values) if p[0] or p[1]]
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


def _read_headers(msg, reply):
    _read_sender(msg, reply)
    reply.to_addresses = _addresses(_header_values(msg, 'To'))
    reply.cc_addresses = _addresses(_header_values(msg, 'Cc'))
    reply.auto_reply = _auto_reply_indicator(msg)
    reply.self_sent = any(v.strip().lower() == SELF_MARKER_VALUE
                          for v in _header_values(msg, SELF_MARKER_HEADER))
    reply.message_id = logs.clean(_first(msg, 'Message-ID'), 200) or None
    subject = _first(msg, 'Subject')
    reply.subject = logs.clean(_decode_words(subject), 200) if subject else None
    # Raw values: authresults.check parses them and pins the authserv-id.
    reply.authentication_results = _header_values(msg, 'Authentication-Results')[:50]


# --- body ----------------------------------------------------------------------

def _text_parts(msg):
    """(content_type, part) for the readable text parts, bounded walk, in order."""
    found = []
    stack = [(msg, 0)]
    walked = 0
    while stack and walked < MAX_PARTS:
        part, depth = stack.pop()
        walked += 1
        ctype = (part.get_content_type() or '').lower()
        if part.is_multipart():
            if depth >= MAX_DEPTH or ctype == 'message/rfc822':
                continue
            children = part.get_payload()
            if not isinstance(children, list):
                continue
            for child in reversed(children[:MAX_PARTS]):
                stack.append((child, depth + 1))
            continue
        disposition = (_first(part, 'Content-Disposition') or '').split(';')[0].strip().lower()
        if disposition == 'attachment':
            continue
        if ctype in ('text/plain', 'text/html'):
            found.append((ctype, part))
    return found


def _decode_bytes(data, charset):
    """Bytes in a declared charset as text; unknown or wrong charsets fall back."""
    if data is None:
        return ''
    data = bytes(data)
    candidates = []
    if charset:
        charset = to_text(charset).strip().strip('"').lower()
        try:
            candidates.append(codecs.lookup(charset).name)
        except (LookupError, TypeError, ValueError):
            pass
    for fallback in ('utf-8', 'cp1252'):
        if fallback not in candidates:
            candidates.append(fallback)
    for name in candidates:
        try:
            return data.decode(name)
        except (UnicodeError, LookupError):
            continue
    # latin-1 maps every byte: the last resort never fails.
    return data.decode('latin-1')


def _part_text(part):
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if data is None:
        payload = part.get_payload()
        data = payload if isinstance(payload, bytes) else to_text(payload or '').encode('utf-8', 'replace')
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    text = _decode_bytes(data[:MAX_TEXT_CHARS * 4], charset)[:MAX_TEXT_CHARS]
    text = text.replace('\r\n', '\n').replace('\r', '\n')
    if (part.get_content_type() or '').lower() == 'text/plain':
        fmt = (to_text(part.get_param('format') or '')).lower()
        if fmt == 'flowed':
            delsp = (to_text(part.get_param('delsp') or '')).lower() == 'yes'
            text = unflow(text, delsp)
    return text


def unflow(text, delsp=False):
    """Undo RFC 3676 format=flowed: join soft-broken lines of the same quote depth."""
    out = []
    current = None
    current_depth = 0
    for line in text.split('\n'):
        depth = 0
        while depth < len(line) and line[depth] == '>':
            depth += 1
        body = line[depth:]
        if body.startswith(' '):
            body = body[1:]  # space-stuffing (or the space after the quote marks)
        soft = body.endswith(' ') and body != '-- '
        if current is not None and depth != current_depth:
            out.append(_quoted(current_depth, current))
            current = None
        if current is None:
            current, current_depth = body, depth
        else:
            current += body
        if soft:
            if delsp:
                current = current[:-1]
        else:
            out.append(_quoted(current_depth, current))
            current = None
    if current is not None:
        out.append(_quoted(current_depth, current))
    return '\n'.join(out)


def _quoted(depth, text):
    return ('>' * depth + ' ' + text) if depth else text


# --- HTML to text ------------------------------------------------------------

_BLOCK_TAGS = frozenset(['address', 'article', 'aside', 'blockquote', 'br', 'dd', 'div', 'dl',
                         'dt', 'fieldset', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4',
                         'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav', 'ol', 'p', 'pre',
                         'section', 'table', 'tbody', 'td', 'th', 'thead', 'tr', 'ul'])
_SKIP_TAGS = frozenset(['head', 'script', 'style', 'title', 'template'])


class _HtmlText(HTMLParser):
    """HTML to plain lines; blockquotes become '>' quoting, entities decoded."""

    def __init__(self):
        HTMLParser.__init__(self)
        self.lines = []
        self.line = []
        self.depth = 0
        self.skip = 0
        self.chars = 0

    def _newline(self):
        text = ''.join(self.line)
        self.lines.append(_quoted(self.depth, text) if text.strip() else '')
        self.line = []

    def handle_starttag(self, tag, attrs):
        tag = tag.lower()
        if tag in _SKIP_TAGS:
            self.skip += 1
        elif tag in _BLOCK_TAGS:
            self._newline()
            if tag == 'blockquote':
                self.depth += 1

    def handle_startendtag(self, tag, attrs):
        if tag.lower() in _BLOCK_TAGS:
            self._newline()

    def handle_endtag(self, tag):
        tag = tag.lower()
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK_TAGS and tag != 'br':
            self._newline()
            if tag == 'blockquote':
                self.depth = max(0, self.depth - 1)

    def handle_data(self, data):
        if self.skip or self.chars > MAX_TEXT_CHARS:
            return
        data = data.replace('\r', ' ').replace('\n', ' ')
        self.chars += len(data)
        self.line.append(data)

    def handle_entityref(self, name):  # Python 2 only (Python 3 converts)
        codepoint = _entities.name2codepoint.get(name)
        self.handle_data(_chr(codepoint) if codepoint else '&' + name + ';')

    def handle_charref(self, name):  # Python 2 only
        try:
            if name[:1] in ('x', 'X'):
                value = int(name[1:], 16)
            else:
                value = int(name)
            self.handle_data(_chr(value) if 0 < value < 0x110000 else ' ')
        except (ValueError, OverflowError):
            self.handle_data(' ')

    def text(self):
        self._newline()
        return '\n'.join(self.lines)


def html_to_text(html):
    parser = _HtmlText()
    try:
        parser.feed(html[:MAX_TEXT_CHARS])
        parser.close()
    except Exception:  # malformed HTML: keep what was read so far
        pass
    return parser.text()


# --- the metadata block ------------------------------------------------------

_QUOTE_PREFIX = re.compile(r'^(?:[ \t]*>)+', re.U)
_INVISIBLE = re.compile('[\u200b\u200c\u200d\u2060\ufeff\u00ad]', re.U)
_SPACES = re.compile('[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t]', re.U)
_LABEL = re.compile(r'^\**(ACTION|TASK[_ ]?ID|SIGNATURE)\**\s*:\s*(.*?)\**$', re.I | re.U)
_HEADER = re.compile(r'^METADATA\s*\(\s*DO\s+NOT\s+MODIFY\s*\)\s*:?$', re.I | re.U)
_HEADER_START = re.compile(r'^METADATA\s*\(\s*DO\s+NOT\s+MODIFY\b', re.I | re.U)
_INSTRUCTION = re.compile(r'^Please\s+send\s+this\s+message\b', re.I | re.U)
_ID_CHARS = re.compile(r'^[A-Za-z0-9/_.\-]*$', re.U)
_HEX = re.compile(r'^[0-9a-fA-F]*$', re.U)
_SIG_START = re.compile(r'^v(\d+)\.([0-9a-fA-F.]*)$', re.U)   # v2: v2.<run>.<mac>
_ALPHA = re.compile(r'^[A-Za-z]+$', re.U)
_SIG_HEX_LENGTH = {'1': 64, '2': 16 + 1 + 64}


def _normalise(line):
    """A line without quote marks, invisible characters or odd spaces; stripped."""
    line = _INVISIBLE.sub('', line)
    line = _SPACES.sub(' ', line)
    m = _QUOTE_PREFIX.match(line)
    depth = 0
    if m:
        depth = m.group(0).count('>')
        line = line[m.end():]
    return depth, line.strip()


_ID_ROOT = 'applications/'
_SIG_LABEL_VALUE = re.compile(r'^(v(\d+(\.[0-9a-fA-F.]*)?)?)?$', re.U)


def _label_of(text):
    m = _LABEL.match(text)
    if not m:
        return None, None
    name = m.group(1).upper().replace(' ', '_')
    if name == 'TASKID':
        name = 'TASK_ID'
    value = m.group(2).strip()
    # A label must carry a plausible value (one token, the right shape, or
    # nothing when a client wrapped it to the next line), so that a comment
    # line such as "Action: ask Bob" or "Task id: 42" is not taken for metadata.
    # A v2 token is longer than a mail line: a client may split it where it
    # likes (format=flowed leaves a space there).
    if name == 'SIGNATURE' and _SIG_LABEL_VALUE.match(value.replace(' ', '')):
        value = value.replace(' ', '')
    if ' ' in value:
        return None, None
    if name == 'ACTION' and value and not any(a.startswith(value.upper()) for a in ACTIONS):
        return None, None
    if name == 'TASK_ID' and (not _ID_CHARS.match(value) or not (
            value.lower().startswith(_ID_ROOT) or _ID_ROOT.startswith(value.lower()))):
        return None, None
    if name == 'SIGNATURE' and not _SIG_LABEL_VALUE.match(value):
        return None, None
    return name, value


def _signature_complete(value):
    m = _SIG_START.match(value or '')
    if not m:
        return False
    expected = _SIG_HEX_LENGTH.get(m.group(1))
    return expected is not None and len(m.group(2)) >= expected


def _continues(name, value, text):
    """Is ``text`` (a non-label line) the wrapped rest of ``name``'s value?"""
    if not text or _HEADER.match(text) or _INSTRUCTION.match(text):
        return False
    piece = text.replace(' ', '')
    if name == 'TASK_ID':
        return bool(_ID_CHARS.match(piece)) and '/' in (value + piece) \
            and not _SIG_START.match(piece)
    if name == 'SIGNATURE':
        if _signature_complete(value):
            return False
        if not value:
            return bool(_SIG_START.match(piece))
        return bool(_HEX.match(piece.replace('.', '')))
    if name == 'ACTION':
        joined = (value + piece).upper()
        return bool(_ALPHA.match(piece)) and any(a.startswith(joined) for a in ACTIONS) \
            and value.upper() not in ACTIONS
    return False


class _Block(object):
    def __init__(self, start_line):
        self.values = {}
        self.order = []
        self.start_line = start_line

    def key(self):
        return (self.values.get('ACTION'), self.values.get('TASK_ID'), self.values.get('SIGNATURE'))

    def complete(self):
        return all(self.values.get(n) for n in ('ACTION', 'TASK_ID', 'SIGNATURE'))


def find_blocks(text):
    """Every metadata block in ``text``: [( (action, task_id, signature), first line index )]."""
    lines = text.split('\n')
    blocks = []
    current = None
    last = None          # the label whose value the next line may continue
    last_depth = 0
    for index, raw in enumerate(lines):
        depth, line = _normalise(raw)
        if _HEADER.match(line):
            if current is not None and current.values:
                blocks.append(current)
            current = _Block(index)
            last = None
            continue
        name, value = _label_of(line)
        if name is not None:
            if current is None or name in current.values:
                if current is not None and current.values:
                    blocks.append(current)
                current = _Block(index)
            current.values[name] = value
            last, last_depth = name, depth
            continue
        if current is None:
            continue
        if not line:
            # Blank lines end a wrapped value but not the block (HTML
            # conversions put them between the labels).
            last = None
            continue
        if last is not None and depth == last_depth \
                and _continues(last, current.values[last], line):
            current.values[last] += line.replace(' ', '')
            continue
        # Ordinary text: the block (if it has anything) is over.
        if current.values:
            blocks.append(current)
        current = None
        last = None
    if current is not None and current.values:
        blocks.append(current)
    for block in blocks:
        if block.values.get('ACTION'):
            block.values['ACTION'] = block.values['ACTION'].upper()
        if block.values.get('SIGNATURE'):
            block.values['SIGNATURE'] = block.values['SIGNATURE'].lower()
    return blocks


def _resolve(blocks):
    """(values, error): one consistent block, or why not."""
    if not blocks:
        return None, NO_METADATA
    complete = set(b.key() for b in blocks if b.complete())
    if len(complete) > 1:
        return None, CONFLICTING_METADATA
    if not complete:
        return None, INCOMPLETE_METADATA
    chosen = list(complete)[0]
    if len(chosen[1]) > MAX_TASK_ID_CHARS or len(chosen[2]) > MAX_SIGNATURE_CHARS:
        return None, INCOMPLETE_METADATA  # no API call with a hostile, huge id
    # A partial copy (e.g. a cut quote) may stand beside the full block only
    # if it agrees with it on every label it has.
    for block in blocks:
        for i, name in enumerate(('ACTION', 'TASK_ID', 'SIGNATURE')):
            value = block.values.get(name)
            if value and value != chosen[i]:
                return None, CONFLICTING_METADATA
    return chosen, None


# --- the person's comment ------------------------------------------------------

_WROTE = re.compile(r'(wrote|schrieb|schreef|a\s+\u00e9crit|escribi\u00f3|ha\s+scritto)\s*:\s*$', re.I | re.U)
_ON = re.compile(r'^(On|Am|Op|Le|El|Il)\s', re.U)
_SEPARATORS = re.compile(r'^(-{2,}\s*(Original Message|Forwarded message|Urspr\u00fcngliche Nachricht)'
                         r'.*|_{10,}|Begin forwarded message:)\s*$', re.I | re.U)
_OUTLOOK_FROM = re.compile(r'^\**(From|Von|Van)\s*:\**\s', re.I | re.U)
_OUTLOOK_NEXT = re.compile(r'^\**(Sent|Date|Gesendet|Verzonden|To)\s*:', re.I | re.U)


def extract_comment(text, limit=MAX_COMMENT_CHARS):
    """The person's own words: above the instruction or the metadata, no quoted history."""
    lines = text.split('\n')
    end = len(lines)
    for index, raw in enumerate(lines):
        _depth, line = _normalise(raw)
        # A re-wrapping client may have split the sentence or the header line.
        joined = line + ' ' + (_normalise(lines[index + 1])[1] if index + 1 < len(lines) else '')
        if _INSTRUCTION.match(joined) or _HEADER.match(line) or _HEADER_START.match(joined) \
                or _label_of(line)[0] is not None:
            end = index
            break
    kept = []
    for index in range(end):
        raw = lines[index]
        depth, line = _normalise(raw)
        if depth:
            continue  # quoted history
        if _SEPARATORS.match(line) or line == '--' or raw.rstrip('\r') == '-- ':
            break
        if _WROTE.search(line):
            if kept and _ON.match(kept[-1]) and not _ON.match(line):
                kept.pop()  # the attribution line was wrapped over two lines
            break
        if _OUTLOOK_FROM.match(line) and any(
                _OUTLOOK_NEXT.match(_normalise(n)[1]) for n in lines[index + 1:index + 4]):
            break
        kept.append(line)
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


def _read_body(msg, reply):
    parts = _text_parts(msg)
    outcomes = []
    for source, convert in (('text/plain', None), ('text/html', html_to_text)):
        texts = []
        blocks = []
        for ctype, part in parts:
            if ctype != source:
                continue
            text = _part_text(part)
            if convert is not None:
                text = convert(text)
            found = find_blocks(text)
            if found:
                texts.append(text)
                blocks.extend(found)
        if not blocks:
            continue
        values, error = _resolve(blocks)
        outcomes.append((source, texts, values, error))
        # Two different blocks are refused outright; an incomplete plain
        # block may be a client mangling one alternative: try the HTML one.
        if error != INCOMPLETE_METADATA:
            break
    if not outcomes:
        reply.error = NO_METADATA
        return
    good = [o for o in outcomes if o[3] is None]
    source, texts, values, error = good[0] if good else outcomes[0]
    reply.metadata_source = source
    if error is not None:
        reply.error = error
        return
    reply.action, reply.task_id, reply.signature = values
    if reply.action not in ACTIONS:
        reply.action = None
        reply.error = INCOMPLETE_METADATA
        return
    reply.comment = extract_comment(texts[0])
