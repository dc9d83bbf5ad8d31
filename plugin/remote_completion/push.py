"""Push: wait in IMAP IDLE (RFC 2177) and process replies as they arrive.

One watcher thread keeps an IDLE connection to the mailbox and only signals
"new mail" (an EXISTS or RECENT untagged response); the calling thread runs
the ordinary fetch cycle (``fetch.run_fetch_cycle``) on each signal, so mail
is handled by exactly the code the polling job uses, one cycle at a time.

- Nothing waits behind the first IDLE: a fetch cycle drains the mailbox at
  once, and another runs when the watcher's IDLE is established (mail that
  arrived between the drain and the IDLE is not left for the next message).
- IDLE is re-issued every ``idle-refresh`` (default 4 minutes; RFC 2177
  servers may drop an IDLE after 30): DONE must come back within
  ``network-timeout``, which also detects a connection that died silently.
- A dropped connection is re-opened after an exponential backoff with
  jitter (bounded); after a reconnect a fetch cycle catches up.
- Without IDLE (the server does not offer it, ``push-enabled = false``, or
  the watcher is reconnecting) the loop polls every ``sync-interval``.
- ``stop_event`` (anything with ``is_set()``) and ``max_seconds`` end the
  loop; inside XL Release an interrupted job thread ends it too.
- Every comment a cycle writes (the verdict, recorded with the hand-over)
  also leaves a notice for the task's waiting script, as on the XL Release
  path (``xlrpush.noting_apis``): the task's own script, run every
  ``wait-interval`` on a host that runs this job, reads its task on the
  notice and ends it (``polling.wait_for_reply``).

The IDLE command itself is spoken by ``imap.py`` (``ImapClient.idle``);
this module is the loop and its policy: when to idle, refresh, reconnect,
poll, and when to run a fetch cycle.
"""
from __future__ import absolute_import, division, unicode_literals

import random
import threading
import time

from . import imap, logs
from .compat import ANY_ERROR, JYTHON

if JYTHON:  # pragma: no cover - the Jython lane
    from java.lang import Thread as _JavaThread
else:
    _JavaThread = None

# Longest pause between two checks of the stop condition while waiting.
STOP_CHECK_SECONDS = imap.IDLE_POLL_SECONDS

_log = logs.get_logger()


def _monotonic():
    clock = getattr(time, 'monotonic', None)
    return clock() if clock is not None else time.time()


def _thread_interrupted():
    """True when the host interrupted the calling thread: Java's
    ``Thread.interrupt()`` inside XL Release; the sandbox's job threads offer
    the same ``isInterrupted()`` on ``threading.current_thread()``."""
    if _JavaThread is not None:
        try:
            return bool(_JavaThread.currentThread().isInterrupted())
        except Exception:
            return False
    check = getattr(threading.current_thread(), 'isInterrupted', None)
    if check is None:
        return False
    try:
        return bool(check())
    except Exception:
        return False


class Stop(object):
    """When to stop: an external event, a deadline, or an interrupted thread."""

    def __init__(self, stop_event=None, max_seconds=None, clock=_monotonic):
        self.event = stop_event
        self.clock = clock
        self.deadline = None if max_seconds is None else clock() + max(0.0, float(max_seconds))
        self._internal = threading.Event()

    def set(self):
        self._internal.set()

    def is_set(self):
        if self._internal.is_set():
            return True
        if self.event is not None and self.event.is_set():
            return True
        if self.deadline is not None and self.clock() >= self.deadline:
            return True
        if _thread_interrupted():
            self._internal.set()  # seen on the host's thread: tell the watcher too
            return True
        return False

    def remaining(self):
        if self.deadline is None:
            return None
        return max(0.0, self.deadline - self.clock())

    def wait(self, seconds, wake=None):
        """Wait up to ``seconds`` (bounded by the deadline) or until stopped or
        ``wake`` is set.  True if ``wake`` was set."""
        end = self.clock() + max(0.0, seconds)
        while True:
            if wake is not None and wake.is_set():
                return True
            if self.is_set():
                return False
            left = end - self.clock()
            remaining = self.remaining()
            if remaining is not None:
                left = min(left, remaining)
            if left <= 0:
                return False
            pause = min(left, STOP_CHECK_SECONDS)
            if wake is not None:
                if wake.wait(pause):
                    return True
            else:
                self._internal.wait(pause)


