"""The embedded mail servers: SMTP delivery to files and into IMAP, real TLS."""
from __future__ import annotations

import imaplib
import smtplib
import ssl
from email.message import EmailMessage

import pytest
import trustme

from sandbox.mail import MailHub


REMOTE = "xlr-remote@example.com"
USERS = {"alice@example.com": "alice-pw-1", "xlr@example.com": "xlr-pw-1"}


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    with MailHub(tmp_path_factory.mktemp("mail"), remote_address=REMOTE, smtp_users=USERS,
                 require_starttls=True, authserv_id="mx.example.com") as running:
        yield running


@pytest.fixture(scope="module")
def plain_hub(tmp_path_factory):
    """No AUTH, STARTTLS optional, IMAP login only after STARTTLS even on loopback."""
    with MailHub(tmp_path_factory.mktemp("plainmail"), remote_address=REMOTE,
                 no_plain_imap_login=True) as running:
        yield running


def message(sender, to, subject="hello", body="hi there"):
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg.set_content(body)
    return msg


def trusted(hub):
    return ssl.create_default_context(cafile=str(hub.ca_pem))


def send_starttls(hub, msg, login="alice@example.com"):
    with smtplib.SMTP(hub.smtp_host, hub.smtp_port, timeout=30) as client:
        client.starttls(context=trusted(hub))
        client.login(login, USERS[login])
        client.send_message(msg)


def test_people_get_files_and_the_remote_address_gets_imap(hub):
    before = hub.imap_count()
    send_starttls(hub, message("alice@example.com", "bob@example.com, %s" % REMOTE, subject="both"))
    (received,) = [m for m in hub.wait_for_mail("bob@example.com", 1) if m["Subject"] == "both"]
    assert received.get_content().strip() == "hi there"
    assert received["Return-Path"] == "<alice@example.com>"
    assert hub.mailbox_files("bob@example.com")[0].suffix == ".eml"
    assert hub.imap_count() == before + 1
    assert any(m["Subject"] == "both" for m in hub.imap_messages())


def test_implicit_tls_port_delivers_too(hub):
    with smtplib.SMTP_SSL(
        hub.smtp_host, hub.smtp_tls_port, context=trusted(hub), timeout=30
    ) as client:
        client.login("alice@example.com", USERS["alice@example.com"])
        client.send_message(message("alice@example.com", "carol@example.com", subject="implicit"))
    assert hub.wait_for_mail("carol@example.com", 1)[0]["Subject"] == "implicit"


def test_untrusted_ca_is_refused_by_smtp_and_imap(hub):
    other = ssl.create_default_context()
    trustme.CA().configure_trust(other)  # trusts some other CA, not the hub's
    with pytest.raises(ssl.SSLCertVerificationError):
        smtplib.SMTP_SSL(hub.smtp_host, hub.smtp_tls_port, context=other, timeout=30)
    with smtplib.SMTP(hub.smtp_host, hub.smtp_port, timeout=30) as client:
        with pytest.raises(ssl.SSLCertVerificationError):
            client.starttls(context=other)
    with pytest.raises(ssl.SSLCertVerificationError):
        imaplib.IMAP4_SSL(hub.imap_host, hub.imap_tls_port, ssl_context=other, timeout=30)
    client = imaplib.IMAP4(hub.imap_host, hub.imap_port, timeout=30)
    with pytest.raises(ssl.SSLCertVerificationError):
        client.starttls(other)
    client.sock.close()


def test_certificate_is_for_loopback_names_only(hub):
    context = trusted(hub)
    with pytest.raises(ssl.SSLCertVerificationError):
        with context.wrap_socket(
            __import__("socket").create_connection((hub.smtp_host, hub.smtp_tls_port)),
            server_hostname="mail.example.org"):
            pass


