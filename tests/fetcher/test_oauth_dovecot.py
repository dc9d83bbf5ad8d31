"""OAuth 2.0 for the reply mailbox, for real: Dovecot accepts only XOAUTH2 and
OAUTHBEARER (its oauth2 passdb asks our token service's introspection URL),
the plugin gets its tokens from the same service over verified TLS."""
from __future__ import annotations

import base64
import logging
import shutil
import tempfile
from pathlib import Path

import pytest

from remote_completion import fetch, logs, maildebug, oauth
from tests.support.fetch_host import Host
from tests.fetcher.samples import good_reply
from tests.support import lanes
from tests.support.certs import make_tls_files
from tests.support.oauth_server import TokenService, closed_port, dovecot_oauth2_conf

pytestmark = pytest.mark.dovecot

SCOPE = "https://outlook.office365.com/.default"
CLIENT_SECRET = "client-Secret-never-logged-4417"
USERS = ["oauth-box%d@example.com" % n for n in range(1, 30)]


@pytest.fixture(scope="module")
def world():
    ok, why = lanes.dovecot_available()
    if not ok:
        pytest.skip(why)
    from tests.support.dovecot import start_dovecot
    root = Path(tempfile.mkdtemp(prefix="rc-oauth-"))
    root.chmod(0o755)   # Dovecot's mail processes (user dovecot) go through it
    tls = make_tls_files(root / "tls")
    service = TokenService(tls).start()
    servers = {}
    try:
        for name, mechanisms in (("both", "xoauth2 oauthbearer"), ("bearer", "oauthbearer")):
            servers[name] = start_dovecot(
                root / name, {u: "unused-password" for u in USERS}, tls=tls,
                oauth2_conf=dovecot_oauth2_conf(service), mechanisms=mechanisms,
                token_for=lambda user: service.mint(user))
        yield service, servers
    finally:
        for server in servers.values():
            server.stop()
        service.stop()
        shutil.rmtree(root, ignore_errors=True)


_next = iter(USERS)


class OAuthHost(Host):
    """The fake host of tests/fetcher, its configuration switched to OAuth."""

    def __init__(self, service, server, grant="client_credentials"):
        Host.__init__(self, server, next(_next))
        self.service = service
        self.client_id = "app-" + self.user.split("@")[0]
        service.add_client(self.client_id, CLIENT_SECRET, self.user, [SCOPE])
        ci = self.ci
        ci.password = None
        ci.authentication = "OAUTH2"
        ci.tokenEndpoint = service.token_url
        ci.clientId = self.client_id
        if grant == "refresh_token":
            ci.oauthGrant = "REFRESH_TOKEN"
            self.refresh_token = service.add_refresh_token(self.client_id, self.user)
            ci.refreshToken = self.refresh_token
            ci.clientSecret = CLIENT_SECRET
        else:
            ci.oauthGrant = "CLIENT_CREDENTIALS"
            ci.clientSecret = CLIENT_SECRET
            ci.oauthScope = SCOPE

    def tokens(self):
        return [t.value for t in self.service.issued(self.user)]


@pytest.fixture
def make_oauth_host(world):
    service, servers = world
    oauth.clear_cache()
    maildebug.set_enabled(None)
    yield lambda server="both", **kw: OAuthHost(service, servers[server], **kw)
    service.slow.clear()
    service.release.set()
    service.release.clear()
    service.clock_offset = 0.0
    maildebug.set_enabled(None)
    oauth.clear_cache()


def errors(caplog):
    return [r.getMessage() for r in caplog.records
            if r.name == logs.LOGGER_NAME and r.levelno >= logging.ERROR]


def logins(server, method):
    return server.log().count("method=%s" % method)


def test_a_task_is_completed_through_a_mailbox_that_accepts_only_xoauth2(make_oauth_host, caplog):
    host = make_oauth_host()
    before = host.service.token_requests
    host.deliver(good_reply())
    before_logins = logins(host.server, "XOAUTH2")
    summary = host.run()
    assert summary.error is None and summary.acted == 1, errors(caplog)
    assert host.status() == "COMPLETED"
    assert host.count() == 0
    assert host.service.token_requests == before + 1
    # The plugin's own session (the helper's append/count sessions also log in).
    assert logins(host.server, "XOAUTH2") > before_logins
    assert "LOGINDISABLED" in host.server.client(host.user).capabilities


def test_the_token_is_cached_then_renewed_before_it_expires(make_oauth_host, monkeypatch):
    host = make_oauth_host()
    before = host.service.token_requests
    host.run()
    host.run()
    assert host.service.token_requests == before + 1     # cached between cycles
    # An hour later (the plugin's clock and the server's): renewed before use,
    # without a refused login first.
    now = oauth._monotonic()
    monkeypatch.setattr(oauth, "_monotonic", lambda: now + 3600)
    host.service.clock_offset = 3600
    failures = host.server.log().count("Authentication failed")
    host.deliver(good_reply())
    summary = host.run()
    assert summary.acted == 1 and host.status() == "COMPLETED"
    assert host.service.token_requests == before + 2
    assert host.server.log().count("Authentication failed") == failures


@pytest.mark.parametrize("change", ["expired-early", "revoked"])
def test_a_refused_cached_token_is_replaced_once(make_oauth_host, change, caplog):
    host = make_oauth_host()
    host.run()
    before = host.service.token_requests
    if change == "revoked":
        host.service.revoke_all(host.user)
    else:
        host.service.expire_all(host.user)
    host.deliver(good_reply())
    introspections = host.service.introspections
    summary = host.run()
    assert summary.error is None and summary.acted == 1, errors(caplog)
    assert host.service.token_requests == before + 1
    # Dovecot asked about the cached token (refused), then about the new one.
    assert host.service.introspections == introspections + 2
    assert host.status() == "COMPLETED"


