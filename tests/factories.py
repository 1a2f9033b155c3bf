"""factory-boy factories for every model, bound to the app's session."""

import functools
from datetime import UTC, date, datetime, timedelta

import factory
from argon2 import PasswordHasher
from factory.alchemy import SQLAlchemyModelFactory

from awards_app import models
from awards_app.extensions import db
from awards_app.services.actors import SystemActor
from judging.names import normalise_name

# The tests act as a SystemActor holding every role, recorded as "tests".
TESTS_ACTOR = SystemActor("tests", roles=frozenset(models.ROLES))

PASSWORD = "violet kettle harbour 42"
# Hashed once, with the test configuration's cheap parameters.
_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class RegionFactory(BaseFactory):
    class Meta:
        model = models.Region

    code = factory.Sequence(lambda n: f"region{n}")
    name = factory.Sequence(lambda n: f"Region {n}")


class CountryFactory(BaseFactory):
    class Meta:
        model = models.Country
        # The sequence's codes run through real ones ("TN" after 512 countries
        # in one worker): where the reference countries are loaded, a code
        # already there is that country, not a second row that breaks the
        # unique constraint in whichever test happens to draw it.
        sqlalchemy_get_or_create = ("iso2",)

    iso2 = factory.Sequence(lambda n: f"{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}")
    name = factory.Sequence(lambda n: f"Country {n}")
    region = factory.SubFactory(RegionFactory)


class OrganisationFactory(BaseFactory):
    class Meta:
        model = models.Organisation

    name = factory.Sequence(lambda n: f"Science Club {n}")
    name_key = factory.LazyAttribute(lambda o: normalise_name(o.name))
    country = factory.SubFactory(CountryFactory)
    status = "member"


class OrganisationAliasFactory(BaseFactory):
    class Meta:
        model = models.OrganisationAlias

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"SC{n}")
    name_key = factory.LazyAttribute(lambda o: normalise_name(o.name))


class PersonFactory(BaseFactory):
    class Meta:
        model = models.Person

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    organisation = factory.SubFactory(OrganisationFactory)
    country = factory.SelfAttribute("organisation.country")
    date_of_birth = date(2000, 1, 1)


class UserFactory(BaseFactory):
    class Meta:
        model = models.User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    password_hash = _HASH
    person = factory.SubFactory(PersonFactory, email=factory.SelfAttribute("..email"))

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or ("nominator",):
            self.role_rows.append(models.UserRole(role=role))
        if create:
            db.session.flush()


class UserRoleFactory(BaseFactory):
    class Meta:
        model = models.UserRole

    user = factory.SubFactory(UserFactory, roles=())
    role = "judge"


class EventFactory(BaseFactory):
    class Meta:
        model = models.Event

    number = factory.Sequence(lambda n: 100 + n)
    year = 2027
    city = "Testville"
    country = factory.SubFactory(CountryFactory)
    host_organisation = factory.SubFactory(OrganisationFactory,
                                           country=factory.SelfAttribute("..country"))
    starts_on = date(2027, 7, 12)
    ends_on = date(2027, 7, 18)


