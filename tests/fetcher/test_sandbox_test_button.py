"""The IMAP configuration's Test button in the sandbox: XL Release answers a
connection test with SharedConfigurationStatusResponse (success, errorText,
scriptFound: release-api.yaml), which carries no printed output, so the
reason for a failure must be in errorText, and never a secret."""
from pathlib import Path

import pytest

from sandbox import server as sandbox_server
from sandbox.clock import VirtualClock
from sandbox.mail import MailHub
from sandbox.plugin import Plugin

REPO = Path(__file__).resolve().parents[2]
IMAP_TYPE = "remoteCompletion.ImapServer"
SECRET = "test-button-secret-0123456789"


@pytest.fixture
def world(tmp_path):
    hub = MailHub(tmp_path / "mail").start()
    server = sandbox_server.Server(tmp_path / "home", plugins=[Plugin.from_repo(REPO)],
                                   clock=VirtualClock())
    try:
        server.start()
        yield server, hub
    finally:
        server.stop()
        hub.stop()


def _ci(server, hub, **changes):
    values = dict(host="localhost", port=hub.imap_tls_port, useTls=True, tlsMode="IMPLICIT",
                  username=hub.imap_user, password=hub.imap_password,
                  fromAddress=hub.remote_address, secret=SECRET,
                  trustedCertificates=hub.ca_pem.read_text())
    values.update(changes)
    return server.create_configuration(IMAP_TYPE, "Mailbox", **values)


def test_a_good_configuration_passes(world):
    server, hub = world
    result = server.test_configuration(_ci(server, hub))
    assert result["success"] is True and not result["errorText"], result


@pytest.mark.parametrize("changes,reason", [
    (dict(password="wrong-password-97531"), 'failed at step "log in"'),
    (dict(trustedCertificates=None), "certificate"),
    (dict(port=1), 'failed at step "connect"'),
])
def test_the_failure_reason_is_in_error_text_without_secrets(world, changes, reason):
    server, hub = world
    result = server.test_configuration(_ci(server, hub, **changes))
    assert result["success"] is False and result["scriptFound"] is True
    error = result["errorText"] or ""
    assert reason in error, error
    for secret in (hub.imap_password, "wrong-password-97531", SECRET):
        assert secret not in error and secret not in (result["output"] or "")
