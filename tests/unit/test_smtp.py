"""Sending through real SMTP servers: plain, AUTH, STARTTLS, implicit TLS."""
import smtplib
import socket

import pytest

from remote_completion import maildebug, smtp
from remote_completion.host import SmtpConfig
from tests.request import smtp_servers
from tests.request.smtp_servers import PASSWORD, USER, smtp_server
from tests.support.certs import make_tls_files


def config(port, tls=False, username=None, password=None, host="127.0.0.1"):
    return SmtpConfig(host=host, port=port, tls=tls, from_address="XL Release <xlr@example.com>",
                      username=username, password=password)


def message(n):
    return (
        "From: xlr@example.com\r\nTo: x\r\nSubject: test %d\r\n\r\nbody %d\r\n.\r\nlast line\r\n"
        % (n, n)
    ).encode("ascii")


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    return make_tls_files(tmp_path_factory.mktemp("smtp-tls"))


@pytest.fixture(scope="module")
def other_ca(tmp_path_factory):
    return make_tls_files(tmp_path_factory.mktemp("other-ca")).ca_pem.read_text()


def config_from(port, from_address):
    return SmtpConfig(host="127.0.0.1", port=port, tls=False, from_address=from_address)


class SendCounter:
    """Counts the client's writes to the socket (smtplib's ``send``)."""

    def __init__(self, monkeypatch):
        self.writes = 0
        original = smtplib.SMTP.send

        def send(session, data):
            self.writes += 1
            return original(session, data)
        monkeypatch.setattr(smtplib.SMTP, "send", send)


# Every outcome must be the same whether the server offers PIPELINING (a
# round trip per message) or not (smtplib, a round trip per command).
@pytest.mark.parametrize("pipelining", [False, True], ids=["one-by-one", "pipelined"])
def test_one_session_and_a_refused_recipient_does_not_stop_the_others(pipelining):
    with smtp_server("plain", pipelining=pipelining) as (port, recorder):
        outgoing = [("alice@example.com", message(1)), ("refuse-bob@example.com", message(2)),
                    ("carol@example.com", message(3))]
        deliveries = smtp.send_messages(config(port), outgoing)
    assert [d.address for d in deliveries] == [a for a, _ in outgoing]
    assert [d.ok for d in deliveries] == [True, False, True]
    assert "550" in deliveries[1].error and "refused" in deliveries[1].error
    assert [m[1] for m in recorder.messages] == [["alice@example.com"], ["carol@example.com"]]
    assert all(m[0] == "xlr@example.com" for m in recorder.messages)
    assert len(recorder.sessions) == 1, "all recipients must go through one SMTP session"
    # Dot-stuffing round trip: the body survived unchanged.
    assert b"body 1\r\n.\r\nlast line" in recorder.messages[0][2].replace(b"\n", b"\r\n").replace(
        b"\r\r", b"\r"
    )


@pytest.mark.parametrize("pipelining", [False, True], ids=["one-by-one", "pipelined"])
def test_a_refused_message_and_a_refused_sender_are_reported_per_recipient(pipelining):
    refused_body = b"From: x\r\nTo: y\r\nSubject: s\r\n\r\n" + smtp_servers.REFUSED_BODY + b"\r\n"
    with smtp_server("plain", pipelining=pipelining) as (port, recorder):
        deliveries = smtp.send_messages(config(port), [
            ("alice@example.com", refused_body), ("bob@example.com", message(2))])
        refused_sender = smtp.send_messages(config_from(port, "refuse-me@example.com"),
                                            [("carol@example.com", message(3)),
                                             ("dave@example.com", message(4))])
    assert not deliveries[0].ok and "refused the message: 554" in deliveries[0].error
    assert deliveries[1].ok
    assert [d.ok for d in refused_sender] == [False, False]
    assert all("refused the sender refuse-me@example.com: 553" in d.error
               for d in refused_sender)
    # The session went on after each refusal (RSET): the next message arrived.
    assert [m[1] for m in recorder.messages] == [["bob@example.com"]]


@pytest.mark.parametrize("pipelining,writes", [(False, 4), (True, 1)],
                         ids=["one-by-one", "pipelined"])
def test_pipelining_sends_each_message_in_one_round_trip(monkeypatch, capfd, pipelining,
                                                         writes):
    counter = SendCounter(monkeypatch)
    maildebug.set_enabled(True)
    try:
        with smtp_server("plain", pipelining=pipelining) as (port, recorder):
            sessions = []
            for count in (1, 3):
                before = counter.writes
                smtp.send_messages(config(port), [("m%d@example.com" % n, message(n))
                                                  for n in range(count)])
                sessions.append(counter.writes - before)
    finally:
        maildebug.set_enabled(None)
    # The trace shows every command and each message's size, never its text.
    trace = capfd.readouterr().err
    assert trace.upper().count("DEBUG SMTP: C RCPT TO:<M") == 4
    sent = len(message(1).replace(b"\r\n.", b"\r\n..") + b".\r\n")   # dot-stuffed, ended
    assert trace.count("DEBUG SMTP: C [message, %d bytes]" % sent) == 4
    assert "body 1" not in trace
    # Writes per message: MAIL, RCPT, DATA and the content one by one, or the
    # content of the one before and the three commands in one write.
    assert (sessions[1] - sessions[0]) / 2 == writes
    assert len(recorder.messages) == 4


