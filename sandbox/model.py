"""The server's stored state: releases, phases, tasks, people, configuration.

These records are the sandbox's inside; scripts never see them, only bean
snapshots made from them (``beans.py``), as XL Release hands scripts copies
loaded from its repository.  Ids have XL Release's shapes:
``Applications/Release<32 hex>/Phase<32 hex>/Task<32 hex>``.
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

# Activity types and the categories each belongs to.
ACTIVITIES = {
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

DONE = ("COMPLETED", "SKIPPED")


def new_hex() -> str:
    return uuid.uuid4().hex


def release_id() -> str:
    return "Applications/Release" + new_hex()


def child_id(parent: str, kind: str) -> str:
    return "%s/%s%s" % (parent, kind, new_hex())


def release_of(any_id: str) -> str:
    """``Applications/Release<hex>`` of any id below a release."""
    parts = any_id.split("/")
    if len(parts) < 2 or parts[0] != "Applications" or not parts[1].startswith("Release"):
        raise ValueError("not an id inside a release: %r" % (any_id,))
    return "/".join(parts[:2])


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


@dataclasses.dataclass
class UserRecord:
    username: str
    email: str | None = None
    full_name: str | None = None


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
