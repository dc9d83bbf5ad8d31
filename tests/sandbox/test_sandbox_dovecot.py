"""External-mail mode: Dovecot holds the remote completion mailbox.

The sandbox's SMTP server relays mail for the remote completion address into
Dovecot with IMAP APPEND (this Dovecot has no LMTP set up); the plugin's
fetch job reads it from Dovecot over verified TLS.
"""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

import pytest

from sandbox import Plugin, Server, VirtualClock, demo
from sandbox.conf import write_conf
from sandbox.mail import ExternalImap, MailHub, TlsMaterial

pytestmark = pytest.mark.dovecot
REPO = Path(__file__).resolve().parents[2]
IMAP_USER = "xlr-remote-completion@example.com"


@pytest.fixture(scope="module")
def dovecot():
    from tests.support.dovecot import running_dovecot
    with running_dovecot("sandbox-dovecot-", {IMAP_USER: "dovecot-pw-123"}) as server:
        yield server


@pytest.fixture(scope="module")
def relay(tmp_path_factory, dovecot):
    external = ExternalImap(dovecot.host, dovecot.port, dovecot.tls_port, IMAP_USER,
                            dovecot.users[IMAP_USER], dovecot.tls.ca_pem)
    # One CA for both servers, so the plugin's trustedCertificates holds one PEM.
    tls = TlsMaterial(dovecot.tls.ca_pem, dovecot.tls.cert_pem, dovecot.tls.key_pem)
    hub, passwords = demo.make_hub(tmp_path_factory.mktemp("relay"), imap=external, tls=tls)
    with hub:
        yield hub, passwords


def test_relay_appends_into_dovecot_over_verified_tls(relay, dovecot):
    hub, passwords = relay
    before = dovecot.count(IMAP_USER)
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "alice@example.com", IMAP_USER, "into dovecot"
    msg.set_content("hello dovecot")
    with smtplib.SMTP(hub.smtp_host, hub.smtp_port, timeout=30) as client:
        client.starttls(context=ssl.create_default_context(cafile=str(hub.ca_pem)))
        client.login("alice@example.com", passwords["alice@example.com"])
        client.send_message(msg)
    assert dovecot.count(IMAP_USER) == before + 1
    assert hub.imap_count() == before + 1
    assert any(m["Subject"] == "into dovecot" for m in hub.imap_messages())
    # Clean up for the flow test: it expects an empty INBOX.
    client = dovecot.client(IMAP_USER)
    try:
        client.select("INBOX")
        client.store("1:*", "+FLAGS", "\\Deleted")
        client.expunge()
    finally:
        client.logout()


def test_a_relay_that_does_not_trust_dovecot_refuses_to_deliver(tmp_path, dovecot):
    external = ExternalImap(
        dovecot.host, dovecot.port, dovecot.tls_port, IMAP_USER, dovecot.users[IMAP_USER], None
    )   # the relay's own CA: Dovecot's cert fails
    with MailHub(tmp_path, remote_address=IMAP_USER, imap=external) as hub:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "alice@example.com", IMAP_USER, "refused"
        msg.set_content("x")
        with smtplib.SMTP(hub.smtp_host, hub.smtp_port, timeout=30) as client:
            client.starttls(context=ssl.create_default_context(cafile=str(hub.ca_pem)))
            with pytest.raises(smtplib.SMTPDataError) as error:
                client.send_message(msg)
        assert error.value.smtp_code == 451


def test_plugin_completes_a_task_from_dovecot(tmp_path, relay, dovecot):
    hub, passwords = relay
    home = tmp_path / "home"
    write_conf(home, "xl.remote-completion.startup-delay = 1 second\n")
    clock = VirtualClock()
    # The fetch job, asked for (run_jobs): this test is about Dovecot as the mailbox.
    server = Server(home, [Plugin.from_repo(REPO)], clock=clock, run_jobs=True)
    demo.configure_server(server, hub, passwords)
    (imap,) = server.search_configurations("remoteCompletion.ImapServer", "")
    assert imap.getProperty("port") == dovecot.tls_port
    with server:
        release, task, _ = demo.create_release(server)
        server.start_release(release)
        clock.run_due()
        request = hub.wait_for_mail(demo.PEOPLE[0][2], 1)[-1]
        demo.mail_client(hub, passwords, demo.PEOPLE[0]).click(
            request, "complete", comment="From Dovecot."
        )
        assert dovecot.count(IMAP_USER) == 1
        clock.advance(30)          # the job records the verdict; the waiting script ends the task
        assert str(server.task_bean(task).status) == "COMPLETED"
        assert dovecot.count(IMAP_USER) == 0