@pytest.mark.parametrize("pipelining", [False, True], ids=["one-by-one", "pipelined"])
@pytest.mark.parametrize("address", [
    "mallory@example.com>\r\nRCPT TO:<victim@example.com",
    "eve@example.com\nDATA",
    "a b@example.com",
    "jos\u00e9@example.com",
    "<x@example.com>",
    "no-at-sign",
])
def test_an_address_that_cannot_go_into_a_command_fails_alone(pipelining, address):
    with smtp_server("plain", pipelining=pipelining) as (port, recorder):
        deliveries = smtp.send_messages(config(port), [
            ("alice@example.com", message(1)), (address, message(2)),
            ("carol@example.com", message(3))])
    assert [d.ok for d in deliveries] == [True, False, True]
    assert "cannot be sent over SMTP" in deliveries[1].error
    assert "\n" not in deliveries[1].error and "\r" not in deliveries[1].error
    # Nothing of it reached the server: no extra recipient, no extra message.
    assert [m[1] for m in recorder.messages] == [["alice@example.com"], ["carol@example.com"]]


def test_plain_with_authentication(capfd):
    maildebug.set_enabled(True)
    try:
        with smtp_server("plain", auth=True) as (port, recorder):
            deliveries = smtp.send_messages(config(port, username=USER, password=PASSWORD),
                                            [("alice@example.com", message(1))])
    finally:
        maildebug.set_enabled(None)
    assert deliveries[0].ok
    assert recorder.messages[0][3] == USER
    trace = capfd.readouterr().err
    assert "DEBUG SMTP: C AUTH" in trace and "DEBUG SMTP: S 235" in trace
    assert PASSWORD not in trace
    import base64
    for secret in (base64.b64encode(b"\0" + USER.encode() + b"\0" + PASSWORD.encode()).decode(),
                   base64.b64encode(PASSWORD.encode()).decode()):
        assert secret not in trace
    assert "[message, " in trace and "body 1" not in trace


def test_wrong_password_is_a_clear_error():
    with smtp_server("plain", auth=True) as (port, recorder):
        with pytest.raises(smtp.SmtpError) as caught:
            smtp.send_messages(config(port, username=USER, password="wrong-password-x"),
                               [("alice@example.com", message(1))])
    assert "refused the login of user 'mailer'" in str(caught.value)
    assert "wrong-password-x" not in str(caught.value)
    assert recorder.messages == []


def test_starttls_verified_with_authentication(tls_files):
    pem = tls_files.ca_pem.read_text()
    with smtp_server("starttls", tls_files, auth=True) as (port, recorder):
        deliveries = smtp.send_messages(
            config(port, tls=True, username=USER, password=PASSWORD, host="localhost"),
            [("alice@example.com", message(1)), ("bob@example.com", message(2))], trusted_pem=pem)
    assert [d.ok for d in deliveries] == [True, True]
    assert len(recorder.messages) == 2 and len(recorder.sessions) == 1


def test_starttls_refused_when_the_ca_is_not_trusted(tls_files, other_ca):
    with smtp_server("starttls", tls_files) as (port, recorder):
        with pytest.raises(smtp.SmtpError) as caught:
            smtp.send_messages(config(port, tls=True), [("alice@example.com", message(1))],
                               trusted_pem=other_ca)
    assert "certificate" in str(caught.value).lower()
    assert recorder.messages == []


def test_starttls_refused_when_the_host_name_does_not_match(tmp_path):
    # A certificate from a trusted CA, but for another host than the one configured.
    wrong = make_tls_files(tmp_path, hostnames=("smtp.other.example",))
    with smtp_server("starttls", wrong) as (port, recorder):
        with pytest.raises(smtp.SmtpError) as caught:
            smtp.send_messages(
                config(port, tls=True, host="localhost"), [("alice@example.com", message(1))],
                trusted_pem=wrong.ca_pem.read_text())
    assert "certificate" in str(caught.value).lower() and "localhost" in str(caught.value)
    assert recorder.messages == []


def test_tls_setting_never_falls_back_to_plain():
    with smtp_server("plain") as (port, recorder):
        with pytest.raises(smtp.SmtpError, match="does not offer STARTTLS"):
            smtp.send_messages(config(port, tls=True), [("alice@example.com", message(1))])
    assert recorder.messages == []


def test_implicit_tls(tls_files, other_ca):
    pem = tls_files.ca_pem.read_text()
    with smtp_server("implicit", tls_files, auth=True) as (port, recorder):
        deliveries = smtp.send_messages(config(port, tls=True, username=USER, password=PASSWORD),
                                        [("alice@example.com", message(1))], trusted_pem=pem,
                                        implicit_tls=True)
        assert deliveries[0].ok and recorder.messages[0][3] == USER
        with pytest.raises(smtp.SmtpError, match="certificate"):
            smtp.send_messages(config(port, tls=True), [("bob@example.com", message(2))],
                               trusted_pem=other_ca, implicit_tls=True)
    assert len(recorder.messages) == 1


def test_port_465_means_implicit_tls():
    assert smtp.security(config(465, tls=True)) == "implicit"
    assert smtp.security(config(465, tls=False)) == "implicit"
    assert smtp.security(config(587, tls=True)) == "starttls"
    assert smtp.security(config(25, tls=False)) == "none"


def test_unreachable_server_is_a_clear_error():
    port = smtp_servers.free_port()   # nothing listens here
    with pytest.raises(smtp.SmtpError) as caught:
        smtp.send_messages(config(port), [("alice@example.com", message(1))], timeout=5)
    assert "could not connect to the SMTP server 127.0.0.1:%d" % port in str(caught.value)


def test_server_that_never_answers_times_out():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        with pytest.raises(smtp.SmtpError, match="127.0.0.1"):
            smtp.send_messages(config(port), [("alice@example.com", message(1))], timeout=1)
