"""The Volunteer Award's board steps: the Executive Committee's hearing and
the board's approvals of the odd-year override."""

from flask_login import current_user
from marshmallow import fields, validate

from awards_app import permissions
from awards_app.api.catalogue import cycle_or_404
from awards_app.api.core import api_blueprint, forbidden, write
from awards_app.api.schemas import ID, Strict
from awards_app.services import volunteer

bp = api_blueprint("api_volunteer", "The Volunteer Award's hearing and the board's odd-year override.")


class HearingCreate(Strict):
    held_on = fields.Date(required=True, metadata={"description": "The day the hearing was held (not in the future)."})
    present = fields.List(fields.Integer(**ID), required=True, validate=validate.Length(min=1, max=100),
                          metadata={"description": "User ids of the Executive Committee members present."})
    minutes = fields.String(required=True, validate=validate.Length(min=1, max=volunteer.MINUTES_MAX))


class Hearing(Strict):
    cycle_id = fields.Integer(required=True)
    cycle_state = fields.String(required=True)
    held_on = fields.Date(required=True)
    present = fields.List(fields.Integer(), required=True)
    minutes = fields.String(required=True)


class OverrideApprovalCreate(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class OverrideApproval(Strict):
    cycle_id = fields.Integer(required=True)
    approvals = fields.Integer(required=True)
    quorum = fields.Integer(required=True)
    in_effect = fields.Boolean(required=True)
    override_reason = fields.String(allow_none=True)


@bp.route("/cycles/<int:cycle_id>/hearing", methods=["POST"])
@write()
@bp.arguments(HearingCreate)
@bp.response(201, Hearing)
def record_hearing(data, cycle_id: int):
    """Record the Executive Committee's hearing of a Volunteer Award cycle's
    candidates (secretariat or board): the board's votes open then. 403
    `volunteer.hearing_recorders` for other users; 409 `volunteer.no_hearing`
    on another award, `volunteer.not_in_hearing` before the recommendation,
    `volunteer.hearing_already_recorded`; 422 for a future date or a person
    present who is not on the board."""
    cycle = cycle_or_404(cycle_id)
    if not permissions.may_record_hearing(current_user, cycle):  # before the names are looked up
        forbidden("volunteer.hearing_recorders",
                  "Only the secretariat or an Executive Committee member records the hearing.")
    present = volunteer.present_members(ids=data["present"])
    cycle = volunteer.record_hearing(current_user, cycle, held_on=data["held_on"], present=present,
                                     minutes=data["minutes"])
    return {"cycle_id": cycle.id, "cycle_state": cycle.state, "held_on": cycle.hearing_held_at.date(),
            "present": sorted({u.id for u in present}), "minutes": cycle.hearing_notes}, 201


@bp.route("/cycles/<int:cycle_id>/odd-year-override/approvals", methods=["POST"])
@write()
@bp.arguments(OverrideApprovalCreate)
@bp.response(201, OverrideApproval)
def approve_override(data, cycle_id: int):
    """A board member approves holding a Volunteer Award cycle in an even
    year, with a reason; at the cycle's board quorum of approvals the
    override takes effect. 403 `volunteer.override_board_only` for anyone
    not on the board; 409 `volunteer.override_volunteer_only` on another
    award, `volunteer.override_not_needed`, `volunteer.override_in_effect`,
    `volunteer.override_already_approved`."""
    cycle = cycle_or_404(cycle_id)
    volunteer.approve_odd_year_override(current_user, cycle, data["reason"])
    return {"cycle_id": cycle.id, "approvals": len(volunteer.override_approvals(cycle)),
            "quorum": int(cycle.setting("board_quorum")), "in_effect": bool(cycle.odd_year_override_reason),
            "override_reason": cycle.odd_year_override_reason}, 201
