"""Request and response schemas of the API: explicit fields, strict types,
unknown fields refused (marshmallow's RAISE)."""

import marshmallow as ma
from flask_login import current_user
from flask_smorest.fields import Upload
from marshmallow import RAISE, fields, post_dump, validate
from sqlalchemy import select

import workflows
from awards_app import permissions
from awards_app.extensions import db
from awards_app.models import Nomination as NominationRow
from awards_app.models.decisions import VOTES
from awards_app.models.judging import CONFLICT_KINDS
from awards_app.services import nominations as nomination_service
from judging import expertise

ID = {"strict": True, "validate": validate.Range(min=1, max=2**31 - 1)}
VERSION = {"strict": True, "validate": validate.Range(min=1, max=2**31 - 1)}


def _all_cycle_events() -> list[str]:
    return sorted({e for wf in workflows.REGISTRY.values() for e in wf.cycle_events_all})


class Strict(ma.Schema):
    class Meta:
        unknown = RAISE


# --- shared -----------------------------------------------------------------

class RuleResult(Strict):
    rule = fields.String(required=True)
    ok = fields.Boolean(allow_none=True)
    severity = fields.String(allow_none=True)
    message = fields.String(allow_none=True)


# --- awards and cycles ----------------------------------------------------------

class Criterion(Strict):
    id = fields.Integer()
    code = fields.String()
    name = fields.Function(lambda c: c.name_en)
    name_fr = fields.String()
    name_es = fields.String()
    description_en = fields.String(allow_none=True)
    description_fr = fields.String(allow_none=True)
    description_es = fields.String(allow_none=True)
    weight = fields.Float()
    scale_min = fields.Integer()
    scale_max = fields.Integer()
    scale_step = fields.Float()
    comment_required = fields.Boolean()
    descriptors = fields.List(fields.Dict(keys=fields.String()), allow_none=True, metadata={
        "description": "What a score in each band means: {min, max, en, fr, es}, lowest band first"})


class Award(Strict):
    code = fields.String()
    name_en = fields.String()
    name_fr = fields.String()
    name_es = fields.String()
    candidate_kind = fields.String()
    cadence = fields.String()
    cycle_events = fields.Function(lambda a: list(a.workflow.cycle_events_all))
    nomination_events = fields.Function(lambda a: list(a.workflow.nomination_events_all))


class Cycle(Strict):
    id = fields.Integer()
    award = fields.Function(lambda c: c.award_type.code)
    title = fields.String()
    year = fields.Integer()
    state = fields.String()
    version = fields.Integer()
    event_id = fields.Integer(allow_none=True)
    max_laureates = fields.Integer()
    deadline = fields.DateTime(allow_none=True)
    criteria_published_at = fields.DateTime(allow_none=True)
    settings = fields.Dict(keys=fields.String())
    criteria = fields.List(fields.Nested(Criterion))


class CycleCreate(Strict):
    award = fields.String(required=True, validate=validate.OneOf(sorted(workflows.REGISTRY)))
    year = fields.Integer(required=True, strict=True, validate=validate.Range(1987, 2200))
    event_id = fields.Integer(load_default=None, allow_none=True, **ID)
    deadline = fields.AwareDateTime(load_default=None, allow_none=True)
    max_laureates = fields.Integer(load_default=None, allow_none=True, strict=True,
                                   validate=validate.Range(1, 50))


class CycleSettingsChange(Strict):
    settings = fields.Dict(keys=fields.String(), load_default=dict, metadata={
        "description": "The settings to change, by name (workflows/settings.py), as JSON values; the others stay"})
    criteria = fields.List(fields.Dict(keys=fields.String()), load_default=None, allow_none=True, metadata={
        "description": "The whole rubric, in order, replacing the cycle's (services/rubric.py): each criterion's "
                       "id (to keep it), code, name_en/fr/es, description_en/fr/es, weight, scale_min, scale_max, "
                       "scale_step, comment_required and descriptors; left out, the rubric stays"})
    version = fields.Integer(load_default=None, allow_none=True, **VERSION)


class CycleQuery(Strict):
    award = fields.String(validate=validate.OneOf(sorted(workflows.REGISTRY)))
    state = fields.String(validate=validate.OneOf(sorted(workflows.CYCLE_STATES)))