class Backoff(object):
    """Exponential backoff with "equal jitter": the n-th delay is drawn from
    [d/2, d] with d = min(cap, initial * 2**n), so reconnecting clients spread
    out but never wait longer than ``cap``."""

    def __init__(self, initial=1.0, cap=60.0, rand=None):
        self.initial = float(initial)
        self.cap = float(cap)
        self.rand = rand or random.random
        self.attempt = 0

    def reset(self):
        self.attempt = 0

    def next_delay(self):
        ceiling = min(self.cap, self.initial * (2 ** min(self.attempt, 30)))
        self.attempt += 1
        return ceiling / 2.0 + self.rand() * ceiling / 2.0


class PushStats(object):
    """Counters for logs, tests and benchmarks (thread-safe)."""

    FIELDS = ('idle_commands', 'notifications', 'fetch_cycles', 'fetch_errors',
              'connections', 'connection_failures', 'polls')

    def __init__(self):
        self._changed = threading.Condition(threading.Lock())
        for name in self.FIELDS:
            setattr(self, name, 0)
        self.idling = threading.Event()

    def add(self, name, amount=1):
        with self._changed:
            setattr(self, name, getattr(self, name) + amount)
            self._changed.notify_all()

    def wait_for(self, predicate, timeout):
        """Wait until ``predicate(snapshot)`` holds; False after ``timeout``."""
        end = _monotonic() + timeout
        with self._changed:
            while not predicate(self._values()):
                left = end - _monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True

    def _values(self):
        return dict((name, getattr(self, name)) for name in self.FIELDS)

    def snapshot(self):
        with self._changed:
            return self._values()


# --- the watcher thread -------------------------------------------------------

class MailboxWatcher(threading.Thread):
    """Keeps one IDLE connection and sets ``wake`` when mail arrives.

    ``open_mailbox()`` returns an ``imap.ImapClient``: logged in, the inbox
    selected (its ``capabilities`` are the post-login list);
    ``close_mailbox(client)`` ends it.
    ``state``: 'connecting', 'idling', 'no-idle' (the server has no IDLE:
    the caller polls) or 'stopped'.
    """

    def __init__(self, open_mailbox, close_mailbox, wake, stop, settings, stats,
                 backoff=None, clock=_monotonic):
        threading.Thread.__init__(self, name='remote-completion-idle')
        self.daemon = True
        self.open_mailbox = open_mailbox
        self.close_mailbox = close_mailbox
        self.wake = wake
        self.stop = stop
        self.idle_refresh = float(settings.idle_refresh)
        self.network_timeout = float(settings.network_timeout)
        self.stats = stats
        self.backoff = backoff or Backoff(initial=1.0, cap=60.0)
        self.clock = clock
        self.state = 'connecting'
        self.state_changed = threading.Event()

    def _set_state(self, state):
        if state != self.state:
            self.state = state
            if state == 'idling':
                self.stats.idling.set()
            else:
                self.stats.idling.clear()
            self.state_changed.set()

    def run(self):
        try:
            while not self.stop.is_set():
                mailbox = None
                try:
                    mailbox = self.open_mailbox()
                    self.stats.add('connections')
                    if not imap.offers_idle(mailbox.capabilities):
                        _log.info('Remote completion: the IMAP server does not offer IDLE: '
                                  'polling every sync-interval')
                        self._set_state('no-idle')
                        self.wake.set()
                        return
                    self._idle_until_stopped(mailbox)
                except imap.IdleRefused as error:
                    _log.warning('Remote completion: the IMAP server refused IDLE (%s): '
                                 'polling every sync-interval', error)
                    self._set_state('no-idle')
                    self.wake.set()
                    return
                except ANY_ERROR as error:  # network, TLS, login: all retried
                    self.stats.add('connection_failures')
                    was_idling = self.state == 'idling'
                    self._set_state('connecting')
                    if was_idling:
                        self.wake.set()  # the caller polls while we reconnect
                    delay = self.backoff.next_delay()
                    _log.warning('Remote completion: IMAP IDLE connection lost or not opened '
                                 '(%s); retrying in %.1fs',
                                 logs.describe_error(error, 200), delay)
                    self.stop.wait(delay)
                finally:
                    if mailbox is not None:
                        self._close(mailbox)
        finally:
            if self.state != 'no-idle':
                self._set_state('stopped')

    def _close(self, mailbox):
        try:
            self.close_mailbox(mailbox)
        except Exception:
            pass

    def _idle_until_stopped(self, mailbox):
        first = True
        while not self.stop.is_set():
            session = mailbox.idle(self.network_timeout, self.clock)
            self.stats.add('idle_commands')
            if first:
                # Connected and idling: from here on nothing is missed, so a
                # cycle now catches what arrived while we were connecting.
                first = False
                self.backoff.reset()
                _log.debug('Remote completion: IMAP IDLE established, waiting for new mail')
                self._set_state('idling')
                self.wake.set()
            refresh_at = self.clock() + self.idle_refresh
            while True:
                event = session.next_event(refresh_at, self.stop.is_set)
                if event == 'mail':
                    self.stats.add('notifications')
                    self.wake.set()
                    continue
                break  # refresh due, stopped, or the server ended IDLE
            session.done()


