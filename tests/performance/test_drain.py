"""drain.py and the IMAP pieces under it, against a real Dovecot: listing in
bounded windows on a large mailbox (filled through Maildir files), windows
that follow expunges by this and another session, texts fetched per batch
(memory O(batch)), UID EXPUNGE, and a mail that breaks its handler costing
only itself (claims released when a whole batch fails)."""
from __future__ import annotations

import random
import tracemalloc

import pytest

from remote_completion import decide, drain, imap, logs

from .conftest import USERS
from .mailboxes import fill_maildir, imap_uids, message

pytestmark = pytest.mark.dovecot

LOG = logs.get_logger()


def connect(dovecot, user, claims=False, port=None):
    client = imap.ImapClient(dovecot.host, port or dovecot.port, imap.TLS_NONE, None,
                             timeout=60).connect()
    client.login(user, USERS[user])
    claimer = drain.open_claims(client, LOG) if claims else None
    client.select("INBOX")
    return client, claimer


class Summary:
    """The part of fetch.Summary that drain uses."""

    def __init__(self):
        self.reasons = []
        self.removed = self.quarantined = self.kept = 0

    def add(self, verdict, disposition):
        self.reasons.append(verdict.reason)


def ignore(meta):
    return decide.Verdict.ignore(decide.NO_METADATA)


def claim_flags(dovecot, user):
    """{uid: [claim keywords]} of what is left in the INBOX."""
    c = dovecot.client(user)
    try:
        c.select("INBOX", readonly=True)
        typ, data = c.uid("FETCH", "1:*", "(UID FLAGS)")
        out = {}
        for line in data:
            if not line:
                continue
            text = line.decode()
            uid = int(text.split("UID ")[1].split()[0].rstrip(")"))
            flags = text.split("FLAGS (")[1].split(")")[0].split()
            out[uid] = [f for f in flags if f.lower().startswith("$xlrclaim")]
        return out
    finally:
        c.logout()


# --- listing windows ----------------------------------------------------------------

