"""SMTP AUTH XOAUTH2 / OAUTHBEARER against aiosmtpd with a custom AUTH
mechanism that asks the local token service whether the token is live."""
from __future__ import annotations

import base64

import pytest
from aiosmtpd.smtp import AuthResult

from remote_completion import maildebug, oauth, smtp
from remote_completion.host import SmtpConfig
from tests.request.smtp_servers import Recorder, smtp_server
from tests.support.certs import make_tls_files
from tests.support.oauth_server import TokenService

SENDER = "xlr-replies@example.com"
SECRET = "smtp-client-Secret-3319"
SCOPE = "https://outlook.office365.com/.default"


class OAuthRecorder(Recorder):
    """Accepts XOAUTH2 and OAUTHBEARER for a token the service says is live
    and was issued for the user named in the response."""

    def __init__(self, service):
        Recorder.__init__(self)
        self.service = service
        self.logins = []

    async def _check(self, server, args, mechanism):
        if len(args) != 2:
            return AuthResult(success=False, handled=False)
        fields = base64.b64decode(args[1]).decode().split("\x01")
        if mechanism == "XOAUTH2":
            user = fields[0].partition("user=")[2]
        else:
            user = fields[0].split(",")[1].partition("a=")[2]
        token = [f for f in fields if f.startswith("auth=Bearer ")][0][len("auth=Bearer "):]
        live = self.service.active(token)
        if live is None or live.user != user:
            # Google's and Microsoft's answer: a JSON error, then 535 after the
            # client's empty line.
            await server.challenge_auth(b'{"status":"401","schemes":"bearer"}')
            return AuthResult(success=False, handled=False)
        self.logins.append((mechanism, user))
        return AuthResult(success=True, auth_data=user)

    async def auth_XOAUTH2(self, server, args):
        return await self._check(server, args, "XOAUTH2")

    async def auth_OAUTHBEARER(self, server, args):
        return await self._check(server, args, "OAUTHBEARER")


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    tls = make_tls_files(tmp_path_factory.mktemp("smtp-oauth-tls"))
    svc = TokenService(tls).start()
    svc.add_client("smtp-app", SECRET, SENDER, [SCOPE])
    yield svc
    svc.stop()


def config(port, service, secret=SECRET):
    cfg = SmtpConfig(host="localhost", port=port, tls=True,
                     from_address="XL Release <%s>" % SENDER)
    cfg.oauth = oauth.OAuthSettings(service.token_url, "smtp-app", secret, SCOPE)
    return cfg


def message():
    return b"From: xlr@example.com\r\nTo: x\r\nSubject: t\r\n\r\nbody\r\n"


def send(service, recorder, secret=SECRET, exclude=()):
    pem = service.tls.ca_pem.read_text()
    with smtp_server("starttls", service.tls, auth=True, recorder=recorder,
                     auth_exclude_mechanism=["LOGIN", "PLAIN"] + list(exclude)) as (port, _):
        return smtp.send_messages(config(port, service, secret),
                                  [("alice@example.com", message())], trusted_pem=pem)


@pytest.fixture(autouse=True)
def fresh_cache():
    oauth.clear_cache()
    yield
    oauth.clear_cache()
    maildebug.set_enabled(None)


def test_smtp_auth_xoauth2_sends_and_masks_the_token(service, capfd):
    recorder = OAuthRecorder(service)
    maildebug.set_enabled(True)
    deliveries = send(service, recorder)
    assert [d.ok for d in deliveries] == [True]
    assert recorder.logins == [("XOAUTH2", SENDER)] and len(recorder.messages) == 1
    trace = capfd.readouterr().err
    assert "DEBUG SMTP: C AUTH XOAUTH2 ********" in trace and "DEBUG SMTP: S 235" in trace
    for token in service.issued(SENDER):
        assert token.value not in trace
        raw = "user=%s\x01auth=Bearer %s\x01\x01" % (SENDER, token.value)
        assert base64.b64encode(raw.encode()).decode() not in trace
    assert SECRET not in trace


def test_smtp_auth_oauthbearer_when_only_that_is_offered(service):
    recorder = OAuthRecorder(service)
    assert [d.ok for d in send(service, recorder, exclude=["XOAUTH2"])] == [True]
    assert recorder.logins == [("OAUTHBEARER", SENDER)]


def test_a_revoked_cached_token_is_replaced_once(service):
    send(service, OAuthRecorder(service))
    before = service.token_requests
    service.revoke_all(SENDER)
    recorder = OAuthRecorder(service)
    assert [d.ok for d in send(service, recorder)] == [True]
    assert service.token_requests == before + 1 and len(recorder.messages) == 1


def test_a_refused_token_is_a_clear_error_without_the_token(service):
    service.add_client("other-app", SECRET, "someone-else@example.com", [SCOPE])
    recorder = OAuthRecorder(service)
    pem = service.tls.ca_pem.read_text()
    with smtp_server("starttls", service.tls, auth=True, recorder=recorder,
                     auth_exclude_mechanism=["LOGIN", "PLAIN"]) as (port, _):
        cfg = config(port, service)
        cfg.oauth = oauth.OAuthSettings(service.token_url, "other-app", SECRET, SCOPE)
        with pytest.raises(smtp.SmtpError) as caught:
            smtp.send_messages(cfg, [("alice@example.com", message())], trusted_pem=pem)
    text = str(caught.value)
    assert "refused the OAuth 2.0 login of 'xlr-replies@example.com'" in text and "535" in text
    assert "status=401" in text
    assert all(t.value not in text for t in service.issued())
    assert recorder.messages == []


def test_a_wrong_client_secret_names_the_endpoint_error(service):
    with pytest.raises(smtp.SmtpError) as caught:
        send(service, OAuthRecorder(service), secret="wrong-smtp-Secret-1")
    text = str(caught.value)
    assert "invalid_client" in text and "wrong-smtp-Secret-1" not in text


def test_the_configurations_smtp_fields_send_with_oauth_before_the_settings_record(service):
    """smtpAuthentication = OAUTH2: host.find_smtp_config returns the SMTP
    fields of the IMAP server configuration (with the OAuth fields) first."""
    from remote_completion import host

    class Ci:
        def __init__(self, **kw):
            self.__dict__.update(kw)

    class NoSettings:
        def searchByTypeAndTitle(self, *args):
            raise AssertionError("the settings record must not be needed")

        getConfiguration = searchByTypeAndTitle

    recorder = OAuthRecorder(service)
    pem = service.tls.ca_pem.read_text()
    with smtp_server("starttls", service.tls, auth=True, recorder=recorder,
                     auth_exclude_mechanism=["LOGIN", "PLAIN"]) as (port, _):
        ci = Ci(id="Configuration/Custom/C1", title="Replies", host="imap.example.com",
                port=993, username=SENDER, fromAddress=SENDER, secret="signing-Secret-77",
                authentication="OAUTH2", tokenEndpoint=service.token_url, clientId="smtp-app",
                clientSecret=SECRET, oauthScope="https://graph.microsoft.com/.default",
                smtpHost="localhost", smtpPort=port, smtpTls=True,
                smtpAuthentication="OAUTH2", smtpOauthScope=SCOPE)
        imap_config = host.imap_config_from_ci(ci)
        config = host.find_smtp_config(NoSettings(), imap_config)
        assert config.oauth.scope == SCOPE and config.oauth.client_id == "smtp-app"
        deliveries = smtp.send_messages(config, [("alice@example.com", message())],
                                        trusted_pem=pem)
    assert [d.ok for d in deliveries] == [True]
    assert recorder.logins == [("XOAUTH2", SENDER)]
