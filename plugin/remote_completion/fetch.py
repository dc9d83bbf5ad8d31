"""One fetch cycle: read the dedicated mailbox, act on good replies, empty it.

Per message: decide, record, log, then remove.  The fetcher never completes
or fails a task: it records the verdict as a signed comment on the task
(``handover``) and the task's own waiting script ends it.  A crash between
two steps makes the next cycle repeat a step, never skip one, and repeating
is harmless: a verdict already on the task for this mail is detected
("already-recorded") and not written again.  A mail that could not be handled
because the server failed (an API call raised, the assignees could not be
read) or refused a call for lack of permission stays for the next cycle.

The mailbox is dedicated to remote completion: ALL mail in INBOX is removed
after processing, recognised or not.  When the IMAP configuration names a
quarantine folder, every mail that was not acted on is moved there instead
(the folder is created when missing).

The mailbox side (listing in windows, claims, fetching ``batch-size``
messages at a time, removal in groups, surviving a mail that breaks its
handler) is ``drain.py``; this module judges and acts on one message.
Messages over ``max-message-size`` are judged from their headers and removed.
Each sender then gets an outcome reply (``outcome``), queued in the cycle's
``Outbox`` and sent ``batch-size`` at a time in one SMTP session.
"""
from __future__ import absolute_import, unicode_literals

import datetime
import re

from . import (compose, decide, drain, handover, host, imap, logs, maildebug, outcome,
               recipients, reply, smtp, tasklink)
from . import settings as settings_mod
from .compat import ANY_ERROR, HOST_ERRORS, to_text
from .drain import HEADER_BYTES, KEEP, REMOVE  # noqa: F401 - HEADER_BYTES for callers
# A genuine reply whose task cannot be read is kept this long (the server may
# be failing), then removed as "unknown task" (the release was deleted).
RETRY_WINDOW = datetime.timedelta(days=1)

ACTION_WORDS = handover.ACTION_WORDS


class Summary(object):
    """Counts per verdict reason for one cycle (for tests and benchmarks)."""

    def __init__(self):
        self.counts = {}
        self.acted = 0
        self.ignored = 0
        self.kept = 0
        self.removed = 0
        self.quarantined = 0
        self.error = None   # None, or why the cycle stopped early (secret-free)

    def add(self, verdict, disposition):
        self.counts[verdict.reason] = self.counts.get(verdict.reason, 0) + 1
        if disposition == KEEP:
            self.kept += 1
        elif verdict.act:
            self.acted += 1
        else:
            self.ignored += 1

    @property
    def total(self):
        return self.acted + self.ignored + self.kept

    def as_dict(self):
        return {'counts': dict(self.counts), 'acted': self.acted, 'ignored': self.ignored,
                'kept': self.kept, 'removed': self.removed, 'quarantined': self.quarantined,
                'error': self.error}

    def __repr__(self):
        return 'Summary(%r)' % (self.as_dict(),)


_safe_error = host.describe_error


def _load_settings(settings, log):
    if settings is not None:
        return settings
    loaded = settings_mod.load_or_defaults(lambda text: log.error(
        'Remote completion: %s; using default settings for this fetch cycle.',
        logs.clean(logs.mask_secrets(text), 300)))
    if loaded.unknown_keys:
        log.debug('Remote completion: unknown keys in %s: %s', loaded.source,
                  ', '.join(logs.clean(k, 60) for k in loaded.unknown_keys))
    return loaded