class DelegationFactory(BaseFactory):
    class Meta:
        model = models.Delegation

    event = factory.SubFactory(EventFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.LazyAttribute(lambda d: f"Delegation of {d.organisation.name}")


class ParticipantFactory(BaseFactory):
    class Meta:
        model = models.Participant

    delegation = factory.SubFactory(DelegationFactory)
    name = factory.Faker("name")
    birth_date = date(2015, 3, 1)
    role = "participant"


class AwardTypeFactory(BaseFactory):
    class Meta:
        model = models.AwardType

    code = "best_delegation_award"
    name_en = "ESI Best Delegation Award"
    name_fr = "Prix de la meilleure délégation ESI"
    name_es = "Premio a la mejor delegación ESI"
    candidate_kind = "delegation"
    cadence = "every ESI"
    workflow_code = factory.SelfAttribute("code")
    required_fields = factory.LazyFunction(list)
    default_settings = factory.LazyFunction(dict)
    default_criteria = factory.LazyFunction(list)


class CycleFactory(BaseFactory):
    class Meta:
        model = models.Cycle

    award_type = factory.SubFactory(AwardTypeFactory)
    year = 2027
    state = "draft"
    settings = factory.LazyFunction(dict)
    max_laureates = 1
    deadline = factory.LazyFunction(lambda: datetime.now(UTC) + timedelta(days=30))


class CriterionFactory(BaseFactory):
    class Meta:
        model = models.Criterion

    cycle = factory.SubFactory(CycleFactory)
    code = factory.Sequence(lambda n: f"criterion{n}")
    name_en = factory.Sequence(lambda n: f"Criterion {n}")
    name_fr = factory.SelfAttribute("name_en")
    name_es = factory.SelfAttribute("name_en")
    weight = 1.0
    scale_min = 0
    scale_max = 10


class PastLaureateFactory(BaseFactory):
    class Meta:
        model = models.PastLaureate

    award_type = factory.SubFactory(AwardTypeFactory)
    year = 2019
    kind = "delegation"
    name = factory.Sequence(lambda n: f"Delegation of Country {n}")
    name_key = factory.LazyAttribute(lambda p: normalise_name(p.name))


class NominationFactory(BaseFactory):
    class Meta:
        model = models.Nomination

    cycle = factory.SubFactory(CycleFactory)
    nominator = factory.SubFactory(UserFactory, roles=("nominator",))
    candidate_kind = "delegation"
    candidate_delegation = factory.SubFactory(DelegationFactory)
    candidate_key = factory.LazyAttribute(lambda n: f"delegation:{n.candidate_delegation.id}")
    statement = "An exemplary delegation."
    state = "draft"


class AttachmentFactory(BaseFactory):
    class Meta:
        model = models.Attachment

    nomination = factory.SubFactory(NominationFactory)
    stored_name = factory.Sequence(lambda n: f"{n:032x}")
    original_name = "evidence.pdf"
    content_type = "application/pdf"
    size = 1024
    sha256 = "0" * 64


class EndorsementFactory(BaseFactory):
    class Meta:
        model = models.Endorsement

    nomination = factory.SubFactory(NominationFactory)
    email = factory.Sequence(lambda n: f"endorser{n}@example.org")
    token_hash = factory.Sequence(lambda n: f"{n:064x}")
    expires_at = factory.LazyFunction(lambda: datetime.now(UTC) + timedelta(days=14))


class JudgeProfileFactory(BaseFactory):
    class Meta:
        model = models.JudgeProfile

    user = factory.SubFactory(UserFactory, roles=("judge",))
    languages = factory.LazyFunction(lambda: ["en"])
    regions = factory.LazyFunction(list)


class ExpertiseFactory(BaseFactory):
    class Meta:
        model = models.Expertise

    profile = factory.SubFactory(JudgeProfileFactory)
    field = "science_education"
    evidence = "Ten years running science fairs."
    years = 10


class PanelFactory(BaseFactory):
    class Meta:
        model = models.Panel

    cycle = factory.SubFactory(CycleFactory)


class PanelMemberFactory(BaseFactory):
    class Meta:
        model = models.PanelMember

    panel = factory.SubFactory(PanelFactory)
    user = factory.SubFactory(UserFactory, roles=("judge",))
    role = "member"


class AssignmentFactory(BaseFactory):
    class Meta:
        model = models.Assignment

    nomination = factory.SubFactory(NominationFactory)
    judge = factory.SubFactory(UserFactory, roles=("judge",))


class ConflictOfInterestFactory(BaseFactory):
    class Meta:
        model = models.ConflictOfInterest

    judge = factory.SubFactory(UserFactory, roles=("judge",))
    nomination = factory.SubFactory(NominationFactory)
    kind = "same_organisation"
    source = "detected"


class ConflictAttestationFactory(BaseFactory):
    class Meta:
        model = models.ConflictAttestation

    judge = factory.SubFactory(UserFactory, roles=("judge",))
    nomination = factory.SubFactory(NominationFactory)


class ScoreFactory(BaseFactory):
    class Meta:
        model = models.Score

    assignment = factory.SubFactory(AssignmentFactory)
    criterion = factory.SubFactory(CriterionFactory,
                                   cycle=factory.SelfAttribute("..assignment.nomination.cycle"))
    value = 7.0


class RecommendationFactory(BaseFactory):
    class Meta:
        model = models.Recommendation

    cycle = factory.SubFactory(CycleFactory)
    method = "weighted_mean"
    inputs_hash = "e" * 64
    rationale = "Highest weighted mean."
    created_by = factory.SubFactory(UserFactory, roles=("chair",))


class BoardVoteFactory(BaseFactory):
    class Meta:
        model = models.BoardVote

    recommendation = factory.SubFactory(RecommendationFactory)
    user = factory.SubFactory(UserFactory, roles=("board",))
    vote = "approve"


class TieVoteFactory(BaseFactory):
    class Meta:
        model = models.TieVote

    cycle = factory.SubFactory(CycleFactory)
    tied_nomination_ids = factory.LazyFunction(lambda: [1, 2])
    votes = factory.LazyFunction(lambda: {"1": 2, "2": 1})
    minutes = "Vote by show of hands at the panel's meeting."
    recorded_by = factory.SubFactory(UserFactory, roles=("chair",))


class DecisionFactory(BaseFactory):
    class Meta:
        model = models.Decision

    cycle = factory.SubFactory(CycleFactory)
    inputs_hash = "f" * 64


class SiteSettingFactory(BaseFactory):
    class Meta:
        model = models.SiteSetting

    name = factory.Sequence(lambda n: f"setting_{n}")
    value = "a value"


class OutboxMessageFactory(BaseFactory):
    class Meta:
        model = models.OutboxMessage

    recipient = "someone@example.org"
    subject = "A notice"
    body = "Hello."


class ApiTokenFactory(BaseFactory):
    class Meta:
        model = models.ApiToken

    user = factory.SubFactory(UserFactory)
    name = "script"
    token_hash = factory.Sequence(lambda n: f"{n:064x}")
    prefix = "mla_test"


class AccountLinkFactory(BaseFactory):
    class Meta:
        model = models.AccountLink

    user = factory.SubFactory(UserFactory)
    purpose = "reset"
    token_hash = factory.Sequence(lambda n: f"{n:064x}")
    expires_at = factory.LazyFunction(lambda: datetime.now(UTC) + timedelta(hours=1))


class RecoveryCodeFactory(BaseFactory):
    class Meta:
        model = models.RecoveryCode

    class Params:
        user = factory.SubFactory(UserFactory)  # the model has the id only

    user_id = factory.SelfAttribute("user.id")
    code_hash = factory.Sequence(lambda n: f"{n:064x}")


class IdempotencyRecordFactory(BaseFactory):
    class Meta:
        model = models.IdempotencyRecord

    user = factory.SubFactory(UserFactory)
    key = factory.Sequence(lambda n: f"key-{n}")
    request_hash = "a" * 64
    status = 201
    body = factory.LazyFunction(dict)


class AuditEventFactory(factory.Factory):
    """Audit events only ever come from the service, which keeps the chain."""

    class Meta:
        model = models.AuditEvent

    actor = TESTS_ACTOR
    action = "test.event"
    payload = factory.LazyFunction(lambda: {"note": "made by a factory"})

    @classmethod
    def _create(cls, model_class, actor, action, payload):
        from awards_app.services import audit

        return audit.record(actor, action, None, payload, object_type="test")

    _build = _create


class AuditCheckpointFactory(factory.Factory):
    """Checkpoints only come from a verification that passed (services.audit)."""

    class Meta:
        model = models.AuditCheckpoint

    verified_by = "tests"

    @classmethod
    def _create(cls, model_class, verified_by):
        from awards_app.services import audit

        AuditEventFactory()
        chain = audit.verify_chain()
        return audit.record_checkpoint(chain.count, chain.head_hash, chain.count, verified_by)

    _build = _create


class AuditSignedCheckpointFactory(factory.Factory):
    """A signed checkpoint of the head after one more event, signed with a
    key made for the tests (the real one never enters the database)."""

    class Meta:
        model = models.AuditSignedCheckpoint

    @classmethod
    def _create(cls, model_class):
        from awards_app import audit_tree
        from awards_app.services import audit_log

        AuditEventFactory()
        return audit_log.sign_head(audit_tree.parse_signer_key(_test_signer_key()))

    _build = _create



class PersonalValueFactory(factory.Factory):
    """Personal values only come with the event that commits to them."""

    class Meta:
        model = models.PersonalValue

    value = "someone@example.org"

    @classmethod
    def _create(cls, model_class, value):
        from sqlalchemy import select

        from awards_app.extensions import db
        from awards_app.services import audit
        from awards_app.services.personal_values import EMAIL, personal

        event = audit.record(TESTS_ACTOR, "test.event", None, {"email": personal(value, EMAIL)}, object_type="test")
        return db.session.scalar(select(model_class).where(model_class.event_seq == event.seq))

    _build = _create


class WitnessKeyFactory(BaseFactory):
    class Meta:
        model = models.WitnessKey

    user_id = factory.LazyFunction(lambda: UserFactory(roles=("board",)).id)
    verifier_key = factory.LazyFunction(lambda: _new_key_pair("witness")[1])


class AuditCosignatureFactory(BaseFactory):
    class Meta:
        model = models.AuditCosignature

    checkpoint_id = factory.LazyFunction(lambda: AuditSignedCheckpointFactory().id)
    witness_key_id = factory.LazyFunction(lambda: WitnessKeyFactory().id)
    signature = "\u2014 witness AAAA"


class SettingsChangeFactory(BaseFactory):
    class Meta:
        model = models.SettingsChange

    cycle = factory.SubFactory(CycleFactory)
    changes = factory.LazyFunction(lambda: {"settings": {"board_quorum": 4}})
    reason = "The board asked for a larger quorum."
    proposed_by_id = factory.LazyFunction(lambda: UserFactory(roles=("admin",)).id)


class ShortlistDecisionFactory(BaseFactory):
    class Meta:
        model = models.ShortlistDecision

    cycle = factory.SubFactory(CycleFactory, settings={"shortlist_round": True})
    basis = "rank"
    cutoff = 3
    method = "weighted_mean"
    ranking = factory.LazyFunction(list)
    nomination_ids = factory.LazyFunction(list)
    inputs_hash = "0" * 64
    reason = "The top three of the shortlist round go on."
    decided_by_id = factory.LazyFunction(lambda: UserFactory(roles=("chair",)).id)


class PerformanceFactory(BaseFactory):
    class Meta:
        model = models.Performance

    nomination = factory.SubFactory(NominationFactory)
    cycle = factory.LazyAttribute(lambda p: p.nomination.cycle)
    position = factory.Sequence(lambda n: n + 1)
    title = "A dance from the highlands"


class CertificateBatchFactory(BaseFactory):
    class Meta:
        model = models.CertificateBatch

    event = factory.SubFactory(EventFactory)
    kind = "participation"
    requested_by = factory.SubFactory(UserFactory, roles=("admin",))


class CertificateFileFactory(BaseFactory):
    class Meta:
        model = models.CertificateFile

    batch = factory.SubFactory(CertificateBatchFactory)
    delegation = factory.SubFactory(DelegationFactory)
    filename = "participation.pdf"
    content = b"%PDF-1.7\n"


class SettingsChangeVoteFactory(BaseFactory):
    class Meta:
        model = models.SettingsChangeVote

    change = factory.SubFactory(SettingsChangeFactory)
    user_id = factory.LazyFunction(lambda: UserFactory(roles=("board",)).id)
    vote = "for"


class ReminderSentFactory(BaseFactory):
    class Meta:
        model = models.ReminderSent

    cycle_id = factory.LazyFunction(lambda: CycleFactory().id)
    user_id = factory.LazyFunction(lambda: UserFactory(roles=("judge",)).id)
    kind = "judging_deadline"
    due_at = factory.LazyFunction(lambda: datetime.now(UTC) + timedelta(days=3))


def _new_key_pair(name: str) -> tuple[str, str]:
    from awards_app import audit_tree

    return audit_tree.generate_key(name)


@functools.cache
def _test_signer_key() -> str:
    from awards_app import audit_tree

    return audit_tree.generate_key("tests")[0]


ALL_FACTORIES = [
    RegionFactory, CountryFactory, OrganisationFactory, OrganisationAliasFactory, PersonFactory, UserFactory,
    UserRoleFactory, EventFactory, DelegationFactory, ParticipantFactory, AwardTypeFactory,
    CycleFactory, CriterionFactory, NominationFactory, AttachmentFactory, EndorsementFactory,
    JudgeProfileFactory, ExpertiseFactory, PanelFactory, PanelMemberFactory, AssignmentFactory,
    ConflictOfInterestFactory, ConflictAttestationFactory, ScoreFactory, RecommendationFactory,
    BoardVoteFactory, TieVoteFactory,
    DecisionFactory, OutboxMessageFactory, AuditEventFactory, AuditCheckpointFactory, AuditSignedCheckpointFactory,
    ApiTokenFactory,
    IdempotencyRecordFactory, SiteSettingFactory, PastLaureateFactory, AccountLinkFactory, RecoveryCodeFactory,
    PersonalValueFactory, WitnessKeyFactory, AuditCosignatureFactory, SettingsChangeFactory, SettingsChangeVoteFactory,
    ReminderSentFactory, ShortlistDecisionFactory, PerformanceFactory, CertificateBatchFactory,
    CertificateFileFactory,
]
