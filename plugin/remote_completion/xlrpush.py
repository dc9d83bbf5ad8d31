"""Push on XL Release: the waiting script run that holds the JVM-wide slot
watches the mailbox in IMAP IDLE; every other waiting run only looks for a
notice and reschedules itself.

Why this shape (documented ground only): XL Release runs a custom script
task's script on its own thread, in the task's user context, and runs it
again after ``task.schedule(script, seconds)``.  A script run may take a
while; a thread started from a script would run outside any user context,
which XL Release does not document, so no thread is started here.

- The slot (``PUSH_SLOT_KEY``, a Java system property taken by compare-and-
  set, as ``polling.take_cycle_slot``) says until when one run holds the
  mailbox.  The run that takes it drains the mailbox, enters IDLE (the
  same ``imap.ImapClient.idle`` the push job uses) and, on every "new mail",
  runs one fetch cycle on this same thread and this same connection
  (``fetch.Mailbox``: DONE, the drain, IDLE again), for ``xlr-push-session``
  seconds at most; then it gives the slot back, and the next waiting run
  of any task takes it at once.  With many tasks waiting that is
  milliseconds later; with one, its own next run.
- The fetch cycle records verdicts with the hand-over (comments); each
  comment written also leaves a notice (``NOTICE_PREFIX`` + task id, a
  system property) so that the task's own waiting run knows, without an
  API call, that its comments changed.  A waiting run reads its task
  (an API call or two) only when it has a notice, or by chance with
  probability ``wait-interval / sync-interval`` (so about once per
  sync-interval): a verdict written by another node of a cluster, or
  before a restart, is still seen, at polling speed.  On a host that runs
  the plugin's job, the job's comments leave the same notices
  (``push.job_apis``) and the waiting runs read on them the same way.
- Without IDLE (the server lacks it, refuses it, or the connection
  fails) the slot is kept for ``sync-interval``: one fetch cycle per
  sync-interval, as polling.  ``push-enabled = false`` is polling itself
  (``polling``), with no notices and no session.

Latency: the task ends when its own script next runs after the verdict, so
reply -> task ended is about the fetch cycle plus up to ``wait-interval``.
"""
from __future__ import absolute_import, division, unicode_literals

import random
import time

from . import fetch, host, imap, logs, push
from .compat import ANY_ERROR, HOST_ERRORS, to_text

PUSH_SLOT_KEY = 'xlr.remote-completion.push-slot-until-millis'
NOTICE_PREFIX = 'xlr.remote-completion.notice.'


def _now_millis():
    return int(time.time() * 1000)


def notice_key(task_id):
    """The notice's key: the id from its ``Release...`` segment on, so the
    fetcher's and the task's forms of the id (with or without folders) meet."""
    parts = to_text(task_id or '').strip('/').split('/')
    for index, part in enumerate(parts):
        if part.startswith('Release'):
            return NOTICE_PREFIX + '/'.join(parts[index:])
    return NOTICE_PREFIX + '/'.join(parts)


def take_notice(store, task_id):
    """True when the task had a notice; it is removed in the same step, so a
    notice written after this is seen by the next run."""
    return store.remove(notice_key(task_id)) is not None


class NotingTaskApi(object):
    """taskApi for the fetch cycles run here: after every comment written on
    a task, a notice for that task's waiting script.  Anything else passes."""

    def __init__(self, task_api, store):
        self._task_api = task_api
        self._store = store

    def commentTask(self, task_id, comment):
        result = self._task_api.commentTask(task_id, comment)
        self._store.put(notice_key(task_id), to_text(_now_millis()))
        return result

    def __getattr__(self, name):
        return getattr(self._task_api, name)


def noting_apis(apis, store):
    return host.Apis(NotingTaskApi(apis.taskApi, store), apis.releaseApi,
                     apis.configurationApi, apis.userApi, apis.rolesApi, apis.Comment,
                     apis.folderApi)


def take_slot(conf, now_millis, store):
    """The slot's token (text) when this run now holds the mailbox, else None."""
    if now_millis - store.started_millis < conf.startup_delay * 1000:
        return None
    held = store.get(PUSH_SLOT_KEY)
    if held is not None:
        try:
            if int(held) > now_millis:
                return None
        except ValueError:
            pass   # a foreign value: take the slot over
    # Held until the session's end plus a network timeout: a holder that died
    # (its JVM thread killed) frees the slot by itself.
    until = now_millis + int((conf.xlr_push_session + conf.network_timeout) * 1000)
    token = to_text(until)
    return token if store.compare_and_set(PUSH_SLOT_KEY, held, token) else None


def keep_slot(store, token, until_millis):
    """Hold the slot (no IDLE here) until ``until_millis``: polling pace."""
    store.compare_and_set(PUSH_SLOT_KEY, token, to_text(int(until_millis)))


def release_slot(store, token):
    """Give the slot back: the next waiting run takes it at once."""
    store.compare_and_set(PUSH_SLOT_KEY, token, '0')


def should_read(store, task_id, conf, rand=None):
    """Read the task's comments this run: a notice, or by chance about once
    per sync-interval (verdicts this JVM did not write).  ``rand``: default
    ``random.random``, looked up per call (tests replace it)."""
    if take_notice(store, task_id):
        return True
    return (rand or random.random)() < chance(conf)


def chance(conf):
    """The chance that a waiting run without a notice reads its task."""
    return float(conf.wait_interval) / max(float(conf.sync_interval), 1e-9)


