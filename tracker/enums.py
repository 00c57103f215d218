"""Closed vocabularies of the model, stored as short strings."""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    LEADER = "leader"
    OFFICE = "office"
    UNIT_HEAD = "unit_head"
    MEMBER = "member"


class TaskStatus(StrEnum):
    OPEN = "open"
    REPORTED_DONE = "reported_done"
    DONE = "done"
    CANCELLED = "cancelled"


class DeadlineKind(StrEnum):
    DATE = "date"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    RECURRING = "recurring"
    NONE = "none"


class ExtensionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    SUPERSEDED = "superseded"  # closed when a request for a date at least as late was approved


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class JobRunStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"
    SKIPPED = "skipped"


ROLE_LABELS = {
    Role.ADMIN: "quản trị",
    Role.LEADER: "lãnh đạo",
    Role.OFFICE: "văn phòng",
    Role.UNIT_HEAD: "trưởng đơn vị",
    Role.MEMBER: "cán bộ",
}

STATUS_LABELS = {
    TaskStatus.OPEN: "đang thực hiện",
    TaskStatus.REPORTED_DONE: "đơn vị báo đã xong, chờ xác nhận",
    TaskStatus.DONE: "đã hoàn thành",
    TaskStatus.CANCELLED: "đã hủy",
}

EXTENSION_STATUS_LABELS = {
    ExtensionStatus.PENDING: "chờ duyệt",
    ExtensionStatus.APPROVED: "đã đồng ý",
    ExtensionStatus.REFUSED: "không đồng ý",
    ExtensionStatus.SUPERSEDED: "thay bằng đề nghị đã đồng ý sau đó",
}

DEADLINE_KIND_LABELS = {
    DeadlineKind.DATE: "ngày",
    DeadlineKind.MONTH: "tháng",
    DeadlineKind.QUARTER: "quý",
    DeadlineKind.YEAR: "năm",
    DeadlineKind.RECURRING: "thường xuyên",
    DeadlineKind.NONE: "không có hạn",
}
