"""The hand-over between the fetcher and the waiting task: signed comment markers.  Pure.

The fetcher never completes or fails a remote completion task itself (what
XL Release does to a running script task through the API is undocumented).
It records the verdict as a comment on the task, and the task's own waiting
script ends the task the documented way.  The task's comments are where
every cluster node sees the same state, so two markers live there:

- the request marker, written by the start script on its own task: the
  task's run (a random id made at each start or retry);
- the verdict marker, written by the fetcher together with the audit text:
  the action, bound to the task, the run and the mail it came from.

Each marker is one short line in backticks (XL Release renders comments as
Markdown) ending in an HMAC under the IMAP configuration's secret, truncated
to 128 bits.  Anyone may type a comment, so a line counts only when its MAC
verifies for this task: an imitation without the secret, or a marker copied
from another task, never counts.

Order is what XL Release keeps: by comment date where every comment has one,
else as listed.  The current run is the run whose first valid request marker
is the newest (a user who pastes an old marker again does not reopen an old
run); the verdict for a run is the first one recorded (later replies lose).
"""
from __future__ import absolute_import, unicode_literals

import hashlib
import operator
import re
import time

from . import logs, signature
from .compat import to_bytes, to_text

REQUEST_PREFIX = 'xlr-remote-completion/request/v2'
VERDICT_PREFIX = 'xlr-remote-completion/verdict/v2'
MAC_HEX = 32
MAIL_KEY_HEX = 16
TAG = 'xlr-remote-completion'
ACTION_WORDS = {signature.COMPLETE: 'Completed', signature.FAIL: 'Failed'}

_REQUEST = re.compile(r'^`%s request run=([0-9a-f]{16}) mac=([0-9a-f]{32})`$' % TAG)
_VERDICT = re.compile(r'^`%s verdict=(COMPLETE|FAIL) run=([0-9a-f]{16}) mail=([0-9a-f]{16}) '
                      r'mac=([0-9a-f]{32})`$' % TAG)


class Note(object):
    """One comment of a task as plain values (``host.task_notes`` makes them):
    its text, its date (naive UTC datetime or None) and its place in the list."""

    def __init__(self, text, when=None, position=0):
        self.text = to_text(text) or ''
        self.when = when
        self.position = position

    def __repr__(self):
        return 'Note(%r, %r, %r)' % (self.text[:40], self.when, self.position)


class Verdict(object):
    """A verified verdict marker."""

    def __init__(self, action, run_id, mail_key, summary=''):
        self.action = action
        self.run_id = run_id
        self.mail_key = mail_key
        self.summary = summary   # the first line of its comment: who decided, when

    def __eq__(self, other):
        return isinstance(other, Verdict) and (self.action, self.run_id, self.mail_key) == (
            other.action, other.run_id, other.mail_key)

    def __ne__(self, other):
        return not self == other

    __hash__ = None

    def __repr__(self):
        return 'Verdict(%s, run %s, mail %s)' % (self.action, self.run_id, self.mail_key)


# --- writing ----------------------------------------------------------------------

def new_run_id(random_bytes):
    """A run id from 8 random bytes (the caller's ``os.urandom(8)``)."""
    run_id = ''.join('%02x' % b for b in bytearray(to_bytes(random_bytes)))
    if not signature.is_run_id(run_id):
        raise ValueError('a run id needs 8 random bytes')
    return run_id


def _mac(secret, prefix, fields):
    return signature.mac(secret, prefix, fields)[:MAC_HEX]


# Markers whose MAC this JVM has computed or verified, as (secret, prefix,
# fields..., mac): the fetcher reads a task again right after recording its
# verdict, and the same lines need no second HMAC.  Only MACs that matched
# are kept (a forgery is checked each time); cleared when full.
_KNOWN_SIZE = 4096
_known = [set()]


def _remember(key):
    known = _known[0]
    if len(known) >= _KNOWN_SIZE:
        known = _known[0] = set()
    known.add(key)


def _genuine(secret, prefix, fields, presented):
    """Does ``presented`` equal the marker MAC of ``fields``?  False when a
    field is unusable (signature.mac raises ValueError)."""
    key = (secret, prefix) + tuple(fields) + (presented,)
    if key in _known[0]:
        return True
    try:
        expected = _mac(secret, prefix, fields)
    except ValueError:
        return False
    if not signature.equal(expected, presented):
        return False
    _remember(key)
    return True


