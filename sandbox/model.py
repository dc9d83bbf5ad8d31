"""The server's stored state: folders, releases, phases, tasks, people, configuration.

These records are the sandbox's inside; scripts never see them, only bean
snapshots made from them (``beans.py``), as XL Release hands scripts copies
loaded from its repository.  Ids have XL Release's shapes:
``Applications/Release<32 hex>/Phase<32 hex>/Task<32 hex>``, and inside
folders ``Applications/Folder<32 hex>[/Folder<32 hex>...]/Release<32 hex>/...``
(release-api.yaml: folder ids match ``.*(Folder[^/]*|Applications)``, release
ids ``.*Release[^/]*``).
"""
from __future__ import annotations

import dataclasses
import datetime
import itertools
import uuid

# Categories as the activity log's "Filter categories" menu names them
# (release-activity-logs.md).
IMPORTANT = "Important"
LIFECYCLE = "Release life cycle"
RELEASE_EDITS = "Release edits"
TASK_EDITS = "Task edits"
ASSIGNMENT = "Task assignment"
COMMENTS = "Comments"
SECURITY = "Security"
CATEGORIES = (IMPORTANT, LIFECYCLE, RELEASE_EDITS, TASK_EDITS, ASSIGNMENT, COMMENTS, SECURITY)

# Activity types and the categories each belongs to.  XL Release's activity
# type names are not in the reference (release-api.yaml: ``activityType`` is a
# free string; release-activity-logs.md names only the categories), so these
# are the sandbox's own, marked by the prefix: tests filter by category, never
# by a name presented as XL Release's.
SANDBOX_PREFIX = "SANDBOX_"
_ACTIVITY_CATEGORIES = {
    "RELEASE_CREATED": (RELEASE_EDITS,),
    "RELEASE_STARTED": (IMPORTANT, LIFECYCLE),
    "RELEASE_COMPLETED": (IMPORTANT, LIFECYCLE),
    "RELEASE_FAILED": (IMPORTANT, LIFECYCLE),
    "RELEASE_RESUMED": (LIFECYCLE,),
    "PHASE_STARTED": (LIFECYCLE,),
    "PHASE_COMPLETED": (LIFECYCLE,),
    "PHASE_FAILED": (LIFECYCLE,),
    "PHASE_RESUMED": (LIFECYCLE,),
    "TASK_STARTED": (LIFECYCLE,),
    "TASK_COMPLETED": (LIFECYCLE,),
    "TASK_FAILED": (IMPORTANT, LIFECYCLE),
    "TASK_RETRIED": (LIFECYCLE,),
    "TASK_SKIPPED": (LIFECYCLE,),
    "TASK_CREATED": (RELEASE_EDITS,),
    "TASK_TITLE_UPDATED": (TASK_EDITS,),
    "TASK_DESCRIPTION_UPDATED": (TASK_EDITS,),
    "TASK_PROPERTY_UPDATED": (TASK_EDITS,),
    "TASK_OWNER_UPDATED": (ASSIGNMENT,),
    "TASK_TEAM_UPDATED": (ASSIGNMENT,),
    "COMMENT_ADDED": (COMMENTS,),
    "TEAM_CREATED": (SECURITY,),
    "TEAM_UPDATED": (SECURITY,),
}
ACTIVITIES = {SANDBOX_PREFIX + name: cats for name, cats in _ACTIVITY_CATEGORIES.items()}


def activity(name: str) -> str:
    """The sandbox's activity type for ``name`` (e.g. ``TASK_COMPLETED``)."""
    full = SANDBOX_PREFIX + name
    if full not in ACTIVITIES:
        raise KeyError("no sandbox activity type %s" % name)
    return full


DONE = ("COMPLETED", "SKIPPED")


def new_hex() -> str:
    return uuid.uuid4().hex


ROOT = "Applications"


def release_id(folder: str | None = None) -> str:
    return "%s/Release%s" % (folder or ROOT, new_hex())


def folder_id(parent: str | None = None) -> str:
    return "%s/Folder%s" % (parent or ROOT, new_hex())


def child_id(parent: str, kind: str) -> str:
    return "%s/%s%s" % (parent, kind, new_hex())


