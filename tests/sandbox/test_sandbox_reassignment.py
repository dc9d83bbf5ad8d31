"""Reassignment while the task waits: the waiting script sees the team
changed, mails the new assignee a request for the same run, notes it on the
task and updates requestRecipients; the person no longer assigned is refused
(not-assignee) and told so; the new assignee's reply completes the task."""
from __future__ import annotations

import pytest

from sandbox import demo
from sandbox_helpers import JOB_CONF, demo_server

ALICE, BOB, CAROL = demo.PEOPLE
TEAM = "Release approvers"


@pytest.fixture
def flow(tmp_path):
    hub, passwords = demo.make_hub(tmp_path / "mail")
    with hub:
        server, clock = demo_server(tmp_path / "home", (hub, passwords), JOB_CONF, run_jobs=True)
        with server:
            release, task, _after = demo.create_release(server)
            yield server, clock, hub, passwords, release, task


def requests(hub, person):
    return [m for m in hub.mailbox(person[2]) if m["X-XLR-Remote-Completion"] == "request"]


def outcomes(hub, person):
    return [m for m in hub.mailbox(person[2]) if m["X-XLR-Remote-Completion"] == "outcome"]


def test_new_assignee_gets_a_request_for_the_same_run(flow):
    server, clock, hub, passwords, release, task = flow
    server.update_team(release, TEAM, members=["alice"], roles=[])
    server.start_release(release)
    clock.run_due()
    hub.wait_for_mail(ALICE[2], 1)
    run = server.tasks[task].properties["requestRun"]
    assert requests(hub, BOB) == []

    server.update_team(release, TEAM, members=["bob"], roles=[])   # alice out, bob in
    clock.advance(3)                                                # the waiting script runs
    (to_bob,) = [m for m in hub.wait_for_mail(BOB[2], 1)
                 if m["X-XLR-Remote-Completion"] == "request"]
    assert run in to_bob["Reply-To"]                                # the same run's token
    assert server.tasks[task].properties["requestRun"] == run
    assert server.tasks[task].properties["requestRecipients"] == BOB[2]
    notes = [c.text for c in server.task_bean(task).comments if "reassigned" in c.text]
    assert len(notes) == 1 and BOB[2] in notes[0] and ALICE[2] in notes[0]

    # Alice's request stops acting; she is told why.
    demo.mail_client(hub, passwords, ALICE).click(requests(hub, ALICE)[0], "complete")
    clock.advance(3)
    assert str(server.task_bean(task).status) == "IN_PROGRESS"
    (told,) = outcomes(hub, ALICE)
    assert "no longer assigned" in told.get_body(("plain",)).get_content()

    demo.mail_client(hub, passwords, BOB).click(to_bob, "complete", comment="Checked.")
    clock.advance(4)
    assert str(server.task_bean(task).status) == "COMPLETED"
    # One request to bob only: later cycles do not mail him again.
    assert len(requests(hub, BOB)) == 1