def request_line(secret, task_id, run_id):
    """The request marker: one line, the task's run."""
    if not signature.is_run_id(run_id):
        raise ValueError('not a run id')
    return '`%s request run=%s mac=%s`' % (TAG, run_id, _mac(secret, REQUEST_PREFIX,
                                                            [task_id, run_id]))


def verdict_line(secret, action, task_id, run_id, mail_key):
    """The verdict marker: one line, bound to action, task, run and mail."""
    if action not in signature.ACTIONS or not signature.is_run_id(run_id) \
            or not _is_mail_key(mail_key):
        raise ValueError('unusable verdict fields')
    fields = [action, task_id, run_id, mail_key]
    mac = _mac(secret, VERDICT_PREFIX, fields)
    _remember((secret, VERDICT_PREFIX) + tuple(fields) + (mac,))   # read back next
    line = '`%s verdict=%s run=%s mail=%s mac=%s`' % (TAG, action, run_id, mail_key, mac)
    # ... and this line: its reading is known (the fields passed the checks
    # above and signature.mac, so the pattern matches it with these groups).
    _note_line(line, (_VERDICT_KIND, to_text(action), to_text(run_id), to_text(mail_key),
                      to_text(mac)))
    return line


_MARKDOWN = re.compile(r'([\\`<>\[\]])')
_MARKDOWN_CHARS = '\\`<>[]'


def _markdown_safe(text):
    # XL Release renders comments as Markdown: a reply must not smuggle in
    # links, images, HTML or a line that looks like a marker.  (Tested with
    # ``in`` first: a substitution costs a few us on Jython.)
    for char in _MARKDOWN_CHARS:
        if char in text:
            return _MARKDOWN.sub(r'\\\1', text)
    return text


_minute = [(None, None)]   # (minutes since the epoch, its text): now's, made once a minute


