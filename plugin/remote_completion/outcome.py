"""Outcome replies: the short answer the sender of a reply gets.

After each final verdict on a mail written by a person, the sender hears
back from the reply mailbox: what the mail did ("the task is being
completed"), or why it did nothing and what to do instead.  GitLab and
Discourse answer such mail the same way; Discourse also rate-limits it.

Who never gets an answer (``skip_reason``), checked in this order:

- automatic mail, bounces and mail the plugin sent itself (no loops);
- a mail without exactly one plain From address;
- a verdict that is not final yet (the mail stays for the next cycle);
- a mail recorded before (a repeat after a crash: it was answered then);
- a sender refused by the whitelist or by sender authentication (the From
  address is not trusted, so answering could hit a forged victim);
- for refusals, an address that is no XL Release user's (no backscatter to
  strangers who only wrote to the mailbox);
- a sender over the rate limit.

Pure apart from ``RateLimiter``'s store (``jvmstate``: JVM-wide on Jython,
since XL Release may give each script run a fresh interpreter).
"""
from __future__ import absolute_import, unicode_literals

import time
from email.utils import formatdate

from . import compose, jvmstate, logs
from .compat import JYTHON, to_text

OUTCOME_MARKER = 'outcome'

# Reason codes, as the fetcher's verdicts name them.
ACTED = 'acted'
NOT_FINAL = ('server-error', 'no-permission', 'task-settling')
UNTRUSTED_SENDER = ('not-whitelisted', 'sender-not-authenticated', 'bad-sender', 'unreadable')
AUTOMATIC = ('auto-reply', 'self-sent')
REPEATED = ('already-recorded',)

DONE = {
    'COMPLETE': ('Completed', 'Your email completes the task. It ends within moments; '
                 'the release then goes on.'),
    'FAIL': ('Failed', 'Your email fails the task. It ends within moments, and the release '
             'owner can retry it.'),
}

# Refusal texts: what happened, in plain words, then what to do.
REFUSALS = {
    'no-metadata': (
        'Your email did not say what to do with the task.',
        'Use the Complete task or Fail task button in the request email, or reply to the '
        'request with "Approve" or "Reject" as the first word.'),
    'unknown-action': (
        'The first words of your reply said neither complete nor fail.',
        'Reply to the request again, starting with "Approve" (or "Complete") or "Reject" '
        '(or "Fail"); anything after that word is kept as your comment.'),
    'incomplete-metadata': (
        'The block under "METADATA (DO NOT MODIFY)" was changed or cut.',
        'Press the button in the request email again and send the message as it opens.'),
    'conflicting-metadata': (
        'Your email held both Complete and Fail.',
        'Send only one: press one of the two buttons in the request email, or reply with '
        'one word first.'),
    'too-large': (
        'Your email was too large to be read.',
        'Send the answer again without attachments.'),
    'over-cap': (
        'Your email had more addresses or longer headers than a reply may have.',
        'Answer from the request email alone, without copying other people.'),
    'bad-signature': (
        'The request your email answers could not be verified: it was changed, forwarded by '
        'someone else, or sent before the signing key changed.',
        'Use the newest request email that was sent to you.'),
    'stale-run': (
        'This request is for an earlier run of the task, which has been restarted since.',
        'Use the newest request email for the task.'),
    'stale-attempt': (
        'This request is for an earlier run of the task, which has been restarted since.',
        'Use the newest request email for the task.'),
    'unknown-task': (
        'The task no longer exists.',
        'Nothing to do; ask the release owner if you think this is wrong.'),
    'wrong-type': (
        'The task cannot be completed by email.',
        'Open the task in XL Release.'),
    'task-not-in-progress': (
        'The task is no longer waiting for an answer.',
        'Nothing to do; open the task in XL Release to see its state.'),
    'not-assignee': (
        'You are no longer assigned to the task.',
        'Ask the new assignee to answer, or the release owner to assign it back to you.'),
    'task-status-unsettled': (
        'The task stayed in a passing state (for example queued or being failed) for too long '
        'to take an answer.',
        'Open the task in XL Release to see its state.'),
    'already-decided': (
        'Another answer was recorded for the task first, and it decided the task.',
        'Nothing to do; open the task in XL Release to see who answered.'),
}
GENERIC_REFUSAL = ('Your email could not be acted on.',
                   'Open the task in XL Release, or ask the release owner.')

DEFAULT_LIMIT = 5               # answers per sender ...
DEFAULT_WINDOW_SECONDS = 3600   # ... per hour
_KEY_PREFIX = 'xlr.remote-completion.outcome.'   # + the sender's address


