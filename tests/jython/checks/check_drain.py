# -*- coding: utf-8 -*-
"""The drain on real Jython 2.7.3 against Dovecot, where a java.lang.Error
(OutOfMemoryError, StackOverflowError) is no Python Exception: a handler or
parser that throws one costs only its own mail (one logged verdict, the mail
removed or quarantined, the others handled), and one thrown outside a
handler ends the cycle cleanly with its claims released.  Started by
tests/performance/test_drain_jython.py with a context:
{"host", "port", "tls_port", "ca_pem" (path), "users": {name: password},
"large_user", "large_count"} (that user's Maildir filled before the JVM starts)."""
from __future__ import absolute_import, unicode_literals

import imaplib
import logging
import socket
import ssl

from java.lang import IllegalStateException, OutOfMemoryError, StackOverflowError, Throwable

import fetch_fakes as fakes
from remote_completion import decide, drain, fetch, imap, logs, reply, tls
from remote_completion import settings as settings_mod
from jython_support import LogLines as _Lines, ca_text

REQUIRES = ('dovecot',)


class _Logged(object):
    def __enter__(self):
        self.logger = logging.getLogger(logs.LOGGER_NAME)
        self.handler = _Lines()
        self.level = self.logger.level
        self.logger.addHandler(self.handler)
        self.logger.setLevel(logging.DEBUG)
        return self.handler.lines

    def __exit__(self, *exc):
        self.logger.removeHandler(self.handler)
        self.logger.setLevel(self.level)
        return False


def _message(subject):
    return ('From: someone@example.org\r\nTo: xlr@example.org\r\nSubject: %s\r\n\r\nhello\r\n'
            % subject).encode('ascii')


def _admin(context, user):
    conn = imaplib.IMAP4(str(context['host']), context['port'])
    conn.login(str(user), str(context['users'][user]))
    return conn


def _append(context, user, subjects):
    conn = _admin(context, user)
    try:
        for subject in subjects:
            typ, data = conn.append(str('INBOX'), None, None, _message(subject))
            assert typ == 'OK', data
    finally:
        conn.logout()


def _left(context, user, mailbox='INBOX'):
    """{uid: [claim keywords]} of the messages in ``mailbox``."""
    conn = _admin(context, user)
    try:
        typ, data = conn.select(str(mailbox), readonly=True)
        if typ != 'OK' or int(data[0]) == 0:
            return {}
        typ, data = conn.uid(str('FETCH'), str('1:*'), str('(UID FLAGS)'))
        out = {}
        for line in data:
            if not line:
                continue
            text = line.decode('ascii') if isinstance(line, bytes) else line
            uid = int(text.split('UID ')[1].split()[0].rstrip(')'))
            flags = text.split('FLAGS (')[1].split(')')[0].split()
            out[uid] = [f for f in flags if f.lower().startswith('$xlrclaim')]
        return out
    finally:
        conn.logout()


def _world(context, user, quarantine=None):
    return fakes.World(fakes.imap_ci(context['host'], context['port'], user,
                                     context['users'][user], 'jython-drain-secret-0123456789',
                                     'xlr@example.org', tls_mode='NONE', use_tls=False,
                                     quarantine=quarantine))


def _settings():
    return settings_mod.Settings(batch_size=2, network_timeout=15.0)


def _cycle(world):
    """One fetch cycle as main's fetcher takes its APIs (the host.Apis bundle
    once the hand-over lands, the six script variables before)."""
    if hasattr(fakes, 'bundle'):
        return fetch.run_fetch_cycle(fakes.bundle(world), settings=_settings())
    return fetch.run_fetch_cycle(*fakes.apis(world), settings=_settings())


