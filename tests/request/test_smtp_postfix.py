"""Request mail through a real relay: Postfix (STARTTLS required, AUTH through
Dovecot, PIPELINING offered), as company networks run it."""
import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from remote_completion import smtp
from remote_completion.host import SmtpConfig
from tests.support import postfix
from tests.support.dovecot import running_dovecot

pytestmark = [pytest.mark.postfix, pytest.mark.dovecot]

USER, PASSWORD = "relay-user", "relay-pass-6d2f"
REFUSED = "nobody@corp.example"
# One mechanism (each refused attempt raises Dovecot's auth penalty for the
# next one) and no failure delay: the wrong-password test stays quick.
AUTH_CONF = "auth_mechanisms = plain\nauth_failure_delay = 0 secs\n"


@pytest.fixture(scope="module")
def relay():
    with contextlib.ExitStack() as stack:
        root = Path(tempfile.mkdtemp(prefix="postfix-lane-"))
        os.chmod(root, 0o755)   # Dovecot's and Postfix's users reach the sockets
        stack.callback(shutil.rmtree, root, True)
        socket_path = root / "auth-smtp"
        dovecot = stack.enter_context(running_dovecot(
            "postfix-auth-", {USER: PASSWORD},
            extra_conf=postfix.dovecot_auth_conf(socket_path) + AUTH_CONF))
        sink = postfix.PostfixSink(root, dovecot.tls, socket_path,
                                   refused=(REFUSED,))
        stack.callback(sink.close)
        yield sink, dovecot.tls


def message(n, to):
    return ("From: xlr@corp.example\r\nTo: %s\r\nSubject: request %d\r\n\r\n"
            ".a line that starts with a dot\r\nbody %d\r\n" % (to, n, n)).encode("ascii")


def test_team_mail_through_postfix_pipelined_with_a_refused_recipient(relay, monkeypatch):
    sink, tls_files = relay
    config = SmtpConfig(host="localhost", port=sink.port, tls=True,
                        from_address="XL Release <xlr@corp.example>",
                        username=USER, password=PASSWORD)
    used = []
    original = smtp._Pipelined.send

    def pipelined(sending, key, address, data):
        used.append(address)
        return original(sending, key, address, data)
    monkeypatch.setattr(smtp._Pipelined, "send", pipelined)
    team = ["alice@corp.example", REFUSED, "bob@corp.example", "carol@corp.example"]
    before = sink.count()
    deliveries = smtp.send_messages(config, [(a, message(n, a)) for n, a in enumerate(team)],
                                    trusted_pem=tls_files.ca_pem.read_text())
    assert [d.ok for d in deliveries] == [True, False, True, True], deliveries
    assert "refused by the SMTP server: 554" in deliveries[1].error
    assert used == team, "Postfix offers PIPELINING: every message goes pipelined"
    assert sink.count(before + 3) - before == 3
    # The session went on after the refusal, and nothing else was queued.
    assert "NOQUEUE: reject: RCPT from" in sink.log_text()


def test_postfix_refuses_a_wrong_password(relay):
    sink, tls_files = relay
    config = SmtpConfig(host="localhost", port=sink.port, tls=True,
                        from_address="xlr@corp.example", username=USER,
                        password="not-the-password-1")
    with pytest.raises(smtp.SmtpError) as caught:
        smtp.send_messages(config, [("alice@corp.example", message(1, "alice@corp.example"))],
                           trusted_pem=tls_files.ca_pem.read_text())
    assert "refused the login of user 'relay-user'" in str(caught.value)
    assert "not-the-password-1" not in str(caught.value)
