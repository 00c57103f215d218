"""The tables of the tracker. Importing this package registers all of them on SQLModel.metadata."""

from tracker.enums import (
    DeadlineKind,
    ExtensionStatus,
    JobRunStatus,
    NotificationStatus,
    Role,
    TaskStatus,
)
from tracker.models.chat import ChatButton, ChatEvent, Conversation
from tracker.models.leases import Lease
from tracker.models.ops import AuditEvent, JobRun, Notification
from tracker.models.org import ChatIdentity, InviteCode, Organization, Person, Unit
from tracker.models.pace import BotPace, SendSlot
from tracker.models.uploads import PendingUpload
from tracker.models.web import WebSession, WebSignInAttempt, WebSignInCode
from tracker.models.work import ExtensionRequest, SourceDocument, Task, Update

__all__ = [
    "SendSlot",
    "PendingUpload",
    "Lease",
    "BotPace",
    "AuditEvent",
    "ChatButton",
    "ChatEvent",
    "ChatIdentity",
    "Conversation",
    "DeadlineKind",
    "ExtensionRequest",
    "ExtensionStatus",
    "InviteCode",
    "JobRun",
    "JobRunStatus",
    "Notification",
    "NotificationStatus",
    "Organization",
    "Person",
    "Role",
    "SourceDocument",
    "Task",
    "TaskStatus",
    "Unit",
    "Update",
    "WebSession",
    "WebSignInAttempt",
    "WebSignInCode",
]
