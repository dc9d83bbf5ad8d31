"""Claims: two fetchers on one mailbox never own the same message."""
from __future__ import annotations

import threading

import pytest

from remote_completion import claims as claims_mod
from remote_completion.claims import BUCKETS, Claims, is_stale, parse_uid_set
from remote_completion.imap import TLS_NONE, ImapClient


def connect(server, user, password):
    client = ImapClient(server.host, server.port, TLS_NONE, None, timeout=10).connect()
    client.login(user, password)
    return client


def fill(server, user, n):
    c = server.client(user)
    try:
        for i in range(n):
            c.append(
                "INBOX", None, None,
                b"Subject: m%d\r\nFrom: a@corp.com\r\n\r\nbody %d\r\n" % (i, i))
    finally:
        c.logout()


# --- pure parts -----------------------------------------------------------------

def test_parse_uid_set():
    assert parse_uid_set("1:3,7,9:8") == {1, 2, 3, 7, 8, 9}
    assert parse_uid_set("x,,5:a,4") == {4}
    assert parse_uid_set("1:999999999") == set()  # absurd ranges are ignored


def test_staleness_buckets():
    t = 600.0
    now = 100 * t + 5
    bucket = int(now // t) % BUCKETS
    fresh = ["$XlrClaimBy0000abcd", "$XlrClaimT%d" % bucket]
    prev = ["$XlrClaimBy0000abcd", "$XlrClaimT%d" % ((bucket - 1) % BUCKETS)]
    old = ["$XlrClaimBy0000abcd", "$XlrClaimT%d" % ((bucket - 2) % BUCKETS)]
    assert not is_stale(fresh, now, t)
    assert not is_stale(prev, now, t)   # less than two buckets: may be younger than the timeout
    assert is_stale(old, now, t)
    assert is_stale(["$XlrClaimBy0000abcd"], now, t)   # no time: a half-written claim
    assert claims_mod.claim_keywords(["\\Seen", "$xlrclaimT1", "$Junk"]) == ["$xlrclaimT1"]


def test_node_tokens_differ_per_process_and_thread():
    a = claims_mod.node_token("h", 1, "t1")
    assert a == claims_mod.node_token("h", 1, "t1")
    assert len({a, claims_mod.node_token("h", 2, "t1"), claims_mod.node_token("h", 1, "t2"),
                claims_mod.node_token("g", 1, "t1")}) == 4


# --- against Dovecot -------------------------------------------------------------

@pytest.mark.dovecot
def test_prepare_must_come_before_select(mailbox):
    server, user, password = mailbox
    client = connect(server, user, password)
    try:
        client.select("INBOX")
        with pytest.raises(ValueError):
            Claims(client).prepare()
    finally:
        client.logout()


@pytest.mark.dovecot
@pytest.mark.parametrize("pipelined", [False, True], ids=["enable-then-select", "one-write"])
def test_two_claimers_racing_never_both_win(mailbox, pipelined):
    """Also with ENABLE CONDSTORE written together with the SELECT (the
    fetch cycle's way): the server enables it before it selects."""
    server, user, password = mailbox
    n = 120
    fill(server, user, n)
    clients = [connect(server, user, password) for _ in range(2)]
    claimers = []
    for i, client in enumerate(clients):
        c = Claims(client, timeout=600, node="node%04d" % i)
        if pipelined:
            assert c.prepare(select="INBOX")
            assert client.enabled == {"CONDSTORE"}
            assert client.conn.state == "SELECTED"
        else:
            assert c.prepare()
            client.select("INBOX")
        claimers.append(c)
    won = [set(), set()]
    barrier = threading.Barrier(2)

    def run(k):
        # One UID at a time so that both read the same MODSEQ before storing:
        # the closest race two fetchers can have.
        for uid in range(1, n + 1):
            barrier.wait()
            won[k] |= set(claimers[k].claim([uid]).won)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    try:
        assert not any(t.is_alive() for t in threads)
        assert not (won[0] & won[1]), sorted(won[0] & won[1])
        # Where Dovecot let both conditional STOREs pass, both read the other's
        # claim back and yield (claims._confirm): such a message is left free
        # for the next cycle, which a later claim then wins. Nothing is lost.
        left = sorted(set(range(1, n + 1)) - won[0] - won[1])
        if left:
            assert set(claimers[0].claim(left).won) == set(left)
    finally:
        for client in clients:
            client.logout()


@pytest.mark.dovecot
def test_batch_claims_split_a_mailbox(mailbox):
    server, user, password = mailbox
    fill(server, user, 30)
    a, b = (connect(server, user, password) for _ in range(2))
    ca, cb = Claims(a, node="aaaaaaaa"), Claims(b, node="bbbbbbbb")
    for c, client in ((ca, a), (cb, b)):
        c.prepare()
        client.select("INBOX")
    try:
        first = ca.claim(range(1, 21))
        second = cb.claim(range(1, 31))
        assert first.won == list(range(1, 21))
        assert second.won == list(range(21, 31))
        assert second.taken == list(range(1, 21))
        # Released mail is free again.
        ca.release(range(1, 6))
        third = cb.claim(range(1, 31))
        assert third.won == [1, 2, 3, 4, 5]
    finally:
        a.logout()
        b.logout()


def dead_fetcher(server, user, password, n, timeout, t0):
    """``n`` messages, the first five claimed at ``t0`` by a fetcher whose
    connection is returned (to close without releasing: it dies)."""
    fill(server, user, n)
    dead = connect(server, user, password)
    cd = Claims(dead, timeout=timeout, node="deaddead", clock=lambda: t0)
    cd.prepare()
    dead.select("INBOX")
    assert cd.claim(range(1, 6)).won == [1, 2, 3, 4, 5]
    return dead


@pytest.mark.dovecot
def test_stale_claim_of_a_dead_fetcher_is_taken_back_once(mailbox):
    server, user, password = mailbox
    timeout = 600.0
    t0 = 1_000_000 * timeout
    dead_fetcher(server, user, password, 5, timeout, t0).close()  # dies without releasing

    clients = [connect(server, user, password) for _ in range(2)]
    later = [Claims(c, timeout=timeout, node="live%04d" % i) for i, c in enumerate(clients)]
    for c, client in zip(later, clients):
        c.prepare()
        client.select("INBOX")
    try:
        later[0]._clock = lambda: t0 + timeout * 0.5
        soon = later[0].claim(range(1, 6))
        assert soon.won == [] and soon.taken == [1, 2, 3, 4, 5]

        # Both survivors see the claim as stale at once: each UID goes to one.
        for c in later:
            c._clock = lambda: t0 + timeout * 2.5
        r0 = later[0].claim(range(1, 6))
        r1 = later[1].claim(range(1, 6))
        assert set(r0.won) == {1, 2, 3, 4, 5} and r0.recovered == [1, 2, 3, 4, 5]
        assert r1.won == [] and set(r1.taken) == {1, 2, 3, 4, 5}
    finally:
        for client in clients:
            client.logout()


@pytest.mark.dovecot
def test_a_large_claim_reads_in_chunks_and_recovers_stale_claims_beside_free_mail(mailbox,
                                                                                  monkeypatch):
    """A group's MODSEQs and flags are read ``READ_CHUNK`` UIDs at a time;
    stale claims (older MODSEQs) are taken back and free mail changed after
    them (newer MODSEQs) is still won: one claim, every message."""
    server, user, password = mailbox
    timeout = 600.0
    t0 = 1_000_000 * timeout
    dead = dead_fetcher(server, user, password, 30, timeout, t0)
    dead.conn.uid("STORE", "20:30", "+FLAGS.SILENT", "(\\Seen)")   # MODSEQs newer than the claims
    dead.close()
    monkeypatch.setattr(claims_mod, "READ_CHUNK", 7)
    client = connect(server, user, password)
    live = Claims(client, timeout=timeout, node="live0000", clock=lambda: t0 + 2.5 * timeout)
    live.prepare()
    client.select("INBOX")
    fetches = []
    real = client._fetch
    monkeypatch.setattr(client, "_fetch", lambda uids, items: fetches.append(len(uids)) or
                        real(uids, items))
    try:
        outcome = live.claim(range(1, 31), confirm=False)
    finally:
        client.logout()
    assert outcome.won == list(range(1, 31)) and outcome.recovered == [1, 2, 3, 4, 5]
    assert fetches[:5] == [7, 7, 7, 7, 2]      # then the recovered ones read again


class _NoCondstore:
    conn = None

    def has(self, capability):
        return False


def test_without_condstore_everything_is_won():
    c = Claims(_NoCondstore())
    assert c.prepare() is False
    outcome = c.claim([3, 1, 2])
    assert outcome.won == [1, 2, 3] and not outcome.supported
    c.release([1])  # a no-op, no server needed


def test_the_claim_timeout_comes_from_the_settings(monkeypatch):
    """fetch hands xl.remote-completion.claim-timeout to its Claims."""
    from remote_completion import claims as claims_mod, drain, logs
    made = []

    class Recording(claims_mod.Claims):
        def __init__(self, client, timeout=None, **kw):
            made.append(timeout)
            super().__init__(client, timeout=timeout, **kw)

        def prepare(self):
            return False

    monkeypatch.setattr(claims_mod, "Claims", Recording)
    assert drain.open_claims(object(), logs.get_logger(), 123.0) is None
    assert made == [123.0]


@pytest.mark.dovecot
def test_a_claim_that_two_fetchers_both_won_is_yielded(mailbox, monkeypatch):
    """Dovecot can let two conditional STOREs both succeed while it starts
    tracking MODSEQs; the claimer reads the flags back and yields when
    another fetcher's claim sits beside its own."""
    server, user, password = mailbox
    fill(server, user, 3)
    client = connect(server, user, password)
    try:
        claimer = Claims(client, timeout=600, node="aaaa0001")
        assert claimer.prepare()
        client.select("INBOX")
        real = Claims._conditional

        def also_claimed_by_another(self, uids, modseq, op, keywords):
            done = real(self, uids, modseq, op, keywords)
            if op.startswith("+"):   # the other node's STORE went through too, for UID 2
                client.conn.uid("STORE", "2", "+FLAGS.SILENT", "($XlrClaimBybbbb0002)")
            return done

        monkeypatch.setattr(Claims, "_conditional", also_claimed_by_another)
        outcome = claimer.claim([1, 2, 3])
        assert outcome.won == [1, 3] and 2 in outcome.taken
        flags = claimer._meta([2])[2][1]
        assert "$XlrClaimBybbbb0002" in flags
        assert not any(f.lower() == claimer.node_keyword.lower() for f in flags)  # ours released
    finally:
        client.logout()