class Session(object):
    """One slot holder's work: drain, then IDLE with a fetch cycle per
    wake-up, until ``xlr-push-session`` passes, the thread is interrupted,
    or ``own_verdict()`` finds the holder's own task answered.

    The cycles drain the IDLE connection itself (``fetch.Mailbox``, INBOX
    selected, claims prepared): DONE, the drain, IDLE again, so a wake-up
    costs no new connection, TLS handshake or login.  New mail told while
    a drain runs (an EXISTS after its listing ended) is drained at once:
    IDLE would not tell of it again."""

    def __init__(self, apis, conf, own_verdict, clock=push._monotonic, log=None,
                 open_mailbox=None, close_mailbox=None):
        self.apis = apis
        self.conf = conf
        self.own_verdict = own_verdict
        self.clock = clock
        self.log = log or logs.get_logger()
        if open_mailbox is None:
            open_mailbox, close_mailbox = _session_mailbox(apis.configurationApi, conf, self.log)
        self.open_mailbox = open_mailbox
        self.close_mailbox = close_mailbox or (lambda client: None)
        self.cycles = 0
        self.wakeups = 0
        self.idle_ok = False
        self.found = None

    def _cycle(self, mailbox=None):
        """One fetch cycle, on ``mailbox`` (the session's connection) or on a
        connection of its own; True when the holder's own verdict is in.
        Raises ConnectionLost when the cycle on ``mailbox`` failed: the
        connection is not trusted any further."""
        self.cycles += 1
        summary = None
        try:
            if mailbox is None:
                fetch.run_fetch_cycle(self.apis, settings=self.conf)
            else:
                summary = fetch.run_fetch_cycle(self.apis, settings=self.conf, mailbox=mailbox)
        except HOST_ERRORS as error:   # the mailbox's trouble must not fail the task
            self.log.error('Remote completion: fetch cycle in the waiting task failed: %s',
                           host.describe_error(error))
        self.found = self.own_verdict()
        if self.found is None and getattr(summary, 'error', None) == 'imap':
            raise imap.ConnectionLost('the fetch cycle on the IDLE connection failed')
        return self.found is not None

    def run(self):
        """'answered' (own verdict found), 'ended' (session over) or
        'no-idle' (no IDLE, or the connection failed: the caller keeps the
        slot for sync-interval, polling pace, so a broken server is not
        retried by every waiting run)."""
        end = self.clock() + float(self.conf.xlr_push_session)
        try:
            mailbox = self.open_mailbox()
        except ANY_ERROR as error:
            self.log.warning('Remote completion: IMAP IDLE connection not opened (%s)',
                             logs.describe_error(error, 200))
            return 'answered' if self._cycle() else 'no-idle'
        try:
            if not imap.offers_idle(mailbox.capabilities):
                return 'answered' if self._cycle(mailbox) else 'no-idle'
            drain = True   # what is already there first
            while self.clock() < end and not push._thread_interrupted():
                if drain:
                    if self._cycle(mailbox):
                        return 'answered'
                    if mailbox.told_unlisted():
                        continue   # told during the drain: drained now
                idle = mailbox.idle(self.conf.network_timeout, self.clock)
                self.idle_ok = True
                event = 'mail' if mailbox.told_unlisted() else None   # told as IDLE began
                if event is None:
                    refresh_at = min(end, self.clock() + float(self.conf.idle_refresh))
                    event = idle.next_event(refresh_at, push._thread_interrupted)
                idle.done()
                drain = event == 'mail'
                if drain:
                    self.wakeups += 1
            return 'ended'
        except imap.IdleRefused as error:
            self.log.warning('Remote completion: the IMAP server refused IDLE (%s): '
                             'polling every sync-interval', error)
            return 'answered' if self._cycle() else 'no-idle'
        except ANY_ERROR as error:   # a lost connection: the next holder reconnects
            self.log.warning('Remote completion: IMAP IDLE session ended (%s)',
                             logs.describe_error(error, 200))
            return 'answered' if self._cycle() else 'no-idle'
        finally:
            try:
                self.close_mailbox(mailbox)
            except ANY_ERROR:
                pass


def _session_mailbox(configuration_api, conf, log):
    """(open, close) for the session's connection: the global configuration
    read at every open, so an admin's change applies from the next session."""
    def open_mailbox():
        config = host.find_imap_config(configuration_api)
        mailbox = fetch.Mailbox(config, conf, log)
        try:
            return mailbox.open()
        except ANY_ERROR:
            mailbox.close()
            raise

    def close_mailbox(mailbox):
        mailbox.close()
    return open_mailbox, close_mailbox


def hold_if_free(apis, conf, own_verdict, store, now_millis=None, clock=push._monotonic,
                 log=None, open_mailbox=None, close_mailbox=None):
    """Take the slot if free and hold one session; the Session, or None when
    another run holds the slot."""
    now = _now_millis() if now_millis is None else int(now_millis)
    token = take_slot(conf, now, store)
    if token is None:
        return None
    session = Session(noting_apis(apis, store), conf, own_verdict, clock=clock, log=log,
                      open_mailbox=open_mailbox, close_mailbox=close_mailbox)
    outcome = 'ended'
    try:
        outcome = session.run()
    finally:
        if outcome == 'no-idle':
            keep_slot(store, token, now + float(conf.sync_interval) * 1000)
        else:
            release_slot(store, token)
    session.outcome = outcome
    return session
