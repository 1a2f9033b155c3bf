"""The data model, one module per domain. Importing this registers every table."""

from awards_app.models.audit import (
    AuditCheckpoint,
    AuditCosignature,
    AuditEvent,
    AuditHead,
    AuditSignedCheckpoint,
    AuditSubtree,
    OutboxMessage,
    PersonalValue,
    WitnessKey,
)
from awards_app.models.awards import (
    AwardType,
    Criterion,
    Cycle,
    PastLaureate,
    ReminderSent,
    SettingsChange,
    SettingsChangeVote,
    ShortlistDecision,
)
from awards_app.models.decisions import BoardVote, Decision, Recommendation, Score, TieVote
from awards_app.models.events import Delegation, Event, Participant
from awards_app.models.expo import CertificateBatch, CertificateFile, Performance
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
from awards_app.models.organisations import Country, Organisation, OrganisationAlias, Region
from awards_app.models.people import ROLES, AccountLink, Person, RecoveryCode, User, UserRole
from awards_app.models.site import SiteSetting
from awards_app.models.tokens import ApiToken, IdempotencyRecord

__all__ = [
    "ROLES", "AccountLink", "ApiToken", "Assignment", "Attachment", "AuditCheckpoint", "AuditEvent", "AuditHead",
    "AuditCosignature", "AuditSignedCheckpoint", "AuditSubtree",
    "AwardType",
    "BoardVote", "CertificateBatch", "CertificateFile", "Performance",
    "ConflictAttestation", "ConflictOfInterest", "Country", "Criterion", "Cycle", "Decision",
    "Delegation", "Endorsement", "Event", "Expertise", "IdempotencyRecord", "JudgeProfile", "Nomination",
    "Organisation", "OrganisationAlias", "OutboxMessage", "Panel", "PanelMember", "Participant",
    "PastLaureate", "Person", "PersonalValue", "RecoveryCode", "Recommendation", "Region", "ReminderSent", "Score",
    "SettingsChange", "SettingsChangeVote", "ShortlistDecision", "SiteSetting", "TieVote", "User", "UserRole",
    "WitnessKey",
]
