"""OAuth 2.0 on real Jython 2.7.3 (tests/jython/checks/check_oauth.py): XOAUTH2
and OAUTHBEARER against Dovecot's oauth2 passdb and the local token service,
a task completed through a mailbox that accepts only XOAUTH2."""
from __future__ import annotations

import json

import pytest

from tests.fetcher import samples as s
from tests.fetcher.samples import good_reply
from tests.fetcher.test_oauth_dovecot import CLIENT_SECRET, SCOPE, USERS, world  # noqa: F401
from tests.support import lanes
from tests.request.smtp_servers import smtp_server
from tests.request.test_smtp_oauth import OAuthRecorder
from tests.support.graph_standin import GRAPH_SCOPE, GraphStandIn
from tests.support.oauth_server import closed_port

pytestmark = [pytest.mark.jython, pytest.mark.dovecot]

MODULE = "check_oauth"
CHECKS = lanes.discover_jython_checks()[MODULE]["checks"]


@pytest.fixture(scope="module")
def jython(world, tmp_path_factory):  # noqa: F811
    ok, why = lanes.jython_available()
    if not ok:
        pytest.skip(why)
    service, servers = world
    out_dir = tmp_path_factory.mktemp("jy-oauth-out")
    names = ["xoauth2", "refresh", "bearer", "wrong", "down", "slow"]
    users = dict(zip(names, USERS[-len(names) - 1:-1]))
    scenarios = {}
    for name, user in users.items():
        client_id = "jy-" + name
        service.add_client(client_id, CLIENT_SECRET, user, [SCOPE])
        server = servers["bearer" if name == "bearer" else "both"]
        scenarios[name] = {"port": server.tls_port, "user": user, "client_id": client_id}
        if name in ("xoauth2", "refresh", "bearer", "wrong"):
            server.append(user, good_reply())
    scenarios["refresh2"] = dict(scenarios["refresh"])
    scenarios["wrong"]["client_secret"] = "wrong-Secret-jython-5521"
    scenarios["slow"]["timeout"] = 1.0
    context = {
        "host": "127.0.0.1", "secret": s.SECRET, "mailbox": s.MAILBOX, "task_id": s.TASK_ID,
        "alice": ["Alice Smith", s.ALICE], "ca_pem": str(servers["both"].tls.ca_pem),
        "token_url": service.token_url, "revoke_url": service.revoke_url,
        "client_secret": CLIENT_SECRET, "scope": SCOPE, "out_dir": str(out_dir),
        "scenarios": scenarios, "repo": str(lanes.REPO),
    }
    scenarios["down"]["token_url"] = "https://127.0.0.1:%d/token" % closed_port()
    scenarios["slow"]["token_url"] = service.slow_token_url
    # Microsoft Graph: the stand-in, a mailbox with a reply and two more mails
    # (pages of 2), one 429 first.
    standin = GraphStandIn(service, max_page=2).start()
    address = "jy-graph@contoso.example"
    service.add_client("jy-graph", CLIENT_SECRET, address, [GRAPH_SCOPE])
    standin.allow("jy-graph", address)
    for raw in (s.plain("not a reply"), good_reply(), s.plain("another")):
        standin.deliver(address, raw)
    standin.throttle.append(3)
    context["graph"] = {"base_url": standin.base_url, "address": address, "client_id": "jy-graph",
                        "scope": GRAPH_SCOPE, "messages": 3}
    # SMTP AUTH XOAUTH2 against aiosmtpd (STARTTLS, the same CA).
    service.add_client("jy-smtp", CLIENT_SECRET, "jy-sender@example.com", [SCOPE])
    recorder = OAuthRecorder(service)
    smtp_cm = smtp_server("starttls", service.tls, auth=True, recorder=recorder,
                          auth_exclude_mechanism=["LOGIN", "PLAIN"])
    smtp_port, _ = smtp_cm.__enter__()
    context["smtp"] = {"port": smtp_port, "client_id": "jy-smtp", "user": "jy-sender@example.com"}
    try:
        run = lanes.run_jython_checks([MODULE], context, timeout=600,
                                      python_path=[lanes.REPO / "tests" / "jython"])
    finally:
        service.release.set()   # let the slow answers go
        smtp_cm.__exit__(None, None, None)
        standin.stop()
    context["recorder"] = recorder
    context["standin_counts"] = {f: standin.folder_count(address, f)
                                 for f in ("inbox", "deleteditems")}

    def result(name):
        return json.loads((out_dir / (name + ".json")).read_text())
    yield run, result, users, servers, context


@pytest.mark.parametrize("check", CHECKS)
def test_jython_check(jython, check):
    failure = jython[0].failure(MODULE, check)
    assert failure is None, failure


def test_jython_xoauth2_cycle_emptied_the_mailbox_and_hid_the_token(jython, world):  # noqa: F811
    run, result, users, servers, _context = jython
    service, _ = world
    r = result("xoauth2")
    assert r["tasks"][s.TASK_ID]["status"] == "COMPLETED"
    # Ended by its own waiting script (returned normally, nothing scheduled).
    assert r["script_ends"][s.TASK_ID] == {"code": 0, "scheduled": []}
    assert servers["both"].count(users["xoauth2"]) == 0
    assert "AUTHENTICATE XOAUTH2" in run.proc.stderr
    output = run.proc.stderr + run.proc.stdout + json.dumps(r)
    for token in service.issued(users["xoauth2"]):
        assert token.value not in output
    assert CLIENT_SECRET not in output and "wrong-Secret-jython-5521" not in output


def test_jython_oauthbearer_and_refresh(jython):
    _run, result, users, servers, _context = jython
    assert result("bearer")["tasks"][s.TASK_ID]["status"] == "COMPLETED"
    assert servers["bearer"].count(users["bearer"]) == 0
    assert "method=OAUTHBEARER" in servers["bearer"].log()
    assert result("refresh")["tasks"][s.TASK_ID]["status"] == "COMPLETED"
    assert result("refresh2")["summary"]["error"] is None


def test_jython_graph_and_smtp(jython):
    _run, result, _users, _servers, context = jython
    r = result("graph")
    assert r["tasks"][s.TASK_ID]["status"] == "COMPLETED" and r["waits"] == [3.0]
    assert r["script_ends"][s.TASK_ID] == {"code": 0, "scheduled": []}
    assert context["standin_counts"] == {"inbox": 0, "deleteditems": 3}
    assert context["recorder"].logins == [("XOAUTH2", "jy-sender@example.com")]
    assert len(context["recorder"].messages) == 1