class CycleTransition(Strict):
    event = fields.String(required=True, validate=validate.OneOf(_all_cycle_events()))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))
    version = fields.Integer(load_default=None, allow_none=True, **VERSION)


class TransitionResult(Strict):
    id = fields.Integer(required=True)
    event = fields.String(required=True)
    state = fields.String(required=True)
    version = fields.Integer(required=True)


# --- delegations --------------------------------------------------------------

class Delegation(Strict):
    id = fields.Integer()
    event_id = fields.Integer()
    organisation_id = fields.Integer()
    organisation = fields.Function(lambda d: d.organisation.name)
    name = fields.String()


# --- nominations --------------------------------------------------------------

class Candidate(Strict):
    kind = fields.String()
    name = fields.String()
    person_id = fields.Integer(allow_none=True)
    delegation_id = fields.Integer(allow_none=True)
    organisation_id = fields.Integer(allow_none=True)


# What a judge or chair reads of a nomination, as on their pages: no
# secretariat's note (the nominator's page alone shows it), the nominator
# only where the cycle shows judges who nominated (`hide_nominator_from_judges`),
# and before they attest "no conflict" no dossier at all (permissions.may_read_dossier).
DOSSIER_FIELDS = ("statement", "volunteer_years", "volunteer_places", "eligibility", "nominator_id")
NOT_FOR_JUDGES = ("screening_reason",)


def _pairs(data, original, many: bool):
    return zip(data, list(original), strict=True) if many else [(data, original)]


class Nomination(Strict):
    """Every field for its nominator, the secretariat, the board and auditors;
    for a judge or chair, what their pages show them (DOSSIER_FIELDS, NOT_FOR_JUDGES)."""

    id = fields.Integer()
    cycle_id = fields.Integer()
    nominator_id = fields.Integer()
    state = fields.String()
    version = fields.Integer()
    candidate = fields.Method("_candidate")
    statement = fields.String()
    volunteer_years = fields.Float(allow_none=True)
    volunteer_places = fields.String(allow_none=True)
    eligibility = fields.List(fields.Dict(keys=fields.String()))
    screening_reason = fields.String(allow_none=True)
    declared_relations = fields.List(fields.Dict(keys=fields.String()), metadata={
        "description": "People the nominator declared close to the candidate: {name, email, kind}. "
                       "Not shown to judges (permissions.may_read_declared_relations)."})
    submitted_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()

    def _candidate(self, n):
        return {"kind": n.candidate_kind, "name": str(n.candidate),
                "person_id": n.candidate_person_id, "delegation_id": n.candidate_delegation_id,
                "organisation_id": n.candidate_organisation_id}

    @post_dump(pass_collection=True, pass_original=True)
    def _as_the_reader_may_see_it(self, data, original, many, **kwargs):
        pairs = [(out, n) for out, n in _pairs(data, original, many)
                 if not permissions.reads_nomination_whole(current_user, n)]
        if not pairs:
            return data
        readable = set(db.session.scalars(select(NominationRow.id).where(
            NominationRow.id.in_([n.id for _out, n in pairs]), permissions.dossier_readable_by(current_user))))
        for out, n in pairs:
            hidden = list(NOT_FOR_JUDGES)
            if not permissions.may_read_declared_relations(current_user, n):
                hidden.append("declared_relations")
            if n.id not in readable:
                hidden += DOSSIER_FIELDS
            elif n.cycle.setting("hide_nominator_from_judges"):
                hidden.append("nominator_id")
            for name in hidden:
                out.pop(name, None)
        return data


class DeclaredRelation(Strict):
    """One person close to the candidate. The nominations service checks the
    row (a name, a valid email or none, a kind) and refuses it with a rule id
    at `declared_relations.<row>.<field>`; a row all empty is left out."""

    name = fields.String(allow_none=True, validate=validate.Length(max=1000))
    email = fields.String(allow_none=True, validate=validate.Length(max=1000))
    kind = fields.String(allow_none=True, metadata={"enum": list(nomination_service.DECLARABLE_RELATION_KINDS)})


