"""Who may do what: the run-as user of a release and the permission checks of the API.

XL Release runs a task's scripts "with the permissions that [the *Run
automated tasks as* user] has on that particular release"
(using-the-xl-release-api-in-scripts.md).  The sandbox models that with its
own, deliberately small permission set (XL Release's permission names are
not in the reference):

- an ``admin`` user may do everything (the server's script user is one);
- any other user acts on a release (or a task in it) only through a team of
  that release's security (its own teams, or its folder's: releases in a
  folder inherit them), as a member or through a role: ``view`` to read,
  ``edit`` to comment on, assign, update, complete or fail tasks;
- ``deny(user, call, target)`` narrows anyone further, for one API call,
  optionally only on ids inside ``target``.

A refusal raises ``PermissionDeniedException`` (XL Release's class name; its
REST API answers 403).
"""
from __future__ import annotations

from .errors import NotFoundException, PermissionDeniedException, SandboxError
from .model import release_of

VIEW = "view"
EDIT = "edit"
PERMISSIONS = (VIEW, EDIT)


class Security:
    """Permission checks for the script APIs (a mixin of ``Server``)."""

    def _init_security(self):
        self._denials: list[tuple[str, str, str | None]] = []

    def deny(self, username, call, target=None):
        """Refuse ``call`` (e.g. ``"taskApi.getTask"``) to ``username``, on any id
        inside ``target`` (a release, folder or task id) or everywhere."""
        with self._lock:
            if username not in self.users:
                raise SandboxError("deny: unknown user %s" % username)
            self._denials.append((username, call, None if target is None else str(target)))

    @staticmethod
    def _check_permission_names(permissions):
        unknown = set(permissions) - set(PERMISSIONS)
        if unknown:
            raise SandboxError("unknown permissions %s (the sandbox has %s)" % (
                sorted(unknown), ", ".join(PERMISSIONS)))

    def _granted(self, username, teams):
        """The permissions ``username`` holds through ``teams`` (member or role)."""
        granted = set()
        for team in teams:
            member = username in team.principals or any(
                username in self.roles[r].principals for r in team.roles if r in self.roles)
            if member:
                granted |= set(team.permissions)
        if EDIT in granted:
            granted.add(VIEW)
        return granted

    def _security_teams(self, target):
        """The teams deciding access to ``target`` (an id inside a release, or a folder)."""
        target = str(target)
        try:
            rel = self._release(release_of(target))
        except ValueError:
            return self._folder_effective_teams(self._folder(target).id)
        return self._effective_teams(rel)

    def authorize(self, username, call, target=None, need=None):
        """Raise PermissionDeniedException unless ``username`` may make ``call``
        on ``target`` (``need``: VIEW or EDIT on its release or folder)."""
        with self._lock:
            user = self.users.get(username)
            if user is None:
                raise PermissionDeniedException("unknown user %s" % (username,))
            for denied_user, denied_call, scope in self._denials:
                if denied_user == username and denied_call == call and (
                        scope is None or (target is not None and (
                            str(target) == scope or str(target).startswith(scope + "/")))):
                    raise PermissionDeniedException("User '%s' is not allowed to call %s on %s" % (
                        username, call, target if target is not None else "this server"))
            if need is None or user.admin:
                if target is not None and need is not None:
                    self._security_teams(target)   # unknown ids stay NotFoundException
                return
            if target is None:
                raise NotFoundException("%s needs an id" % call)
            if need not in self._granted(username, self._security_teams(target)):
                raise PermissionDeniedException(
                    "User '%s' does not have %s permission on %s (needed for %s)"
                    % (username, need, target, call))
