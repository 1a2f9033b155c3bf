"""The panel of a cycle: members and their expertise, coverage of the
award's fields, conflicts and their resolution (secretariat and chair)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from awards_app import permissions
from awards_app.extensions import db
from awards_app.i18n import labels
from awards_app.models import (
    Assignment,
    ConflictOfInterest,
    Country,
    Cycle,
    Nomination,
    Organisation,
    PanelMember,
    User,
    UserRole,
)
from awards_app.services import assignments as assignment_service
from awards_app.services import conflicts as conflict_service
from awards_app.services import panels as panel_service
from awards_app.services import recusals, rounds, transitions
from awards_app.web import carry_out
from awards_app.web.forms import Form
from judging import expertise

bp = Blueprint("panels", __name__)


class MemberForm(Form):
    user = SelectField(_l("Judge"), coerce=int, validators=[DataRequired()])
    role = SelectField(_l("Role on the panel"), choices=[("member", _l("Member")), ("chair", _l("Chair"))])


NEW_JUDGE = "new_judge"  # the form's prefix: its fields share names with the member form's


class NewJudgeForm(Form):
    """A judge who has no account yet: the secretariat invites them."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role on the panel"), choices=[("member", _l("Member")), ("chair", _l("Chair"))])
    locale = SelectField(_l("Language of the invitation"), default="en",
                         choices=labels.LANGUAGE_CHOICES)


class ResolveForm(Form):
    action = SelectField(_l("Decision"), choices=[
        ("confirm", _l("Confirm: the judge is recused")),
        ("waive", _l("Waive: the judge may judge it")),
        ("dismiss", _l("Dismiss: a false match"))])
    rationale = TextAreaField(_l("Rationale (required to waive or dismiss)"),
                              validators=[Optional(), Length(max=5000)])


class WithdrawJudgeForm(Form):
    reason = TextAreaField(_l("Why the judge is withdrawn"), validators=[DataRequired(), Length(max=5000)])


def _cycle_for_panel(cycle_id: int) -> Cycle:
    """The secretariat and the cycle's chair manage the panel; others get 404."""
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None or not permissions.may_manage_panel(current_user, cycle):
        abort(404)
    return cycle


def _round(cycle: Cycle) -> str:
    """The round whose panel the page shows (?round=), by default the one the cycle is at."""
    asked = request.values.get("round")
    return asked if asked in rounds.rounds_of(cycle) else rounds.in_play(cycle)


def _back(cycle: Cycle):
    """Back to the panel page of the round in hand (the round named only where the cycle has two)."""
    return redirect(url_for("panels.show", cycle_id=cycle.id,
                            round=_round(cycle) if rounds.has_shortlist(cycle) else None), 303)


def _member_form(panel):
    form = MemberForm()
    taken = {m.user_id for m in panel.members} if panel else set()
    judges = db.session.scalars(
        select(User).join(UserRole).where(UserRole.role.in_(("judge", "chair")))
        .options(selectinload(User.person)).distinct().order_by(User.email))
    form.user.choices = [(u.id, f"{u.name} <{u.email}>") for u in judges if u.id not in taken]
    return form


@bp.route("/cycles/<int:cycle_id>/panel")
@login_required
def show(cycle_id: int):
    return _render(_cycle_for_panel(cycle_id))


# Evidence values that are codes: the identity rule, who was matched, a delegation member's role.
_EVIDENCE_WORDS = {"match": labels.IDENTITY_RULES, "as": labels.STANDINGS, "role": labels.PARTICIPANT_ROLES}
# The order the chair reads a finding in: how it was found, then the two spellings.
_EVIDENCE_ORDER = ("match", "as", "judge_side", "nomination_side", "score", "canonical", "alias", "role")


