"""The request side on real Jython 2.7.3 (tests/jython/checks/check_request.py),
against real SMTP servers started here, with the results checked from CPython."""
import contextlib
import email
import email.policy

import pytest

from remote_completion import compose, mailto, signature
from tests.request.smtp_servers import PASSWORD, USER, free_port, smtp_server
from tests.support import lanes
from tests.support.certs import make_tls_files

pytestmark = pytest.mark.jython

MODULE = "check_request"
CHECKS = lanes.discover_jython_checks()[MODULE]["checks"]
SECRET = "jython-request-secret"
TASK_ID = "Applications/Release0a1b/Phase2c3d/Task4e5f"
TITLE = "Déployer ✓ <b>prod</b>"
RELEASE = "Version 3 — été"


@pytest.fixture(scope="module")
def jython(tmp_path_factory):
    ok, why = lanes.jython_available()
    if not ok:
        pytest.skip(why)  # conftest turns the marker into a failure in CI
    tls_files = make_tls_files(tmp_path_factory.mktemp("jy-tls"))
    other = make_tls_files(tmp_path_factory.mktemp("jy-other"))
    wrong_name = make_tls_files(
        tmp_path_factory.mktemp("jy-wrong"), hostnames=("smtp.other.example",)
    )
    out_dir = tmp_path_factory.mktemp("jy-out")
    with contextlib.ExitStack() as stack:
        servers = {
            "plain": stack.enter_context(smtp_server("plain")),
            "auth": stack.enter_context(smtp_server("plain", auth=True)),
            "pipelining": stack.enter_context(smtp_server("plain", pipelining=True)),
            "starttls": stack.enter_context(smtp_server("starttls", tls_files)),
            "implicit": stack.enter_context(smtp_server("implicit", tls_files)),
            "wrongname": stack.enter_context(smtp_server("starttls", wrong_name)),
        }
        context = {
            "ports": {name: port for name, (port, _) in servers.items()},
            "closed_port": free_port(),
            "ca_pem": str(tls_files.ca_pem),
            "other_ca_pem": str(other.ca_pem),
            "wrongname_ca_pem": str(wrong_name.ca_pem),
            "user": USER,
            "password": PASSWORD,
            "out_dir": str(out_dir),
            "repo": str(lanes.REPO),
            "expected_signature": signature.sign(
                SECRET, "COMPLETE", TASK_ID, "Alice@Example.com", "0123456789abcdef"
            ),
            "expected_link": compose.reply_link(
                "replies@example.com", "FAIL", TITLE, RELEASE, TASK_ID,
                "v2.0123456789abcdef." + "0" * 64),
            "expected_long_link": compose.reply_link(
                "replies@example.com", "COMPLETE", "日本" * 2000, "\U0001f680 " * 500, TASK_ID,
                "v2.0123456789abcdef." + "0" * 64),
        }
        run = lanes.run_jython_checks([MODULE], context, timeout=600)
        yield run, {name: rec for name, (_, rec) in servers.items()}, out_dir


@pytest.mark.parametrize("check", CHECKS)
def test_jython_check(jython, check):
    run, _, _ = jython
    failure = run.failure(MODULE, check)
    assert failure is None, failure


def test_jython_pipelined_mail_reached_the_server_intact(jython):
    run, recorders, _ = jython
    assert run.failure(MODULE, "check_smtp_pipelined_refusals_and_an_address_with_a_line_break") \
        is None
    received = recorders["pipelining"].messages
    assert [m[1] for m in received] == [["pipe-a@example.com"], ["pipe-c@example.com"]]
    assert b"body 8" in received[0][2] and b"body 12" in received[1][2]
    assert len(recorders["pipelining"].sessions) == 1


def test_jython_request_parses_on_cpython(jython):
    run, _, out_dir = jython
    assert run.failure(MODULE, "check_compose_writes_a_request") is None
    raw = (out_dir / "jython-request.eml").read_bytes()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert msg["Subject"] == "Action required: " + TITLE + " Bcc: victim@example.com"
    assert msg["Bcc"] is None
    assert msg["To"].addresses[0].display_name == "Zoë Ünal"
    plain = msg.get_body(("plain",)).get_content()
    assert RELEASE in plain and "Check <this>" in plain
    links = [l for l in plain.replace("\r\n", "\n").split("\n") if l.startswith("<mailto:")]
    assert len(links) == 2
    for line, action in zip(links, ("COMPLETE", "FAIL")):
        to, subject, body, others = mailto.parse(line[1:-1])
        assert len(line) - 2 < compose.MAX_LINK_LENGTH and others == {}
        sig = body.rsplit("SIGNATURE: ", 1)[1]
        assert (
            signature.verify(SECRET, sig, action, TASK_ID, "alice@example.com")
            == "0123456789abcdef"
        )


def test_jython_sent_mail_arrived(jython):
    run, recorders, _ = jython
    got = {name: [m[1][0] for m in rec.messages] for name, rec in recorders.items()}
    assert got["auth"] == ["jython-a@example.com", "jython-b@example.com"]
    assert all(m[3] == USER for m in recorders["auth"].messages)
    assert got["starttls"] == ["jython-starttls@example.com"]
    assert got["implicit"] == ["jython-implicit@example.com"]
    assert got["wrongname"] == []
    assert got["plain"] == ["jython-start-alice@example.com", "jython-start-bob@example.com"]
    for (_, rcpt, content, _) in recorders["plain"].messages:
        msg = email.message_from_bytes(content, policy=email.policy.default)
        # The plain-Reply token rides in Reply-To (sub-address) and the Message-ID.
        assert msg["Reply-To"].startswith("replies+xlr")
        assert msg["Message-ID"].startswith("<xlr.v2.")
        html = msg.get_body(("html",)).get_content()
        assert "Complete task" in html and "Fail task" in html
        plain = msg.get_body(("plain",)).get_content()
        link = [l for l in plain.replace("\r\n", "\n").split("\n") if l.startswith("<mailto:")][0][
            1:-1
        ]
        sig = mailto.parse(link)[2].rsplit("SIGNATURE: ", 1)[1]
        assert signature.verify(SECRET, sig, "COMPLETE", TASK_ID, rcpt[0]) is not None
