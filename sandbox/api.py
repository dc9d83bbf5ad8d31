"""The script APIs (``taskApi``, ``releaseApi``, ...) with only the host contract's calls.

Each call runs as the user the API object was made for (for a task script:
its release's "Run automated tasks as" user) and first passes the server's
permission check (security.py), as XL Release runs scripts "with the
permissions that that user has on that particular release".  Anything not in
docs/host-contract.md raises ``AttributeError`` naming the contract, so a
plugin cannot start to depend on a call the contract does not promise.
"""
from __future__ import annotations

from .beans import Comment
from .errors import IllegalArgumentException
from .security import EDIT, VIEW


class _Api:
    _name = "api"
    _calls: tuple[str, ...] = ()

    def __init__(self, server, user):
        object.__setattr__(self, "_server", server)
        object.__setattr__(self, "_user", user)

    def __getattribute__(self, name):
        # Every contract call first passes the server's injected faults
        # (Server.inject_api_fault), so tests can make the host fail on cue.
        attr = object.__getattribute__(self, name)
        if name in object.__getattribute__(self, "_calls"):
            server = object.__getattribute__(self, "_server")
            api = object.__getattribute__(self, "_name")

            def call(*args, **kwargs):
                server._api_fault("%s.%s" % (api, name))
                return attr(*args, **kwargs)
            return call
        return attr

    def __getattr__(self, name):
        raise AttributeError("%s.%s is not part of the host contract (docs/host-contract.md); "
                             "calls: %s" % (self._name, name, ", ".join(self._calls)))

    def __setattr__(self, name, value):
        raise AttributeError("%s is read-only" % self._name)

    def __repr__(self):
        return "<%s as %s>" % (self._name, self._user)

    def _check(self, call, target, need):
        self._server.authorize(self._user, "%s.%s" % (self._name, call), target, need)


def _comment_text(comment):
    if not isinstance(comment, Comment):
        raise IllegalArgumentException(
            "expected a Comment (Comment(text) or Comment() + setComment), got %s"
            % type(comment).__name__)
    text = comment.getComment()
    if text is not None and not isinstance(text, str):
        raise IllegalArgumentException("Comment text must be a string, got %s"
                                       % type(text).__name__)
    return text


class TaskApi(_Api):
    _name = "taskApi"
    _calls = ("getTask", "completeTask", "failTask", "commentTask", "assignTask", "updateTask")

    def getTask(self, taskId):  # Java names
        self._check("getTask", taskId, VIEW)
        return self._server.task_bean(taskId)

    def completeTask(self, taskId, comment):
        self._check("completeTask", taskId, EDIT)
        return self._server.complete_task(taskId, _comment_text(comment), as_user=self._user)

    def failTask(self, taskId, comment):
        self._check("failTask", taskId, EDIT)
        return self._server.fail_task(taskId, _comment_text(comment), as_user=self._user)

    def commentTask(self, taskId, comment):
        self._check("commentTask", taskId, EDIT)
        return self._server.comment_task(taskId, _comment_text(comment), as_user=self._user)

    def assignTask(self, taskId, username):
        self._check("assignTask", taskId, EDIT)
        return self._server.assign_task(taskId, username, as_user=self._user)

    def updateTask(self, *args):
        # updateTask(task) or updateTask(taskId, task), as the v1 API.
        if len(args) == 1:
            task_id, task = getattr(args[0], "id", None), args[0]
        elif len(args) == 2:
            task_id, task = args
        else:
            raise IllegalArgumentException("updateTask(task) or updateTask(taskId, task)")
        self._check("updateTask", task_id, EDIT)
        return self._server.update_task(task_id, task, as_user=self._user)


class ReleaseApi(_Api):
    _name = "releaseApi"
    _calls = ("getRelease", "getTeams")

    def getRelease(self, releaseId):
        self._check("getRelease", releaseId, VIEW)
        return self._server.release_bean(releaseId)

    def getTeams(self, releaseId):
        # GET /api/v1/releases/{releaseId}/teams (getReleaseTeams)
        self._check("getTeams", releaseId, VIEW)
        return self._server.team_views(releaseId)


class FolderApi(_Api):
    """The folder calls of release-api.yaml the plugin may need:
    getFolder (GET /api/v1/folders/{folderId}) and getTeams
    (GET /api/v1/folders/{folderId}/teams, getFolderTeams)."""
    _name = "folderApi"
    _calls = ("getFolder", "getTeams")

    def getFolder(self, folderId, depth=1):
        self._check("getFolder", folderId, VIEW)
        return self._server.folder_bean(folderId, depth)

    def getTeams(self, folderId):
        self._check("getTeams", folderId, VIEW)
        return self._server.folder_team_views(folderId)


class ConfigurationApi(_Api):
    _name = "configurationApi"
    _calls = ("searchByTypeAndTitle", "getConfiguration")

    def searchByTypeAndTitle(self, configurationType, title, folderId=None,
                             folderOnly=False):
        # GET /api/v1/config/byTypeAndTitle?configurationType&title&folderId&folderOnly
        self._check("searchByTypeAndTitle", folderId, VIEW if folderId is not None else None)
        return self._server.search_configurations(configurationType, title, folderId,
                                                  bool(folderOnly))

    def getConfiguration(self, configurationId):
        # GET /api/v1/config/{configurationId}
        folder = self._server.configuration_folder(configurationId)
        self._check("getConfiguration", folder, VIEW if folder is not None else None)
        return self._server.configuration_bean(configurationId)


class UserApi(_Api):
    _name = "userApi"
    _calls = ("getUser",)

    def getUser(self, username):
        self._check("getUser", None, None)
        return self._server.user_account(username)


class RolesApi(_Api):
    _name = "rolesApi"
    _calls = ("getRole",)

    def getRole(self, roleName):
        self._check("getRole", None, None)
        return self._server.role_view(roleName)


def script_apis(server, user) -> dict:
    """The API variables every task script and job gets (as ``user``)."""
    return {
        "taskApi": TaskApi(server, user),
        "releaseApi": ReleaseApi(server, user),
        "folderApi": FolderApi(server, user),
        "configurationApi": ConfigurationApi(server, user),
        "userApi": UserApi(server, user),
        "rolesApi": RolesApi(server, user),
    }
