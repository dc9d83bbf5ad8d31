"""Jython check modules run in one JVM against a Dovecot of their own: the
module-scoped fixture the Jython lanes of tests/performance share."""
from __future__ import annotations

import pytest

from tests.support import lanes
from tests.support.dovecot import running_dovecot


def jython_checks_fixture(module, users, prefix, before_jvm=None, python_path=None,
                          timeout=600):
    """A module-scoped fixture whose value is the ``lanes.JythonCheckRun`` of
    the check ``module``, run once against a Dovecot with ``users``
    ({name: password}).  The checks' context holds the server's host, port,
    tls_port, ca_pem and the users; ``before_jvm(server)``, given, runs
    before the JVM starts (e.g. to fill a mailbox) and returns more context."""

    @pytest.fixture(scope="module")
    def jython_run():
        ok, why = lanes.jython_available()
        if not ok:
            pytest.skip(why)
        with running_dovecot(prefix, users) as server:
            context = {"host": server.host, "port": server.port, "tls_port": server.tls_port,
                       "ca_pem": str(server.tls.ca_pem), "users": users}
            if before_jvm is not None:
                context.update(before_jvm(server))
            yield lanes.run_jython_checks([module], context, timeout=timeout,
                                          python_path=python_path)
    return jython_run
