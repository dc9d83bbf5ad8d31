"""synthetic.xml: valid against Digital.ai's schema, and the types the host
contract names with the properties the plugin reads."""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from tests.support import lanes

REPO = Path(__file__).resolve().parents[2]
NS = {"s": "http://www.xebialabs.com/deployit/synthetic"}
TASK = "remoteCompletion.RemoteCompletionTask"
IMAP = "remoteCompletion.ImapServer"


def schema_path() -> Path:
    # XLR_SYNTHETIC_XSD, else ../shared/reference/ (sandbox/schemas.py); the
    # synthetic_xsd marker skips, or fails under REQUIRE_ALL_LANES=1, without it.
    return lanes.synthetic_xsd_path()


@pytest.fixture(scope="module")
def doc():
    return etree.parse(str(REPO / "synthetic.xml"))


def props(doc, type_name) -> dict[str, etree._Element]:
    types = doc.findall(f"s:type[@type='{type_name}']", NS)
    assert len(types) == 1, f"{type_name} defined {len(types)} times"
    return {p.get("name"): p for p in types[0].findall("s:property", NS)}


def type_element(doc, type_name):
    return doc.find(f"s:type[@type='{type_name}']", NS)


@pytest.mark.synthetic_xsd
def test_valid_against_synthetic_xsd(doc):
    schema = etree.XMLSchema(etree.parse(str(schema_path())))
    assert schema.validate(doc), schema.error_log


@pytest.mark.synthetic_xsd
def test_schema_rejects_a_broken_definition(doc):
    """The validation above can fail: a property kind the schema lacks is refused."""
    schema = etree.XMLSchema(etree.parse(str(schema_path())))
    broken = etree.fromstring(etree.tostring(doc))
    broken.find("s:type/s:property", NS).set("kind", "password")
    assert not schema.validate(broken)


def test_task_type(doc):
    task = type_element(doc, TASK)
    assert task.get("extends") == "xlrelease.PythonScript"
    group, _, name = task.get("label").partition(":")
    assert group.strip() == "Remote completion" and name.strip()
    assert task.get("description")
    p = props(doc, TASK)
    assert p["scriptLocation"].get("default") == "remoteCompletion/StartTask.py"
    assert p["iconLocation"].get("default") == "remoteCompletion/remote-completion.png"
    assert p["taskColor"].get("default").upper() == "#8E2A75"
    for name in ("scriptLocation", "iconLocation", "taskColor"):
        assert p[name].get("hidden") == "true"


def test_task_state_properties_are_hidden_script_category(doc):
    p = props(doc, TASK)
    kinds = {"requestAttempt": "integer", "requestRecipients": "string", "requestSentAt": "string"}
    for name, kind in kinds.items():
        assert p[name].get("category") == "script", name
        assert p[name].get("hidden") == "true", name
        assert p[name].get("kind") == kind, name
        assert p[name].get("required") == "false", name


def test_task_has_no_required_input(doc):
    for name, prop in props(doc, TASK).items():
        if prop.get("category") == "input":
            assert prop.get("required") == "false", name


def test_imap_server_type(doc):
    imap = type_element(doc, IMAP)
    assert imap.get("extends") == "xlrelease.Configuration"
    assert imap.get("label") == "IMAP server"
    p = props(doc, IMAP)
    expected = {
        # name: (kind, default, required)
        "host": ("string", None, "false"),   # not needed for the Graph mail source
        "port": ("integer", "993", "false"),
        "useTls": ("boolean", "true", "false"),
        "tlsMode": ("enum", "IMPLICIT", "false"),
        "username": ("string", None, "false"),
        "password": ("string", None, "false"),
        "fromAddress": ("string", None, "true"),
        "enableWhitelisting": ("boolean", "false", "false"),
        "domainWhitelist": ("set_of_string", None, "false"),
        "secret": ("string", None, "true"),
        "trustedCertificates": ("string", None, "false"),
        "quarantineFolder": ("string", None, "false"),
        "requireSenderAuthentication": ("boolean", "false", "false"),
        "authservId": ("string", None, "false"),
        # OAuth 2.0 and Microsoft Graph (issue 14)
        "mailSource": ("enum", "IMAP", "false"),
        "authentication": ("enum", "PASSWORD", "false"),
        "tokenEndpoint": ("string", None, "false"),
        "clientId": ("string", None, "false"),
        "clientSecret": ("string", None, "false"),
        "oauthScope": ("string", None, "false"),
        "tenantId": ("string", None, "false"),
        "oauthGrant": ("enum", "CLIENT_CREDENTIALS", "false"),
        "refreshToken": ("string", None, "false"),
        "graphMailbox": ("string", None, "false"),
        "graphUrl": ("string", None, "false"),
        # SMTP fallback, for servers whose SMTP settings scripts cannot read.
        "smtpHost": ("string", None, "false"),
        "smtpPort": ("integer", "25", "false"),
        "smtpTls": ("boolean", "false", "false"),
        "smtpUsername": ("string", None, "false"),
        "smtpPassword": ("string", None, "false"),
        "smtpFromAddress": ("string", None, "false"),
        "smtpAuthentication": ("enum", "PASSWORD", "false"),
        "smtpOauthScope": ("string", None, "false"),
    }
    for name, (kind, default, required) in expected.items():
        prop = p[name]
        assert (prop.get("kind"), prop.get("default"), prop.get("required")) == (
            kind, default, required), name
        assert prop.get("label"), f"{name} has no label"
        assert len(prop.get("description") or "") > 20, (
            f"{name} needs a description an admin can use"
        )
    assert set(p) == set(expected) | {"scriptLocation"}
    assert p["scriptLocation"].get("default") == "remoteCompletion/ImapServer.py"
    assert p["scriptLocation"].get("hidden") == "true"
    assert [v.text for v in p["tlsMode"].findall("s:enum-values/s:value", NS)] == [
        "IMPLICIT", "STARTTLS"]
    assert p["useTls"].get("label") == "Use TLS"
    assert p["fromAddress"].get("label") == "IMAP from address"
    assert p["secret"].get("label") == "Secret for generating email signatures"
    assert "invalidates" in p["secret"].get("description")
    assert p["trustedCertificates"].get("size") == "large"


def test_only_secrets_are_passwords(doc):
    p = props(doc, IMAP)
    assert {n for n, prop in p.items() if prop.get("password") == "true"} == {
        "password", "secret", "clientSecret", "refreshToken", "smtpPassword"}


def test_icon_location_file_exists(doc):
    icon = props(doc, TASK)["iconLocation"].get("default")
    assert (REPO / "ext" / icon).is_file()


@pytest.mark.parametrize("type_name", [TASK, IMAP])
def test_script_location_file_exists(doc, type_name):
    script = props(doc, type_name)["scriptLocation"].get("default")
    assert (REPO / "ext" / script).is_file(), f"{script} is missing under ext/"
