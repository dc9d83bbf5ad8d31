"""One fetch cycle: read the dedicated mailbox, act on good replies, empty it.

Per message: decide, act, log, then remove.  A crash between two steps makes
the next cycle repeat a step, never skip one, and repeating is harmless: a
task that was acted on is no longer IN_PROGRESS, so its reply is then
ignored as "task not in progress" and removed.  A mail that could not be
handled because the server failed (an API call raised and the task is still
in progress, the assignees could not be read) stays for the next cycle.

The mailbox is dedicated to remote completion: ALL mail in INBOX is removed
after processing, recognised or not.  When the IMAP configuration names a
quarantine folder, every mail that was not acted on is moved there instead
(the folder is created when missing).

The mailbox side (listing in windows, claims, fetching ``batch-size``
messages at a time, removal in groups, surviving a mail that breaks its
handler) is ``drain.py``; this module judges and acts on one message.
Messages over ``max-message-size`` are judged from their headers and removed.
"""
from __future__ import absolute_import, unicode_literals

import datetime
import re

from . import decide, drain, host, imap, logs, maildebug, recipients, reply
from . import settings as settings_mod
from .compat import ANY_ERROR, HOST_ERRORS, to_text
from .drain import HEADER_BYTES, KEEP, REMOVE  # noqa: F401 - HEADER_BYTES for callers
# A genuine reply whose task cannot be read is kept this long (the server may
# be failing), then removed as "unknown task" (the release was deleted).
RETRY_WINDOW = datetime.timedelta(days=1)

ACTION_WORDS = {'COMPLETE': 'Completed', 'FAIL': 'Failed'}


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


class _Apis(object):
    def __init__(self, taskApi, releaseApi, configurationApi, userApi, rolesApi, Comment):
        self.taskApi = taskApi
        self.releaseApi = releaseApi
        self.configurationApi = configurationApi
        self.userApi = userApi
        self.rolesApi = rolesApi
        self.Comment = Comment


def _safe_error(error):
    return logs.clean(logs.mask_secrets('%s: %s' % (type(error).__name__, to_text(error))), 300)


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


def run_fetch_cycle(taskApi, releaseApi, configurationApi, userApi, rolesApi, Comment,
                    settings=None, now=None):
    """Process every message in INBOX once; returns a Summary.  Never raises
    for mail or server trouble (it is logged once per cycle)."""
    log = logs.get_logger()
    summary = Summary()
    settings = _load_settings(settings, log)
    maildebug.set_conf_enabled(getattr(settings, 'mail_debug', False))
    if not getattr(settings, 'fetching_enabled', True):
        log.debug('Remote completion: fetching is disabled (fetching-enabled = false).')
        summary.error = 'disabled'
        return summary
    try:
        config = host.find_imap_config(configurationApi)
    except host.ConfigurationError as error:
        log.error('Remote completion: %s', logs.clean(to_text(error), 500))
        summary.error = 'configuration'
        return summary
    except Exception as error:
        log.error('Remote completion: the IMAP configuration could not be read: %s', _safe_error(error))
        summary.error = 'configuration'
        return summary

    apis = _Apis(taskApi, releaseApi, configurationApi, userApi, rolesApi, Comment)
    max_size = int(getattr(settings, 'max_message_size', 10 ** 6))
    client = None
    try:
        client = imap.ImapClient.for_config(config, timeout=getattr(settings, 'network_timeout', 30.0),
                                            max_literal=max_size + HEADER_BYTES)
        client.connect()
        client.login(config.username, config.password)
        # Before SELECT: CONDSTORE must be enabled first.
        claimer = drain.open_claims(client, log, getattr(settings, 'claim_timeout', None))
        client.select('INBOX')
        _process_mailbox(client, config, settings, apis, summary, log, now, claimer)
    except ANY_ERROR as error:  # ImapError, TLS, anything unexpected, a Java Error
        summary.error = 'imap'
        log.error('Remote completion: fetching mail from %s:%s failed: %s',
                  logs.clean(config.host, 100), config.port, _safe_error(error))
    finally:
        if client is not None:
            client.logout()
    if summary.total:
        log.debug('Remote completion: fetch cycle done: %r', summary)
    return summary