def _evidence(evidence: dict) -> list[tuple[str, str]]:
    """A conflict's evidence as (label, value) people read: ids become the
    names they stand for, a declared relation its own fields."""
    locale = str(get_locale())
    lines = []
    ordered = sorted((evidence or {}).items(),
                     key=lambda item: (_EVIDENCE_ORDER.index(item[0]) if item[0] in _EVIDENCE_ORDER
                                       else len(_EVIDENCE_ORDER), item[0]))
    for key, value in ordered:
        if key == "score" and value == 100:
            continue  # the words matched whole: a likeness of 100 tells the chair nothing
        if key == "organisation_id" and value:
            found = db.session.get(Organisation, value)
            value = found.name if found else value
        elif key == "country_id" and value:
            found = db.session.get(Country, value)
            value = found.name_in(locale) if found else value
        elif key == "nominator_user_id" and value:
            found = db.session.get(User, value)
            value = found.name if found else value
        elif key == "relation" and isinstance(value, dict) and value.get("kind"):
            value = {**value, "kind": labels.kind_label(value["kind"])}
        elif key in _EVIDENCE_WORDS and value in _EVIDENCE_WORDS[key]:
            value = str(_EVIDENCE_WORDS[key][value])
        lines.append((str(labels.EVIDENCE.get(key, key.replace("_", " "))),
                      labels.readable(value, labels.EVIDENCE)))
    return lines


def _render(cycle: Cycle, new_judge_form=None, status=200):
    round = _round(cycle)
    panel = panel_service.panel_of(cycle, round)
    members = panel.members if panel else []
    conflicts = db.session.scalars(
        select(ConflictOfInterest).join(Nomination).where(Nomination.cycle_id == cycle.id)
        .where(~permissions.hides(current_user.id, ConflictOfInterest.nomination_id))
        .options(selectinload(ConflictOfInterest.judge).selectinload(User.person),
                 selectinload(ConflictOfInterest.nomination))
        .order_by(ConflictOfInterest.status, ConflictOfInterest.id)).all()
    assigned = db.session.scalars(
        select(Assignment).join(Nomination).where(Nomination.cycle_id == cycle.id, Assignment.round == round)
        .where(~permissions.hides(current_user.id, Assignment.nomination_id))
        .options(selectinload(Assignment.judge).selectinload(User.person), selectinload(Assignment.nomination))
        .order_by(Assignment.nomination_id, Assignment.judge_id)).all()
    return render_template(
        "panels/show.html", cycle=cycle, members=members, assigned=assigned,
        expertise_by_user=panel_service.expertise_of([m.user_id for m in members]),
        coverage=panel_service.coverage(cycle, panel), conflicts=conflicts,
        judging_blockers=transitions.preview_cycle_event(
            cycle, "open_shortlist" if round == rounds.SHORTLIST else "open_judging", "admin")
        if cycle.state == "screening" and round == rounds.in_play(cycle) else [],
        round=round, rounds=rounds.rounds_of(cycle), in_play=rounds.in_play(cycle),
        member_form=_member_form(panel), resolve_form=ResolveForm(formdata=None),
        new_judge_form=new_judge_form or NewJudgeForm(formdata=None, prefix=NEW_JUDGE),
        may_invite=current_user.has_role("admin"), label=expertise.label, evidence=_evidence,
        tier_label=lambda tier: str(labels.TIERS.get(tier, tier))), status


@bp.route("/cycles/<int:cycle_id>/panel/members", methods=["POST"])
@login_required
def add_member(cycle_id: int):
    cycle = _cycle_for_panel(cycle_id)
    round = _round(cycle)
    form = _member_form(panel_service.panel_of(cycle, round))
    if not form.validate_on_submit():
        flash(_("Choose a judge."), "error")
        return _back(cycle)
    ok, found = carry_out(lambda: panel_service.add_member(current_user, cycle, db.session.get(User, form.user.data),
                                                           form.role.data, round))
    if ok:
        flash(_("Added to the panel.") + (" " + _("%(n)s conflict(s) found: see below.", n=len(found))
                                          if found else ""), "success")
    return _back(cycle)


@bp.route("/cycles/<int:cycle_id>/panel/new-judge", methods=["POST"])
@login_required
def invite_member(cycle_id: int):
    """Creating an account is the secretariat's: the chair sees the panel, and gets 403."""
    cycle = _cycle_for_panel(cycle_id)
    if not current_user.has_role("admin"):
        abort(403)
    form = NewJudgeForm(prefix=NEW_JUDGE)
    if not form.validate_on_submit():
        return _render(cycle, form, 400)
    ok, result = carry_out(lambda: panel_service.invite_member(current_user, cycle, form.email.data, form.name.data,
                                                               form.role.data, locale=form.locale.data,
                                                               round=_round(cycle)), form)
    if not ok:
        return _render(cycle, form, 400)
    user, found = result
    flash(_("%(name)s is invited and added to the panel: the invitation to choose a password is in the outbox.",
            name=user.name) + (" " + _("%(n)s conflict(s) found: see below.", n=len(found)) if found else ""),
          "success")
    return _back(cycle)


