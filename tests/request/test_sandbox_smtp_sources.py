"""Where the request mail's SMTP server comes from, on sandbox servers of
each shape: the settings record read by id, then a type search, then the
optional SMTP fields of the IMAP configuration (for servers that hide the
SMTP password from scripts); one error naming all three when none works.
The SMTP server requires AUTH, so a hidden password cannot pass."""
import pytest

from sandbox import api as sandbox_api
from sandbox import views as sandbox_views
from sandbox.errors import IllegalArgumentException
from tests.support.sandbox_world import (FETCHING_OFF, IMAP_TYPE, comments_text,
                                         imap_configuration, plugin_world, start_task)

SECRET = "smtp-sources-secret-0123456789"
SMTP_PASSWORD = "smtp-sources-pass-4711"


@pytest.fixture
def world(tmp_path):
    # XL Release's reading of searchByTypeAndTitle(type, None): refused.  No
    # SMTP server set: each test chooses where it comes from.
    with plugin_world(tmp_path, FETCHING_OFF, {"alice": ("Alice Smith", "alice@example.com")},
                      smtp=False, hub=dict(smtp_users={"mailer": SMTP_PASSWORD}),
                      refuse_title_none=True) as world:
        yield world


def _imap(server, hub, **smtp_fields):
    return imap_configuration(server, hub, secret=SECRET, **smtp_fields)


def _smtp_record(server, hub):
    server.set_smtp_server(host="localhost", port=hub.smtp_port, tls=True, username="mailer",
                           password=SMTP_PASSWORD, fromAddress="XL Release <xlr@example.com>")


def _start(server, clock):
    return start_task(server, clock, "SMTP sources", owner="alice")


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
    assert SMTP_PASSWORD not in comments_text(server, task_id)


def test_hidden_password_without_fallback_fails_naming_all_three_sources(world):
    server, hub, clock = world
    _smtp_record(server, hub)
    server.smtp_password_readable = False
    _imap(server, hub)
    task_id = _start(server, clock)
    assert str(server.task_bean(task_id).status) == "FAILED"
    log = comments_text(server, task_id)
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
    log = comments_text(server, task_id)
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
