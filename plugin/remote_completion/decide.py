"""Judge a parsed reply: act on it, or ignore it with a reason.  Pure.

Checks run cheapest and secret-free first, so that junk (bounces, our own
requests, unsigned mail, foreign domains) is turned away before any secret
is used or any API answer is needed, and so that a log line about a forged
mail says only "bad signature", nothing about the task it names:

1. our own request mail, automatic replies and bounces;
2. a mail that cannot be read: too large, no or conflicting metadata, not
   exactly one From address;
3. whitelisting (when on) for the From address and every To address;
4. sender authentication from Authentication-Results (when required);
5. the signature (a plain Reply: its reply token) verifies for the sender
   (no API call: the token names the run it was signed for);
6. the task exists, is a remote completion task, IN_PROGRESS (a reply for a
   task in a transient status waits: see FINAL_STATUSES);
7. the token's run is the task's current run (else an earlier run's reply);
8. no verdict is recorded for this run yet (else: this mail's own, recorded
   before a crash, or another reply's, which won);
9. the sender is still an assignee now (the only check needing API calls
   beyond reading the task; ``still_assignee`` may be a callable so it is
   only asked for mail that got this far).

Whitelisting compares domains exactly, case-insensitively: ``corp.com`` does
not admit ``mail.corp.com``, ``evil.corp.com`` or ``corp.com.evil.io``.  A
subdomain must be listed itself.  That is the only reading that cannot be
widened by anyone who can create a subdomain or register a look-alike.
"""
from __future__ import absolute_import, unicode_literals

from . import authresults, host, replytoken, reply as reply_mod, signature
from .compat import to_text

IN_PROGRESS = 'IN_PROGRESS'
TASK_TYPE = host.TASK_TYPE

# --- reason codes ---------------------------------------------------------------
ACTED = 'acted'
SELF_SENT = 'self-sent'
AUTO_REPLY = 'auto-reply'
UNREADABLE = reply_mod.UNREADABLE
TOO_LARGE = reply_mod.TOO_LARGE
OVER_CAP = reply_mod.OVER_CAP
NO_METADATA = reply_mod.NO_METADATA
INCOMPLETE_METADATA = reply_mod.INCOMPLETE_METADATA
CONFLICTING_METADATA = reply_mod.CONFLICTING_METADATA
BAD_SENDER = reply_mod.BAD_SENDER
UNKNOWN_ACTION = reply_mod.UNKNOWN_ACTION
NOT_WHITELISTED = 'not-whitelisted'
NOT_AUTHENTICATED = 'sender-not-authenticated'
UNKNOWN_TASK = 'unknown-task'
BAD_SIGNATURE = 'bad-signature'
STALE_RUN = 'stale-run'
ALREADY_DECIDED = 'already-decided'
ALREADY_RECORDED = 'already-recorded'
WRONG_TYPE = 'wrong-type'
NOT_IN_PROGRESS = 'task-not-in-progress'
NOT_ASSIGNEE = 'not-assignee'
SERVER_ERROR = 'server-error'   # set by the fetcher: the mail stays for the next cycle
NO_PERMISSION = 'no-permission'  # set by the fetcher: the API refused; the mail stays
TASK_SETTLING = 'task-settling'   # a transient status: the mail stays for the next cycle
SETTLING_TOO_LONG = 'task-status-unsettled'   # ... until the retry window has passed
KEPT = (SERVER_ERROR, NO_PERMISSION, TASK_SETTLING)   # reasons that keep a mail in the INBOX

# Statuses a task does not leave for the run a reply answers (release-api.yaml
# TaskStatus, task-life-cycle.md): completed and skipped are end states,
# ABORTED ends the release, and a FAILED task runs again only as a new run
# (its start script signs new requests).  Every other status (PLANNED,
# PENDING, QUEUED, FAILING, the *_IN_PROGRESS and *_QUEUED states, and any
# status added later) may still turn into IN_PROGRESS: such a reply waits.
FINAL_STATUSES = frozenset(['COMPLETED', 'COMPLETED_IN_ADVANCE', 'SKIPPED', 'SKIPPED_IN_ADVANCE',
                            'ABORTED', 'FAILED'])