def _member_or_404(cycle: Cycle, member_id: int) -> PanelMember:
    member = db.session.get(PanelMember, member_id)
    if member is None or member.panel.cycle_id != cycle.id:
        abort(404)
    return member


@bp.route("/cycles/<int:cycle_id>/panel/members/<int:member_id>/delete", methods=["POST"])
@login_required
def remove_member(cycle_id: int, member_id: int):
    cycle = _cycle_for_panel(cycle_id)
    member = _member_or_404(cycle, member_id)
    carry_out(lambda: panel_service.remove_member(current_user, cycle, member))
    return _back(cycle)


@bp.route("/cycles/<int:cycle_id>/panel/members/<int:member_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw_member(cycle_id: int, member_id: int):
    """GET: what withdrawing the judge removes, and the reason asked; POST: withdraw them."""
    cycle = _cycle_for_panel(cycle_id)
    member = _member_or_404(cycle, member_id)
    form = WithdrawJudgeForm()
    status = 200
    if form.validate_on_submit():
        ok, removed = carry_out(lambda: recusals.withdraw_judge(current_user, cycle, member, form.reason.data), form)
        if ok:
            flash(_("%(name)s is withdrawn from the panel; %(n)s score sheet(s) removed from every result.",
                    name=member.user.name, n=len(removed)), "success")
            return redirect(url_for("panels.show", cycle_id=cycle.id), 303)
        status = removed.status if removed.status in (403, 409) else 400
    elif form.errors:
        status = 400
    sheets = db.session.scalars(select(Assignment).join(Nomination).where(
        Nomination.cycle_id == cycle.id, Assignment.judge_id == member.user_id)).all()
    return render_template("panels/withdraw.html", cycle=cycle, member=member, form=form, sheets=len(sheets),
                           submitted=sum(1 for a in sheets if a.sheet_state == "submitted")), status


@bp.route("/cycles/<int:cycle_id>/panel/detect", methods=["POST"])
@login_required
def detect(cycle_id: int):
    cycle = _cycle_for_panel(cycle_id)
    ok, found = carry_out(lambda: conflict_service.detect(current_user, cycle))
    if ok:
        flash(_("Conflict detection ran: %(n)s new or changed finding(s).", n=len(found)), "success")
    return redirect(url_for("panels.show", cycle_id=cycle.id), 303)


@bp.route("/cycles/<int:cycle_id>/panel/assign", methods=["POST"])
@login_required
def assign(cycle_id: int):
    """A judge of the panel sees their own assignments but does not run them: 403, as in the API."""
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is not None and not permissions.may_manage_panel(current_user, cycle) \
            and permissions.is_panel_judge(current_user, cycle):
        abort(403)
    cycle = _cycle_for_panel(cycle_id)
    ok, result = carry_out(lambda: assignment_service.run(current_user, cycle))
    if not ok:
        return redirect(url_for("panels.show", cycle_id=cycle.id), 303)
    if result.feasible:
        flash(_("Judges assigned: %(n)s assignments, total fit %(fit).2f.", n=len(result.assignments),
                fit=result.total_fit), "success")
    for u in result.uncovered:
        flash(f"{u.reason} [{u.rule}]", "error")
    return redirect(url_for("panels.show", cycle_id=cycle.id), 303)


@bp.route("/conflicts/<int:conflict_id>/resolve", methods=["POST"])
@login_required
def resolve(conflict_id: int):
    """Those who may see the conflict (its own judge too) but not resolve it get 403."""
    conflict = db.session.get(ConflictOfInterest, conflict_id)
    if conflict is None or not permissions.may_see_conflict(current_user, conflict):
        abort(404)
    if not permissions.may_resolve_conflict(current_user, conflict):
        abort(403)
    cycle = conflict.nomination.cycle
    form = ResolveForm()
    if form.validate_on_submit():
        if carry_out(lambda: recusals.resolve(current_user, conflict, form.action.data,
                                              form.rationale.data))[0]:
            flash(_("Conflict resolution recorded."), "success")
    return redirect(url_for("panels.show", cycle_id=cycle.id), 303)