def run_fetch_cycle(apis=None, settings=None, now=None, release_id=None, mailbox=None,
                    **api_variables):
    """Process every message in INBOX once; returns a Summary.  Never raises
    for mail or server trouble (it is logged once per cycle).

    ``apis``: a ``host.Apis``; the script variables by name (``taskApi=``...)
    are taken too, for callers holding them as a dict.  ``release_id``: read
    the mailbox of that release's IMAP configuration (its nearest folder's,
    else the global one); None: the global one.  ``mailbox``: an open
    ``Mailbox`` to drain (its connection and configuration, kept open
    afterwards) instead of a connection of the cycle's own."""
    if apis is None:
        apis = host.Apis.from_variables(api_variables)
    log = logs.get_logger()
    summary = Summary()
    settings = _load_settings(settings, log)
    maildebug.set_conf_enabled(settings.mail_debug)
    if not settings.fetching_enabled:
        log.debug('Remote completion: fetching is disabled (fetching-enabled = false).')
        summary.error = 'disabled'
        return summary
    if mailbox is not None:
        return _drain_open(mailbox, settings, apis, summary, log, now)
    try:
        config = host.find_imap_config(apis.configurationApi, release_id)
    except host.ConfigurationError as error:
        log.error('Remote completion: %s', logs.clean(to_text(error), 500))
        summary.error = 'configuration'
        return summary
    except HOST_ERRORS as error:
        log.error('Remote completion: the IMAP configuration could not be read: %s',
                  _safe_error(error))
        summary.error = 'configuration'
        return summary

    opened = Mailbox(config, settings, log)
    try:
        opened.open()
        _process_mailbox(opened.client, config, settings, apis, summary, log, now,
                         opened.claimer)
    except ANY_ERROR as error:  # ImapError, TLS, anything unexpected, a Java Error
        _failed(summary, log, config, error)
    finally:
        opened.close()
    if summary.total:
        log.debug('Remote completion: fetch cycle done: %r', summary)
    return summary


def _failed(summary, log, config, error):
    summary.error = 'imap'
    log.error('Remote completion: fetching mail from %s:%s failed: %s',
              logs.clean(config.host, 100), config.port, _safe_error(error))


def _drain_open(mailbox, settings, apis, summary, log, now):
    """A cycle on ``mailbox``'s connection: it stays open, also after an
    error (``summary.error`` then says 'imap': the caller decides)."""
    try:
        _process_mailbox(mailbox.client, mailbox.config, settings, apis, summary, log, now,
                         mailbox.claimer)
    except ANY_ERROR as error:
        _failed(summary, log, mailbox.config, error)
    if summary.total:
        log.debug('Remote completion: fetch cycle done: %r', summary)
    return summary


class Mailbox(object):
    """INBOX of one IMAP configuration as a fetch cycle opens it: connected,
    logged in, claims prepared (CONDSTORE enabled in the same round trip as
    the SELECT).  A fetch cycle opens its own and closes it; the XL Release
    push session (``xlrpush``) keeps one open for its IDLE and drains it
    with ``run_fetch_cycle(mailbox=)`` on every wake-up."""

    def __init__(self, config, settings, log=None):
        self.config = config
        self.settings = settings
        self.log = log or logs.get_logger()
        self.client = None
        self.claimer = None

    def open(self):
        settings = self.settings
        self.client = imap.ImapClient.for_config(
            self.config, timeout=settings.network_timeout,
            max_literal=int(settings.max_message_size) + HEADER_BYTES)
        self.client.connect()
        self.client.login(self.config.username, self.config.password)
        # CONDSTORE must be enabled before SELECT: in the same round trip.
        self.claimer = drain.open_claims(self.client, self.log, settings.claim_timeout,
                                         select='INBOX')
        return self

    @property
    def capabilities(self):
        return self.client.capabilities

    def idle(self, network_timeout=None, clock=None):
        return self.client.idle(network_timeout, *([clock] if clock is not None else []))

    def told_unlisted(self):
        """True when the server told of new mail after the last drain's
        listing ended (``imap.ImapClient.told_unlisted``)."""
        told = getattr(self.client, 'told_unlisted', None)
        return bool(told()) if told is not None else False

    def close(self):
        client, self.client = self.client, None
        if client is not None:
            client.logout()


# --- the mailbox -----------------------------------------------------------------

def _process_mailbox(client, config, settings, apis, summary, log, now, claimer=None):
    max_size = int(settings.max_message_size)
    outbox = Outbox(config, apis, settings, log, size=int(settings.batch_size))

    def judge(meta):
        if meta.body is None:   # over max-message-size: judged by its headers
            parsed = reply.parse_reply(meta.header, headers_only=True)
            verdict = decide.too_large(parsed)
            _log_verdict(log, meta.uid, parsed, verdict)
            answer_sender(None, parsed, verdict, config, settings, apis, log, outbox)
            return verdict
        return _handle(meta.uid, reply.parse_reply(meta.body, max_bytes=max_size), meta, config,
                       apis, log, now, settings, outbox)
    try:
        drain.drain(client, judge, summary, log, batch_size=int(settings.batch_size),
                    max_size=max_size, quarantine=getattr(config, 'quarantine_folder', None),
                    claimer=claimer, may_retry=lambda meta: _within_retry_window(meta, now))
    finally:
        outbox.flush()   # their verdicts are recorded: the answers go out whatever follows


