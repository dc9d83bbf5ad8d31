"""Releases in folders, on a sandbox that behaves as XL Release is documented
to (a release in a folder has no teams of its own; folderApi.getTeams of a
folder without teams gives none; configurations can be held by folders):
the request goes to the members of the nearest folder's team, and the IMAP
configuration of the release's nearest folder is used, never another
folder's."""
import re
import pytest

from tests.support.sandbox_world import (FETCHING_OFF, comments_text, imap_configuration,
                                         plugin_world, start_task)

PEOPLE = {"alice": ("Alice Smith", "alice@example.com"), "bob": ("Bob Jones", "bob@example.com"),
          "carol": ("Carol Chen", "carol@example.com"), "dave": ("Dave", "dave@example.com")}


@pytest.fixture
def world(tmp_path):
    # No inherited team views (XL Release's behaviour there is undocumented)
    # and searchByTypeAndTitle(type, None) refused.
    with plugin_world(tmp_path, FETCHING_OFF, PEOPLE, refuse_title_none=True,
                      inherited_team_views=False) as (server, hub, clock):
        server.add_role("Approvers", ["carol"])
        yield server, hub, clock


def _imap(server, hub, title, from_address, folder=None):
    return imap_configuration(server, hub, title, folder=folder, fromAddress=from_address,
                              secret="secret-of-" + title.replace(" ", "-"))


def _start(server, clock, folder, **assignment):
    return start_task(server, clock, "Folder release", folder=folder, **assignment)


def test_team_of_the_nearest_folder_holding_teams_gets_the_request(world):
    server, hub, clock = world
    _imap(server, hub, "Global mailbox", hub.remote_address)
    top = server.create_folder("Payments")
    sub = server.create_folder("Services", parent=top)   # holds no teams: inherits top's
    server.add_team(top, "Ops", members=["bob"], roles=["Approvers"])
    task_id = _start(server, clock, sub, owner="alice", team="Ops")
    for address in ("alice@example.com", "bob@example.com", "carol@example.com"):
        assert len(hub.wait_for_mail(address, 1)) == 1, address
    assert sorted(r for r, _ in hub.deliveries) == [
        "alice@example.com", "bob@example.com", "carol@example.com"]
    assert str(server.task_bean(task_id).status) == "IN_PROGRESS"
    assert "not a team" not in comments_text(server, task_id)


def test_a_nearer_folders_teams_replace_the_outer_ones(world):
    server, hub, clock = world
    _imap(server, hub, "Global mailbox", hub.remote_address)
    top = server.create_folder("Payments")
    sub = server.create_folder("Services", parent=top)
    server.add_team(top, "Ops", members=["bob"])
    server.add_team(sub, "Ops", members=["dave"])
    _start(server, clock, sub, team="Ops")
    assert len(hub.wait_for_mail("dave@example.com", 1)) == 1
    assert [r for r, _ in hub.deliveries] == ["dave@example.com"]


def test_the_release_folders_imap_configuration_wins_and_another_folders_never(world):
    server, hub, clock = world
    _imap(server, hub, "Global mailbox", "global-replies@example.com")
    top = server.create_folder("Payments")
    sub = server.create_folder("Services", parent=top)
    other = server.create_folder("Elsewhere")
    _imap(server, hub, "Other folder mailbox", "other-replies@example.com", folder=other)
    _imap(server, hub, "Payments mailbox", hub.remote_address, folder=top)
    task_id = _start(server, clock, sub, owner="alice")
    mail = hub.wait_for_mail("alice@example.com", 1)[0]
    assert re.sub(r"\+xlr[0-9a-f]{32}@", "@", mail["Reply-To"]) == hub.remote_address
    assert "Replies go to %s." % hub.remote_address in comments_text(server, task_id)

    # A release in a folder without its own configuration: the global one.
    task_id = _start(server, clock, server.create_folder("Plain"), owner="bob")
    mail = hub.wait_for_mail("bob@example.com", 1)[0]
    assert re.sub(r"\+xlr[0-9a-f]{32}@", "@", mail["Reply-To"]) == "global-replies@example.com"


def test_two_configurations_in_one_folder_are_refused_by_name(world):
    server, hub, clock = world
    top = server.create_folder("Payments")
    _imap(server, hub, "First", hub.remote_address, folder=top)
    _imap(server, hub, "Second", hub.remote_address, folder=top)
    task_id = _start(server, clock, top, owner="alice")
    assert str(server.task_bean(task_id).status) == "FAILED"
    log = comments_text(server, task_id)
    assert "exactly one IMAP server configuration in folder" in log
    assert "'First'" in log and "'Second'" in log and "secret-of-First" not in log