class _IndividualFields(Strict):
    name = fields.String(validate=validate.Length(min=1, max=200))
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    country_id = fields.Integer(allow_none=True, **ID)
    organisation_id = fields.Integer(allow_none=True, **ID)
    date_of_birth = fields.Date(allow_none=True)
    statement = fields.String(validate=validate.Length(max=20000))
    volunteer_years = fields.Float(allow_none=True, allow_nan=False, validate=validate.Range(0, 100))
    volunteer_places = fields.String(allow_none=True, validate=validate.Length(max=5000))
    declared_relations = fields.List(fields.Nested(DeclaredRelation), validate=validate.Length(max=100),
                                     metadata={"description": "Up to 10 people close to the candidate "
                                                              "(any kind of candidate)."})


class NominationCreate(_IndividualFields):
    """The candidate: name (and the person's details) for an individual
    award, delegation_id for a delegation award, organisation_id otherwise."""

    cycle_id = fields.Integer(required=True, **ID)
    delegation_id = fields.Integer(allow_none=True, **ID)


class NominationUpdate(_IndividualFields):
    version = fields.Integer(load_default=None, allow_none=True, **VERSION)


NOMINATION_EVENTS = ("submit", "withdraw", "mark_eligible", "mark_ineligible")


class NominationTransition(Strict):
    event = fields.String(required=True, validate=validate.OneOf(NOMINATION_EVENTS))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))
    version = fields.Integer(load_default=None, allow_none=True, **VERSION)


class NominationTransitionResult(TransitionResult):
    eligibility = fields.List(fields.Dict(keys=fields.String()))


QUERY_ID = {"validate": validate.Range(min=1, max=2**31 - 1)}  # query strings are text: not strict


class NominationQuery(Strict):
    cycle_id = fields.Integer(**QUERY_ID)
    state = fields.String(validate=validate.OneOf(sorted(workflows.NOMINATION_STATES)))


class Attachment(Strict):
    id = fields.Integer()
    nomination_id = fields.Integer()
    original_name = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_at = fields.DateTime()


class AttachmentUpload(ma.Schema):
    file = Upload(required=True)


class EndorsementRequest(Strict):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    locale = fields.String(load_default=None, validate=validate.OneOf(("en", "fr", "es")),
                           metadata={"description": "The language of the email to the endorser; "
                                                    "by default the nominator's."})


class Endorsement(Strict):
    """The endorser's address is for the nominator, the secretariat, the
    board and auditors; a judge's sheet shows the endorsement, not the address."""

    id = fields.Integer()
    nomination_id = fields.Integer()
    email = fields.String()
    requested_at = fields.DateTime()
    expires_at = fields.DateTime()
    received_at = fields.DateTime(allow_none=True)
    endorser_name = fields.String(allow_none=True)
    endorser_organisation = fields.String(allow_none=True)
    from_candidate_organisation = fields.Boolean(metadata={"description": (
        "Decided by the engine when the endorsement is received: the organisation the endorser names is "
        "the candidate's (by name or another recorded name), and the answer is not from the nominator's "
        "or the candidate's own address.")})

    @post_dump(pass_collection=True, pass_original=True)
    def _as_the_reader_may_see_it(self, data, original, many, **kwargs):
        for out, e in _pairs(data, original, many):
            if not permissions.reads_nomination_whole(current_user, e.nomination):
                out.pop("email", None)
        return data


# --- panels, judges, conflicts, assignments ----------------------------------------

class PanelMember(Strict):
    id = fields.Integer()
    user_id = fields.Integer()
    name = fields.Function(lambda m: m.user.name)
    email = fields.Function(lambda m: m.user.email)
    role = fields.String()


class PanelMemberCreate(Strict):
    user_id = fields.Integer(required=True, **ID)
    role = fields.String(load_default="member", validate=validate.OneOf(("member", "chair")))