def utc_minute(when=None):
    """'YYYY-MM-DD HH:MM' of a naive UTC datetime, or of now for None (from
    time.gmtime, once a minute: Jython's datetime is pure Python and its
    time.strftime goes through a Java calendar, about 0.1 ms a call)."""
    if when is None:
        minute = int(time.time() // 60)
        cached = _minute[0]
        if cached[0] == minute:
            return cached[1]
        text = time.strftime('%Y-%m-%d %H:%M', time.gmtime(minute * 60))
        _minute[0] = (minute, text)
        return text
    return '%04d-%02d-%02d %02d:%02d' % (when.year, when.month, when.day, when.hour,
                                         when.minute)


def audit_text(action, full_name, address, when, comment):
    """The human half of a verdict comment: who, when (UTC; None: now), by
    email, which action, and their comment."""
    who = '%s <%s>' % (logs.clean(full_name, 100), logs.clean(address, 200)) if full_name \
        else logs.clean(address, 200)
    text = '%s by email by %s on %s UTC.' % (ACTION_WORDS.get(action, action), who,
                                             utc_minute(when))
    comment = (comment or '').strip()
    if comment:
        text += '\n\nComment: ' + _markdown_safe(comment)
    return text


def request_comment(secret, task_id, run_id):
    """The start script's comment: one human sentence, then the marker."""
    return ('Request email sent; waiting for a reply by email.\n\n%s'
            % request_line(secret, task_id, run_id))


def verdict_comment(audit_text, secret, action, task_id, run_id, mail_key):
    """The fetcher's comment: the audit text for people, then the marker."""
    return '%s\n\n%s' % (to_text(audit_text).rstrip(),
                         verdict_line(secret, action, task_id, run_id, mail_key))


def mail_key(message_id, internaldate, uid, token):
    """16 hex digits identifying one received mail, the same on every node
    and after a crash: its Message-ID (unique per mail, RFC 5322) and token;
    without a Message-ID, the mailbox's UID and arrival time instead."""
    if message_id:
        parts = ['id', to_text(message_id), to_text(token or '')]
    else:
        parts = ['uid', to_text(uid), to_text(internaldate or ''), to_text(token or '')]
    return hashlib.sha256(to_bytes('\n'.join(parts))).hexdigest()[:MAIL_KEY_HEX]


_MAIL_KEY = re.compile(r'^[0-9a-f]{16}$')


def _is_mail_key(value):
    value = to_text(value or '')
    return (len(value) == MAIL_KEY_HEX and not value.strip('0123456789abcdef')) \
        or bool(_MAIL_KEY.match(value))


# --- reading ----------------------------------------------------------------------

_BY_DATE = operator.attrgetter('when', 'position')
_BY_POSITION = operator.attrgetter('position')
_MARKER_START = '`' + TAG


def ordered(notes):
    """Notes oldest first: by date when every note has one, else as listed."""
    notes = list(notes or [])
    for note in notes:
        if note.when is None:
            return sorted(notes, key=_BY_POSITION)
    return sorted(notes, key=_BY_DATE)


def _marker_lines(notes):
    """(note, line) for every line that starts like a marker (stripped),
    the notes oldest first.  A note without the marker's opening holds
    none and is not split into lines."""
    found = []
    for note in ordered(notes):
        if _MARKER_START not in note.text:
            continue
        for line in note.text.splitlines():
            line = line.strip()
            if line.startswith(_MARKER_START):
                found.append((note, line))
    return found


# Marker lines as read before: {line: (kind, the pattern's groups...) or
# None}.  A task's lines are read twice a reply (before and after its
# verdict is written) and each match of a regular expression costs a few us
# on Jython; a line's reading depends on its text alone.  Lines no longer
# than a marker only; cleared when full.
_REQUEST_KIND, _VERDICT_KIND = 'request', 'verdict'
_LINE_CHARS = 200
_lines = [{}]


def _note_line(line, reading):
    if len(line) > _LINE_CHARS:
        return
    known = _lines[0]
    if len(known) >= _KNOWN_SIZE:
        known = _lines[0] = {}
    known[line] = reading


def _marker(line):
    """(kind, groups...) of a request or verdict marker line, or None."""
    reading = _lines[0].get(line, False)
    if reading is not False:
        return reading
    m = _REQUEST.match(line)
    if m:
        reading = (_REQUEST_KIND,) + m.groups()
    else:
        m = _VERDICT.match(line)
        reading = (_VERDICT_KIND,) + m.groups() if m else None
    _note_line(line, reading)
    return reading


def _runs(lines, secret, task_id):
    runs = []
    for _note, line in lines:
        m = _marker(line)
        if m is None or m[0] != _REQUEST_KIND or m[1] in runs:
            continue
        if _genuine(secret, REQUEST_PREFIX, [task_id, m[1]], m[2]):
            runs.append(m[1])
    return runs


def _verdicts(lines, secret, task_id, run_id):
    found = []
    keys = set()
    for note, line in lines:
        m = _marker(line)
        if m is None or m[0] != _VERDICT_KIND or m[2] != run_id:
            continue
        action, mail = m[1], m[3]
        if mail in keys:
            continue
        if _genuine(secret, VERDICT_PREFIX, [action, task_id, run_id, mail], m[4]):
            first = note.text.strip().splitlines()[0].strip()
            found.append(Verdict(action, run_id, mail, '' if first == line else first))
            keys.add(mail)
    return found


def request_runs(notes, secret, task_id):
    """The runs of valid request markers, oldest first, each once (at its
    first appearance)."""
    if not secret or not task_id:
        return []
    return _runs(_marker_lines(notes), secret, task_id)


def current_run(notes, secret, task_id):
    """The task's current run (newest first-seen valid request marker) or None."""
    runs = request_runs(notes, secret, task_id)
    return runs[-1] if runs else None


def verdicts(notes, secret, task_id, run_id):
    """The valid verdict markers for ``run_id``, first recorded first, one per mail."""
    if not secret or not task_id or not run_id:
        return []
    return _verdicts(_marker_lines(notes), secret, task_id, run_id)


def run_and_verdicts(notes, secret, task_id):
    """(``current_run``, ``verdicts`` for that run) in one pass over the notes."""
    if not secret or not task_id:
        return None, []
    lines = _marker_lines(notes)
    runs = _runs(lines, secret, task_id)
    if not runs:
        return None, []
    return runs[-1], _verdicts(lines, secret, task_id, runs[-1])


def winner(notes, secret, task_id, run_id):
    """The verdict that decides ``run_id``: the first one recorded, or None."""
    found = verdicts(notes, secret, task_id, run_id)
    return found[0] if found else None
