# -*- coding: utf-8 -*-
"""Security modules on real Jython 2.7.3: sender authentication and claims
(the claim checks talk to the Dovecot that tests/security/test_jython_security.py
starts; it passes host, port, users and passwords as the context)."""
from __future__ import absolute_import, unicode_literals

from remote_completion import authresults

REQUIRES = ('dovecot',)

PINNED = 'mail.example.org'
GMAIL = (
    'mx.google.com;\r\n       dkim=pass header.i=@corp.com header.s=20230601 header.b=Xy12;\r\n'
    '       spf=pass (google.com: domain of alice@corp.com designates 209.85.220.41 as permitted'
    ' sender) smtp.mailfrom=alice@corp.com;\r\n'
    '       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=corp.com'
)


def _h(*values):
    return [('Authentication-Results', v) for v in values]


def check_authresults_parses_gmail():
    parsed = authresults.parse_header(GMAIL)
    assert parsed.authserv_id == 'mx.google.com'
    assert [(r.method, r.result) for r in parsed.results] == [
        ('dkim', 'pass'), ('spf', 'pass'), ('dmarc', 'pass')]
    ok, reason = authresults.check(_h(GMAIL), 'alice@corp.com', 'mx.google.com')
    assert ok, reason


def check_authresults_forged_and_misaligned_fail():
    forged = 'evil.io; dmarc=pass header.from=corp.com'
    assert not authresults.check(_h(forged), 'alice@corp.com', PINNED)[0]
    real = PINNED + '; dmarc=fail header.from=corp.com'
    fake = PINNED + '; dmarc=pass header.from=corp.com'
    assert not authresults.check(_h(fake, real), 'alice@corp.com', PINNED)[0]
    assert not authresults.check(_h(PINNED + '; dkim=pass header.d=corp.com.evil.io'),
                                 'alice@corp.com', PINNED)[0]
    assert authresults.check(_h(PINNED + '; dkim=pass header.d=mail.corp.com'),
                             'alice@corp.com', PINNED)[0]


def check_authresults_idn_and_hostile_text():
    value = PINNED + '; dmarc=pass header.from=xn--bcher-kva.example'
    assert authresults.check(_h(value), u'anna@b\u00fccher.example', PINNED)[0]
    for junk in ('', ';;', '(' * 300, '"unclosed', u'\x00\u202e', 'a' * 20000):
        ok, reason = authresults.check(_h(PINNED + junk), 'alice@corp.com', PINNED)
        assert not ok and '\n' not in reason


def check_authresults_reads_a_message():
    import email
    raw = ('Authentication-Results: ' + PINNED + '; dkim=pass header.d=corp.com\r\n'
           'From: alice@corp.com\r\n\r\nbody\r\n')
    msg = email.message_from_string(str(raw))
    assert authresults.check(msg, 'alice@corp.com', PINNED)[0]


def check_claims_pure_parts():
    from remote_completion import claims
    assert claims.parse_uid_set('1:3,7,9:8') == set([1, 2, 3, 7, 8, 9])
    assert claims.parse_uid_set('x,,5:a,4') == set([4])
    t = 600.0
    now = 100 * t + 5
    bucket = int(now // t) % claims.BUCKETS
    assert not claims.is_stale(['$XlrClaimBy0000abcd', '$XlrClaimT%d' % bucket], now, t)
    assert claims.is_stale(
        ['$XlrClaimBy0000abcd', '$XlrClaimT%d' % ((bucket - 2) % claims.BUCKETS)], now, t
    )
    assert claims.is_stale(['$XlrClaimBy0000abcd'], now, t)
    token = claims.node_token()
    assert len(token) == 8 and token == claims.node_token()
    assert claims.node_token('h', 1, 't1') != claims.node_token('h', 2, 't1')


def _clients(context, count):
    from remote_completion import imap
    clients = []
    for _ in range(count):
        client = imap.ImapClient(
            context['host'], context['port'], imap.TLS_NONE, None, timeout=20
        ).connect()
        client.login(context['user'], context['password'])
        clients.append(client)
    return clients


def check_claims_against_dovecot(context):
    from remote_completion import claims
    a, b = _clients(context, 2)
    try:
        ca = claims.Claims(a, node='jythonaa')
        cb = claims.Claims(b, node='jythonbb')
        assert ca.prepare() and cb.prepare()
        a.select('INBOX')
        b.select('INBOX')
        first = ca.claim(range(1, 6))
        assert first.won == [1, 2, 3, 4, 5], first.won
        second = cb.claim(range(1, 11))
        assert second.won == [6, 7, 8, 9, 10], second.won
        assert second.taken == [1, 2, 3, 4, 5], second.taken
        ca.release([1, 2])
        assert cb.claim(range(1, 11)).won == [1, 2]
        # a's claims on 3..5 as seen by b three timeouts later: stale, taken back once
        later = claims.Claims(b, node='jythoncc', clock=lambda: ca.clock() + 3 * ca.timeout)
        later.enabled = True
        recovered = later.claim([3, 4, 5])
        assert recovered.recovered == [3, 4, 5] and recovered.won == [3, 4, 5], recovered
    finally:
        a.logout()
        b.logout()