def test_a_wrong_client_secret_is_reported_once_with_the_endpoints_reason(make_oauth_host, caplog):
    host = make_oauth_host()
    host.ci.clientSecret = "wrong-Secret-8812"
    host.deliver(good_reply())
    caplog.set_level(logging.DEBUG, logger=logs.LOGGER_NAME)
    summary = host.run()
    assert summary.error == "imap"
    (line,) = errors(caplog)
    assert "invalid_client" in line and "AADSTS7000215" in line and "HTTP 401" in line
    assert host.service.token_url.split("://")[1].split("/")[0] in line
    assert "wrong-Secret-8812" not in line and CLIENT_SECRET not in line
    assert host.count() == 1 and host.status() == "IN_PROGRESS"


def test_a_fresh_token_that_is_refused_is_not_asked_for_again(make_oauth_host, world, caplog):
    """A token for another mailbox: Dovecot refuses it; asking again would not help."""
    service, servers = world
    host = make_oauth_host()
    other = make_oauth_host()
    host.ci.clientId = other.client_id
    before = service.token_requests
    summary = host.run()
    assert summary.error == "imap"
    assert service.token_requests == before + 1
    (line,) = errors(caplog)
    assert "AUTHENTICATE XOAUTH2" in line.upper() and "refused" in line


def test_a_token_endpoint_that_is_down(make_oauth_host, caplog):
    host = make_oauth_host()
    host.ci.tokenEndpoint = "https://127.0.0.1:%d/token" % closed_port()
    host.deliver(good_reply())
    summary = host.run()
    assert summary.error == "imap"
    (line,) = errors(caplog)
    assert "token endpoint https://127.0.0.1:" in line and "could not be reached" in line
    assert host.count() == 1


def test_a_slow_token_endpoint_times_out(make_oauth_host, caplog):
    host = make_oauth_host()
    host.service.slow.set()
    summary = host.run(network_timeout=1.0)
    assert summary.error == "imap"
    (line,) = errors(caplog)
    assert "no answer within 1 s" in line


def test_an_untrusted_token_endpoint_certificate_is_refused(make_oauth_host, caplog):
    host = make_oauth_host()
    host.ci.trustedCertificates = None   # the same CA setting as the IMAP server's
    summary = host.run()
    assert summary.error == "imap"
    assert "certificate verify failed" in errors(caplog)[0]
    assert host.service.token_requests >= 0


def test_refresh_token_grant(make_oauth_host):
    host = make_oauth_host(grant="refresh_token")
    host.deliver(good_reply())
    summary = host.run()
    assert summary.acted == 1 and host.status() == "COMPLETED"


def test_a_server_that_offers_only_oauthbearer(make_oauth_host, caplog):
    host = make_oauth_host("bearer")
    host.deliver(good_reply())
    before = logins(host.server, "OAUTHBEARER")
    summary = host.run()
    assert summary.acted == 1, errors(caplog)
    assert host.status() == "COMPLETED"
    assert logins(host.server, "OAUTHBEARER") > before
    assert "XOAUTH2" not in " ".join(host.server.client(host.user).capabilities)


def test_secrets_are_absent_from_logs_at_trace_and_from_the_mail_debug_trace(
        make_oauth_host, caplog, capfd):
    host = make_oauth_host()
    host.service.expire_all(host.user)
    host.run()                          # a token in the cache ...
    host.service.revoke_all(host.user)  # ... refused, then replaced: two AUTHENTICATEs
    host.deliver(good_reply())
    caplog.set_level(logs.TRACE, logger=logs.LOGGER_NAME)
    maildebug.set_enabled(True)
    summary = host.run()
    ok, message = fetch.check_connection(host.ci)
    maildebug.set_enabled(None)
    assert summary.acted == 1 and ok
    trace = capfd.readouterr().err
    assert "AUTHENTICATE XOAUTH2" in trace and "DEBUG IMAP: C ********" in trace
    text = trace + message + "\n".join(r.getMessage() for r in caplog.records)
    tokens = host.tokens()
    assert len(tokens) >= 3
    secrets = [CLIENT_SECRET] + tokens
    for token in tokens:
        raw = "user=%s\x01auth=Bearer %s\x01\x01" % (host.user, token)
        secrets.append(base64.b64encode(raw.encode()).decode())
    for secret in secrets:
        assert secret not in text
        assert secret[:24] not in text


def test_the_test_button_checks_token_connect_authenticate_select(make_oauth_host):
    host = make_oauth_host()
    ok, message = host.check_connection()
    assert ok and "authenticated with OAuth 2.0 as %s" % host.user in message
    ok, message = host.check_connection(clientSecret="wrong-Secret-8813")
    assert not ok and 'step "get an OAuth 2.0 token"' in message and "invalid_client" in message
    assert "wrong-Secret-8813" not in message
    ok, message = host.check_connection(username=USERS[-1])   # the token is another mailbox's
    assert not ok and 'step "authenticate (OAuth 2.0)"' in message
    ok, message = host.check_connection(port=closed_port())
    assert not ok and 'step "connect"' in message


def test_missing_oauth_settings_are_named(make_oauth_host):
    host = make_oauth_host()
    host.ci.clientId = None
    host.ci.oauthScope = None
    ok, message = fetch.check_connection(host.ci)
    assert not ok and "client id and no scope" in message