def test_a_large_mailbox_is_listed_and_drained_in_bounded_windows(dovecot, user, monkeypatch):
    """20,000 messages under a line limit of 32 KiB: one ``UID SEARCH ALL``
    answer (about 110 KB) breaks it, as 300,000 broke the real 2 MiB limit;
    the windows (6 KB each) never come near it, and the drain empties the box."""
    count = fill_maildir(dovecot, user, [message("bulk")], copies=20_000)
    monkeypatch.setattr(imap, "MAX_LINE", 32 * 1024)
    client, claimer = connect(dovecot, user, claims=True)
    try:
        with pytest.raises(imap.ImapError, match="longer than"):
            client._call("search", client.conn.uid, "SEARCH", "ALL")
    finally:
        client.close()   # the overlong line broke that connection
    client, claimer = connect(dovecot, user, claims=True)
    try:
        windows = list(client.uid_windows())
        assert [len(w) for w in windows] == [imap.LIST_WINDOW] * (count // imap.LIST_WINDOW)
        assert [u for w in windows for u in w] == list(range(1, count + 1))
        summary = Summary()
        drain.drain(client, ignore, summary, LOG, batch_size=50, claimer=claimer)
        assert len(summary.reasons) == count and summary.removed == count
    finally:
        client.logout()
    assert dovecot.count(user) == 0


def test_windows_follow_expunges_of_this_and_another_session(dovecot, user):
    """Between windows the caller removes part of what it listed, and another
    session removes messages behind and ahead of the position: every message
    still there when its turn comes is listed once, none twice."""
    for i in range(60):
        dovecot.append(user, message("m%d" % i))
    client, _ = connect(dovecot, user)
    other, _ = connect(dovecot, user)
    rng = random.Random(5)
    listed, removed_by_other = [], set()
    alive = set(range(1, 61))
    try:
        for window in client.uid_windows(size=7):
            assert len(window) <= 7
            listed.extend(window)
            client.delete(window[::2])                 # this session, in its window
            alive -= set(window[::2])
            # Another session: messages kept behind, and messages ahead.
            pick = rng.sample(sorted(alive - set(window)), min(2, len(alive - set(window))))
            other.delete(pick)
            alive -= set(pick)
            removed_by_other.update(pick)
    finally:
        client.logout()
        other.logout()
    assert len(listed) == len(set(listed)), "a message was listed twice"
    assert set(range(1, 61)) - set(listed) <= removed_by_other, "a message was skipped"


def test_a_window_sized_by_what_is_left_is_listed_a_list_window_at_a_time(dovecot, user, proxy,
                                                                          monkeypatch):
    """``size`` as a function: it gets the number of messages not yet
    listed (after this session's expunges); one answer still holds at most
    ``LIST_WINDOW`` lines."""
    for i in range(10):
        dovecot.append(user, message("w%d" % i))
    monkeypatch.setattr(imap, "LIST_WINDOW", 3)
    client, _ = connect(dovecot, user, port=proxy.port)
    asked, windows = [], []
    try:
        for window in client.uid_windows(lambda left: asked.append(left) or 7):
            windows.append(window)
            client.delete(window[:1])
    finally:
        client.logout()
    assert asked == [10, 3]
    assert windows == [list(range(1, 8)), [8, 9, 10]]
    listings = [line.split()[2] for line in proxy.command_lines if line.split()[1:2] == [b"FETCH"]]
    assert listings == [b"1:3", b"4:6", b"7:7", b"7:9"]


# --- texts per batch ------------------------------------------------------------------

def big_header_message(i, size=60 * 1024):
    received = "".join("Received: from relay%d.example.org by mx.example.org; hop %d\r\n"
                       % (n, n) for n in range(size // 60))
    return (received + "From: someone@example.org\r\nSubject: big %d\r\n\r\nhello\r\n"
            % i).encode()


def test_texts_are_fetched_per_batch_and_memory_stays_with_the_batch(dovecot, user, proxy):
    """300 mails with 60 KB headers (18 MB): no FETCH of texts names more
    than a batch, and the drain's peak memory stays near one batch."""
    fill_maildir(dovecot, user, (big_header_message(i) for i in range(300)))
    client, claimer = connect(dovecot, user, claims=True, port=proxy.port)
    sizes = []

    def judge(meta):
        sizes.append(len(meta.body))
        return decide.Verdict.ignore(decide.NO_METADATA)
    try:
        tracemalloc.start()
        drain.drain(client, judge, Summary(), LOG, batch_size=10, claimer=claimer)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        client.logout()
    assert len(sizes) == 300 and min(sizes) > 60_000
    text_fetches = [line for line in proxy.command_lines
                    if b" FETCH " in line.upper() and b"BODY.PEEK[" in line.upper()]
    assert len(text_fetches) == 30
    for line in text_fetches:
        uids = imap_uids(line.split()[3])
        assert len(uids) <= 10, line
    # One batch is 0.6 MB of text; everything at once would be 18 MB.
    assert peak < 6 * 1024 * 1024, peak


def test_a_batch_of_large_mails_stops_at_the_byte_budget(dovecot, user, proxy):
    """batch-size 50 of mails with 60 KB headers would be 3 MB of text at
    once: each FETCH stops at ``BATCH_BYTES`` instead, and the peak memory
    follows the budget, not batch-size."""
    fill_maildir(dovecot, user, (big_header_message(i) for i in range(120)))
    client, claimer = connect(dovecot, user, claims=True, port=proxy.port)
    judged = []
    try:
        tracemalloc.start()
        drain.drain(client, lambda meta: judged.append(meta.uid) or ignore(meta), Summary(),
                    LOG, batch_size=50, claimer=claimer)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        client.logout()
    assert sorted(judged) == list(range(1, 121))
    per_fetch = [len(imap_uids(line.split()[3])) for line in proxy.command_lines
                 if b" FETCH " in line.upper() and b"BODY.PEEK[" in line.upper()]
    most = drain.BATCH_BYTES // len(big_header_message(0))
    assert sum(per_fetch) == 120 and max(per_fetch) == most, per_fetch
    assert peak < 6 * 1024 * 1024, peak


# --- removal --------------------------------------------------------------------------

def test_uid_expunge_removes_only_the_handled_messages(dovecot, user, proxy):
    """With UIDPLUS, removal is UID EXPUNGE of the handled UIDs: a message
    another client flagged \\Deleted (its own business) stays."""
    for i in range(4):
        dovecot.append(user, message("u%d" % i))
    other = dovecot.client(user)
    try:
        other.select("INBOX")
        other.uid("STORE", "4", "+FLAGS.SILENT", "(\\Deleted)")
    finally:
        other.logout()
    client, _ = connect(dovecot, user, port=proxy.port)
    try:
        assert client.has("UIDPLUS")
        client.delete([1, 2, 3])
    finally:
        client.logout()
    expunges = [line for line in proxy.command_lines if b"EXPUNGE" in line.upper()]
    assert [line.split()[1:] for line in expunges] == [[b"UID", b"EXPUNGE", b"1:3"]]
    assert dovecot.count(user) == 1


def test_removal_happens_in_one_group_per_window(dovecot, user, proxy):
    fill_maildir(dovecot, user, [message("g")], copies=250)
    client, claimer = connect(dovecot, user, claims=True, port=proxy.port)
    try:
        drain.drain(client, ignore, Summary(), LOG, batch_size=5, claimer=claimer, window=100)
    finally:
        client.logout()
    assert proxy.commands["EXPUNGE"] == 3          # 100 + 100 + 50
    listings = [line for line in proxy.command_lines if line.split()[1:2] == [b"FETCH"]]
    assert [line.split()[2:] for line in listings] == [
        [b"1:100", b"(UID)"], [b"1:100", b"(UID)"], [b"1:50", b"(UID)"]]
    assert proxy.commands["SEARCH"] == 0
    assert dovecot.count(user) == 0


def test_a_backlog_is_claimed_and_removed_in_groups_of_what_is_left(dovecot, user, proxy,
                                                                    monkeypatch):
    """Each claim and each removal (flag changes, EXPUNGE) makes Dovecot
    rescan the whole Maildir: a drain takes what is left in one group (up to
    MAX_GROUP), so those commands do not grow with the backlog; listing and
    sizes still go a window (1,000) at a time, texts a batch at a time."""
    fill_maildir(dovecot, user, [message("g")], copies=2_500)
    monkeypatch.setattr(drain, "MAX_GROUP", 2_000)
    client, claimer = connect(dovecot, user, claims=True, port=proxy.port)
    summary = Summary()
    try:
        drain.drain(client, ignore, summary, LOG, batch_size=5, claimer=claimer)
    finally:
        client.logout()
    assert len(summary.reasons) == 2_500 and dovecot.count(user) == 0
    words = [line.split()[1:] for line in proxy.command_lines]
    claims = [w[2] for w in words if b"(UNCHANGEDSINCE" in w]
    deletes = [w[2] for w in words if w[-1] == b"(\\Deleted)"]
    assert claims == deletes == [b"1:2000", b"2001:2500"]    # not 25 windows of 100
    assert proxy.commands["EXPUNGE"] == 2
    listings = [w[1] for w in words if w[0] == b"FETCH"]
    assert listings == [b"1:1000", b"1001:2000", b"1:500"]
    sizes = [w[2] for w in words if w[:2] == [b"UID", b"FETCH"] and b"RFC822.SIZE" in w]
    assert sizes == [b"1:1000", b"1001:2000", b"2001:2500"]


# --- a mail that breaks its handler ---------------------------------------------------

class Poisoned(Exception):
    pass


def test_a_mail_that_breaks_its_handler_costs_only_itself(dovecot, user, caplog):
    for subject in ("first", "poison", "last"):
        dovecot.append(user, message(subject))
    judged = []

    def judge(meta):
        judged.append(meta.uid)
        if b"Subject: poison" in meta.body:
            raise Poisoned("parser blew up")
        return decide.Verdict.ignore(decide.NO_METADATA)
    client, claimer = connect(dovecot, user, claims=True)
    summary = Summary()
    try:
        with caplog.at_level("INFO", logger=logs.LOGGER_NAME):
            drain.drain(client, judge, summary, LOG, batch_size=2, claimer=claimer)
    finally:
        client.logout()
    assert judged == [1, 2, 3]
    assert sorted(summary.reasons) == ["no-metadata", "no-metadata", "unreadable"]
    assert dovecot.count(user) == 0, "the bad mail is not retried forever"
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and "mail 2" in errors[0] and "Poisoned" in errors[0], errors


@pytest.mark.parametrize("error,kept", [(Poisoned("maybe the server's fault"), True),
                                         (MemoryError(), False), (RecursionError(), False)])
def test_a_mail_that_may_be_retried_is_kept_unless_it_exhausted_a_resource(dovecot, user, error,
                                                                           kept):
    """Within the retry window (``may_retry``) a failed mail stays for the
    next cycle, unless it ran out of memory or stack: never tried again."""
    for subject in ("fine", "poison"):
        dovecot.append(user, message(subject))

    def judge(meta):
        if b"Subject: poison" in meta.body:
            raise error
        return decide.Verdict.ignore(decide.NO_METADATA)
    client, claimer = connect(dovecot, user, claims=True)
    summary = Summary()
    try:
        drain.drain(client, judge, summary, LOG, claimer=claimer, may_retry=lambda meta: True)
    finally:
        client.logout()
    assert summary.reasons == ["no-metadata", "server-error" if kept else "unreadable"]
    left = claim_flags(dovecot, user)
    assert sorted(left) == ([2] if kept else [])
    assert all(not keywords for keywords in left.values()), "the kept mail is unclaimed"


def test_the_bad_mail_goes_to_the_quarantine_folder_when_there_is_one(dovecot, user):
    for subject in ("poison", "fine"):
        dovecot.append(user, message(subject))

    def judge(meta):
        if b"Subject: poison" in meta.body:
            raise Poisoned("parser blew up")
        return decide.Verdict.act_on("COMPLETE")
    client, claimer = connect(dovecot, user, claims=True)
    try:
        drain.drain(client, judge, Summary(), LOG, quarantine="Quarantine", claimer=claimer)
    finally:
        client.logout()
    assert dovecot.count(user) == 0
    assert dovecot.count(user, "Quarantine") == 1


def test_a_failing_batch_releases_its_claims_and_keeps_what_was_handled(dovecot, user,
                                                                       monkeypatch):
    """The server connection fails on the second batch: the first batch is
    removed, the rest stays, unclaimed, for the next cycle."""
    for i in range(6):
        dovecot.append(user, message("b%d" % i))
    real = imap.ImapClient.fetch_contents
    calls = []

    def second_fails(self, metas, *args, **kwargs):
        calls.append(len(metas))
        if len(calls) == 2:
            raise imap.ImapError("fetch failed: connection reset")
        return real(self, metas, *args, **kwargs)
    monkeypatch.setattr(imap.ImapClient, "fetch_contents", second_fails)
    client, claimer = connect(dovecot, user, claims=True)
    try:
        with pytest.raises(imap.ImapError):
            drain.drain(client, ignore, Summary(), LOG, batch_size=2, claimer=claimer)
    finally:
        client.logout()
    left = claim_flags(dovecot, user)
    assert sorted(left) == [3, 4, 5, 6]
    assert all(not keywords for keywords in left.values()), left
