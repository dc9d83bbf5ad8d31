"""imap.py: the IDLE exchange (RFC 2177) on a fake wire (split lines, EXPUNGE is
not new mail, BAD, BYE, endless lines, deadlines and stop requests), the
capability check, and ImapClient's failure modes against tiny scripted servers
(no Dovecot needed): timeouts, a STARTTLS downgrade, the UID set helper."""
from __future__ import annotations

import socket
import threading

import pytest

from remote_completion import imap, tls


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


class ScriptedServer:
    """Accepts one connection, sends ``greeting``, answers CAPABILITY with
    ``capabilities``, records every line the client sends, says nothing else."""

    def __init__(self, greeting=b"* OK ready\r\n", capabilities="IMAP4rev1 AUTH=PLAIN"):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.greeting = greeting
        self.capabilities = capabilities
        self.received = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        conn, _ = self.sock.accept()
        with conn:
            conn.settimeout(10)
            if self.greeting:
                conn.sendall(self.greeting)
            buf = b""
            try:
                while True:
                    data = conn.recv(4096)
                    if not data:
                        break
                    buf += data
                    while b"\r\n" in buf:
                        line, buf = buf.split(b"\r\n", 1)
                        self.received.append(line.decode())
                        tag, _, command = line.decode().partition(" ")
                        if command.upper() == "CAPABILITY":
                            conn.sendall(b"* CAPABILITY %s\r\n%s OK done\r\n" % (
                                self.capabilities.encode(), tag.encode()))
                        elif command.upper() == "LOGOUT":
                            conn.sendall(b"* BYE\r\n%s OK bye\r\n" % tag.encode())
                            return
            except OSError:
                pass
            finally:
                self.done.set()

    def close(self):
        self.sock.close()


def test_a_silent_server_times_out():
    server = ScriptedServer(greeting=b"")
    try:
        client = imap.ImapClient("127.0.0.1", server.port, imap.TLS_NONE, None, timeout=0.5)
        with pytest.raises(imap.ImapError) as info:
            client.connect()
        assert "timed out" in str(info.value)
        assert client.conn is None
    finally:
        server.close()


def test_a_missing_starttls_is_refused_before_any_login():
    """A man in the middle strips STARTTLS from the capabilities: the client
    must stop, not fall back to sending the password in clear text."""
    server = ScriptedServer(capabilities="IMAP4rev1 AUTH=PLAIN LOGINDISABLED")
    try:
        client = imap.ImapClient(
            "127.0.0.1", server.port, imap.TLS_STARTTLS, tls.client_context(None), timeout=5
        )
        with pytest.raises(imap.ImapError) as info:
            client.connect()
        assert "does not offer STARTTLS" in str(info.value)
        server.done.wait(5)
        assert not any("LOGIN" in line.upper() for line in server.received), server.received
    finally:
        server.close()


def test_implicit_tls_to_a_plain_server_fails_cleanly():
    server = ScriptedServer()
    try:
        client = imap.ImapClient(
            "127.0.0.1", server.port, imap.TLS_IMPLICIT, tls.client_context(None), timeout=2
        )
        with pytest.raises(imap.ImapError):
            client.connect()
    finally:
        server.close()


def test_plain_mode_works_and_logout_is_clean():
    server = ScriptedServer()
    try:
        client = imap.ImapClient("127.0.0.1", server.port, imap.TLS_NONE, None, timeout=5).connect()
        assert client.has("AUTH=PLAIN") and not client.has("MOVE")
        assert client.sock is not None
        client.logout()
        assert client.conn is None
        client.logout()  # twice is harmless
    finally:
        server.close()


def test_capabilities_announced_in_the_greeting_are_not_asked_again():
    server = ScriptedServer(greeting=b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN MOVE] ready\r\n",
                            capabilities="IMAP4rev1 OTHER")
    try:
        client = imap.ImapClient("127.0.0.1", server.port, imap.TLS_NONE, None, timeout=5).connect()
        assert client.has("MOVE") and not client.has("OTHER")
        client.logout()
        assert server.done.wait(5)
        assert [line.split()[1] for line in server.received] == ["LOGOUT"], server.received
    finally:
        server.close()


def test_uid_set():
    assert imap.uid_set([5, 1, 2, 3, 9, 10, 3]) == "1:3,5,9:10"
    assert imap.uid_set([7]) == "7"
    assert imap.uid_set([]) == ""


def test_mailbox_names_cannot_inject_commands():
    with pytest.raises(imap.ImapError):
        imap._quote_mailbox("Quarantine\r\nA1 DELETE INBOX")
    assert imap._quote_mailbox('a "b" \\c') == '"a \\"b\\" \\\\c"'
