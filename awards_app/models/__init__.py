"""The data model, one module per domain. Importing this registers every table."""

from awards_app.models.audit import AuditCheckpoint, AuditEvent, AuditHead, OutboxMessage
from awards_app.models.awards import AwardType, Criterion, Cycle
from awards_app.models.decisions import BoardVote, Decision, Recommendation, Score
from awards_app.models.events import Delegation, Event, Participant
from awards_app.models.judging import (
    Assignment,
    ConflictAttestation,
    ConflictOfInterest,
    Expertise,
    JudgeProfile,
    Panel,
    PanelMember,
)
from awards_app.models.nominations import Attachment, Endorsement, Nomination
from awards_app.models.organisations import Country, Organisation, Region
from awards_app.models.people import ROLES, Person, User, UserRole
from awards_app.models.tokens import ApiToken, IdempotencyRecord

__all__ = [
    "ROLES", "ApiToken", "Assignment", "Attachment", "AuditCheckpoint", "AuditEvent", "AuditHead", "AwardType",
    "BoardVote",
    "ConflictAttestation", "ConflictOfInterest", "Country", "Criterion", "Cycle", "Decision",
    "Delegation", "Endorsement", "Event", "Expertise", "IdempotencyRecord", "JudgeProfile", "Nomination",
    "Organisation", "OutboxMessage", "Panel", "PanelMember", "Participant", "Person",
    "Recommendation", "Region", "Score", "User", "UserRole",
]