TEXTS = {
    SELF_SENT: 'it is a request mail sent by the plugin itself',
    AUTO_REPLY: 'it is an automatic reply or a bounce',
    UNREADABLE: 'the mail could not be read',
    TOO_LARGE: 'the mail is larger than max-message-size',
    OVER_CAP: 'the mail passes a parser bound (it is refused, not read cut short)',
    NO_METADATA: 'no metadata block (ACTION, TASK_ID, SIGNATURE) was found',
    INCOMPLETE_METADATA: 'the metadata block is incomplete or malformed',
    CONFLICTING_METADATA: 'the mail holds two different metadata blocks',
    BAD_SENDER: 'the From header does not hold exactly one plain address',
    UNKNOWN_ACTION: 'a plain reply whose first words say neither complete nor fail',
    NOT_WHITELISTED: 'an address is not in a whitelisted domain',
    NOT_AUTHENTICATED: 'the sender was not authenticated by the receiving mail server',
    UNKNOWN_TASK: 'the task does not exist',
    BAD_SIGNATURE: 'the signature does not match (altered metadata, another sender, '
                   'or a changed secret)',
    STALE_RUN: 'the request was for an earlier run of the task (it has been retried since)',
    ALREADY_DECIDED: 'another reply was recorded for this run of the task first',
    ALREADY_RECORDED: 'this reply was recorded on the task before (a repeated cycle)',
    WRONG_TYPE: 'the task is not a remote completion task',
    NOT_IN_PROGRESS: 'the task is not in progress',
    NOT_ASSIGNEE: 'the sender is no longer assigned to the task',
    SERVER_ERROR: 'the server could not be reached or failed; the mail is kept for the next cycle',
    NO_PERMISSION: 'the server refused a call for lack of permission (check the rights of the '
                   "release's run-as user); the mail is kept for the next cycle",
    TASK_SETTLING: 'the task is in a transient status; the mail is kept for the next cycle',
    SETTLING_TOO_LONG: 'the task stayed in a transient status for longer than the retry window',
}


class Verdict(object):
    """ACT(action) or IGNORE(reason, text)."""

    def __init__(self, act, action=None, reason=None, text=None):
        self.act = act
        self.action = action
        self.reason = reason
        self.text = text

    @classmethod
    def act_on(cls, action):
        return cls(True, action=action, reason=ACTED, text='acted: %s' % action)

    @classmethod
    def ignore(cls, reason, detail=None):
        text = TEXTS.get(reason, reason)
        if detail:
            text = '%s (%s)' % (text, detail)
        return cls(False, reason=reason, text=text)

    def __eq__(self, other):
        return isinstance(other, Verdict) and (self.act, self.action, self.reason) == (
            other.act, other.action, other.reason)

    def __ne__(self, other):
        return not self == other

    __hash__ = None

    def __repr__(self):
        if self.act:
            return 'ACT(%s)' % self.action
        return 'IGNORE(%s: %s)' % (self.reason, self.text)


class TaskSnapshot(object):
    """What decide needs of a task, read once through the host adapter:
    ``current_run`` (``handover.current_run``, None without a request marker)
    and ``recorded`` (``handover.verdicts`` for that run, first one first)."""

    def __init__(self, task_id, status, type_name, current_run, recorded=()):
        self.task_id = task_id
        self.status = status
        self.type_name = type_name
        self.current_run = current_run
        self.recorded = list(recorded or ())

    def __repr__(self):
        return 'TaskSnapshot(%r, %r, %r, run %r, %d recorded)' % (
            self.task_id, self.status, self.type_name, self.current_run, len(self.recorded))


# --- whitelisting -------------------------------------------------------------

def _domain_key(domain):
    # One normalisation for whitelisting and sender authentication: lower-case
    # ASCII (IDNA), no leading '@' or trailing dot.
    return authresults.ascii_domain(domain)


def domain_of(address):
    address = to_text(address or '').strip()
    if '@' not in address:
        return None
    return _domain_key(address.rsplit('@', 1)[1])


def domain_whitelisted(address, whitelist):
    """Exact, case-insensitive domain match (see the module notes)."""
    domain = domain_of(address)
    if not domain:
        return False
    allowed = set(d for d in (_domain_key(w) for w in whitelist or []) if d)
    return domain in allowed


