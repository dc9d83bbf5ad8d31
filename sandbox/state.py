"""The server's state: types, people, folders, releases, phases, tasks, teams, configuration.

The admin side of what XL Release stores (what a person sets up in the UI,
what a test prepares).  Teams and configurations can be held by a folder;
a release in a folder has no teams of its own and inherits its folder's
(nearest folder holding teams), as XL Release's folder security works.
"""
from __future__ import annotations

from .errors import (IllegalStateException, NotFoundException, SandboxError,
                     TypeSystemError)
from .model import (DONE, ActivityEntry, ConfigurationRecord, FolderRecord, PhaseRecord,
                    ReleaseRecord, RoleRecord, TaskRecord, TeamRecord, UserRecord, activity,
                    child_id, folder_id, new_hex, release_id)
from .plugin import Plugin
from .rules import Rules, parse_rules
from .typesystem import CONFIGURATION_BASE, MANUAL_TASK, SMTP_SERVER, TASK_BASE, TypeRegistry

SMTP_SERVER_ID = "Configuration/mail/SmtpServer"


class State:
    """Storage and set-up of everything the server holds (a mixin of ``Server``)."""

    def _load_types(self, xsd):
        self.types = TypeRegistry()
        for plugin in self.plugins:
            self.types.load_synthetic(plugin.synthetic, "%s (%s)" % (Plugin.__name__,
                                                                     plugin.location), xsd)
        self._check_task_types()

    def _load_rules(self, rules_xsd):
        jobs, events = [], []
        for plugin in self.plugins:
            rules = parse_rules(plugin.rules, "xl-rules.xml of %s" % plugin.location, rules_xsd)
            jobs += rules.jobs
            events += rules.task_events
        self.rules = Rules(tuple(jobs), tuple(events))
        # Start-up errors, as XL Release's would be: a job or hook pointing nowhere.
        for job in self.rules.jobs:
            self._find_script(job.script)
        for rule in self.rules.task_events:
            self._event_script(rule)

    def _init_state(self):
        self.users: dict[str, UserRecord] = {}
        self.roles: dict[str, RoleRecord] = {}
        self.folders: dict[str, FolderRecord] = {}
        self.releases: dict[str, ReleaseRecord] = {}
        self.phases: dict[str, PhaseRecord] = {}
        self.tasks: dict[str, TaskRecord] = {}
        self.configurations: dict[str, ConfigurationRecord] = {}
        self._activity: dict[str, list[ActivityEntry]] = {}

    # ------------------------------------------------------------- helpers
    def _log(self, release, user, name, message, target_type, target_id, data_id=None):
        entry = ActivityEntry(user, activity(name), message, self._now(), target_type, target_id,
                              data_id)
        self._activity.setdefault(release, []).append(entry)

    def _task(self, task_id) -> TaskRecord:
        try:
            return self.tasks[str(task_id)]
        except KeyError:
            raise NotFoundException("Task %s not found" % (task_id,)) from None

    def _release(self, rel_id) -> ReleaseRecord:
        try:
            return self.releases[str(rel_id)]
        except KeyError:
            raise NotFoundException("Release %s not found" % (rel_id,)) from None

    def _folder(self, fid) -> FolderRecord:
        try:
            return self.folders[str(fid)]
        except KeyError:
            raise NotFoundException("Folder %s not found" % (fid,)) from None

    def _check_task_types(self):
        from .scripts import HOST_VARIABLES
        for typedef in self.types.task_types():
            for name, prop in typedef.properties.items():
                if prop.category and name in HOST_VARIABLES:
                    raise TypeSystemError("%s.%s would hide the host's script variable %s" % (
                        typedef.name, name, name))

    # ------------------------------------------------------ people & config
    def add_user(self, username, email=None, full_name=None, admin=False):
        """A user; ``admin`` users may do everything (XL Release's admin permission)."""
        with self._lock:
            if username in self.users:
                raise SandboxError("user %s exists" % username)
            self.users[username] = UserRecord(username, email, full_name, admin)
        return username

    def add_role(self, name, principals=()):
        with self._lock:
            if name in self.roles:
                raise SandboxError("role %s exists" % name)
            for principal in principals:
                if principal not in self.users:
                    raise SandboxError("role %s: unknown user %s" % (name, principal))
            self.roles[name] = RoleRecord("Role" + new_hex(), name, list(principals))
        return name

    def create_configuration(self, type_name, title, folder=None, **values):
        """A shared configuration object (Settings > Shared configuration), or one
        held by ``folder`` (a folder's Configuration page)."""
        if not self.types.is_a(type_name, CONFIGURATION_BASE) or self.types.get(type_name).virtual:
            raise TypeSystemError("%s is not a configuration type one can create" % type_name)
        if type_name == SMTP_SERVER:
            raise SandboxError("the SMTP server is a singleton: use set_smtp_server()")
        record_values = self.types.build_values(type_name, dict(values, title=title),
                                                check_required=True)
        with self._lock:
            if folder is not None:
                self._folder(folder)
            ci_id = "Configuration/Custom/Configuration" + new_hex()
            self.configurations[ci_id] = ConfigurationRecord(ci_id, type_name, record_values,
                                                             folder)
        return ci_id

    def update_configuration(self, ci_id, **values):
        with self._lock:
            record = self._configuration(ci_id)
            merged = dict(record.values)
            typedef = self.types.get(record.type)
            for name, value in values.items():
                merged[name] = typedef.property(name).coerce(value, record.type)
            self.types.check_required(typedef, merged, lambda p: True)
            record.values = merged

    def delete_configuration(self, ci_id):
        with self._lock:
            self._configuration(ci_id)
            del self.configurations[ci_id]

    def set_smtp_server(self, **values):
        """Settings > SMTP server: the one ``xlrelease.SmtpServer`` CI."""
        values.setdefault("title", "SMTP server")
        record_values = self.types.build_values(SMTP_SERVER, values, check_required=True)
        with self._lock:
            self.configurations[SMTP_SERVER_ID] = ConfigurationRecord(SMTP_SERVER_ID, SMTP_SERVER,
                                                                      record_values)
        return SMTP_SERVER_ID

    def _configuration(self, ci_id):
        try:
            return self.configurations[ci_id]
        except KeyError:
            raise NotFoundException("Configuration %s not found" % (ci_id,)) from None

    def list_configurations(self):
        """What Settings > Shared configuration lists: passwords masked."""
        with self._lock:
            result = []
            for record in self.configurations.values():
                secret = self.types.get(record.type).password_names()
                shown = {k: ("********" if k in secret and v else v) for k,
                         v in record.values.items()}
                result.append({"id": record.id, "type": record.type, "properties": shown,
                               "folderId": record.folder})
            return result

    # -------------------------------------------------------------- folders
    def create_folder(self, title, parent=None):
        """A folder under ``Applications`` or under ``parent`` (nested folders).
        It holds no teams of its own until ``add_team`` gives it some: until
        then it inherits its parent's."""
        with self._lock:
            if parent is not None:
                self._folder(parent)
            folder = FolderRecord(folder_id(parent), title, parent)
            self.folders[folder.id] = folder
        return folder.id

    def _folder_chain(self, fid):
        """The folder and its ancestors, nearest first."""
        chain = []
        while fid is not None:
            folder = self._folder(fid)
            chain.append(folder)
            fid = folder.parent
        return chain

    def _folder_effective_teams(self, fid):
        """The teams a folder's security uses: its own, else the nearest ancestor's."""
        for folder in self._folder_chain(fid):
            if folder.teams is not None:
                return folder.teams
        return []

    def _effective_teams(self, rel):
        """The teams that hold a release's security: its own (a release directly
        under Applications), else its folder's."""
        if rel.folder is None:
            return rel.teams
        return self._folder_effective_teams(rel.folder)

    # ---------------------------------------------------- releases & tasks
    def create_release(self, title, description=None, owner=None, as_user=None, folder=None,
                       script_username=None):
        """A release (under ``folder`` when given).  ``script_username`` is its
        "Run automated tasks as" user (default: the server's script user)."""
        user = as_user or self.script_user
        run_as = script_username or self.script_user
        with self._lock:
            if folder is not None:
                self._folder(folder)
            if run_as not in self.users:
                raise NotFoundException("User %s not found" % run_as)
            rel = ReleaseRecord(release_id(folder), next(self._uids), title, description,
                                owner or user,
                                folder=folder, script_username=run_as)
            self.releases[rel.id] = rel
            self._log(rel.id, user, "RELEASE_CREATED", "Created release '%s'" % title, "RELEASE",
                      rel.id)
        return rel.id

    def set_script_user(self, rel_id, username):
        """Release properties > Run automated tasks as."""
        with self._lock:
            rel = self._release(rel_id)
            if username not in self.users:
                raise NotFoundException("User %s not found" % username)
            rel.script_username = username

    def add_phase(self, rel_id, title):
        with self._lock:
            rel = self._release(rel_id)
            if rel.status in ("COMPLETED", "ABORTED"):
                raise IllegalStateException("release %s is %s" % (rel.id, rel.status))
            phase = PhaseRecord(child_id(rel.id, "Phase"), rel.id, title)
            self.phases[phase.id] = phase
            rel.phases.append(phase.id)
        return phase.id

    def add_task(self, phase_id, type_name, title, description=None, owner=None, team=None,
                 as_user=None, **properties):
        user = as_user or self.script_user
        if type_name != MANUAL_TASK and not (self.types.is_a(type_name, TASK_BASE)
                                             and not self.types.get(type_name).virtual):
            raise TypeSystemError("%s is not a task type (known: %s)" % (
                type_name, ", ".join([MANUAL_TASK]
                                     + sorted(t.name for t in self.types.task_types()))))
        values = self.types.build_values(type_name, properties, owner=type_name)
        with self._lock:
            self._check_references(type_name, properties)
            try:
                phase = self.phases[phase_id]
            except KeyError:
                raise NotFoundException("Phase %s not found" % phase_id) from None
            if phase.status in DONE:
                raise IllegalStateException("phase %s is %s" % (phase.id, phase.status))
            self._check_assignee(phase.release_id, owner, team)
            task = TaskRecord(child_id(phase.id, "Task"), phase.id, phase.release_id, type_name,
                              title,
                              description, owner, team, properties=values)
            self.tasks[task.id] = task
            phase.tasks.append(task.id)
            self._log(phase.release_id, user, "TASK_CREATED", "Added task '%s'" % title, "TASK",
                      task.id)
        return task.id

    def set_task_properties(self, task_id, **values):
        """Edit a task's typed properties (only while it is not active, as in the UI)."""
        with self._lock:
            task = self._task(task_id)
            if task.status == "IN_PROGRESS":
                raise IllegalStateException(
                    "task %s is in progress: its properties are locked" % task_id)
            typedef = self.types.get(task.type)
            self._check_references(task.type, values)
            for name, value in values.items():
                task.properties[name] = typedef.property(name).coerce(value, task.type)
                self._log(task.release_id, self.script_user, "TASK_PROPERTY_UPDATED",
                          "Changed property '%s' of task '%s'" % (name,
                                                                  task.title), "TASK", task.id)

    # ----------------------------------------------------------------- teams
    def add_team(self, container_id, name, members=(), roles=(), as_user=None,
                 permissions=("view", "edit")):
        """A team of a release directly under Applications, or of a folder.

        ``members`` are usernames, ``roles`` global role names, ``permissions``
        the sandbox's own two levels (security.py).  A release in a folder has
        no teams of its own: give them to the folder.
        """
        user = as_user or self.script_user
        with self._lock:
            owner_teams, rel = self._team_holder(container_id)
            if any(t.name == name for t in owner_teams):
                raise SandboxError("%s already has a team %s" % (container_id, name))
            for member in members:
                if member not in self.users:
                    raise SandboxError("team %s: unknown user %s" % (name, member))
            for role in roles:
                if role not in self.roles:
                    raise SandboxError("team %s: unknown role %s" % (name, role))
            self._check_permission_names(permissions)
            team = TeamRecord(child_id(container_id, "Team"), name, list(members), list(roles),
                              list(permissions))
            owner_teams.append(team)
            if rel is not None:
                self._log(rel.id, user, "TEAM_CREATED", "Created team '%s'" % name, "TEAM",
                          team.id)
        return team.id

    def _team_holder(self, container_id):
        """(the team list to change, the release or None) of a release or folder id."""
        container_id = str(container_id)
        if container_id in self.folders:
            folder = self.folders[container_id]
            if folder.teams is None:
                folder.teams = []   # it stops inheriting: it holds teams now
            return folder.teams, None
        rel = self._release(container_id)
        if rel.folder is not None:
            raise SandboxError("release %s is in folder %s: releases in a folder inherit the "
                               "folder's teams; add the team to the folder" % (rel.id, rel.folder))
        return rel.teams, rel

    def update_team(self, container_id, name, members=None, roles=None, as_user=None,
                    permissions=None):
        user = as_user or self.script_user
        with self._lock:
            owner_teams, rel = self._team_holder(container_id)
            team = next((t for t in owner_teams if t.name == name), None)
            if team is None:
                raise NotFoundException("%s has no team %s" % (container_id, name))
            if members is not None:
                team.principals = list(members)
            if roles is not None:
                team.roles = list(roles)
            if permissions is not None:
                self._check_permission_names(permissions)
                team.permissions = list(permissions)
            if rel is not None:
                self._log(rel.id, user, "TEAM_UPDATED", "Changed members of team '%s'" % name,
                          "TEAM", team.id)

    def _check_references(self, type_name, values):
        """A ci property must name an existing configuration of its referenced type."""
        typedef = self.types.get(type_name)
        for name, value in values.items():
            prop = typedef.property(name)
            if prop.kind != "ci" or value is None:
                continue
            record = self.configurations.get(value)
            if record is None or not self.types.is_a(record.type, prop.referenced_type):
                raise TypeSystemError("%s.%s must reference a %s configuration, not %r" % (
                    type_name, name, prop.referenced_type, value))

    def _check_assignee(self, rel_id, owner, team):
        if owner is not None and owner not in self.users:
            raise NotFoundException("User %s not found" % owner)
        teams = self._effective_teams(self.releases[rel_id])
        if team is not None and not any(t.name == team for t in teams):
            # XL Release creates a team when a task names a new one; the sandbox
            # wants teams set up first so members are explicit.
            raise NotFoundException("release has no team %s (add_team first)" % team)