def release_of(any_id: str) -> str:
    """``Applications[/Folder<hex>...]/Release<hex>`` of any id inside a release."""
    parts = str(any_id).split("/")
    for index, part in enumerate(parts):
        if part.startswith("Release"):
            if parts[0] == ROOT and index >= 1 and all(
                    p.startswith("Folder") for p in parts[1:index]):
                return "/".join(parts[:index + 1])
            break
    raise ValueError("not an id inside a release: %r" % (any_id,))


def parent_folder(any_id: str) -> str | None:
    """The folder holding a release or folder (``None`` at the root, ``Applications``)."""
    parent = str(any_id).rsplit("/", 1)[0]
    return parent if parent.rsplit("/", 1)[-1].startswith("Folder") else None


@dataclasses.dataclass
class CommentRecord:
    id: str
    text: str
    author: str
    date: datetime.datetime


@dataclasses.dataclass
class ScriptRun:
    """One execution of a script (task script or job), kept for inspection."""
    script: str
    started: datetime.datetime
    ended: datetime.datetime | None = None
    outcome: str = "running"   # completed | scheduled | failed | discarded | running
    output: str = ""
    error: str | None = None
    exit_code: object = None


@dataclasses.dataclass
class TaskRecord:
    id: str
    phase_id: str
    release_id: str
    type: str
    title: str
    description: str | None = None
    owner: str | None = None
    team: str | None = None
    status: str = "PLANNED"
    failures_count: int = 0
    start_date: datetime.datetime | None = None
    end_date: datetime.datetime | None = None
    comments: list = dataclasses.field(default_factory=list)
    properties: dict = dataclasses.field(default_factory=dict)
    status_line: str | None = None
    execution: int = 0            # bumped each time the task (re)enters IN_PROGRESS
    pending: object = None        # clock handle of the next scheduled script
    pending_script: str | None = None
    runs: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class PhaseRecord:
    id: str
    release_id: str
    title: str
    status: str = "PLANNED"
    tasks: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class TeamRecord:
    id: str
    name: str
    principals: list = dataclasses.field(default_factory=list)
    roles: list = dataclasses.field(default_factory=list)
    # The sandbox's own permission names (security.py), not XL Release's.
    permissions: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class FolderRecord:
    id: str
    title: str
    parent: str | None = None          # None: directly under Applications
    teams: list | None = None          # None: inherits its parent's (XL Release's default)


@dataclasses.dataclass
class ReleaseRecord:
    id: str
    uid: int
    title: str
    description: str | None = None
    owner: str | None = None
    status: str = "PLANNED"
    phases: list = dataclasses.field(default_factory=list)
    teams: list = dataclasses.field(default_factory=list)
    start_date: datetime.datetime | None = None
    end_date: datetime.datetime | None = None
    folder: str | None = None          # the folder holding it (None: Applications)
    script_username: str | None = None  # "Run automated tasks as" (scriptUsername)


@dataclasses.dataclass
class UserRecord:
    username: str
    email: str | None = None
    full_name: str | None = None
    admin: bool = False


@dataclasses.dataclass
class RoleRecord:
    id: str
    name: str
    principals: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class ConfigurationRecord:
    id: str
    type: str
    values: dict
    folder: str | None = None          # held by a folder (ReleaseConfiguration.folderId)

    @property
    def title(self):
        return self.values.get("title")


_entry_ids = itertools.count(1)


@dataclasses.dataclass(frozen=True)
class ActivityEntry:
    """One activity log line (release-api.yaml ActivityLogEntry) plus its categories."""
    username: str
    activityType: str
    message: str
    eventTime: datetime.datetime
    targetType: str
    targetId: str
    dataId: str | None = None
    id: str = dataclasses.field(default_factory=lambda: "Activity%d" % next(_entry_ids))

    @property
    def categories(self) -> tuple[str, ...]:
        return ACTIVITIES[self.activityType]

    def to_json(self) -> dict:
        return {
            "id": self.id, "username": self.username, "activityType": self.activityType,
            "categories": list(self.categories), "message": self.message,
            "eventTime": self.eventTime.isoformat(), "targetType": self.targetType,
            "targetId": self.targetId, "dataId": self.dataId,
        }