# --- the mailbox -----------------------------------------------------------------

def _process_mailbox(client, config, settings, apis, summary, log, now, claimer=None):
    max_size = int(getattr(settings, 'max_message_size', 10 ** 6))

    def judge(meta):
        if meta.body is None:   # over max-message-size: judged by its headers
            parsed = reply.parse_reply(meta.header, headers_only=True)
            verdict = decide.too_large(parsed)
            _log_verdict(log, meta.uid, parsed, verdict)
            return verdict
        return _handle(meta.uid, reply.parse_reply(meta.body, max_bytes=max_size), meta, config,
                       apis, log, now)
    drain.drain(client, judge, summary, log, batch_size=int(getattr(settings, 'batch_size', 50)),
                max_size=max_size, quarantine=getattr(config, 'quarantine_folder', None),
                claimer=claimer, may_retry=lambda meta: _within_retry_window(meta, now))


# --- one message -------------------------------------------------------------------

def _log_verdict(log, uid, parsed, verdict):
    sender = logs.clean(parsed.sender, 120) if parsed is not None and parsed.sender else 'an unknown sender'
    task = logs.clean(parsed.task_id, 200) if parsed is not None and parsed.task_id else 'no task'
    if verdict.act:
        outcome = '%s the task' % ACTION_WORDS.get(verdict.action, verdict.action).lower()
    elif verdict.reason in decide.KEPT:
        outcome = 'kept for the next cycle (%s): %s' % (verdict.reason, logs.clean(verdict.text, 300))
    else:
        outcome = 'ignored (%s): %s' % (verdict.reason, logs.clean(verdict.text, 300))
    log.info('Remote completion: mail %s from %s for %s: %s', uid, sender, task, outcome)


