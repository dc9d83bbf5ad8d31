"""Pure parts of push: backoff bounds, the stop condition, capability check."""
from __future__ import annotations

import threading

from remote_completion import push


def test_backoff_grows_to_its_cap_and_resets():
    top = push.Backoff(initial=1.0, cap=8.0, rand=lambda: 1.0)
    assert [top.next_delay() for _ in range(6)] == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    top.reset()
    assert top.next_delay() == 1.0
    bottom = push.Backoff(initial=1.0, cap=8.0, rand=lambda: 0.0)
    assert [bottom.next_delay() for _ in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]


def test_backoff_jitter_stays_within_half_and_whole_delay():
    import random
    rng = random.Random(7)
    backoff = push.Backoff(initial=0.5, cap=30.0, rand=rng.random)
    for attempt in range(40):
        ceiling = min(30.0, 0.5 * 2 ** attempt)
        delay = backoff.next_delay()
        assert ceiling / 2 <= delay <= ceiling


def test_offers_idle():
    assert push.offers_idle(("IMAP4REV1", "idle", "UIDPLUS"))
    assert not push.offers_idle(("IMAP4REV1", "IDLEX"))
    assert not push.offers_idle(None)


def test_stop_by_event_and_by_deadline():
    now = [100.0]
    event = threading.Event()
    stop = push.Stop(event, max_seconds=5, clock=lambda: now[0])
    assert not stop.is_set()
    assert stop.remaining() == 5
    now[0] = 105.0
    assert stop.is_set()
    stop = push.Stop(event)
    assert not stop.is_set() and stop.remaining() is None
    event.set()
    assert stop.is_set()


def test_stop_wait_returns_early_on_wake():
    wake = threading.Event()
    wake.set()
    assert push.Stop().wait(60, wake) is True


class FakeSocket:
    """Hands out the given chunks, then times out (as a quiet server)."""

    def __init__(self, chunks):
        self.chunks = list(chunks)
        self.sent = []
        self.timeout = None

    def settimeout(self, value):
        self.timeout = value

    def gettimeout(self):
        return self.timeout

    def recv(self, size):
        import socket
        if self.chunks:
            return self.chunks.pop(0)
        raise socket.timeout("timed out")

    def sendall(self, data):
        self.sent.append(data)


class FakeConn:
    def __init__(self, sock):
        self.sock = sock
        self.tagged_commands = {}
        self._n = 0

    def _new_tag(self):
        self._n += 1
        return b"TAG%d" % self._n


def test_idle_exchange_on_the_wire():
    sock = FakeSocket([b"+ idling\r\n", b"* OK Still here\r\n* 3 EXPUNGE\r\n* 4 EX",
                       b"ISTS\r\n", b"* 1 RECENT\r\n", b"TAG1 OK Idle completed\r\n"])
    session = push.IdleSession(FakeConn(sock), network_timeout=5).start()
    assert sock.sent == [b"TAG1 IDLE\r\n"]
    far = push._monotonic() + 5
    assert session.next_event(far) == "mail"      # the split EXISTS line, not EXPUNGE
    assert session.next_event(far) == "mail"      # RECENT
    session.done()
    assert sock.sent[-1] == b"DONE\r\n"


def test_idle_refused_and_bye():
    import pytest
    refused = push.IdleSession(FakeConn(FakeSocket([b"TAG1 BAD unknown command\r\n"])), 5)
    with pytest.raises(push.IdleRefused):
        refused.start()
    bye = push.IdleSession(FakeConn(FakeSocket([b"+ idling\r\n", b"* BYE shutting down\r\n"])), 5)
    bye.start()
    with pytest.raises(push.ConnectionLost):
        bye.next_event(push._monotonic() + 5)


def test_an_endless_line_during_idle_is_refused():
    import pytest
    sock = FakeSocket([b"+ idling\r\n"] + [b"x" * 16384] * 8)
    session = push.IdleSession(FakeConn(sock), network_timeout=5).start()
    with pytest.raises(push.ConnectionLost):
        session.next_event(push._monotonic() + 5)


def test_next_event_returns_none_at_its_deadline():
    sock = FakeSocket([b"+ idling\r\n"])
    session = push.IdleSession(FakeConn(sock), network_timeout=5).start()
    assert session.next_event(push._monotonic() + 0.05) is None
    stop = threading.Event()
    stop.set()
    assert session.next_event(push._monotonic() + 60, stop.is_set) is None
