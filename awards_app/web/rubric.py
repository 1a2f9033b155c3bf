"""The secretariat's rubric editor of a cycle: criteria added, edited,
removed (a tick) and reordered (their order number), in one form that saves
at once or, once the rubric froze, goes to the board as a proposal. Every
field is text the service reads, so a refusal says its rule id beside the
field and keeps what was typed."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, FormField, HiddenField, StringField, TextAreaField
from wtforms import Form as SubForm
from wtforms.validators import Optional

from awards_app.extensions import db
from awards_app.models import Cycle
from awards_app.permissions import role_required
from awards_app.services import rounds, settings_changes
from awards_app.services import rubric as rubric_service
from awards_app.web import carry_out, flash_refusal, form_field, refusal_text
from awards_app.web.forms import Form, Rows

bp = Blueprint("rubric", __name__, url_prefix="/cycles")

MAX_CRITERIA = 30
MAX_BANDS = 12
SPARE_BANDS = 2  # empty bands offered under the filled ones
LANGUAGE_WORDS = {"en": _l("English"), "fr": _l("French"), "es": _l("Spanish")}
NUMBER = {"inputmode": "decimal", "autocomplete": "off"}


class BandForm(SubForm):
    min = StringField(_l("From"), render_kw=NUMBER)
    max = StringField(_l("To"), render_kw=NUMBER)
    en = StringField(_l("What it means (English)"))
    fr = StringField(_l("What it means (French)"))
    es = StringField(_l("What it means (Spanish)"))


class CriterionForm(SubForm):
    id = HiddenField()
    position = StringField(_l("Order"), render_kw={"inputmode": "numeric", "autocomplete": "off"})
    remove = BooleanField(_l("Remove this criterion"))
    code = StringField(_l("Code"), description=_l("Lowercase letters, digits and underscores; the tie-break "
                                                  "chain and the scores' record name it."))
    name_en = StringField(_l("Name (English)"))
    name_fr = StringField(_l("Name (French)"), description=_l("Empty: the English name."))
    name_es = StringField(_l("Name (Spanish)"), description=_l("Empty: the English name."))
    description_en = TextAreaField(_l("Description (English)"), render_kw={"rows": 2})
    description_fr = TextAreaField(_l("Description (French)"), render_kw={"rows": 2})
    description_es = TextAreaField(_l("Description (Spanish)"), render_kw={"rows": 2})
    weight = StringField(_l("Weight"), render_kw=NUMBER)
    scale_min = StringField(_l("Lowest score"), render_kw=NUMBER)
    scale_max = StringField(_l("Highest score"), render_kw=NUMBER)
    scale_step = StringField(_l("Step"), render_kw=NUMBER, description=_l("e.g. 1 for whole scores, 0.5 for "
                                                                          "halves"))
    comment_required = BooleanField(_l("A comment is required"))
    descriptors = Rows(FormField(BandForm), label=_l("What the scores mean"), row_label=_l("Band %(n)s"),
                       max_entries=MAX_BANDS)


class RubricForm(Form):
    version = HiddenField()
    criteria = Rows(FormField(CriterionForm), label=_l("Criteria"), row_label=_l("Criterion %(n)s"),
                    max_entries=MAX_CRITERIA)
    reason = TextAreaField(_l("Reason for the change (the board reads it)"), validators=[Optional()])


NEW_CRITERION = {"weight": "1", "scale_min": "0", "scale_max": "10", "scale_step": "1", "descriptors": []}


def _shown(number) -> str:
    return "" if number is None else str(int(number)) if float(number).is_integer() else str(number)


def _round(cycle: Cycle) -> str:
    """The round whose rubric the page edits (?round=shortlist where the cycle has that round)."""
    asked = request.values.get("round")
    return asked if asked in rounds.rounds_of(cycle) else rounds.FINAL


def _data(cycle: Cycle, round: str) -> dict:
    rows = []
    for position, row in enumerate((rubric_service.as_row(c) for c in cycle.criteria_of(round)), 1):
        rows.append({**row, "position": str(position), "weight": _shown(row["weight"]),
                     "scale_min": _shown(row["scale_min"]), "scale_max": _shown(row["scale_max"]),
                     "scale_step": _shown(row["scale_step"]),
                     "descriptors": [{**b, "min": _shown(b["min"]), "max": _shown(b["max"])}
                                     for b in row["descriptors"]]})
    return {"version": cycle.version, "criteria": rows or [{**NEW_CRITERION, "position": "1"}]}


def _offer_rows(form) -> None:
    """Spare bands under each criterion's filled ones."""
    for entry in form.criteria:
        bands = entry.form.descriptors
        filled = sum(1 for band in bands if not _blank_band(band.form))
        while len(bands) < min(max(filled + SPARE_BANDS, len(bands)), MAX_BANDS):
            bands.append_entry()