class PanelWithdrawal(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class RemovedSheet(Strict):
    nomination_id = fields.Integer()
    judge_id = fields.Integer()
    sheet_state = fields.String()
    scores = fields.Dict(keys=fields.String(), values=fields.Float())
    reason = fields.String()


class JudgeWithdrawn(Strict):
    user_id = fields.Integer()
    removed = fields.List(fields.Nested(RemovedSheet))


class Panel(Strict):
    cycle_id = fields.Integer()
    round = fields.String(metadata={"description": "the round whose panel this is: shortlist or final"})
    members = fields.List(fields.Nested(PanelMember))
    required_fields = fields.List(fields.String())
    missing_fields = fields.List(fields.String())


class Expertise(Strict):
    id = fields.Integer()
    field = fields.String()
    evidence = fields.String()
    years = fields.Integer()


class ExpertiseCreate(Strict):
    field = fields.String(required=True, validate=validate.OneOf(list(expertise.FIELDS)))
    evidence = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    years = fields.Integer(required=True, strict=True, validate=validate.Range(0, 80))


class JudgeProfile(Strict):
    id = fields.Integer()
    user_id = fields.Integer()
    name = fields.Function(lambda p: p.user.name)
    languages = fields.List(fields.String())
    vetted_at = fields.DateTime(allow_none=True)
    expertise = fields.List(fields.Nested(Expertise))


class ConflictOfInterest(Strict):
    id = fields.Integer()
    judge_id = fields.Integer()
    nomination_id = fields.Integer()
    kind = fields.String()
    source = fields.String()
    status = fields.String()
    rule = fields.String(allow_none=True)
    # certain, or possible (the chair decides); none for a declared conflict.
    tier = fields.String(allow_none=True)
    # The two spellings detection matched and the identity rule.
    evidence = fields.Dict()
    note = fields.String(allow_none=True)
    rationale = fields.String(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class ConflictDeclare(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(CONFLICT_KINDS))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class ConflictResolve(Strict):
    action = fields.String(required=True, validate=validate.OneOf(("confirm", "waive", "dismiss")))
    rationale = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))


class Attestation(Strict):
    judge_id = fields.Integer()
    nomination_id = fields.Integer()
    attested_at = fields.DateTime()


class Assignment(Strict):
    id = fields.Integer()
    nomination_id = fields.Integer()
    judge_id = fields.Integer()
    round = fields.String(metadata={"description": "shortlist or final"})
    fit = fields.Float()
    sheet_state = fields.String()
    version = fields.Integer()
    submitted_at = fields.DateTime(allow_none=True)


class Uncovered(Strict):
    nomination_id = fields.Integer()
    rule = fields.String()
    reason = fields.String()


class AssignmentRun(Strict):
    feasible = fields.Boolean()
    optimal = fields.Boolean()
    method = fields.String()
    total_fit = fields.Float()
    assignments = fields.Integer()
    uncovered = fields.List(fields.Nested(Uncovered))


# --- scores ---------------------------------------------------------------------

class ScoreIn(Strict):
    value = fields.Float(required=True, allow_nan=False)
    comment = fields.String(load_default="", validate=validate.Length(max=5000))


class ScoreSheetIn(Strict):
    scores = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=40)),
                         values=fields.Nested(ScoreIn), required=True)
    version = fields.Integer(load_default=None, allow_none=True, **VERSION)


class ScoreOut(Strict):
    value = fields.Float(allow_none=True)
    comment = fields.String()


class ScoreSheet(Strict):
    nomination_id = fields.Integer()
    assignment_id = fields.Integer()
    round = fields.String(metadata={"description": "shortlist or final: the round the sheet belongs to"})
    sheet_state = fields.String()
    version = fields.Integer()
    submitted_at = fields.DateTime(allow_none=True)
    attested = fields.Boolean()
    scores = fields.Dict(keys=fields.String(), values=fields.Nested(ScoreOut))


# --- recommendations, votes, decisions ----------------------------------------------

class RankingEntry(Strict):
    nomination_id = fields.Integer()
    rank = fields.Integer(allow_none=True)
    score = fields.Float(allow_none=True)
    n_judges = fields.Integer(allow_none=True)
    per_criterion_means = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True))
    tie_break = fields.Raw(allow_none=True)
    confidence_top_k = fields.Float(allow_none=True)