# --- one message -------------------------------------------------------------------

def _log_verdict(log, uid, parsed, verdict):
    if (verdict.act or verdict.reason != decide.NO_PERMISSION) \
            and not log.is_enabled(logs.INFO):
        return   # an info line nobody writes: nothing to clean or format
    sender = logs.clean(parsed.sender, 120) if parsed is not None and parsed.sender \
        else 'an unknown sender'
    task = logs.clean(parsed.task_id, 200) if parsed is not None and parsed.task_id \
        else 'no task'
    detail = logs.clean(verdict.text, 300)
    if verdict.act:
        outcome = 'recorded %s on the task (its waiting script ends it)' % verdict.action
    elif verdict.reason == decide.NO_PERMISSION:
        log.warning('Remote completion: mail %s from %s for %s: kept for the next cycle '
                    '(%s): %s', uid, sender, task, verdict.reason, detail)
        return
    elif verdict.reason in decide.KEPT:
        outcome = 'kept for the next cycle (%s): %s' % (verdict.reason, detail)
    else:
        outcome = 'ignored (%s): %s' % (verdict.reason, detail)
    log.info('Remote completion: mail %s from %s for %s: %s', uid, sender, task, outcome)


_MONTHS = dict((m, i + 1) for i, m in enumerate(
    ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']))
_INTERNALDATE = re.compile(r'^\s*(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) '
                           r'([+-])(\d{2})(\d{2})\s*$')


def parse_internaldate(text):
    """IMAP INTERNALDATE text as a naive UTC datetime, or None."""
    m = _INTERNALDATE.match(to_text(text or ''))
    if not m or m.group(2).lower() not in _MONTHS:
        return None
    try:
        local = datetime.datetime(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)),
                                  int(m.group(4)), int(m.group(5)), int(m.group(6)))
    except ValueError:
        return None
    offset = datetime.timedelta(hours=int(m.group(8)), minutes=int(m.group(9)))
    return local - offset if m.group(7) == '+' else local + offset


def _now(now):
    return now if now is not None else datetime.datetime.utcnow()


def _within_retry_window(meta, now):
    received = parse_internaldate(meta.internaldate) if meta is not None else None
    return received is not None and _now(now) - received <= RETRY_WINDOW


def _handle(uid, parsed, meta, config, apis, log, now, settings=None, outbox=None):
    """Decide, record, log; returns the Verdict (a KEPT reason: keep the mail).

    Guard steps, each returning a Verdict that ends the mail's handling or
    None to go on: the checks without secret or API, the signature (no API
    call), reading the task, judging it, recording the verdict.  Then the
    sender hears what became of the mail (``settings`` given: the outcome
    reply, after the verdict is recorded and logged; queued in ``outbox``)."""
    mail = _Mail(uid, parsed, meta, config, apis, log, now)
    verdict = (decide.precheck(parsed, config) or mail.check_signature() or mail.read_task()
               or mail.judge() or mail.record())
    _log_verdict(log, uid, parsed, verdict)
    if settings is not None:
        answer_sender(mail, parsed, verdict, config, settings, apis, log, outbox)
    return verdict


# --- the outcome reply -------------------------------------------------------------

_limiter = [None]   # one per JVM (outcome.RateLimiter keeps its counts JVM-wide)


def outcome_limiter():
    if _limiter[0] is None:
        _limiter[0] = outcome.RateLimiter()
    return _limiter[0]


def _known_user(mail, apis):
    """Is the sender someone XL Release knows for this task: their signature
    or reply token verified, or they are a current assignee?"""
    def known(address):
        if mail is None:
            return False
        if mail.run_id is not None:
            return True
        if mail.task is None or mail.snapshot is None:
            return False
        release_id = host.release_id_of(mail.snapshot.task_id)
        return recipients.is_assignee(address, mail.task, release_id, apis.releaseApi,
                                      apis.userApi, apis.rolesApi, apis.folderApi)
    return known