# --- the loop ---------------------------------------------------------------

def _default_settings(settings):
    if settings is not None:
        return settings
    from . import settings as settings_module
    return settings_module.load_or_defaults(lambda text: _log.error(
        'Remote completion: %s; using default settings.',
        logs.clean(logs.mask_secrets(text), 500)))


def job_apis(taskApi, releaseApi, configurationApi, userApi, rolesApi, Comment):
    """The job's six APIs as the bundle its fetch cycles take: every comment
    written also leaves a notice (``xlrpush.noting_apis``) in the JVM-wide
    store the waiting scripts read (``polling._slot_store``), so a task's
    waiting script reads its task on the notice, within ``wait-interval``
    of the verdict."""
    from . import host, polling, xlrpush
    return xlrpush.noting_apis(host.Apis(taskApi, releaseApi, configurationApi, userApi,
                                         rolesApi, Comment), polling._slot_store())


def _default_fetch(apis, settings):
    from . import fetch
    bundle = job_apis(*apis)

    def run_cycle():
        return fetch.run_fetch_cycle(bundle, settings=settings)
    return run_cycle


def _default_mailbox(configurationApi, settings, mailbox_name='INBOX'):
    from . import host

    def open_mailbox():
        # Read the configuration at every (re)connect: an admin's change to
        # the IMAP server applies from the next connection on.
        config = host.find_imap_config(configurationApi)
        client = imap.ImapClient.for_config(config, timeout=settings.network_timeout)
        client.connect()
        try:
            client.login(config.username, config.password)
            client.select(mailbox_name)
        except Exception:
            client.close()
            raise
        return client

    def close_mailbox(client):
        client.logout()
    return open_mailbox, close_mailbox


class PushLoop(object):
    """The loop behind ``run``; parts are injectable for tests."""

    def __init__(self, fetch_cycle, settings, open_mailbox=None, close_mailbox=None,
                 stop_event=None, max_seconds=None, stats=None, backoff=None,
                 clock=_monotonic):
        self.fetch_cycle = fetch_cycle
        self.settings = settings
        self.open_mailbox = open_mailbox
        self.close_mailbox = close_mailbox or (lambda conn: None)
        self.stop = Stop(stop_event, max_seconds, clock)
        self.stats = stats or PushStats()
        self.backoff = backoff
        self.clock = clock
        self.wake = threading.Event()
        self.watcher = None
        self.retry_soon = False

    def _cycle(self):
        try:
            summary = self.fetch_cycle()
            # Mail kept for a retry (the server failed) or a cycle that could
            # not read the mailbox: try again after sync-interval, not only
            # when the next mail arrives.
            self.retry_soon = bool(getattr(summary, 'kept', 0)) or \
                getattr(summary, 'error', None) not in (None, 'disabled')
        except ANY_ERROR as error:   # Java Errors too: the loop must go on
            # The cycle logs its own problems; mail it could not handle stays
            # in the mailbox for the next cycle.
            self.retry_soon = True
            self.stats.add('fetch_errors')
            _log.warning('Remote completion: fetch cycle failed: %s',
                         logs.describe_error(error))
        finally:
            self.stats.add('fetch_cycles')  # counted when done: tests wait on it

    def _wait_interval(self):
        """sync-interval while polling; while IDLE works, idle-refresh: a
        safety cycle for mail a failed cycle left behind."""
        if self.watcher is not None and self.watcher.state == 'idling' and not self.retry_soon:
            return float(self.settings.idle_refresh)
        return float(self.settings.sync_interval)

    def run(self):
        if not getattr(self.settings, 'fetching_enabled', True):
            _log.debug('Remote completion: fetching is disabled (fetching-enabled = false).')
            return self.stats
        # Stopped before it began (a host that interrupts at once): one drain, no IDLE.
        push = bool(getattr(self.settings, 'push_enabled', True)) and \
            self.open_mailbox is not None and not self.stop.is_set()
        # Cleared before the watcher starts, so its "now idling" signal is
        # never lost: a cycle always runs after IDLE is established.
        self.wake.clear()
        if push:
            self.watcher = MailboxWatcher(self.open_mailbox, self.close_mailbox, self.wake,
                                          self.stop, self.settings, self.stats,
                                          backoff=self.backoff, clock=self.clock)
            self.watcher.start()
        else:
            _log.info('Remote completion: push (IMAP IDLE) is off: polling every %gs',
                      self.settings.sync_interval)
        try:
            self._cycle()  # drain what is already there
            while not self.stop.is_set():
                woken = self.stop.wait(self._wait_interval(), self.wake)
                if self.stop.is_set():
                    break
                self.wake.clear()
                if not woken:
                    self.stats.add('polls')
                self._cycle()
        finally:
            self.stop.set()
            if self.watcher is not None:
                self.watcher.join(self.settings.network_timeout + 2 * STOP_CHECK_SECONDS)
        return self.stats


