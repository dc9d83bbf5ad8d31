"""Who gets the request mail, with fake APIs in Python and Java shapes."""
import pytest

from remote_completion import recipients
from tests.request.fakes import ReleaseApi, RolesApi, Shape, UserApi

RELEASE = "Applications/Release1"
USERS = {
    "alice": ("Alice Smith", "alice@example.com"),
    "bob": ("Bob Jones", "Bob@Example.com"),
    "carol": ("Carol", "carol@example.com"),
    "bob2": ("Bob (second account)", "bob@example.com"),   # same mailbox as bob
    "nomail": ("No Mail", ""),
    "dave": (None, "dave@example.com"),
}


@pytest.fixture(params=[False, True], ids=["python-shape", "java-shape"])
def shape(request):
    return Shape(java=request.param)


def apis(shape, teams=None, roles=None, fail_teams=False):
    return (ReleaseApi(shape, teams or {}, fail=fail_teams), UserApi(shape, USERS),
            RolesApi(shape, roles or {}))


def task(shape, owner=None, team=None):
    return shape.obj(id=RELEASE + "/Phase1/Task1", title="T", owner=owner, team=team)


def emails(found):
    return [r.email for r in found]


def test_owner_only(shape):
    found, problems = recipients.resolve(task(shape, owner="alice"), RELEASE, *apis(shape))
    assert found == [recipients.Recipient("alice", "Alice Smith", "alice@example.com")]
    assert problems == []


def test_team_principals_and_roles(shape):
    teams = {
        "Ops": [("bob", "PRINCIPAL"), ("Approvers", "ROLE")], "Other": [("nomail", "PRINCIPAL")]}
    found, problems = recipients.resolve(task(shape, team="Ops"), RELEASE,
                                         *apis(shape, teams, {"Approvers": ["carol", "dave"]}))
    assert emails(found) == ["Bob@Example.com", "carol@example.com", "dave@example.com"]
    assert found[2].display_name == "dave"
    assert problems == []


def test_owner_and_team_without_duplicates(shape):
    teams = {"Ops": [("alice", "PRINCIPAL"), ("Admins", "ROLE"), ("bob2", "PRINCIPAL")]}
    found, problems = recipients.resolve(task(shape, owner="alice", team="Ops"), RELEASE,
                                         *apis(shape, teams, {"Admins": ["bob", "ALICE"]}))
    # "alice" and "ALICE" are one user; bob2 shares bob's mailbox.
    assert emails(found) == ["alice@example.com", "Bob@Example.com"]
    assert problems == []


def test_missing_email_and_unknown_users_are_problems(shape):
    teams = {"Ops": [("nomail", "PRINCIPAL"), ("ghost", "PRINCIPAL"), ("carol", "PRINCIPAL"),
                     ("Gone", "ROLE")]}
    found, problems = recipients.resolve(task(shape, team="Ops"), RELEASE, *apis(shape, teams))
    assert emails(found) == ["carol@example.com"]
    assert len(problems) == 3
    assert any("No Mail" in p and "no email address" in p for p in problems)
    assert any("'ghost' is unknown" in p for p in problems)
    assert any("Role 'Gone'" in p for p in problems)


def test_unknown_team_and_nobody(shape):
    found, problems = recipients.resolve(
        task(shape, team="Nope"), RELEASE, *apis(shape, {"Ops": []})
    )
    assert found == [] and problems == [
        "Team 'Nope' is not a team of this release or of its folders."
    ]
    found, problems = recipients.resolve(task(shape), RELEASE, *apis(shape))
    assert found == [] and "nobody" in problems[0]


def test_team_lookup_failure_is_reported_not_raised(shape):
    found, problems = recipients.resolve(task(shape, owner="alice", team="Ops"), RELEASE,
                                         *apis(shape, fail_teams=True))
    assert emails(found) == ["alice@example.com"]
    assert "could not be read" in problems[0]


def test_hostile_names_are_cleaned_in_problems(shape):
    teams = {"Ops": [("evil\r\nINFO forged line", "PRINCIPAL")]}
    _, problems = recipients.resolve(task(shape, team="Ops"), RELEASE, *apis(shape, teams))
    assert "\n" not in problems[0] and "\r" not in problems[0]


def test_is_assignee(shape):
    teams = {"Ops": [("bob", "PRINCIPAL"), ("Approvers", "ROLE")]}
    a = apis(shape, teams, {"Approvers": ["carol"]})
    t = task(shape, owner="alice", team="Ops")
    assert recipients.is_assignee("ALICE@example.com", t, RELEASE, *a)
    assert recipients.is_assignee("bob@example.com", t, RELEASE, *a)
    assert recipients.is_assignee(" carol@example.com ", t, RELEASE, *a)
    assert not recipients.is_assignee("dave@example.com", t, RELEASE, *a)
    assert not recipients.is_assignee("", t, RELEASE, *a)
    # Reassigned: the owner is no longer alice.
    assert not recipients.is_assignee("alice@example.com", task(shape, owner="carol"), RELEASE, *a)


@pytest.mark.parametrize("owner,team", [("alice", "Ops"), (None, "Ops"), ("bob2", "Ops"),
                                        ("nomail", "Ops"), ("alice", None), ("dave", "Ops")])