def check_out_of_memory_in_a_handler_costs_only_its_mail(context):
    user = 'jd0'
    _append(context, user, ['first', 'poison', 'second', 'third'])
    client = imap.ImapClient(context['host'], context['port'], imap.TLS_NONE, None, timeout=15)
    client.connect()
    judged = []

    class Summary(object):
        removed = quarantined = kept = 0
        reasons = []

        def add(self, verdict, disposition):
            self.reasons.append(verdict.reason)

    def judge(meta):
        judged.append(meta.uid)
        if b'Subject: poison' in meta.body:
            raise OutOfMemoryError('Java heap space (test)')
        return decide.Verdict.ignore(decide.NO_METADATA)
    summary = Summary()
    try:
        client.login(user, context['users'][user])
        claimer = drain.open_claims(client, logs.get_logger())
        assert claimer is not None, 'Dovecot offers CONDSTORE: claims are on'
        client.select('INBOX')
        with _Logged() as lines:
            drain.drain(client, judge, summary, logs.get_logger(), batch_size=2,
                        claimer=claimer)
    finally:
        client.logout()
    assert judged == [1, 2, 3, 4], judged
    assert sorted(summary.reasons) == ['no-metadata'] * 3 + ['unreadable'], summary.reasons
    errors = [m for level, m in lines if level == 'ERROR']
    assert len(errors) == 1 and 'mail 2' in errors[0] and 'OutOfMemoryError' in errors[0], lines
    assert _left(context, user) == {}, 'the bad mail is removed, not retried forever'


def check_fetch_cycle_survives_a_parser_out_of_memory(context):
    """The whole cycle, the poisoned mail's parse throwing OutOfMemoryError
    (as a decompressing "charset" did): the cycle returns, the other mail is
    handled, the poisoned one is quarantined at once.  A Java exception that
    is no Error (perhaps a passing fault) keeps its fresh mail for the next
    cycle instead."""
    user = 'jd1'
    _append(context, user, ['before', 'poison', 'glitch', 'after'])
    world = _world(context, user, quarantine='Quarantine')
    real = reply.parse_reply

    def parse(raw, *args, **kwargs):
        if b'Subject: poison' in raw:
            raise OutOfMemoryError('Java heap space (test)')
        if b'Subject: glitch' in raw:
            raise IllegalStateException('test')
        return real(raw, *args, **kwargs)
    reply.parse_reply = parse
    try:
        with _Logged() as lines:
            summary = _cycle(world)
    finally:
        reply.parse_reply = real
    assert summary.error is None, lines
    assert summary.counts == {'no-metadata': 2, 'unreadable': 1, 'server-error': 1}, summary
    assert summary.quarantined == 3 and summary.kept == 1, summary
    assert _left(context, user) == {3: []}, 'the glitch mail is kept, unclaimed'
    assert sorted(_left(context, user, 'Quarantine')) == [1, 2, 3]
    errors = [m for level, m in lines if level == 'ERROR']
    assert len(errors) == 2, lines
    assert 'mail 2: ignored and moved to the quarantine folder' in errors[0], errors
    assert 'OutOfMemoryError' in errors[0], errors
    assert 'mail 3: kept for the next cycle' in errors[1], errors


def check_java_error_outside_a_handler_ends_the_cycle_with_claims_released(context):
    """A StackOverflowError while fetching the second batch: the cycle
    reports an IMAP failure instead of throwing, the first batch is removed,
    the rest stays for the next cycle with no claim of ours left on it, and
    the next cycle handles it."""
    user = 'jd2'
    _append(context, user, ['a', 'b', 'c', 'd', 'e'])
    world = _world(context, user)
    real = imap.ImapClient.fetch_contents
    calls = []

    def second_throws(self, metas, *args, **kwargs):
        calls.append(len(metas))
        if len(calls) == 2:
            raise StackOverflowError('test')
        return real(self, metas, *args, **kwargs)
    imap.ImapClient.fetch_contents = second_throws
    try:
        with _Logged() as lines:
            summary = _cycle(world)
    except Throwable as error:
        raise AssertionError('the Java Error escaped the cycle: %r' % (error,))
    finally:
        imap.ImapClient.fetch_contents = real
    assert summary.error == 'imap', (summary, lines)
    assert summary.removed == 2, summary
    left = _left(context, user)
    assert sorted(left) == [3, 4, 5], left
    assert all(not keywords for keywords in left.values()), left
    again = _cycle(world)
    assert again.error is None and again.removed == 3, again
    assert _left(context, user) == {}


