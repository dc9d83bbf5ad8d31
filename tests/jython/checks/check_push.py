# -*- coding: utf-8 -*-
"""Push (IMAP IDLE) on real Jython 2.7.3 against Dovecot: the IDLE exchange
over plain IMAP and implicit TLS (Jython's ssl sockets, read with timeouts),
imaplib still usable after DONE, and the push loop end to end with a stop
event.  Started by tests/performance/test_push_jython.py with a context:
{"host", "port", "tls_port", "ca_pem" (path), "users": {name: password}}."""
from __future__ import absolute_import, unicode_literals

import imaplib
import threading
import time

from remote_completion import imap, push, tls
from remote_completion.settings import Settings
from jython_support import ca_text

REQUIRES = ('dovecot',)
DEADLINE = 20.0


def _message(subject):
    return ('From: someone@example.org\r\nTo: xlr@example.org\r\nSubject: %s\r\n\r\nhello\r\n'
            % subject).encode('ascii')


def _login(conn, context, user):
    # Jython's imaplib sends what it is given: bytes, not unicode.
    conn.login(str(user), str(context['users'][user]))


def _append(context, user, subject):
    conn = imaplib.IMAP4(str(context['host']), context['port'])
    try:
        _login(conn, context, user)
        typ, data = conn.append(str('INBOX'), None, None, _message(subject))
        assert typ == 'OK', data
    finally:
        conn.logout()


def _count(context, user):
    conn = imaplib.IMAP4(str(context['host']), context['port'])
    try:
        _login(conn, context, user)
        typ, data = conn.select(str('INBOX'))
        return int(data[0])
    finally:
        conn.logout()


def _client(context, user, tls_mode):
    if tls_mode == 'implicit':
        ctx = tls.client_context(ca_text(context))
        port = context['tls_port']
    else:
        ctx, port = None, context['port']
    client = imap.ImapClient(context['host'], port, tls_mode, ctx, timeout=10).connect()
    client.login(user, context['users'][user])
    client.select('INBOX')
    return client


def _idle_round(context, user, tls_mode):
    client = _client(context, user, tls_mode)
    try:
        assert imap.offers_idle(client.capabilities), client.capabilities
        session = client.idle(network_timeout=10)
        # Nothing new yet: the wait ends at its deadline, not with an event.
        started = time.time()
        assert session.next_event(time.time() + 0.6) is None
        assert time.time() - started >= 0.5
        _append(context, user, 'idle-' + tls_mode)
        assert session.next_event(time.time() + DEADLINE) == 'mail'
        session.done()
        # imaplib is in step again after DONE: an ordinary command works.
        client.noop()
        assert client.uid_search_all(), 'the new mail is there'
    finally:
        client.logout()


def check_idle_plain(context):
    _idle_round(context, 'jy0', 'none')


def check_idle_implicit_tls(context):
    _idle_round(context, 'jy1', 'implicit')


def check_backoff_and_capabilities():
    backoff = push.Backoff(initial=1.0, cap=4.0, rand=lambda: 1.0)
    assert [backoff.next_delay() for _ in range(4)] == [1.0, 2.0, 4.0, 4.0]
    assert imap.offers_idle(['IMAP4rev1', 'IDLE'])
    assert 'IDLE' in imaplib.Commands


def check_push_loop_handles_mail_and_stops(context):
    user = 'jy2'
    _append(context, user, 'waiting')
    seen = []
    changed = threading.Condition()

    def cycle():
        client = _client(context, user, 'implicit')
        try:
            uids = client.uid_search_all()
            if uids:
                client.delete(uids)
        finally:
            client.logout()
        with changed:
            seen.append(len(uids))
            changed.notify_all()

    def open_mailbox():
        return _client(context, user, 'implicit')

    stop = threading.Event()
    loop = push.PushLoop(cycle, Settings(sync_interval=3600, idle_refresh=1200), open_mailbox,
                         lambda client: client.logout(), stop_event=stop, max_seconds=120)
    thread = threading.Thread(target=loop.run)
    thread.daemon = True
    thread.start()
    try:
        assert loop.stats.wait_for(lambda s: s['idle_commands'] >= 1 and s['fetch_cycles'] >= 2,
                                   DEADLINE), loop.stats.snapshot()
        assert sum(seen) == 1, seen      # the waiting mail was drained first
        _append(context, user, 'pushed')
        assert loop.stats.wait_for(lambda s: s['notifications'] >= 1, DEADLINE)
        end = time.time() + DEADLINE
        with changed:
            while sum(seen) < 2 and time.time() < end:
                changed.wait(end - time.time())
        assert sum(seen) == 2, seen
        assert loop.stats.snapshot()['polls'] == 0
    finally:
        stop.set()
        thread.join(DEADLINE)
    assert not thread.is_alive(), 'the loop did not stop'
    assert _count(context, user) == 0