def test_smtp_requires_starttls_and_auth(hub):
    with smtplib.SMTP(hub.smtp_host, hub.smtp_port, timeout=30) as client:
        with pytest.raises(smtplib.SMTPException):
            client.send_message(message("alice@example.com", "bob@example.com"))
    with smtplib.SMTP(hub.smtp_host, hub.smtp_port, timeout=30) as client:
        client.starttls(context=trusted(hub))
        with pytest.raises(smtplib.SMTPAuthenticationError):
            client.login("alice@example.com", "wrong")


def test_authentication_results_are_stamped_and_forgeries_dropped(hub):
    forged = message("alice@example.com", REMOTE, subject="stamped")
    forged["Authentication-Results"] = "mx.example.com; dmarc=pass header.from=evil.example"
    forged["Authentication-Results"] = "other.example; dmarc=pass header.from=kept.example"
    send_starttls(hub, forged)
    spoofed = message("bob@example.com", REMOTE, subject="spoofed")   # alice logs in, From says bob
    send_starttls(hub, spoofed)
    by_subject = {m["Subject"]: m for m in hub.imap_messages()}
    stamped = by_subject["stamped"].get_all("Authentication-Results")
    assert "mx.example.com; dmarc=pass header.from=example.com" in stamped
    assert not any("evil.example" in h for h in stamped)
    assert any(h.startswith("other.example") for h in stamped)
    assert by_subject["spoofed"].get_all("Authentication-Results") == [
        "mx.example.com; dmarc=fail header.from=example.com"]


def test_imap_offers_idle_and_move_and_the_box_is_shared_by_both_ports(plain_hub):
    plain_hub.imap_append(message("a@example.com", REMOTE, subject="appended").as_bytes())
    context = trusted(plain_hub)
    client = imaplib.IMAP4(plain_hub.imap_host, plain_hub.imap_port, timeout=30)
    try:
        assert "LOGINDISABLED" in client.capabilities
        client.starttls(context)
        client.login(plain_hub.imap_user, plain_hub.imap_password)
        typ, data = client.capability()
        assert b"IDLE" in data[0] and b"MOVE" in data[0]
        typ, data = client.select("INBOX")
        assert int(data[0]) == plain_hub.imap_count() >= 1
    finally:
        client.logout()
    bad = imaplib.IMAP4_SSL(
        plain_hub.imap_host, plain_hub.imap_tls_port, ssl_context=context, timeout=30
    )
    with pytest.raises(imaplib.IMAP4.error):
        bad.login(plain_hub.imap_user, "not-the-password")
    bad.logout()


def test_plain_hub_accepts_mail_without_auth(plain_hub):
    with smtplib.SMTP(plain_hub.smtp_host, plain_hub.smtp_port, timeout=30) as client:
        client.starttls(context=trusted(plain_hub))
        client.send_message(message("x@example.com", "dave@example.com", subject="open"))
    assert plain_hub.wait_for_mail("dave@example.com", 1)[0]["Subject"] == "open"


def test_unsafe_mailbox_names_are_refused(plain_hub):
    with pytest.raises(ValueError):
        plain_hub.mailbox("../../etc@x")


def test_info_names_no_secrets(hub):
    text = repr(hub.info())
    assert hub.imap_password not in text
    assert all(password not in text for password in USERS.values())


def test_a_delivered_message_appears_whole_or_not_at_all(hub, monkeypatch):
    """Readers glob *.eml while the SMTP server delivers: the bytes are written
    under another name and renamed, so a reader never finds a half-written
    (or empty) message."""
    import pathlib
    written = []
    real_write = pathlib.Path.write_bytes

    def recording_write(self, data):
        written.append(self)
        return real_write(self, data)

    monkeypatch.setattr(pathlib.Path, "write_bytes", recording_write)
    before = len(hub.mailbox_files("zoe@example.com"))
    hub._deliver("x@example.com", "zoe@example.com", b"Subject: whole\r\n\r\nall of it\r\n")
    files = hub.mailbox_files("zoe@example.com")
    assert len(files) == before + 1 and files[-1].read_bytes().endswith(b"all of it\r\n")
    assert written and not [p for p in written if p.suffix == ".eml"]