def send_outcome(config, apis, settings, outgoing):
    """Send (address, message bytes) outcome replies through the start
    script's source, in one session: Graph for a Graph mailbox, else the
    SMTP server the requests go out with.  One Delivery per item."""
    if getattr(config, 'mail_source', host.SOURCE_IMAP) == host.SOURCE_GRAPH:
        from . import graph
        return graph.send_messages(config, outgoing, timeout=settings.network_timeout)
    smtp_config = host.find_smtp_config(apis.configurationApi, config)
    return smtp.send_messages(smtp_config, outgoing, trusted_pem=config.trusted_certificates,
                              timeout=settings.network_timeout)


class Outbox(object):
    """A fetch cycle's outcome replies, sent ``size`` at a time in one session
    (and one SMTP configuration lookup) rather than a session per reply: a
    backlog of 1,000 answered mails opens 20 sessions, not 1,000, which a
    relay's connection limits would refuse.  ``size`` 0: each reply goes at
    once.  ``flush`` logs each reply's fate and returns, per reply, None
    (sent) or 'not-sent'."""

    def __init__(self, config, apis, settings, log, size=0):
        self.config, self.apis, self.settings, self.log = config, apis, settings, log
        self.size = max(0, int(size))
        self.items = []   # (sender for the log, verdict reason, address, bytes)

    def add(self, sender, reason, address, data):
        """Queue one reply; a full outbox is flushed (its results returned)."""
        self.items.append((sender, reason, address, data))
        return self.flush() if len(self.items) >= self.size else []

    def flush(self):
        items, self.items = self.items, []
        if not items:
            return []
        try:
            deliveries = send_outcome(self.config, self.apis, self.settings,
                                      [(address, data) for _s, _r, address, data in items])
            errors = [None if d.ok else logs.clean(d.error, 300) for d in deliveries]
        except ANY_ERROR as error:
            errors = [_safe_error(error)] * len(items)
        for (sender, reason, _address, _data), error in zip(items, errors):
            if error is None:
                self.log.info('Remote completion: outcome reply (%s) sent to %s', reason, sender)
            else:
                self.log.warning('Remote completion: the outcome reply to %s was not sent: %s',
                                 sender, error)
        return [None if error is None else 'not-sent' for error in errors]


def answer_sender(mail, parsed, verdict, config, settings, apis, log, outbox=None):
    """The outcome reply to the sender (outcome.py says who never gets one):
    queued in ``outbox``, or sent at once without one.  Never raises and
    never changes the verdict: a failure is logged.  None: answered (or
    queued); otherwise why not."""
    if not settings.outcome_replies or parsed is None:
        return 'off'
    sender = logs.clean(getattr(parsed, 'sender', None), 120) or 'an unknown sender'
    try:
        why = outcome.skip_reason(parsed, verdict, _known_user(mail, apis), outcome_limiter())
        if why is not None:
            log.debug('Remote completion: no outcome reply to %s (%s)', sender, why)
            return why
        task = mail.task if mail is not None else None
        texts = {}
        if task is not None:
            texts = dict(task_title=host.task_title(task), status=host.task_status(task),
                         link=tasklink.task_url(settings.server_url,
                                                host.task_id(task)))
        mailbox = compose.split_from(config.from_address)[1]
        message = outcome.compose_outcome(parsed, verdict, mailbox, **texts)
        data = compose.message_bytes(message)
    except ANY_ERROR as error:
        log.warning('Remote completion: the outcome reply to %s was not sent: %s', sender,
                    _safe_error(error))
        return 'not-sent'
    if outbox is not None:
        outbox.add(sender, verdict.reason, parsed.sender_address, data)
        return None
    return Outbox(config, apis, settings, log).add(sender, verdict.reason,
                                                   parsed.sender_address, data)[0]


class _Watched(object):
    """A script API whose calls are counted when they raise, and remembered
    when the host refused them for lack of permission (the API raises alike
    for an unknown user and an outage, so only the count tells them apart)."""

    def __init__(self, api):
        self._api = api
        self.failures = 0
        self.denied = False

    def __getattr__(self, name):
        call = getattr(self._api, name)

        def watched(*args):
            try:
                return call(*args)
            except HOST_ERRORS as error:
                self.failures += 1
                self.denied = self.denied or host.is_permission_error(error)
                raise
        return watched