def _blank_band(band) -> bool:
    return not any((band[k].data or "").strip() for k in ("min", "max", "en", "fr", "es"))


def _blank(entry) -> bool:
    """A row nobody filled in (a new one left as offered)."""
    f = entry.form
    return not f.id.data and not any((f[k].data or "").strip() for k in (
        "code", *rubric_service.TEXTS)) and all(_blank_band(b.form) for b in f.descriptors)


def _rows(form) -> tuple[list[dict], list[int]]:
    """(the rubric the form asks for, in its order, for the service; the form's
    index of each of its rows, to put a refusal back on the field it names)."""
    kept = []
    for index, entry in enumerate(form.criteria):
        f = entry.form
        if f.remove.data or _blank(entry):
            continue
        try:
            position = float((f.position.data or "").strip().replace(",", "."))
        except ValueError:
            position = float(index + 1)
        row = {k: f[k].data for k in ("code", *rubric_service.TEXTS, "weight", "scale_min", "scale_max",
                                       "scale_step")}
        row["comment_required"] = bool(f.comment_required.data)
        row["descriptors"] = [{k: band.form[k].data for k in ("min", "max", "en", "fr", "es")}
                              for band in f.descriptors if not _blank_band(band.form)]
        if (f.id.data or "").isdigit():
            row["id"] = int(f.id.data)
        kept.append((position, index, row))
    kept.sort(key=lambda item: (item[0], item[1]))
    return [row for _, _, row in kept], [index for _, index, _ in kept]


def _show_problems(form, refusal, origin: list[int]) -> None:
    """Each problem beside its field: the service's row numbers are the rows it was sent."""
    for problem in getattr(refusal, "problems", [refusal]):
        name = problem.field or ""
        parts = name.split(".")
        if len(parts) >= 3 and parts[0] == "criteria" and parts[1].isdigit() and int(parts[1]) < len(origin):
            parts[1] = str(origin[int(parts[1])])
            name = ".".join(parts)
        target = form_field(form, name) if name else None
        if target is not None:
            target.errors = [*target.errors, refusal_text(problem)]
        else:
            flash_refusal(problem)


def _render(form, cycle: Cycle, status: int = 200):
    _offer_rows(form)
    return render_template("cycles/rubric.html", form=form, cycle=cycle, frozen=not rubric_service.may_change(cycle),
                           languages=LANGUAGE_WORDS, proposals=settings_changes.of_cycle(cycle),
                           round=_round(cycle), rounds=rounds.rounds_of(cycle)), status


@bp.route("/<int:cycle_id>/rubric", methods=["GET", "POST"])
@role_required("admin")
def edit(cycle_id: int):
    """GET: the rubric in force; POST: add a row (nothing saved), save it, or
    propose it to the board once it froze."""
    cycle = db.get_or_404(Cycle, cycle_id)
    round = _round(cycle)
    if request.method == "GET":
        return _render(RubricForm(data=_data(cycle, round)), cycle)
    form = RubricForm()
    if not form.validate():
        return _render(form, cycle, 400)
    action = request.form.get("action", "save")
    if action == "add":
        if len(form.criteria) < MAX_CRITERIA:
            form.criteria.append_entry({**NEW_CRITERION, "position": str(len(form.criteria) + 1)})
        return _render(form, cycle)
    rows, origin = _rows(form)
    if action == "propose" and round == rounds.FINAL:
        ok, outcome = carry_out(lambda: settings_changes.propose(current_user, cycle, criteria=rows,
                                                                 reason=form.reason.data), show=False)
    else:
        action = "save"  # the board's proposals cover the final round's rubric (the one the laureates rest on)
        ok, outcome = carry_out(lambda: rubric_service.update(
            current_user, cycle, rows, expected_version=int(form.version.data) if form.version.data else None,
            round=round), show=False)
    if not ok:
        _show_problems(form, outcome, origin)
        return _render(form, cycle, 409 if outcome.status == 409 else 400)
    if action == "propose":
        flash(_("Your proposal is before the board; it applies once the board approves it."), "success")
        return redirect(url_for("settings_changes.show", change_id=outcome.id), 303)
    flash(_("Rubric saved.") if outcome else _("Nothing changed."), "success")
    return redirect(url_for("rubric.edit", cycle_id=cycle.id, round=None if round == rounds.FINAL else round), 303)
