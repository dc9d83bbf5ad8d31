"""Push in the sandbox, end to end: the fetch job runs as xl-rules.xml
declares it, long-lived (its own JobThread), and FetchMail.py holds an IMAP
IDLE session; a reply clicked in a mail client reaches Dovecot through the
sandbox's relay and its verdict is recorded on the task through IDLE, with sync-interval an
hour (no poll can explain it); stopping the server interrupts the job thread
and the session ends."""
from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from sandbox import Plugin, Server, demo
from sandbox.conf import write_conf
from sandbox.mail import ExternalImap, TlsMaterial

pytestmark = pytest.mark.dovecot

REPO = Path(__file__).resolve().parents[2]
IMAP_USER = "xlr-push@example.com"
JOB = "remoteCompletion.FetchMail"
@pytest.fixture(scope="module")
def dovecot():
    from tests.support.dovecot import running_dovecot
    with running_dovecot("perf-sandbox-dovecot-", {IMAP_USER: "push-pw-123"}) as server:
        yield server


class SeenLog(logging.Handler):
    """Sets an event when the plugin logs a line containing ``text``."""

    def __init__(self, text):
        super().__init__(logging.DEBUG)
        self.text = text
        self.seen = threading.Event()

    def emit(self, record):
        if self.text in record.getMessage():
            self.seen.set()


@pytest.fixture()
def idle_established():
    logger = logging.getLogger("com.xebialabs.xlrelease.plugins.remotecompletion")
    handler = SeenLog("IMAP IDLE established")
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    yield handler.seen
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_a_clicked_reply_completes_the_task_through_idle_in_the_sandbox(tmp_path, dovecot,
                                                                        idle_established):
    external = ExternalImap(dovecot.host, dovecot.port, dovecot.tls_port, IMAP_USER,
                            dovecot.users[IMAP_USER], dovecot.tls.ca_pem)
    tls = TlsMaterial(dovecot.tls.ca_pem, dovecot.tls.cert_pem, dovecot.tls.key_pem)
    hub, passwords = demo.make_hub(tmp_path / "relay", imap=external, tls=tls)
    home = tmp_path / "home"
    write_conf(home, "xl.remote-completion {\n startup-delay = 0 seconds\n"
                     " sync-interval = 1 hour\n idle-refresh = 20 minutes\n}\n")
    with hub:
        # No long_lived_jobs argument: xl-rules.xml declares the job long-lived.
        server = Server(home, [Plugin.from_repo(REPO)], run_jobs=True)   # the push job, asked for
        demo.configure_server(server, hub, passwords)
        server.start()
        try:
            release, task, _ = demo.create_release(server)
            server.start_release(release)
            request = hub.wait_for_mail(demo.PEOPLE[0][2], 1, timeout=30)[-1]
            # IDLE is up (and the cycle it triggers starts now, before the
            # click's mail exists); with sync-interval an hour only a push
            # can act on the reply.
            assert idle_established.wait(30)
            demo.mail_client(hub, passwords, demo.PEOPLE[0]).click(request, "complete",
                                                                     comment="Pushed.")
            # Push records the verdict at once; the task's waiting script
            # ends the task on its next run (sync-interval later).
            assert server.wait_until(lambda s: any(
                "`xlr-remote-completion verdict=COMPLETE" in c.text
                for c in s.task_bean(task).comments), 30), \
                [(r.outcome, r.error) for r in server.job_runs]
            assert dovecot.count(IMAP_USER) == 0
            runs = [r for r in server.job_runs if r.job == JOB]
            assert len(runs) == 1 and runs[0].ended is None, "one session, still running"
        finally:
            server.stop(timeout=30)   # raises if the job thread ignored the interrupt
        runs = [r for r in server.job_runs if r.job == JOB]
        assert runs[0].outcome == "completed", runs[0].error
