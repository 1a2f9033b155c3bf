"""A proposed change of a cycle's frozen rules: the page the board votes on
and the secretariat follows (and may withdraw while it is pending)."""

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from awards_app.extensions import db
from awards_app.i18n import labels
from awards_app.models import SettingsChange, User
from awards_app.permissions import role_required
from awards_app.services import rubric as rubric_service
from awards_app.services import settings_changes
from awards_app.web import carry_out
from awards_app.web.forms import Form

bp = Blueprint("settings_changes", __name__)


class VoteForm(Form):
    vote = RadioField(_l("Your vote"), validators=[DataRequired()],
                      choices=[("for", _l("For: apply the change")), ("against", _l("Against")),
                               ("abstain", _l("Abstain"))])
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), Length(max=5000)])


# The rubric's parts, as the comparison names them.
PARTS = {
    "name_en": _l("Name (English)"), "name_fr": _l("Name (French)"), "name_es": _l("Name (Spanish)"),
    "description_en": _l("Description (English)"), "description_fr": _l("Description (French)"),
    "description_es": _l("Description (Spanish)"), "weight": _l("Weight"), "scale_min": _l("Lowest score"),
    "scale_max": _l("Highest score"), "scale_step": _l("Step"), "comment_required": _l("A comment is required"),
    "descriptors": _l("What the scores mean"), "position": _l("Order"),
}


@dataclass
class Line:
    """One difference the proposal makes: what, in force now, proposed."""

    what: str
    now: str
    proposed: str


def _bands(value) -> str:
    locale = str(get_locale())
    return "; ".join(f"{b['min']}–{b['max']}: {rubric_service.descriptor_text(b, locale)}" for b in value) \
        if value else "—"


def _shown(part: str, value) -> str:
    if part == "descriptors":
        return _bands(value)
    return labels.readable(value) if value not in ("", None) else "—"


def _rubric_lines(change: SettingsChange) -> list[Line]:
    """The rubric's differences, criterion by criterion, matched by the criterion (else its code)."""
    proposed = change.changes.get("criteria")
    if proposed is None:
        return []
    decided = change.status != "pending"
    rows = (change.changes.get("before", {}).get("criteria") if decided else None) \
        or [rubric_service.as_row(c) for c in change.cycle.criteria]
    current = {r["id"]: r | {"position": n} for n, r in enumerate(rows, 1)}
    lines, seen = [], set()
    for n, row in enumerate(proposed, 1):
        before = current.get(row.get("id")) or next((r for r in current.values() if r["code"] == row["code"]), None)
        title = f"{row.get('name_' + str(get_locale())) or row.get('name_en', '')} ({row['code']})"
        if before is None:
            lines.append(Line(title, _("(new)"), _("added at place %(n)s", n=n)))
            continue
        seen.add(before["id"])
        for part, label in PARTS.items():
            old, new = before.get(part), n if part == "position" else row.get(part)
            if (old or "") != (new or "") and not (part == "descriptors" and not old and not new):
                lines.append(Line(f"{title} · {label}", _shown(part, old), _shown(part, new)))
    for criterion_id, row in current.items():
        if criterion_id not in seen:
            lines.append(Line(f"{row.get('name_' + str(get_locale())) or row['name_en']} ({row['code']})",
                              _("in force"), _("removed")))
    return lines


def _setting_lines(change: SettingsChange) -> list[Line]:
    before = change.changes.get("before", {}).get("settings", {}) if change.status != "pending" else {}
    return [Line(labels.setting_label(name),
                 labels.readable(before[name] if name in before else change.cycle.setting(name)),
                 labels.readable(value))
            for name, value in sorted((change.changes.get("settings") or {}).items())]


def _change_or_404(change_id: int) -> SettingsChange:
    change = db.session.get(SettingsChange, change_id)
    if change is None:
        abort(404)
    return change


@bp.route("/changes/<int:change_id>", methods=["GET", "POST"])
@role_required("admin", "board")
def show(change_id: int):
    """The proposal, its reason and votes; a board member votes here."""
    change = _change_or_404(change_id)
    form = VoteForm()
    status = 200
    if form.is_submitted():
        if not current_user.has_role("board"):
            abort(403)
        if form.validate():
            ok, fate = carry_out(lambda: settings_changes.vote(current_user, change, form.vote.data,
                                                               form.reason.data), form)
            if ok:
                outcome = {"approved": " " + _("The board approved the change: it applies now."),
                           "rejected": " " + _("The board rejected the change.")}.get(fate, "")
                flash(_("Your vote is recorded.") + outcome, "success")
                return redirect(url_for("settings_changes.show", change_id=change.id), 303)
            status = fate.status if fate.status in (403, 409) else 400
        else:
            status = 400
    voters = {u.id: u for u in db.session.scalars(select(User).where(
        User.id.in_([v.user_id for v in change.votes] + [change.proposed_by_id])))}
    cycle = change.cycle
    return render_template(
        "board/settings_change.html", change=change, cycle=cycle, form=form, voters=voters,
        settings_lines=_setting_lines(change), rubric_lines=_rubric_lines(change),
        tally=settings_changes.counts(change), quorum=cycle.setting("board_quorum"),
        majority=cycle.setting("board_majority"),
        my_vote=next((v for v in change.votes if v.user_id == current_user.id), None)), status


@bp.route("/changes/<int:change_id>/withdraw", methods=["POST"])
@role_required("admin")
def withdraw(change_id: int):
    change = _change_or_404(change_id)
    if carry_out(lambda: settings_changes.withdraw(current_user, change))[0]:
        flash(_("The proposal is withdrawn."), "success")
    return redirect(url_for("settings_changes.show", change_id=change.id), 303)