def check_one_tls_context_serves_every_connection(context):
    """Jython's costly part of a cycle was building the context (the CA
    store); it is built once and reused for every verified connection."""
    pem = ca_text(context)
    shared = tls.client_context(pem)
    assert tls.client_context(pem) is shared
    for _ in range(3):
        client = imap.ImapClient(context['host'], context['tls_port'], imap.TLS_IMPLICIT,
                                 tls.client_context(pem), timeout=15)
        client.connect()
        try:
            assert client.ssl_context is shared
            client.login('jd0', context['users']['jd0'])
            client.noop()
        finally:
            client.logout()
    # Its engines come from one Netty/JDK context, which still checks the
    # host name: the same certificate for a name it does not carry fails.
    assert len(shared.engine_contexts_built) == 1, shared.engine_contexts_built
    sock = socket.create_connection((context['host'], context['tls_port']), 15)
    try:
        tls.wrap(sock, shared, 'not-this-server.example')
    except (ssl.SSLError, IOError) as error:
        assert 'certificate' in ('%s' % error).lower() or 'name' in ('%s' % error).lower(), error
    else:
        raise AssertionError('a certificate for another host name was accepted')
    finally:
        sock.close()


def check_a_large_mailbox_is_listed_in_bounded_windows_and_a_first_window_drained(context):
    """The Jython side of tests/performance/test_drain.py's large mailbox:
    20,000 messages under a line limit of 32 KiB, which one ``UID SEARCH ALL``
    answer breaks; every UID is listed in windows (each answer line within
    the limit, as the reader enforces it), and one drain cycle, held to its
    first window (all 20,000 would take minutes here), removes exactly the
    mail it handled.  Its first window is a group of what is left, here
    held to 2,000 messages (``MAX_GROUP``), listed in two answers."""
    user, count = context['large_user'], context['large_count']
    limit, group = imap.MAX_LINE, drain.MAX_GROUP
    imap.MAX_LINE = 32 * 1024
    drain.MAX_GROUP = 2000
    try:
        client = imap.ImapClient(context['host'], context['port'], imap.TLS_NONE, None,
                                 timeout=60)
        client.connect()
        try:
            client.login(user, context['users'][user])
            client.select('INBOX')
            try:
                client._call('search', client.conn.uid, str('SEARCH'), str('ALL'))
            except imap.ImapError as error:
                assert 'longer than' in '%s' % (error,), error
            else:
                raise AssertionError('one SEARCH ALL answer fits the lowered limit')
        finally:
            client.close()   # the overlong line broke that connection
        client = imap.ImapClient(context['host'], context['port'], imap.TLS_NONE, None,
                                 timeout=60)
        client.connect()
        judged = []

        class Summary(object):
            removed = quarantined = kept = 0

            def add(self, verdict, disposition):
                pass

        def judge(meta):
            judged.append(meta.uid)
            return decide.Verdict.ignore(decide.NO_METADATA)
        summary = Summary()
        try:
            client.login(user, context['users'][user])
            claimer = drain.open_claims(client, logs.get_logger())
            client.select('INBOX')
            windows = list(client.uid_windows())
            assert [len(w) for w in windows] == [imap.LIST_WINDOW] * (count // imap.LIST_WINDOW)
            assert [u for w in windows for u in w] == list(range(1, count + 1))
            listing = client.uid_windows

            def first_window(size):
                every = listing(size)
                try:
                    yield next(every)
                finally:
                    every.close()
            client.uid_windows = first_window
            drain.drain(client, judge, summary, logs.get_logger(), batch_size=50,
                        claimer=claimer)
        finally:
            client.logout()
    finally:
        imap.MAX_LINE = limit
        drain.MAX_GROUP = group
    first = 2000
    assert judged == list(range(1, first + 1)), (len(judged), judged[:3], judged[-3:])
    assert summary.removed == first, summary.removed
    conn = _admin(context, user)
    try:
        typ, data = conn.select(str('INBOX'), readonly=True)
        assert typ == 'OK' and int(data[0]) == count - first, data
        typ, data = conn.uid(str('SEARCH'), str('UID'), str('1:%d' % first))
        assert typ == 'OK' and not (data[0] or b'').split(), 'a handled mail is left'
        typ, data = conn.uid(str('SEARCH'), str('UID'), str(first + 1))
        assert typ == 'OK' and (data[0] or b'').split() == [str(first + 1).encode('ascii')], data
    finally:
        conn.logout()
