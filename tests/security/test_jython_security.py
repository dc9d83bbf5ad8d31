"""tests/jython/checks/check_security.py on real Jython 2.7.3, with a Dovecot
mailbox for the claim checks (authresults and the claims' pure parts run in
the same JVM)."""
from __future__ import annotations

import pytest

from tests.support import lanes

MODULE = "check_security"


@pytest.mark.jython
@pytest.mark.dovecot
def test_security_checks_on_jython(mailbox):
    server, user, password = mailbox
    c = server.client(user)
    try:
        for i in range(10):
            assert c.append("INBOX", None, None, b"Subject: m%d\r\nFrom: a@corp.com\r\n\r\nbody\r\n" % i)[0] == "OK"
    finally:
        c.logout()
    run = lanes.run_jython_checks([MODULE], context={"host": server.host, "port": server.port,
                                                      "user": user, "password": password})
    names = lanes.discover_jython_checks()[MODULE]["checks"]
    assert len(names) >= 6
    failures = {name: run.failure(MODULE, name) for name in names}
    assert {k: v for k, v in failures.items() if v} == {}
