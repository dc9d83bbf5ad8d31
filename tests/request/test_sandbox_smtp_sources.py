"""Where the request mail's SMTP server comes from, on sandbox servers of
each shape: the settings record read by id, then a type search, then the
optional SMTP fields of the IMAP configuration (for servers that hide the
SMTP password from scripts); one error naming all three when none works.
The SMTP server requires AUTH, so a hidden password cannot pass."""
from pathlib import Path

import pytest

from sandbox import api as sandbox_api
from sandbox import views as sandbox_views
from sandbox import server as sandbox_server
from sandbox.clock import VirtualClock
from sandbox.conf import write_conf
from sandbox.errors import IllegalArgumentException
from sandbox.mail import MailHub
from sandbox.plugin import Plugin

REPO = Path(__file__).resolve().parents[2]
SECRET = "smtp-sources-secret-0123456789"
SMTP_PASSWORD = "smtp-sources-pass-4711"
IMAP_TYPE = "remoteCompletion.ImapServer"
TASK_TYPE = "remoteCompletion.RemoteCompletionTask"


@pytest.fixture
def world(tmp_path):
    hub = MailHub(tmp_path / "mail", smtp_users={"mailer": SMTP_PASSWORD}).start()
    home = tmp_path / "home"
    write_conf(home, "xl.remote-completion { fetching-enabled = false }\n")
    clock = VirtualClock()
    # XL Release's reading of searchByTypeAndTitle(type, None): refused.
    server = sandbox_server.Server(home, plugins=[Plugin.from_repo(REPO)], clock=clock,
                                   refuse_title_none=True)
    try:
        server.start()
        server.add_user("alice", email="alice@example.com", full_name="Alice Smith")
        yield server, hub, clock
    finally:
        server.stop()
        hub.stop()


def _imap(server, hub, **smtp_fields):
    return server.create_configuration(
        IMAP_TYPE, "Remote completion mailbox", host="localhost", port=hub.imap_tls_port,
        useTls=True, tlsMode="IMPLICIT", username=hub.imap_user, password=hub.imap_password,
        fromAddress=hub.remote_address, secret=SECRET,
        trustedCertificates=hub.ca_pem.read_text(), **smtp_fields)


def _smtp_record(server, hub):
    server.set_smtp_server(host="localhost", port=hub.smtp_port, tls=True, username="mailer",
                           password=SMTP_PASSWORD, fromAddress="XL Release <xlr@example.com>")


def _start(server, clock):
    rel = server.create_release("SMTP sources")
    phase = server.add_phase(rel, "Production")
    task_id = server.add_task(phase, TASK_TYPE, "Approve", owner="alice")
    server.start_release(rel)
    clock.advance(0)
    return task_id


def _log(server, task_id):
    return "\n".join(c.text for c in server.task_bean(task_id).comments)


def test_the_settings_record_is_read_by_id(world):
    server, hub, clock = world
    _smtp_record(server, hub)
    _imap(server, hub)
    task_id = _start(server, clock)
    mail = hub.wait_for_mail("alice@example.com", 1)[0]
    assert mail["From"].addresses[0].addr_spec == "xlr@example.com"
    assert str(server.task_bean(task_id).status) == "IN_PROGRESS"


def test_hidden_smtp_password_uses_the_imap_configurations_smtp_fields(world):
    server, hub, clock = world
    _smtp_record(server, hub)
    server.smtp_password_readable = False   # the record's password reaches scripts encrypted
    _imap(server, hub, smtpHost="localhost", smtpPort=hub.smtp_port, smtpTls=True,
          smtpUsername="mailer", smtpPassword=SMTP_PASSWORD,
          smtpFromAddress="Fallback <fallback@example.com>")
    task_id = _start(server, clock)
    mail = hub.wait_for_mail("alice@example.com", 1)[0]
    assert mail["From"].addresses[0].addr_spec == "fallback@example.com"
    assert str(server.task_bean(task_id).status) == "IN_PROGRESS"
    assert SMTP_PASSWORD not in _log(server, task_id)


def test_hidden_password_without_fallback_fails_naming_all_three_sources(world):
    server, hub, clock = world
    _smtp_record(server, hub)
    server.smtp_password_readable = False
    _imap(server, hub)
    task_id = _start(server, clock)
    assert str(server.task_bean(task_id).status) == "FAILED"
    log = _log(server, task_id)
    assert "read by id (Configuration/mail/SmtpServer): its password is not readable" in log
    assert "a search for xlrelease.SmtpServer: its password is not readable" in log
    assert "the SMTP fields of the IMAP server configuration 'Remote completion mailbox'" in log
    assert SMTP_PASSWORD not in log and sandbox_views.HIDDEN_PASSWORD not in log
    assert not hub.deliveries


def test_no_smtp_settings_at_all_fails_naming_all_three_sources(world):
    server, hub, clock = world
    _imap(server, hub)
    task_id = _start(server, clock)
    assert str(server.task_bean(task_id).status) == "FAILED"
    log = _log(server, task_id)
    assert "(1) Settings > SMTP server read by id" in log and "not found" in log
    assert "(2) a search for xlrelease.SmtpServer: found nothing" in log
    assert "(3) the SMTP fields of the IMAP server configuration" in log


def test_the_sandbox_refuses_a_null_title_and_reads_empty_as_any(world):
    server, hub, _clock = world
    _imap(server, hub)
    api = sandbox_api.ConfigurationApi(server, "admin")
    with pytest.raises(IllegalArgumentException, match="None"):
        api.searchByTypeAndTitle(IMAP_TYPE, None)
    assert [str(ci.title) for ci in api.searchByTypeAndTitle(IMAP_TYPE, "")] == [
        "Remote completion mailbox"]
    assert api.searchByTypeAndTitle(IMAP_TYPE, "Another title") == []