def whitelist_problem(parsed, config):
    """None when whitelisting is off or passes, else a short secret-free detail."""
    if not getattr(config, 'enable_whitelisting', False):
        return None
    whitelist = getattr(config, 'domain_whitelist', None) or []
    if not domain_whitelisted(parsed.sender, whitelist):
        return 'From domain'
    if not parsed.to_addresses:
        return 'no To address'
    for address in parsed.to_addresses:
        if not domain_whitelisted(address, whitelist):
            return 'To domain'
    return None


# --- signature ------------------------------------------------------------------

def signed_run(parsed, secret):
    """The run id the reply's token was signed for, or None (forged, altered,
    another sender, another secret).  No API call.  A plain Reply presents
    its reply token (replytoken.py) instead of a SIGNATURE."""
    if getattr(parsed, 'plain', False):
        for token in getattr(parsed, 'tokens', ()):
            if replytoken.verify(secret, token, parsed.task_id, parsed.sender_address):
                return token.run_id
        return None
    return signature.verify(secret, parsed.signature, parsed.action, parsed.task_id,
                            parsed.sender_address)


def check_signature(parsed, config):
    """(Verdict to ignore, None) or (None, the signed run id)."""
    run_id = signed_run(parsed, getattr(config, 'secret', None))
    if run_id is None:
        return Verdict.ignore(BAD_SIGNATURE), None
    return None, run_id


# --- the verdict ------------------------------------------------------------------

def precheck(parsed, config):
    """The checks that need no task and no secret: a Verdict to ignore, or None."""
    if parsed.self_sent:
        return Verdict.ignore(SELF_SENT)
    if parsed.auto_reply:
        return Verdict.ignore(AUTO_REPLY, parsed.auto_reply)
    if parsed.error:
        return Verdict.ignore(parsed.error, getattr(parsed, 'error_detail', None))
    problem = whitelist_problem(parsed, config)
    if problem:
        return Verdict.ignore(NOT_WHITELISTED, problem)
    if getattr(config, 'require_sender_authentication', False):
        ok, why = authresults.check(parsed.authentication_results, parsed.sender,
                                    getattr(config, 'authserv_id', None))
        if not ok:
            return Verdict.ignore(NOT_AUTHENTICATED, why)
    return None


def decide(parsed, config, task, still_assignee, mail_key=None):
    """The Verdict for one reply, every step at once (the fetcher runs them
    as separate guard steps, reading the task only for a signed reply).

    ``task``: a TaskSnapshot, or None when the task does not exist.
    ``still_assignee``: bool, or a callable returning one (asked last; it may
    raise, which the caller treats as a server failure).
    """
    early = precheck(parsed, config)
    if early is not None:
        return early
    early, run_id = check_signature(parsed, config)
    if early is not None:
        return early
    return judge_task(task, run_id, mail_key, still_assignee, parsed.action)


def judge_task(task, run_id, mail_key, still_assignee, action):
    """The checks after the signature verified for ``run_id``: the task's
    type, status and current run, the verdicts already recorded for that run,
    and whether the sender is still an assignee."""
    if task is None:
        return Verdict.ignore(UNKNOWN_TASK)
    if task.type_name != TASK_TYPE:
        return Verdict.ignore(WRONG_TYPE)
    if task.status != IN_PROGRESS:
        if task.status in FINAL_STATUSES:
            return Verdict.ignore(NOT_IN_PROGRESS, 'status %s' % task.status)
        return Verdict.ignore(TASK_SETTLING, 'status %s' % task.status)
    if task.current_run != run_id:
        return Verdict.ignore(STALE_RUN, None if task.current_run else 'no open request')
    if task.recorded:
        if mail_key is not None and any(v.mail_key == mail_key for v in task.recorded):
            return Verdict.ignore(ALREADY_RECORDED)
        return Verdict.ignore(ALREADY_DECIDED, 'the recorded reply says %s'
                              % task.recorded[0].action)
    answer = still_assignee() if callable(still_assignee) else still_assignee
    if not answer:
        return Verdict.ignore(NOT_ASSIGNEE)
    return Verdict.act_on(action)


def too_large(parsed):
    """The verdict for a mail judged from its headers only (body too large)."""
    if parsed.self_sent:
        return Verdict.ignore(SELF_SENT)
    if parsed.auto_reply:
        return Verdict.ignore(AUTO_REPLY, parsed.auto_reply)
    return Verdict.ignore(TOO_LARGE)
