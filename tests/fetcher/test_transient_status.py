"""Only final statuses are final (release-api.yaml TaskStatus,
task-life-cycle.md): a genuine reply for a task in a transient status stays in
the mailbox for the next cycle, acts once the task is IN_PROGRESS again, and
is removed with its own verdict once the retry window has passed.  Against a
real Dovecot."""
from __future__ import annotations

import datetime

import pytest

from remote_completion import decide, fetch
from tests.fetcher import samples as s

pytestmark = pytest.mark.dovecot


def _reply():
    _subject, body = s.template("COMPLETE", comment="Done.")
    return s.plain(body, sender=s.ALICE, to=s.MAILBOX, extra=[])


@pytest.mark.parametrize("status", ["FAILURE_HANDLER_IN_PROGRESS", "QUEUED", "PENDING"])
def test_a_reply_for_a_transient_status_waits_then_acts(make_host, verdicts, status):
    host = make_host()
    host.world.tasks[s.TASK_ID]["status"] = status
    host.deliver(_reply())
    summary = host.run()
    assert summary.counts == {decide.TASK_SETTLING: 1} and summary.kept == 1
    assert host.count() == 1 and host.status() == status
    assert "kept for the next cycle (task-settling)" in verdicts()[-1]
    host.world.tasks[s.TASK_ID]["status"] = "IN_PROGRESS"
    assert host.run().acted == 1 and host.count() == 0


def test_a_transient_status_past_the_retry_window_gets_its_own_verdict(make_host, verdicts):
    host = make_host()
    host.world.tasks[s.TASK_ID]["status"] = "FAILURE_HANDLER_IN_PROGRESS"
    host.deliver(_reply())
    assert host.run().kept == 1
    later = datetime.datetime.utcnow() + fetch.RETRY_WINDOW + datetime.timedelta(hours=1)
    summary = host.run(now=later)
    assert summary.counts == {decide.SETTLING_TOO_LONG: 1} and host.count() == 0
    assert "ignored (task-status-unsettled)" in verdicts()[-1]
    assert "FAILURE_HANDLER_IN_PROGRESS" in verdicts()[-1]


@pytest.mark.parametrize("status", ["COMPLETED", "SKIPPED", "ABORTED", "FAILED"])
def test_a_reply_for_a_final_status_is_removed_at_once(make_host, status):
    host = make_host()
    host.world.tasks[s.TASK_ID]["status"] = status
    host.deliver(_reply())
    assert host.run().counts == {decide.NOT_IN_PROGRESS: 1} and host.count() == 0