def test_find_assignee_names_whom_resolve_names_first(shape, owner, team):
    # The fetcher takes the audit's full name from the assignee it found
    # instead of resolving everyone again: the same person for every address.
    teams = {"Ops": [("bob", "PRINCIPAL"), ("bob2", "PRINCIPAL"), ("Approvers", "ROLE"),
                     ("nomail", "PRINCIPAL"), ("dave", "PRINCIPAL")]}
    a = apis(shape, teams, {"Approvers": ["carol", "alice"]})
    t = task(shape, owner=owner, team=team)
    found, _problems = recipients.resolve(t, RELEASE, *a)
    for address in ("alice@example.com", "BOB@example.com", "carol@example.com",
                    "dave@example.com", "nobody@example.com"):
        first = [r for r in found if r.email.strip().lower() == address.lower()][:1]
        assert recipients.find_assignee(address.lower(), t, RELEASE, *a) == (
            first[0] if first else None), address
        assert recipients.is_assignee(address.lower(), t, RELEASE, *a) == bool(first)


def test_is_assignee_raises_when_the_team_cannot_be_read(shape):
    a = apis(shape, fail_teams=True)
    t = task(shape, owner="alice", team="Ops")
    assert recipients.is_assignee("alice@example.com", t, RELEASE, *a)   # owner needs no team
    with pytest.raises(recipients.AssigneeLookupError):
        recipients.is_assignee("bob@example.com", t, RELEASE, *a)


# --- teams held by folders (releases in a folder inherit its teams) --------------

FOLDER_RELEASE = "Applications/FolderA/FolderB/Release1"


class FolderApi:
    """folderApi.getTeams(folderId) -> [TeamView], as the REST endpoint
    GET /api/v1/folders/{folderId}/teams."""

    def __init__(self, shape, teams_by_folder, fail=False):
        self.shape = shape
        self.teams_by_folder = teams_by_folder   # folder id -> {teamName: [(name, type)]}
        self.fail = fail
        self.calls = []

    def getTeams(self, folder_id):
        self.calls.append(folder_id)
        if self.fail:
            raise IOError("connection reset")
        return ReleaseApi(self.shape, self.teams_by_folder.get(folder_id, {})).getTeams(folder_id)


def folder_task(shape, owner=None, team=None):
    return shape.obj(id=FOLDER_RELEASE + "/Phase1/Task1", title="T", owner=owner, team=team)


def test_release_without_teams_uses_the_nearest_folders_team(shape):
    releases, users, roles = apis(shape, roles={"Approvers": ["carol"]})
    folders = FolderApi(shape, {
        "Applications/FolderA": {"Ops": [("dave", "PRINCIPAL")]},
        "Applications/FolderA/FolderB": {"Ops": [("bob", "PRINCIPAL"), ("Approvers", "ROLE")]}})
    found, problems = recipients.resolve(folder_task(shape, team="Ops"), FOLDER_RELEASE, releases,
                                         users, roles, folders)
    assert emails(found) == ["Bob@Example.com", "carol@example.com"] and problems == []
    assert folders.calls == ["Applications/FolderA/FolderB"]
    assert recipients.is_assignee("carol@example.com", folder_task(shape, team="Ops"),
                                  FOLDER_RELEASE, releases, users, roles, folders)
    assert not recipients.is_assignee("dave@example.com", folder_task(shape, team="Ops"),
                                      FOLDER_RELEASE, releases, users, roles, folders)


def test_a_folder_without_teams_inherits_from_its_parent(shape):
    releases, users, roles = apis(shape)
    folders = FolderApi(shape, {"Applications/FolderA": {"Ops": [("dave", "PRINCIPAL")]}})
    found, _ = recipients.resolve(folder_task(shape, team="Ops"), FOLDER_RELEASE, releases,
                                  users, roles, folders)
    assert emails(found) == ["dave@example.com"]
    assert folders.calls == ["Applications/FolderA/FolderB", "Applications/FolderA"]


def test_the_releases_own_teams_come_first(shape):
    releases, users, roles = apis(shape, teams={"Ops": [("alice", "PRINCIPAL")]})
    folders = FolderApi(shape, {"Applications/FolderA/FolderB": {"Ops": [("bob", "PRINCIPAL")]}})
    found, _ = recipients.resolve(folder_task(shape, team="Ops"), FOLDER_RELEASE, releases,
                                  users, roles, folders)
    assert emails(found) == ["alice@example.com"] and folders.calls == []


def test_folder_team_outage_is_a_lookup_error_not_a_rejection(shape):
    releases, users, roles = apis(shape)
    folders = FolderApi(shape, {}, fail=True)
    with pytest.raises(recipients.AssigneeLookupError):
        recipients.is_assignee("bob@example.com", folder_task(shape, team="Ops"), FOLDER_RELEASE,
                               releases, users, roles, folders)
    found, problems = recipients.resolve(folder_task(shape, owner="alice", team="Ops"),
                                         FOLDER_RELEASE, releases, users, roles, folders)
    assert emails(found) == ["alice@example.com"] and "could not be read" in problems[0]


def test_without_folder_api_a_folder_team_is_reported_missing(shape):
    releases, users, roles = apis(shape)
    found, problems = recipients.resolve(folder_task(shape, team="Ops"), FOLDER_RELEASE, releases,
                                         users, roles)
    assert found == [] and "not a team of this release or of its folders" in problems[0]