def skip_reason(parsed, verdict, is_known_user, limiter=None):
    """None when the sender gets an outcome reply, else why not (a short
    code for the log).  ``is_known_user(address)`` is only asked for
    refusals; ``limiter`` (a RateLimiter) is asked last."""
    reason = verdict.reason if not verdict.act else ACTED
    if parsed is None or parsed.auto_reply or parsed.self_sent or reason in AUTOMATIC:
        return 'automatic'
    address = parsed.sender_address
    if not address or '@' not in address:
        return 'no-sender'
    if reason in NOT_FINAL:
        return 'not-final'
    if reason in REPEATED:
        return 'repeat'
    if reason in UNTRUSTED_SENDER:
        return 'untrusted-sender'
    if reason != ACTED:
        try:
            known = bool(is_known_user(address))
        except Exception:
            known = False   # cannot tell: a stranger gets nothing
        if not known:
            return 'not-a-user'
    if limiter is not None and not limiter.allow(address):
        return 'rate-limited'
    return None


def outcome_text(verdict, task_title=None, release_title=None, link=None, status=None):
    """(subject line, body text) of the answer.  Titles come from the server
    and are folded to one bounded line."""
    task = _quoted(task_title) or 'the task'
    where = (' in release %s' % _quoted(release_title)) if release_title else ''
    if verdict.act:
        word, sentence = DONE.get(verdict.action, DONE['COMPLETE'])
        subject = '%s by email: %s' % (word, logs.clean(task_title or 'task', 150))
        lines = ['Your email was recorded on %s%s.' % (task, where), '', sentence]
    else:
        what, todo = REFUSALS.get(verdict.reason, GENERIC_REFUSAL)
        subject = 'Not done: %s' % logs.clean(task_title or 'your email to XL Release', 150)
        lines = ['Your email about %s%s was not acted on.' % (task, where), '', what]
        if verdict.reason == 'task-not-in-progress' and status:
            lines.append('Its status is %s.' % logs.clean(status, 40))
        lines += ['', todo]
    if link:
        lines += ['', 'Open the task in XL Release:', link]
    lines += ['', '-- ', 'This answer was sent automatically by XL Release (remote completion).']
    return subject, '\n'.join(lines) + '\n'


def _quoted(title):
    return "'%s'" % logs.clean(title, 150) if title else None


def compose_outcome(parsed, verdict, mailbox_address, now=None, **text_args):
    """The outcome reply as an ``email`` message, threaded to the reply and
    marked as an automatic answer (RFC 3834) so that auto-responders stay
    quiet and the fetcher knows it as its own if it ever comes back."""
    subject, body = outcome_text(verdict, **text_args)
    message = compose.text_part(body, 'plain')   # quoted-printable: readable as it is
    message['MIME-Version'] = '1.0'
    message['From'] = mailbox_address
    message['To'] = parsed.sender_address
    message['Subject'] = compose.header_text(subject)
    message['Date'] = formatdate(time.time() if now is None else now, usegmt=True)
    if parsed.message_id:
        original = logs.clean(parsed.message_id, 250).strip()
        if original.startswith('<') and original.endswith('>') and ' ' not in original:
            message['In-Reply-To'] = original
            message['References'] = original
    message['Auto-Submitted'] = 'auto-replied'
    message['X-Auto-Response-Suppress'] = 'All'
    message['X-XLR-Remote-Completion'] = OUTCOME_MARKER
    return message


# --- the per-sender rate limit ------------------------------------------------

_PythonStore, _JvmStore = jvmstate.PythonStore, jvmstate.JvmStore

_shared = [None]


def shared_store():
    if _shared[0] is None:
        _shared[0] = _JvmStore() if JYTHON else _PythonStore()
    return _shared[0]


class RateLimiter(object):
    """At most ``limit`` answers per address in any ``window`` seconds."""

    def __init__(self, limit=DEFAULT_LIMIT, window=DEFAULT_WINDOW_SECONDS, store=None,
                 clock=time.time):
        self.limit = int(limit)
        self.window = float(window)
        self._store = store if store is not None else shared_store()
        self._clock = clock

    def allow(self, address):
        key = _KEY_PREFIX + to_text(address).strip().lower()
        for _ in range(50):   # compare-and-set retries under contention
            now = self._clock()
            old = self._store.get(key)
            stamps = [float(s) for s in (old or '').split(',') if s]
            recent = [s for s in stamps if now - s < self.window]
            if len(recent) >= self.limit:
                return False
            value = ','.join('%.3f' % s for s in recent + [now])
            if self._store.compare_and_set(key, old, value):
                return True
        return False
