"""Who receives the request mail: the assigned user and the assigned team.

The team is looked up as XL Release inherits teams: among the release's own
teams (``releaseApi.getTeams``), else among those of the nearest folder that
holds teams (``folderApi.getTeams``, the release's folders nearest first),
since a release in a folder may have no teams of its own.

Pure: works on the API objects passed in.  Team members are users
(``PRINCIPAL``) or roles (``ROLE``, expanded to their principals).  Nobody is
mailed twice (same user name or same address, case-insensitive).  People who
cannot be mailed are reported as problems, not silently dropped.
"""
from __future__ import absolute_import, unicode_literals

from . import logs
from . import host
from .compat import HOST_ERRORS, as_list, enum_name, prop, to_text


class Recipient(object):
    def __init__(self, username, full_name, email):
        self.username = username
        self.full_name = full_name
        self.email = email

    @property
    def display_name(self):
        return self.full_name or self.username

    def __eq__(self, other):
        return isinstance(other, Recipient) and (self.username, self.full_name, self.email) == (
            other.username, other.full_name, other.email)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((self.username, self.email))

    def __repr__(self):
        return 'Recipient(%r, %r, %r)' % (self.username, self.full_name, self.email)


class AssigneeLookupError(Exception):
    """The team or a role could not be read, so "who is assigned" is unknown."""


def _name(value):
    return logs.clean(value, 100)


def _owner(task):
    owner = prop(task, 'owner')
    owner = to_text(owner).strip() if owner else ''
    return owner or None


def _team(task):
    team = prop(task, 'team')
    team = to_text(team).strip() if team else ''
    return team or None


def effective_teams(release_id, releaseApi, folderApi=None):
    """(teams, holder): the release's own teams, else those of the nearest
    folder holding any (``holder`` is the release or folder id).  Raises
    what the API raises."""
    teams = [t for t in as_list(releaseApi.getTeams(release_id)) if t is not None]
    if teams or folderApi is None:
        return teams, release_id
    for folder_id in host.folder_ids_of(release_id):
        teams = [t for t in as_list(folderApi.getTeams(folder_id)) if t is not None]
        if teams:
            return teams, folder_id
    return [], release_id


def _candidate_usernames(task, release_id, releaseApi, rolesApi, problems, strict,
                         folderApi=None):
    """User names in order: the owner, then the team's members."""
    names = []
    owner = _owner(task)
    if owner:
        names.append(owner)
    team_name = _team(task)
    if not team_name:
        return names
    try:
        teams, _holder = effective_teams(release_id, releaseApi, folderApi)
    except HOST_ERRORS as error:
        if strict:
            raise AssigneeLookupError(
                'the teams of the release could not be read: %s' % _name(error))
        problems.append("The teams of the release could not be read, so team '%s' was not "
                        "mailed: %s" % (_name(team_name), _name(error)))
        return names
    team = None
    for candidate in teams:
        if to_text(prop(candidate, 'teamName') or '').strip() == team_name:
            team = candidate
            break
    if team is None:
        problems.append("Team '%s' is not a team of this release or of its folders."
                        % _name(team_name))
        return names
    for member in as_list(prop(team, 'members')):
        kind = (enum_name(prop(member, 'type')) or 'PRINCIPAL').upper()
        member_name = to_text(prop(member, 'name') or '').strip()
        if not member_name:
            continue
        if kind == 'ROLE':
            try:
                role = rolesApi.getRole(member_name)
            except HOST_ERRORS as error:
                if strict:
                    raise AssigneeLookupError("role '%s' could not be read: %s" % (
                        _name(member_name), _name(error)))
                problems.append("Role '%s' of team '%s' could not be read: %s"
                                % (_name(member_name), _name(team_name), _name(error)))
                continue
            for principal in as_list(prop(role, 'principals')):
                username = to_text(prop(principal, 'username') or '').strip()
                if username:
                    names.append(username)
        else:
            names.append(member_name)
    return names


def _lookup(userApi, username):
    """(Recipient or None, problem or None)."""
    try:
        user = userApi.getUser(username)
    except HOST_ERRORS:
        return None, "User '%s' is unknown, so no email could be sent to them." % _name(username)
    if user is None:
        return None, "User '%s' is unknown, so no email could be sent to them." % _name(username)
    email = to_text(prop(user, 'email') or '').strip()
    full_name = to_text(prop(user, 'fullName') or '').strip() or None
    if not email or '@' not in email:
        return None, "User '%s' has no email address." % _name(full_name or username)
    return Recipient(to_text(prop(user, 'username') or username), full_name, email), None


def resolve(task, release_id, releaseApi, userApi, rolesApi, folderApi=None):
    """(recipients, problems): everyone assigned who has an email address,
    and one readable sentence per person or group that could not be mailed."""
    problems = []
    recipients = []
    seen_users = set()
    seen_emails = set()
    if not _owner(task) and not _team(task):
        problems.append('The task is assigned to nobody (no user and no team).')
        return recipients, problems
    for username in _candidate_usernames(task, release_id, releaseApi, rolesApi, problems, False,
                                         folderApi):
        key = username.lower()
        if key in seen_users:
            continue
        seen_users.add(key)
        recipient, problem = _lookup(userApi, username)
        if problem:
            problems.append(problem)
            continue
        if recipient.email.lower() in seen_emails:
            continue
        seen_emails.add(recipient.email.lower())
        recipients.append(recipient)
    return recipients, problems


def is_assignee(address, task, release_id, releaseApi, userApi, rolesApi, folderApi=None):
    """True if ``address`` belongs to the task's user or a member of its team
    now.  Raises AssigneeLookupError when the team or a role cannot be read
    (a transient failure must not turn into a rejection); an unknown user is
    simply not that person."""
    return find_assignee(address, task, release_id, releaseApi, userApi, rolesApi,
                         folderApi) is not None


def find_assignee(address, task, release_id, releaseApi, userApi, rolesApi, folderApi=None):
    """The Recipient ``address`` belongs to among the task's assignees now
    (the first in ``resolve``'s order, so the one ``resolve`` would name),
    or None; raises as ``is_assignee`` does."""
    wanted = to_text(address or '').strip().lower()
    if not wanted:
        return None
    owner = _owner(task)
    if owner:
        # The owner needs no team lookup, so a team outage cannot block them.
        recipient, _ = _lookup(userApi, owner)
        if recipient is not None and recipient.email.lower() == wanted:
            return recipient
    seen = set([owner.lower()]) if owner else set()
    for username in _candidate_usernames(task, release_id, releaseApi, rolesApi, [], True,
                                         folderApi):
        if username.lower() in seen:
            continue
        seen.add(username.lower())
        recipient, _ = _lookup(userApi, username)
        if recipient is not None and recipient.email.lower() == wanted:
            return recipient
    return None