def run(taskApi, releaseApi, configurationApi, userApi, rolesApi, Comment, settings=None,
        stop_event=None, max_seconds=None, stats=None, backoff=None):
    """Process replies as they arrive until ``stop_event`` is set or
    ``max_seconds`` pass (None: no limit).  Returns the PushStats."""
    settings = _default_settings(settings)
    apis = (taskApi, releaseApi, configurationApi, userApi, rolesApi, Comment)
    open_mailbox, close_mailbox = _default_mailbox(configurationApi, settings)
    loop = PushLoop(_default_fetch(apis, settings), settings, open_mailbox, close_mailbox,
                    stop_event=stop_event, max_seconds=max_seconds, stats=stats,
                    backoff=backoff)
    return loop.run()


def session_seconds(settings):
    """How long one push session keeps its connection: one idle-refresh
    period (default 4 minutes).  ``run_job`` starts the next one at once."""
    return float(settings.idle_refresh)


def run_job(taskApi, releaseApi, configurationApi, userApi, rolesApi, Comment, settings=None,
            stop_event=None, stats=None, backoff=None):
    """The fetch job's one call (``ext/remoteCompletion/FetchMail.py``).

    ``push-enabled = false``: one fetch cycle, as a polling job.  Otherwise
    push sessions (``session_seconds`` each, every one starting with a
    drain) back to back until ``stop_event`` is set or the host interrupts
    the job's thread: no gap between two sessions, so no reply waits for
    the host's next run.  Only a session that raised waits (``backoff``)
    before the next.  Settings given as None are read again per session.
    Either way each comment written leaves a notice (``job_apis``).
    Returns the cycle's Summary or the PushStats.
    """
    current = _default_settings(settings)
    if not getattr(current, 'push_enabled', True):
        from . import fetch
        return fetch.run_fetch_cycle(job_apis(taskApi, releaseApi, configurationApi, userApi,
                                              rolesApi, Comment), settings=current)
    stats = stats or PushStats()
    backoff = backoff or Backoff(initial=1.0, cap=60.0)
    stop = Stop(stop_event)
    while True:
        try:
            run(taskApi, releaseApi, configurationApi, userApi, rolesApi, Comment,
                settings=current, stop_event=stop_event,
                max_seconds=session_seconds(current), stats=stats)
            backoff.reset()
        except ANY_ERROR as error:
            delay = backoff.next_delay()
            _log.warning('Remote completion: push session failed (%s); the next in %.1fs',
                         logs.describe_error(error), delay)
            stop.wait(delay)
        if stop.is_set():
            return stats
        if settings is None:
            current = _default_settings(None)
        if not getattr(current, 'fetching_enabled', True) or \
                not getattr(current, 'push_enabled', True):
            return stats   # switched off meanwhile: the host's next run decides
