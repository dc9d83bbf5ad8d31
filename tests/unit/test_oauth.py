"""oauth.py's pure parts: SASL client responses, settings, error text."""
from __future__ import annotations

import base64

import pytest

from remote_completion import host, logs, oauth


def test_xoauth2_response_is_googles_format():
    assert oauth.xoauth2_response("box@example.com", "tok") == \
        b"user=box@example.com\x01auth=Bearer tok\x01\x01"


def test_oauthbearer_response_follows_rfc_7628_and_escapes_the_saslname():
    assert oauth.oauthbearer_response("a,b=c@example.com", "tok", "imap.example.com", 993) == \
        (b"n,a=a=2Cb=3Dc@example.com,\x01host=imap.example.com\x01port=993"
         b"\x01auth=Bearer tok\x01\x01")


def test_xoauth2_is_preferred_then_oauthbearer():
    assert oauth.choose_mechanism(["IMAP4REV1", "AUTH=OAUTHBEARER", "AUTH=XOAUTH2"]) == "XOAUTH2"
    assert oauth.choose_mechanism(["AUTH=OAUTHBEARER", "AUTH=PLAIN"]) == "OAUTHBEARER"
    assert oauth.choose_mechanism(["LOGIN", "PLAIN", "XOAUTH2"]) == "XOAUTH2"   # SMTP EHLO words
    assert oauth.choose_mechanism(["AUTH=PLAIN"]) is None


def test_the_servers_json_error_is_read_from_base64_or_plain():
    raw = b'{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}'
    assert oauth.server_error(base64.b64encode(raw)) == \
        "schemes=bearer, scope=https://mail.google.com/, status=401"
    assert oauth.server_error(raw).startswith("schemes=bearer")
    assert oauth.server_error(b"not json") == ""


def test_tenant_fills_the_microsoft_endpoint():
    s = oauth.OAuthSettings(tenant="contoso.onmicrosoft.com", client_id="c",
                            client_secret="sec-123", scope="https://outlook.office365.com/.default")
    assert s.token_url == \
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
    s = oauth.OAuthSettings(token_url=oauth.MICROSOFT_TOKEN_URL, tenant="1111-2222")
    assert s.token_url == "https://login.microsoftonline.com/1111-2222/oauth2/v2.0/token"
    assert s.missing() == ["client id", "client secret", "scope"]


def test_refresh_token_grant_needs_no_secret_or_scope():
    s = oauth.OAuthSettings(token_url=oauth.GOOGLE_TOKEN_URL, client_id="c", grant="REFRESH_TOKEN",
                            refresh_token="1//rt-secret-value")
    assert s.grant == oauth.GRANT_REFRESH_TOKEN and s.missing() == []
    assert "1//rt-secret-value" not in logs.mask_secrets("x 1//rt-secret-value y")
    assert "rt-secret" not in repr(s)


@pytest.mark.parametrize("value, expected", [("OAUTH2", "oauth2"), ("oauth 2.0", "oauth2"),
                                             ("PASSWORD", "password"), (None, "password")])
def test_authentication_choice(value, expected):
    assert oauth.normalise_authentication(value) == expected


def test_plain_http_is_refused_before_any_connection():
    with pytest.raises(oauth.HttpError, match="not an https URL: http://127.0.0.1:9/token"):
        oauth.http_request("POST", "http://user:pw@127.0.0.1:9/token?x=secret", body=b"")


def test_describe_url_drops_credentials_and_query():
    assert oauth.describe_url("https://u:p@h.example:8443/a/token?key=s") == \
        "https://h.example:8443/a/token"


class Ci:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def base_ci(**kw):
    values = dict(id="Configuration/Custom/C1", title="Replies", host="imap.example.com", port=993,
                  useTls=True, tlsMode="IMPLICIT", username="box@example.com", password=None,
                  fromAddress="box@example.com", secret="signing-secret-xyz")
    values.update(kw)
    return Ci(**values)


def test_host_reads_the_oauth_fields_and_registers_the_secrets():
    config = host.imap_config_from_ci(base_ci(
        authentication="OAUTH2", tenantId="t-1", clientId="app", clientSecret="cs-Secret-991",
        oauthScope="https://outlook.office365.com/.default"))
    assert config.authentication == "oauth2" and config.oauth.client_id == "app"
    assert config.oauth.token_url == "https://login.microsoftonline.com/t-1/oauth2/v2.0/token"
    assert logs.mask_secrets("cs-Secret-991") == logs.MASK
    assert "cs-Secret-991" not in repr(config)
    assert host.imap_config_from_ci(base_ci()).oauth is None


def test_host_names_missing_oauth_fields_and_graph_needs_no_imap_host():
    with pytest.raises(host.ConfigurationError, match="no client id and no client secret"):
        host.imap_config_from_ci(base_ci(authentication="OAUTH2", tenantId="t-1",
                                         oauthScope="s"))
    config = host.imap_config_from_ci(base_ci(
        host=None, mailSource="GRAPH", tenantId="t", clientId="a", clientSecret="cs-Secret-992",
        oauthScope="https://graph.microsoft.com/.default", graphMailbox="replies@example.com"))
    assert config.mail_source == host.SOURCE_GRAPH
    assert config.graph_mailbox == "replies@example.com"
    with pytest.raises(host.ConfigurationError, match="has no host"):
        host.imap_config_from_ci(base_ci(host=None))


def test_mail_debug_masks_xoauth2_in_every_form():
    from remote_completion import maildebug
    b64 = base64.b64encode(oauth.xoauth2_response("u@example.com", "ya29.a0Af-tok_en")).decode()
    assert maildebug.redact("IMAP", "A1 AUTHENTICATE XOAUTH2 " + b64) == \
        "A1 AUTHENTICATE XOAUTH2 " + logs.MASK
    assert maildebug.redact("IMAP", b64, in_auth=True) == logs.MASK
    assert maildebug.redact("SMTP", "AUTH XOAUTH2 " + b64) == "AUTH XOAUTH2 " + logs.MASK
    line = maildebug.redact("GRAPH", "Authorization: Bearer ya29.a0Af-tok_en==")
    assert "ya29" not in line and line.endswith("Bearer " + logs.MASK)
