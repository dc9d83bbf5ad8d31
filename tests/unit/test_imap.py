"""imap.py's IDLE exchange (RFC 2177) on a fake wire: split lines, EXPUNGE is
not new mail, BAD, BYE, endless lines, deadlines and stop requests; the
capability check."""
from __future__ import annotations

import socket
import threading

import pytest

from remote_completion import imap


def test_offers_idle():
    assert imap.offers_idle(("IMAP4REV1", "idle", "UIDPLUS"))
    assert not imap.offers_idle(("IMAP4REV1", "IDLEX"))
    assert not imap.offers_idle(None)


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
    session = imap.IdleSession(FakeConn(sock), network_timeout=5).start()
    assert sock.sent == [b"TAG1 IDLE\r\n"]
    far = imap._monotonic() + 5
    assert session.next_event(far) == "mail"      # the split EXISTS line, not EXPUNGE
    assert session.next_event(far) == "mail"      # RECENT
    session.done()
    assert sock.sent[-1] == b"DONE\r\n"


def test_idle_refused_and_bye():
    refused = imap.IdleSession(FakeConn(FakeSocket([b"TAG1 BAD unknown command\r\n"])), 5)
    with pytest.raises(imap.IdleRefused):
        refused.start()
    bye = imap.IdleSession(FakeConn(FakeSocket([b"+ idling\r\n", b"* BYE shutting down\r\n"])), 5)
    bye.start()
    with pytest.raises(imap.ConnectionLost):
        bye.next_event(imap._monotonic() + 5)


def test_an_endless_line_during_idle_is_refused():
    sock = FakeSocket([b"+ idling\r\n"] + [b"x" * 16384] * 8)
    session = imap.IdleSession(FakeConn(sock), network_timeout=5).start()
    with pytest.raises(imap.ConnectionLost):
        session.next_event(imap._monotonic() + 5)


def test_next_event_returns_none_at_its_deadline():
    sock = FakeSocket([b"+ idling\r\n"])
    session = imap.IdleSession(FakeConn(sock), network_timeout=5).start()
    assert session.next_event(imap._monotonic() + 0.05) is None
    stop = threading.Event()
    stop.set()
    assert session.next_event(imap._monotonic() + 60, stop.is_set) is None
