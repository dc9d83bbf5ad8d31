"""The fetch cycle drains a backlog in O(N / batch-size) IMAP commands, claims
and removes per window of batches, and never downloads the body of an
oversized message.  Counted on the wire by a loopback proxy in front of
Dovecot (plain IMAP, so commands can be read)."""
from __future__ import annotations

import math

import pytest

from benchmarks import mailgen
from benchmarks.fakehost import Host, ImapCi
from remote_completion import drain, fetch
from remote_completion.settings import Settings

from .conftest import USERS
from .mailboxes import imap_uids

pytestmark = pytest.mark.dovecot

SECRET = "perf-test-secret-0123456789"
ADDRESS = "xlr@perf.example"


def make_host(proxy, user):
    return Host(ImapCi(host="127.0.0.1", port=proxy.port, tlsMode="none", username=user,
                       password=USERS[user], fromAddress=ADDRESS, secret=SECRET,
                       enableWhitelisting=False))


def queue_replies(dovecot, host, user, count, first=0):
    tasks = []
    for i in range(first, first + count):
        person = "person%d" % i
        host.add_user(person, "%s@perf.example" % person)
        task = host.add_task(i, person)
        dovecot.append(user, mailgen.reply(SECRET, task, "%s@perf.example" % person, ADDRESS))
        tasks.append(task)
    return tasks


@pytest.mark.parametrize("backlog,batch", [(120, 10), (120, 60)])
def test_backlog_costs_commands_per_batch_not_per_message(dovecot, user, proxy, backlog, batch):
    host = make_host(proxy, user)
    queue_replies(dovecot, host, user, backlog)
    summary = fetch.run_fetch_cycle(host.bundle, settings=Settings(batch_size=batch))
    assert summary.acted == backlog, summary
    assert host.completed() == backlog
    assert dovecot.count(user) == 0
    batches = math.ceil(backlog / batch)
    windows = math.ceil(backlog / drain.window_size(batch))
    # Fixed: LOGIN, ENABLE, SELECT, LOGOUT.  Per group (what is left, at
    # least batch-size x 20 messages): one FETCH of UIDs, one FETCH of
    # sizes/flags/MODSEQ, one claim STORE, one STORE \Deleted and one UID
    # EXPUNGE.  Per batch: one FETCH of the texts.  Never per message.
    assert proxy.total_commands() <= 3 + 5 * windows + batches + 1, proxy.commands
    assert proxy.commands["EXPUNGE"] <= windows, proxy.commands
    assert proxy.commands["STORE"] <= 2 * windows, proxy.commands   # claims once per window


def test_an_empty_cycle_asks_nothing_it_was_told(dovecot, user, proxy, monkeypatch):
    """The capabilities come with the greeting and with LOGIN's answer (no
    CAPABILITY), ENABLE CONDSTORE goes in the same write as SELECT, and
    LOGOUT's answer is not awaited: an empty cycle is LOGIN, then ENABLE +
    SELECT, then LOGOUT, with claims on."""
    host = make_host(proxy, user)
    dovecot.count(user)   # the mailbox exists
    proxy.reset_counts()
    claimers = []
    opened = drain.open_claims

    def open_claims(*args, **kwargs):
        claimers.append(opened(*args, **kwargs))
        return claimers[-1]
    monkeypatch.setattr(drain, "open_claims", open_claims)
    summary = fetch.run_fetch_cycle(host.bundle, settings=Settings())
    assert summary.error is None and summary.total == 0, summary
    # The cycle did not wait for LOGOUT's answer: the proxy may see it later.
    assert proxy.wait_for_command("LOGOUT", 1, 30), proxy.command_lines
    assert [line.split()[1].upper() for line in proxy.command_lines] == [
        b"LOGIN", b"ENABLE", b"SELECT", b"LOGOUT"], proxy.command_lines
    assert ["ENABLE", "SELECT"] in proxy.command_reads, proxy.command_reads
    assert claimers and claimers[0] is not None and claimers[0].enabled


def test_an_oversized_message_is_judged_by_its_headers_only(dovecot, user, proxy):
    host = make_host(proxy, user)
    big_size = 2 * 10 ** 6
    tasks = queue_replies(dovecot, host, user, 2)
    dovecot.append(user, mailgen.junk(big_size, to=ADDRESS))
    tasks += queue_replies(dovecot, host, user, 1, first=2)
    # The junk is the third message appended to a fresh box: UID 3.
    reader = dovecot.client(user)
    try:
        reader.select("INBOX", readonly=True)
        typ, data = reader.uid("SEARCH", "LARGER", str(big_size // 2))
        (big_uid,) = [int(u) for u in data[0].split()]
    finally:
        reader.logout()

    summary = fetch.run_fetch_cycle(host.bundle, settings=Settings(max_message_size=64 * 1024))

    assert summary.acted == 3 and all(host.events[t.id].is_set() for t in tasks)
    assert dovecot.count(user) == 0, "the oversized mail is removed too"
    assert proxy.bytes_to_client < big_size // 10, proxy.bytes_to_client
    body_fetches = [line for line in proxy.command_lines
                    if b" FETCH " in line.upper() and b"BODY.PEEK[]" in line.upper()]
    assert body_fetches, "the small messages' bodies were fetched"
    for line in body_fetches:
        assert big_uid not in imap_uids(line.split()[3]), line