class _Mail(object):
    """One reply on its way through the guard steps."""

    def __init__(self, uid, parsed, meta, config, apis, log, now):
        self.uid, self.parsed, self.meta, self.config = uid, parsed, meta, config
        self.apis, self.log, self.now = apis, log, now
        self.run_id = None
        self.task = None
        self.snapshot = None
        self.acting = None
        self.assignee = None   # the Recipient the sender is, once judged an assignee
        self.key = handover.mail_key(parsed.message_id, getattr(meta, 'internaldate', None),
                                     uid, parsed.signature)

    def _debug(self, what, error):
        self.log.debug('Remote completion: %s for mail %s failed: %s', what, self.uid,
                       _safe_error(error))

    def _older_than_retry_window(self):
        received = parse_internaldate(self.meta.internaldate) if self.meta is not None else None
        return received is not None and _now(self.now) - received > RETRY_WINDOW

    def check_signature(self):
        verdict, self.run_id = decide.check_signature(self.parsed, self.config)
        return verdict

    def _read_markers(self):
        """(the task, its current run, the verdicts recorded for that run)."""
        task = host.get_task(self.apis.taskApi, self.parsed.task_id)
        if task is None:
            raise LookupError('no task')
        run, recorded = handover.run_and_verdicts(host.task_notes(task), self.config.secret,
                                                  self.parsed.task_id)
        return task, run, recorded

    def _read(self):
        task, run, recorded = self._read_markers()
        task_id = self.parsed.task_id
        return task, decide.TaskSnapshot(
            host.task_id(task) or task_id, host.task_status(task), host.task_type_name(task),
            run, recorded)

    def read_task(self):
        """The task, its current run and the verdicts recorded for it.  The
        reply is signed, so when the task cannot be read the mail waits
        (the server may be failing) until the retry window has passed."""
        try:
            self.task, self.snapshot = self._read()
            return None
        except HOST_ERRORS as error:
            self._debug('reading the task', error)
            if host.is_permission_error(error):
                return decide.Verdict.ignore(decide.NO_PERMISSION, 'reading the task')
            if self._older_than_retry_window():
                return decide.Verdict.ignore(decide.UNKNOWN_TASK)
            return decide.Verdict.ignore(decide.SERVER_ERROR, 'the task could not be read')

    def judge(self):
        """None when the reply is to be recorded, else why not."""
        users = _Watched(self.apis.userApi)
        releases = _Watched(self.apis.releaseApi)
        roles = _Watched(self.apis.rolesApi)

        def still_assignee():
            try:
                release_id = host.release_id_of(self.snapshot.task_id)
            except ValueError:
                return False  # not a task inside a release: nobody is its assignee
            found = recipients.find_assignee(self.parsed.sender_address, self.task,
                                             release_id, releases, users, roles,
                                             self.apis.folderApi)
            if found is None and users.failures:
                # "Not an assignee" only counts when every user could be read:
                # a directory outage must not throw a genuine reply away.
                raise recipients.AssigneeLookupError('%d user lookup(s) failed' % users.failures)
            self.assignee = found
            return found is not None
        try:
            verdict = decide.judge_task(self.snapshot, self.run_id, self.key, still_assignee,
                                        self.parsed.action)
        except HOST_ERRORS as error:
            self._debug('the assignee lookup', error)
            if users.denied or releases.denied or roles.denied:
                return decide.Verdict.ignore(decide.NO_PERMISSION, 'reading the assignees')
            if self._older_than_retry_window():
                return decide.Verdict.ignore(decide.NOT_ASSIGNEE, 'the assignees could not be '
                                             'read for longer than the retry window')
            return decide.Verdict.ignore(decide.SERVER_ERROR, 'the assignees could not be read')
        if verdict.reason == decide.TASK_SETTLING and self._older_than_retry_window():
            # Bounded: a task stuck in a transient status does not keep mail forever.
            return decide.Verdict.ignore(decide.SETTLING_TOO_LONG, 'status %s'
                                         % logs.clean(self.snapshot.status, 40))
        if not verdict.act:
            return verdict
        self.acting = verdict
        return None

    def record(self):
        """Write the verdict comment, then read it back: the first verdict
        recorded for the run wins, also against a fetcher on another node."""
        parsed, action = self.parsed, self.acting.action
        # The full name of the assignee the sender was just found to be (the
        # one resolve names first): no second lookup of the same users.
        full_name = self.assignee.full_name if self.assignee is not None \
            else _full_name(parsed, self.task, self.apis)
        audit = handover.audit_text(action, full_name, parsed.sender, self.now, parsed.comment)
        text = handover.verdict_comment(audit, self.config.secret, action, parsed.task_id,
                                        self.run_id, self.key)
        failed = None
        try:
            self.apis.taskApi.commentTask(parsed.task_id,
                                          host.make_comment(self.apis.Comment, text))
        except HOST_ERRORS as error:
            self._debug('recording the verdict', error)
            failed = error
        try:
            recorded = self._read_markers()[2]   # the markers only: no snapshot
        except HOST_ERRORS as error:
            self._debug('reading the verdict back', error)
            recorded = None
        keys = [v.mail_key for v in recorded or ()]
        if keys and keys[0] == self.key:
            return self.acting
        if self.key in keys:
            return decide.Verdict.ignore(decide.ALREADY_DECIDED, 'the recorded reply says %s'
                                         % recorded[0].action)
        if failed is None:
            return self.acting  # written; only the read-back failed
        if host.is_permission_error(failed):
            return decide.Verdict.ignore(decide.NO_PERMISSION, 'commenting on the task')
        return decide.Verdict.ignore(decide.SERVER_ERROR, 'the verdict could not be recorded')


