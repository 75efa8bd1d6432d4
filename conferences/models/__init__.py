from conferences.models.attachments import CaseAttachment, MeetingAttachment
from conferences.models.case import (
    Case,
    CaseInstitution,
    CaseTeamMember,
    Consent,
    DeletionKind,
    DeletionRecord,
    FamilyRole,
    InformationKind,
    valid_consents,
)
from conferences.models.conference import (
    Addendum,
    Conference,
    CriterionCheck,
    FamilyParticipant,
    Rating,
    StaffParticipant,
)
from conferences.models.meeting import AgendaItem, Attendance, AttendanceStatus, Body, Meeting
from conferences.models.task import Task, TaskStatus

__all__ = [
    "Addendum",
    "AgendaItem",
    "Attendance",
    "AttendanceStatus",
    "Body",
    "Case",
    "CaseAttachment",
    "CaseInstitution",
    "CaseTeamMember",
    "Conference",
    "Consent",
    "CriterionCheck",
    "DeletionKind",
    "DeletionRecord",
    "FamilyParticipant",
    "FamilyRole",
    "InformationKind",
    "Meeting",
    "MeetingAttachment",
    "Rating",
    "StaffParticipant",
    "Task",
    "TaskStatus",
    "valid_consents",
]
