"""Awards, cycles (with their transitions) and the delegations at an event."""

from flask import url_for
from flask_login import current_user
from sqlalchemy import select

from awards_app.api import schemas
from awards_app.api.core import SelectPage, abort_json, api_blueprint, forbidden, not_found, write
from awards_app.extensions import db
from awards_app.models import AwardType, Cycle, Delegation, Event
from awards_app.services import cycles as cycle_service
from awards_app.services import rubric, steps

bp = api_blueprint("api_catalogue", "Awards, their cycles and the delegations at each ESI.")


def cycle_or_404(cycle_id: int) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        not_found()
    return cycle


@bp.route("/awards", methods=["GET"])
@bp.response(200, schemas.Award(many=True))
@bp.paginate(SelectPage)
def list_awards():
    """The awards MILSET gives (every signed-in user)."""
    return select(AwardType).order_by(AwardType.id)


@bp.route("/awards/<string:code>", methods=["GET"])
@bp.response(200, schemas.Award)
def get_award(code: str):
    award = db.session.scalar(select(AwardType).where(AwardType.code == code))
    if award is None:
        not_found()
    return award


@bp.route("/cycles", methods=["GET"])
@bp.arguments(schemas.CycleQuery, location="query")
@bp.response(200, schemas.Cycle(many=True))
@bp.paginate(SelectPage)
def list_cycles(query):
    """Every cycle (a cycle's page is open to every signed-in user)."""
    statement = select(Cycle).order_by(Cycle.year.desc(), Cycle.id)
    if "award" in query:
        statement = statement.join(AwardType).where(AwardType.code == query["award"])
    if "state" in query:
        statement = statement.where(Cycle.state == query["state"])
    return statement


@bp.route("/cycles", methods=["POST"])
@write(idempotent=True)
@bp.arguments(schemas.CycleCreate)
@bp.response(201, schemas.Cycle)
def create_cycle(data):
    """The secretariat opens a new cycle of an award (admin)."""
    if not current_user.has_role("admin"):
        forbidden("cycle.admin_only", "Only the secretariat creates cycles.")
    award = db.session.scalar(select(AwardType).where(AwardType.code == data["award"]))
    if award is None:
        cycle_service.load_award_types(current_user)
        award = db.session.scalar(select(AwardType).where(AwardType.code == data["award"]))
    event = None
    if data["event_id"] is not None:
        event = db.session.get(Event, data["event_id"])
        if event is None:
            abort_json(422, "cycle.event_unknown", "No such event.", {"event_id": ["No such event."]})
    cycle = cycle_service.create_cycle(current_user, award, data["year"], event=event,
                                       deadline=data["deadline"], max_laureates=data["max_laureates"])
    return cycle, 201, {"Location": url_for("api_catalogue.get_cycle", cycle_id=cycle.id)}


@bp.route("/cycles/<int:cycle_id>", methods=["GET"])
@bp.response(200, schemas.Cycle)
def get_cycle(cycle_id: int):
    return cycle_or_404(cycle_id)


@bp.route("/cycles/<int:cycle_id>/settings", methods=["PATCH"])
@write()
@bp.arguments(schemas.CycleSettingsChange)
@bp.response(200, schemas.Cycle)
def update_cycle_settings(data, cycle_id: int):
    """The secretariat changes some of a cycle's settings and/or its rubric
    (admin); 422 lists every problem under its setting's name (a criterion's:
    criteria.<n>.<field>) with its rule id (settings.frozen once the step the
    setting governs has begun, rubric.frozen once the call opened). Nothing
    is saved when anything is refused."""
    cycle = cycle_or_404(cycle_id)
    problems = []
    try:
        cycle_service.update_settings(current_user, cycle, data["settings"], expected_version=data["version"])
    except cycle_service.SettingsRefused as refused:
        problems += refused.problems
    if data["criteria"] is not None:
        try:  # the version was checked above; the settings just saved have moved it
            rubric.update(current_user, cycle, data["criteria"])
        except cycle_service.SettingsRefused as refused:
            problems += refused.problems
    if problems:
        raise cycle_service.SettingsRefused(problems)
    return cycle


@bp.route("/cycles/<int:cycle_id>/transitions", methods=["POST"])
@write()
@bp.arguments(schemas.CycleTransition)
@bp.response(200, schemas.TransitionResult)
def fire_cycle_event(data, cycle_id: int):
    """Fire a workflow event on the cycle; 409 names the rules that refused it."""
    cycle = cycle_or_404(cycle_id)
    state = steps.fire(current_user, cycle, data["event"],
                                         expected_version=data["version"], reason=data["reason"])
    return {"id": cycle.id, "event": data["event"], "state": state, "version": cycle.version}


@bp.route("/events/<int:event_id>/delegations", methods=["GET"])
@bp.response(200, schemas.Delegation(many=True))
@bp.paginate(SelectPage)
def list_delegations(event_id: int):
    """The delegations registered at an ESI: for the secretariat, and for
    nominators, who choose among them to nominate a delegation."""
    if not current_user.has_role("admin", "nominator") or db.session.get(Event, event_id) is None:
        not_found()
    return select(Delegation).where(Delegation.event_id == event_id).order_by(Delegation.name, Delegation.id)