def _full_name(parsed, task, apis):
    """The answering person's full name from XL Release (not from the mail)."""
    try:
        found, _problems = recipients.resolve(task, host.release_id_of(parsed.task_id),
                                              apis.releaseApi, apis.userApi, apis.rolesApi,
                                              apis.folderApi)
    except HOST_ERRORS:
        return None
    for person in found:
        if (person.email or '').strip().lower() == parsed.sender_address:
            return person.full_name
    return None


# Kept for callers of the earlier names (one owner: handover / host).
def audit_comment(action, full_name, address, when, comment):
    return handover.audit_text(action, full_name, address, when, comment)


make_comment = host.make_comment


class ConnectionTestFailed(Exception):
    """Raised by the Test button's script with the (secret-free) reason: XL
    Release answers a test with success, errorText and scriptFound only
    (SharedConfigurationStatusResponse), so printed output never reaches the
    admin; the failure's message does."""


def check_connection(configuration, settings=None):
    """(ok, message) for the connection test of an IMAP server configuration:
    token (OAuth 2.0), connect, log in or authenticate, select INBOX, log
    out; a failure names its step.  The message holds no secret."""
    try:
        config = host.imap_config_from_ci(configuration)
    except host.ConfigurationError as error:
        return False, logs.clean(to_text(error), 500)
    except HOST_ERRORS as error:
        return False, 'The configuration could not be read: %s' % _safe_error(error)
    timeout = (settings or settings_mod.Settings()).network_timeout
    if getattr(config, 'mail_source', host.SOURCE_IMAP) == host.SOURCE_GRAPH:
        from . import graph
        return graph.check_connection(config, timeout)
    where = '%s:%s' % (logs.clean(config.host, 100), config.port)
    client = None
    step = 'connect'
    try:
        client = imap.ImapClient.for_config(config, timeout=timeout)
        if client.tokens is not None:
            step = 'get an OAuth 2.0 token'
            client.tokens.token()
        step = 'connect'
        client.connect()
        step = 'authenticate (OAuth 2.0)' if client.tokens is not None else 'log in'
        client.login(config.username, config.password)
        step = 'select INBOX'
        count = client.select('INBOX')
        how = 'authenticated with OAuth 2.0' if client.tokens is not None else 'logged in'
        return True, 'Connected to %s (%s), %s as %s; INBOX holds %d message(s).' % (
            where, config.tls_mode, how, logs.clean(config.username, 100), count)
    except HOST_ERRORS as error:
        return False, 'IMAP connection test of %s failed at step "%s": %s' % (
            where, step, _safe_error(error))
    finally:
        if client is not None:
            client.logout()
