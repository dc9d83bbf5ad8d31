"""What the server shows: the bean snapshots scripts get, and what tests inspect.

Scripts see copies (``beans.py``), never the records: ``getTask`` returns a
fresh snapshot each call.  Team views follow release-api.yaml's TeamView;
folder views its Folder (``id``, ``title``, ``children``).
"""
from __future__ import annotations

import copy
import time

from .beans import (CommentBean, ConfigurationBean, FolderBean, MemberType, PhaseBean,
                    PhaseStatus, PrincipalView, ReleaseBean, ReleaseStatus, RoleView, TaskBean,
                    TaskStatus, TeamMemberView, TeamView, Type, UserAccount)
from .errors import IllegalArgumentException, NotFoundException, PermissionDeniedException
from .model import release_of
from .typesystem import MANUAL_TASK, SMTP_SERVER

CUSTOM_SCRIPT_TASK = "xlrelease.CustomScriptTask"
# What a script reads as the SMTP password when the server hides it (the form
# XL Release stores passwords in).
HIDDEN_PASSWORD = "{aes:v0}c2FuZGJveC1oaWRkZW4="


class Views:
    """Bean snapshots and inspection (a mixin of ``Server``)."""

    # ------------------------------------------------------------- beans
    def _comment_bean(self, c):
        return CommentBean(id=c.id, text=c.text, author=c.author, date=c.date, creationDate=c.date)

    def _phase_bean(self, phase, tasks=None):
        return PhaseBean(id=phase.id, title=phase.title, status=PhaseStatus.of(phase.status),
                         tasks=tasks)

    def _task_bean(self, task, cls=TaskBean):
        rel = self.releases[task.release_id]
        task_type = Type(task.type)
        bean_type = task_type
        if self.custom_script_task_type and task.type != MANUAL_TASK:
            bean_type = Type(CUSTOM_SCRIPT_TASK)
        return cls(id=task.id, type=bean_type, taskType=task_type, title=task.title,
                   description=task.description, owner=task.owner, team=task.team,
                   status=TaskStatus.of(task.status), failuresCount=task.failures_count,
                   phase=self._phase_bean(self.phases[task.phase_id]), releaseUid=rel.uid,
                   comments=[self._comment_bean(c) for c in task.comments],
                   startDate=task.start_date, endDate=task.end_date, statusLine=task.status_line)

    def _release_bean(self, rel):
        phases = []
        for phase_id in rel.phases:
            phase = self.phases[phase_id]
            phases.append(self._phase_bean(phase,
                                           [self._task_bean(self.tasks[t]) for t in phase.tasks]))
        return ReleaseBean(id=rel.id, title=rel.title, description=rel.description,
                           owner=rel.owner,
                           status=ReleaseStatus.of(rel.status), phases=phases,
                           startDate=rel.start_date, endDate=rel.end_date,
                           scriptUsername=rel.script_username)

    def _configuration_bean(self, record, for_script=False):
        typedef = self.types.get(record.type)
        values = copy.deepcopy(record.values)
        if (for_script and record.type == SMTP_SERVER and values.get("password")
                and not self.smtp_password_readable):
            # Whether scripts can read the SMTP password is unknown: with
            # smtp_password_readable off they get it in a stored (encrypted) form.
            values["password"] = HIDDEN_PASSWORD
        return ConfigurationBean(record.id, Type(record.type), values,
                                 typedef.password_names(), record.folder)

    def configuration_bean(self, ci_id):
        """configurationApi.getConfiguration: the object as a script gets it."""
        with self._lock:
            return self._configuration_bean(self._configuration(ci_id), for_script=True)

    def configuration_folder(self, ci_id):
        """The folder holding a configuration object (None: global)."""
        with self._lock:
            return self._configuration(ci_id).folder

    def task_bean(self, task_id):
        """A fresh Task snapshot (taskApi.getTask)."""
        with self._lock:
            return self._task_bean(self._task(task_id))

    def release_bean(self, rel_id):
        with self._lock:
            return self._release_bean(self._release(rel_id))

    def _team_view_list(self, teams):
        views = []
        for team in teams:
            members = [TeamMemberView(name=u, fullName=self.users[u].full_name,
                                      type=MemberType.of("PRINCIPAL"), roleId=None)
                       for u in team.principals]
            members += [TeamMemberView(name=r, fullName=None, type=MemberType.of("ROLE"),
                                       roleId=self.roles[r].id) for r in team.roles]
            views.append(TeamView(id=team.id, teamName=team.name, members=members,
                                  permissions=list(team.permissions), systemTeam=False))
        return views

    def team_views(self, rel_id):
        """releaseApi.getTeams: the release's own teams.  A release in a folder
        has none of its own; whether XL Release answers with the folder's is
        undocumented, so only ``inherited_team_views`` gives them."""
        with self._lock:
            rel = self._release(rel_id)
            teams = rel.teams
            if rel.folder is not None and self.inherited_team_views:
                teams = self._effective_teams(rel)
            return self._team_view_list(teams)

    def folder_team_views(self, folder_id):
        """folderApi.getTeams (GET /api/v1/folders/{folderId}/teams): the teams
        the folder holds; for a folder that inherits, none unless
        ``inherited_team_views`` (undocumented which XL Release does)."""
        with self._lock:
            folder = self._folder(folder_id)
            if folder.teams is not None:
                return self._team_view_list(folder.teams)
            if self.inherited_team_views:
                return self._team_view_list(self._folder_effective_teams(folder.id))
            return []

    def folder_bean(self, folder_id, depth=1):
        """folderApi.getFolder: id, title and child folders (to ``depth`` levels)."""
        with self._lock:
            folder = self._folder(folder_id)
            return self._folder_bean(folder, depth)

    def _folder_bean(self, folder, depth):
        children = []
        if depth > 0:
            children = [self._folder_bean(f, depth - 1) for f in self.folders.values()
                        if f.parent == folder.id]
        return FolderBean(id=folder.id, title=folder.title, children=children)

    def user_account(self, username):
        with self._lock:
            user = self.users.get(username)
            if user is None:
                raise NotFoundException("User %s not found" % (username,))
            return UserAccount(username=user.username, email=user.email, fullName=user.full_name,
                               external=False, loginAllowed=True)

    def role_view(self, name):
        with self._lock:
            role = self.roles.get(name)
            if role is None:
                raise NotFoundException("Role %s not found" % (name,))
            return RoleView(id=role.id, name=role.name, permissions=[], principals=[
                PrincipalView(username=p,
                              fullname=self.users[p].full_name) for p in role.principals])

    def search_configurations(self, type_name, title, folder_id=None, folder_only=False):
        """configurationApi.searchByTypeAndTitle (GET /api/v1/config/byTypeAndTitle:
        configurationType, title, folderId, folderOnly).

        Without a folder: the global ones.  With ``folder_id``: that folder's,
        plus the global ones unless ``folder_only``.  A folder's ancestors are
        not searched (undocumented; a caller walks up itself).  ``title`` None
        is refused unless ``refuse_title_none`` is off (then: any title).
        """
        type_name = str(type_name)
        if type_name not in self.types.types:
            raise IllegalArgumentException("Unknown type %s" % type_name)
        if title is None and self.refuse_title_none:
            raise IllegalArgumentException(
                "searchByTypeAndTitle: title None is refused by the sandbox (what XL Release "
                "does with it is undocumented); pass \"\" for any title")
        with self._lock:
            if folder_id is not None:
                self._folder(folder_id)
            scopes = {folder_id} if folder_id is not None else {None}
            if folder_id is not None and not folder_only:
                scopes.add(None)
            return [self._configuration_bean(r, for_script=True)
                    for r in self.configurations.values()
                    if r.folder in scopes and self.types.is_a(r.type, type_name)
                    and (not title or r.title == title)]

    def tasks_by_title(self, rel_id, task_title, phase_title=None):
        with self._lock:
            rel = self._release(rel_id)
            found = []
            for phase_id in rel.phases:
                phase = self.phases[phase_id]
                if phase_title is not None and phase.title != phase_title:
                    continue
                found += [self._task_bean(self.tasks[t]) for t in phase.tasks
                          if self.tasks[t].title == task_title]
            return found

    def phases_by_title(self, rel_id, phase_title):
        with self._lock:
            rel = self._release(rel_id)
            return [self._phase_bean(self.phases[p]) for p in rel.phases
                    if self.phases[p].title == phase_title]

    def releases_by_title(self, title, username=None):
        """Releases of that title the user may see."""
        with self._lock:
            found = []
            for rel in self.releases.values():
                if rel.title != title:
                    continue
                if username is not None:
                    try:
                        self.authorize(username, "getReleasesByTitle", rel.id, "view")
                    except PermissionDeniedException:   # not visible to that user
                        continue
                found.append(self._release_bean(rel))
            return found

    # -------------------------------------------------------- inspection
    def activity_log(self, rel_id, category=None):
        with self._lock:
            self._release(rel_id)
            entries = list(self._activity.get(rel_id, []))
        if category is not None:
            entries = [e for e in entries if category in e.categories]
        return entries

    def task_runs(self, task_id):
        with self._lock:
            return list(self._task(task_id).runs)

    def task_properties(self, task_id):
        with self._lock:
            return copy.deepcopy(self._task(task_id).properties)

    def pending_script(self, task_id):
        with self._lock:
            return self._task(task_id).pending_script

    def release_of(self, any_id):
        return release_of(any_id)

    def wait_until(self, predicate, timeout: float) -> bool:
        """Wait (real clock) until ``predicate(server)`` holds; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
            return True