_MONTHS = dict((m, i + 1) for i, m in enumerate(
    ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']))
_INTERNALDATE = re.compile(r'^\s*(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})\s*$')


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


def _handle(uid, parsed, meta, config, apis, log, now):
    """Decide, act, log; returns the Verdict (SERVER_ERROR: keep the mail)."""
    verdict = decide.precheck(parsed, config)
    task = None
    if verdict is None:
        try:
            task = host.get_task(apis.taskApi, parsed.task_id)
            if task is None:
                raise LookupError('no task')
        except Exception as error:
            log.debug('Remote completion: task lookup for mail %s failed: %s', uid, _safe_error(error))
            verdict = _unreadable_task(parsed, config, meta, now)
    if verdict is None:
        snapshot = decide.TaskSnapshot(host.task_id(task) or parsed.task_id, host.task_status(task),
                                       host.task_type_name(task), host.task_attempt(task))

        def still_assignee():
            try:
                release_id = host.release_id_of(snapshot.task_id)
            except ValueError:
                return False  # not a task inside a release: nobody is its assignee
            users = _CountingUserApi(apis.userApi)
            found = recipients.is_assignee(parsed.sender_address, task, release_id, apis.releaseApi,
                                           users, apis.rolesApi)
            if not found and users.failures:
                # "Not an assignee" only counts when every user could be read:
                # a directory outage must not throw a genuine reply away.
                raise recipients.AssigneeLookupError('%d user lookup(s) failed' % users.failures)
            return found
        try:
            verdict = decide.judge_task(parsed, config, snapshot, still_assignee)
        except Exception as error:
            log.debug('Remote completion: assignee lookup for mail %s failed: %s', uid, _safe_error(error))
            if _older_than_retry_window(meta, now):
                verdict = decide.Verdict.ignore(decide.NOT_ASSIGNEE, 'the assignees could not be read '
                                                'for longer than the retry window')
            else:
                verdict = decide.Verdict.ignore(decide.SERVER_ERROR, 'the assignees could not be read')
    if verdict.reason == decide.TASK_SETTLING and _older_than_retry_window(meta, now):
        # Bounded: a task stuck in a transient status does not keep mail forever.
        verdict = decide.Verdict.ignore(decide.SETTLING_TOO_LONG,
                                        'status %s' % logs.clean(host.task_status(task), 40))
    if verdict.act:
        verdict = _act(uid, parsed, task, verdict, apis, log, now)
    _log_verdict(log, uid, parsed, verdict)
    return verdict


class _CountingUserApi(object):
    """userApi, counting the lookups that raised (the API raises both for an
    unknown user and for an outage, so only the count can tell them apart)."""

    def __init__(self, user_api):
        self._api = user_api
        self.failures = 0

    def getUser(self, username):  # noqa: N802 - the host's name
        try:
            return self._api.getUser(username)
        except Exception:
            self.failures += 1
            raise


def _within_retry_window(meta, now):
    received = parse_internaldate(meta.internaldate) if meta is not None else None
    return received is not None and _now(now) - received <= RETRY_WINDOW


def _older_than_retry_window(meta, now):
    received = parse_internaldate(meta.internaldate) if meta is not None else None
    return received is not None and _now(now) - received > RETRY_WINDOW


def _unreadable_task(parsed, config, meta, now):
    """The task could not be read: a forged mail goes, a genuine one waits."""
    if decide.signed_attempt(parsed, config.secret) is None:
        return decide.Verdict.ignore(decide.BAD_SIGNATURE)
    if _older_than_retry_window(meta, now):
        return decide.Verdict.ignore(decide.UNKNOWN_TASK)
    return decide.Verdict.ignore(decide.SERVER_ERROR, 'the task could not be read')


def _full_name(parsed, task, apis):
    """The answering person's full name from XL Release (not from the mail)."""
    try:
        found, _problems = recipients.resolve(task, host.release_id_of(parsed.task_id),
                                              apis.releaseApi, apis.userApi, apis.rolesApi)
    except Exception:
        return None
    for person in found:
        if (person.email or '').strip().lower() == parsed.sender_address:
            return person.full_name
    return None


_MARKDOWN = re.compile(r'([\\`<>\[\]])')


def _markdown_safe(text):
    # XL Release renders comments as Markdown: a reply must not smuggle in
    # links, images or HTML.
    return _MARKDOWN.sub(r'\\\1', text)


def audit_comment(action, full_name, address, when, comment):
    """The comment left on the task: who, when (UTC), by email, which action."""
    who = '%s <%s>' % (logs.clean(full_name, 100), logs.clean(address, 200)) if full_name \
        else logs.clean(address, 200)
    text = '%s by email by %s on %s UTC.' % (ACTION_WORDS.get(action, action), who,
                                             when.strftime('%Y-%m-%d %H:%M'))
    comment = (comment or '').strip()
    if comment:
        text += '\n\nComment: ' + _markdown_safe(comment)
    return text


def make_comment(Comment, text):
    """A host Comment object: ``Comment()`` + ``setComment`` or ``Comment(text)``."""
    if Comment is None:
        return text
    try:
        comment = Comment()
        comment.setComment(text)
        return comment
    except Exception:
        return Comment(text)


def _act(uid, parsed, task, verdict, apis, log, now):
    full_name = _full_name(parsed, task, apis)
    text = audit_comment(verdict.action, full_name, parsed.sender, _now(now), parsed.comment)
    comment = make_comment(apis.Comment, text)
    try:
        if verdict.action == 'COMPLETE':
            apis.taskApi.completeTask(parsed.task_id, comment)
        else:
            apis.taskApi.failTask(parsed.task_id, comment)
        return verdict
    except Exception as error:
        log.debug('Remote completion: %s of the task for mail %s failed: %s',
                  verdict.action.lower(), uid, _safe_error(error))
    # Did it happen anyway (or did someone else act first)?
    try:
        status = host.task_status(host.get_task(apis.taskApi, parsed.task_id))
    except Exception:
        status = None
    if status is not None and status != decide.IN_PROGRESS:
        return decide.Verdict.ignore(decide.NOT_IN_PROGRESS, 'status %s' % logs.clean(status, 40))
    return decide.Verdict.ignore(decide.SERVER_ERROR, 'the %s call failed' % verdict.action.lower())


# --- the Shared configuration "Test" button ------------------------------------

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
    timeout = getattr(settings, 'network_timeout', 30.0) if settings is not None else 30.0
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