class Recommendation(Strict):
    id = fields.Integer()
    cycle_id = fields.Integer()
    method = fields.String()
    ranking = fields.List(fields.Nested(RankingEntry))
    laureate_nomination_ids = fields.List(fields.Integer())
    inputs_hash = fields.String()
    rationale = fields.String()
    created_by_id = fields.Integer()
    created_at = fields.DateTime()
    kind = fields.String()
    status = fields.String()
    closed_at = fields.DateTime(allow_none=True)
    closed_reason = fields.String(allow_none=True)


class RecommendationCreate(Strict):
    rationale = fields.String(required=True, validate=validate.Length(min=1, max=20000))
    laureate_nomination_ids = fields.List(fields.Integer(**ID), load_default=None, allow_none=True,
                                          validate=validate.Length(min=1, max=50))


class Vote(Strict):
    id = fields.Integer()
    recommendation_id = fields.Integer()
    user_id = fields.Integer()
    vote = fields.String()
    reason = fields.String(allow_none=True)
    cast_at = fields.DateTime()


class VoteCreate(Strict):
    vote = fields.String(required=True, validate=validate.OneOf(VOTES))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))


class VoteResult(Vote):
    cycle_state = fields.String()


class Decision(Strict):
    id = fields.Integer()
    cycle_id = fields.Integer()
    recommendation_id = fields.Integer(allow_none=True)
    amends_id = fields.Integer(allow_none=True)
    laureate_nomination_ids = fields.List(fields.Integer())
    inputs_hash = fields.String()
    reason = fields.String(allow_none=True)
    ratified_at = fields.DateTime()


class DecisionAmend(Strict):
    laureate_nomination_ids = fields.List(fields.Integer(**ID), required=True,
                                          validate=validate.Length(min=1, max=50))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=5000))


# --- audit ------------------------------------------------------------------------

class AuditEvent(Strict):
    seq = fields.Integer()
    at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    actor = fields.String()
    action = fields.String()
    object_type = fields.String()
    object_id = fields.String(allow_none=True)
    cycle_id = fields.Integer(allow_none=True)
    payload = fields.Dict(keys=fields.String())  # as hashed: personal values as "pv:" commitments
    prev_hash = fields.String()
    hash = fields.String()
    disclosed_payload = fields.Dict(keys=fields.String(), dump_only=True, metadata={
        "description": "The payload with its personal values opened, for the secretariat, auditors and the "
                       "event's own actor; absent for other readers."})

    @post_dump(pass_collection=True)
    def _disclosed(self, data, many, **kwargs):
        """The payload with its personal values opened, for the readers who
        may see them: the secretariat and auditors, and each person in the
        events they made themselves. The value is checked against its
        commitment; an erased one reads {"erased": true}."""
        from awards_app.services import personal_values

        rows = data if many else [data]
        everyone = current_user.has_role("admin", "auditor")
        opened = [row for row in rows if everyone or row.get("actor_id") == current_user.id]
        for row, payload in zip(opened, personal_values.reveal([row["payload"] for row in opened]), strict=True):
            row["disclosed_payload"] = payload
        return data


class AuditQuery(Strict):
    cycle_id = fields.Integer(**QUERY_ID)
    action = fields.String(validate=validate.Length(min=1, max=64))


class ReportBundle(ma.Schema):
    """A cycle's audit bundle. milset-audit-bundle/3 (once the log has a
    signed checkpoint): origin, checkpoint, latest, consistency,
    cosignatures, the events and their leaf hashes (leaves), and one multiproof
    for all of them (proof: [lo, hi, hash] of every range of the tree that
    holds none of them); verify it with audit_bundle.py.
    milset-audit-bundle/1: the chain (chain, cycle_event_seqs, events);
    verify it with audit_chain.py."""

    format = fields.String()
    cycle = fields.Dict(keys=fields.String())
    chain = fields.Dict(keys=fields.String())
    cycle_event_seqs = fields.List(fields.Integer())
    origin = fields.String()
    checkpoint = fields.String()
    latest = fields.String(allow_none=True)
    consistency = fields.List(fields.String())
    cosignatures = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    verify_with = fields.String()
    events = fields.List(fields.Dict(keys=fields.String()))
    leaves = fields.List(fields.String())
    proof = fields.List(fields.Tuple((fields.Integer(), fields.Integer(), fields.String())))
