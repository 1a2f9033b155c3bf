"""The secretariat's page of a cycle's settings: one field per declared
setting (workflows/settings.py), the award's default beside it, and the
settings whose step has started shown read-only with the reason."""

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import (
    FloatField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from awards_app.extensions import db
from awards_app.i18n import labels
from awards_app.models import Cycle
from awards_app.permissions import role_required
from awards_app.services import cycles as cycle_service
from awards_app.services import rubric as rubric_service
from awards_app.services import settings_changes
from awards_app.web import carry_out, form_field, refusal_text
from awards_app.web.forms import Form
from judging import aggregation, expertise
from workflows.settings import CHANGEABLE_UNTIL_CALL, SET_BY_THE_AWARD, SETTINGS, changeable_until, setting

bp = Blueprint("cycle_settings", __name__, url_prefix="/cycles")

# The tie-break chain is offered as this many ordered choices, each "—" or a step.
TIE_BREAK_STEPS = 3

# Who a "nominators" setting may name, in the secretariat's words.
NOMINATOR_WORDS = {
    "member_organisation": _l("Members of a MILSET member organisation"),
    "regional_office": _l("Regional offices (the secretariat's accounts)"),
    "board": _l("Members of the Executive Committee"),
}

# The headings of the page: the settings grouped by when they stop changing.
UNTIL_WORDS = {
    CHANGEABLE_UNTIL_CALL: _l("Until the call opens"),
    "screening": _l("Until judging opens"),
    "judging": _l("Until scoring closes"),
    "deliberation": _l("Until the panel recommends"),
}


class _MultiCheckbox(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


@dataclass
class Row:
    """One setting on the page: its fields, what the award says, whether it may change."""

    name: str
    fields: list
    default: str
    differs: bool
    frozen: bool
    current: str
    description: str
    until: str
    label: str


# The service names the aggregation's parts; the page shows the chain as several steps.
_FIELD_OF = {"aggregation": "aggregation_method", "aggregation_tie_break": "aggregation_tie_break_1"}


def _on_the_page(cycle: Cycle):
    """The settings the secretariat sets for this cycle: not the bookkeeping,
    not what the award fixes, not a round the award's graph does not have."""
    for s in SETTINGS:
        if s.internal or s.name in SET_BY_THE_AWARD:
            continue
        if s.name == "shortlist_round" and not cycle.award_type.workflow.has_shortlist_round:
            continue
        yield s


def _yes_no():
    return [("yes", _("Yes")), ("no", _("No"))]


def _tie_break_choices(cycle: Cycle):
    return [("", "—"), (aggregation.PANEL_VOTE, labels.method_label(aggregation.PANEL_VOTE))] + [
        (aggregation.CRITERION_STEP + c.code, f"{c.name(str(get_locale()))} ({c.code})") for c in cycle.criteria]


def _form_class(cycle: Cycle):
    """A form with a field per setting the secretariat may see changing:
    no range validators, so that the service refuses with its rule ids."""
    locale = str(get_locale())

    class SettingsForm(Form):
        version = HiddenField()

    for s in _on_the_page(cycle):
        label = labels.setting_label(s.name)
        if s.name == "aggregation":
            SettingsForm.aggregation_method = SelectField(
                labels.setting_label("method"), validate_choice=False,
                choices=[(m, labels.method_label(m)) for m in aggregation.METHODS])
            SettingsForm.aggregation_trim = FloatField(labels.setting_label("trim"), validators=[Optional()],
                                                       render_kw={"min": 0, "max": 0.49, "step": 0.05})
            for n in range(1, TIE_BREAK_STEPS + 1):
                setattr(SettingsForm, f"aggregation_tie_break_{n}", SelectField(
                    _l("Tie-break step %(n)s", n=n), validate_choice=False, choices=_tie_break_choices(cycle)))
            SettingsForm.aggregation_resamples = IntegerField(
                labels.setting_label("resamples"), validators=[Optional()], render_kw={"min": 0, "step": 1})
            SettingsForm.aggregation_seed = IntegerField(
                labels.setting_label("seed"), validators=[Optional()], render_kw={"min": 0, "step": 1},
                description=_l("Empty: the cycle's number (%(id)s).", id=cycle.id))
            continue
        bounds = {k: v for k, v in (("min", s.minimum), ("max", s.below)) if v is not None}
        if s.kind == "int":
            field = IntegerField(label, validators=[Optional()], render_kw={**bounds, "step": 1})
        elif s.kind == "number":
            if "max" in bounds:
                bounds["max"] = 100 if s.name == "identity_threshold" else None
            field = FloatField(label, validators=[Optional()],
                               render_kw={**{k: v for k, v in bounds.items() if v is not None}, "step": "any"})
        elif s.kind == "bool":
            field = RadioField(label, choices=_yes_no(), validate_choice=False)
        elif s.kind == "str" and s.choices:
            field = SelectField(label, choices=[(c, labels.readable(c)) for c in s.choices], validate_choice=False)
        elif s.name == "required_fields":
            field = _MultiCheckbox(label, choices=[(code, expertise.label(code, locale)) for code in expertise.FIELDS],
                                   validate_choice=False)
        elif s.name == "nominators":
            field = _MultiCheckbox(label, choices=list(NOMINATOR_WORDS.items()), validate_choice=False)
        else:
            continue  # a kind without a widget yet is shown among the rules in force only
        setattr(SettingsForm, s.name, field)
    return SettingsForm


def _data(cycle: Cycle) -> dict:
    """The form's values from the settings in force."""
    data = {"version": cycle.version}
    for s in _on_the_page(cycle):
        value = cycle.setting(s.name)
        if s.name == "aggregation":
            merged = {**aggregation.DEFAULT_SETTINGS, **value}
            data["aggregation_method"] = value.get("method", aggregation.METHODS[0])
            data["aggregation_trim"] = merged["trim"]
            chain = list(merged["tie_break"])
            for n in range(1, TIE_BREAK_STEPS + 1):
                data[f"aggregation_tie_break_{n}"] = chain[n - 1] if n <= len(chain) else ""
            data["aggregation_resamples"] = merged["resamples"]
            data["aggregation_seed"] = value.get("seed")
        elif s.kind == "bool":
            data[s.name] = "yes" if value else "no"
        else:
            data[s.name] = value
    return data


def _values(form, cycle: Cycle, *, frozen: bool = False) -> dict:
    """The settings the form sends, as the service takes them: those that may
    still change, or (``frozen``, a proposal to the board) those that may not."""
    values = {}
    for s in _on_the_page(cycle):
        field = getattr(form, s.name, None) if s.name != "aggregation" else form.aggregation_method
        if field is None or cycle_service.may_change_setting(cycle, s.name) == frozen:
            continue
        if s.name == "aggregation":
            kept = cycle.setting("aggregation")
            chain = [getattr(form, f"aggregation_tie_break_{n}").data for n in range(1, TIE_BREAK_STEPS + 1)]
            value = {**kept, "method": form.aggregation_method.data, "trim": _plain(form.aggregation_trim.data),
                     "tie_break": [step for step in chain if step],
                     "resamples": form.aggregation_resamples.data}
            if form.aggregation_seed.data is None:
                value.pop("seed", None)
            else:
                value["seed"] = form.aggregation_seed.data
            for part in ("trim", "resamples"):  # left empty: the aggregation's default
                if value.get(part) is None:
                    value.pop(part)
            # What equals the aggregation's own default is left out, so an
            # unchanged mapping stays as the award wrote it.
            # (Not the seed: the application's default is the cycle's id, not the aggregation's 0.)
            defaults = {"method": aggregation.METHODS[0], "trim": aggregation.DEFAULT_SETTINGS["trim"],
                        "resamples": aggregation.DEFAULT_SETTINGS["resamples"],
                        "tie_break": list(aggregation.DEFAULT_SETTINGS["tie_break"])}
            values["aggregation"] = {k: v for k, v in value.items() if k not in defaults or v != defaults[k]}
        elif s.kind == "bool":
            values[s.name] = field.data == "yes" if field.data in ("yes", "no") else field.data
        elif s.kind == "number":
            values[s.name] = _plain(field.data)
        else:
            values[s.name] = field.data
    return values


def _plain(number):
    """90.0 typed as 90 is the whole number 90, as the award's defaults write it."""
    return int(number) if isinstance(number, float) and number.is_integer() else number


def _shown(name: str, value) -> str:
    if name == "required_fields" and value:
        return ", ".join(expertise.label(f, str(get_locale())) for f in value)
    if name == "nominators":
        return ", ".join(str(NOMINATOR_WORDS.get(k, k)) for k in value) if value else _("Every nominator")
    if name == "aggregation":
        merged = {"method": aggregation.METHODS[0], **{k: v for k, v in value.items() if k != "panel_votes"}}
        return labels.readable(merged)
    return labels.readable(value)


def _rows(form, cycle: Cycle) -> list[tuple[str, bool, list[Row]]]:
    """The page's sections, by when their settings stop changing, in that order."""
    award_defaults = cycle.award_type.default_settings or {}
    sections: dict[str, list[Row]] = {until: [] for until in UNTIL_WORDS}
    for s in _on_the_page(cycle):
        if s.name == "aggregation":
            fields = [form.aggregation_method, form.aggregation_trim,
                      *(getattr(form, f"aggregation_tie_break_{n}") for n in range(1, TIE_BREAK_STEPS + 1)),
                      form.aggregation_resamples, form.aggregation_seed]
        else:
            fields = [getattr(form, s.name)]
        default = setting(award_defaults, s.name)
        current = cycle.setting(s.name)
        sections.setdefault(changeable_until(s.name), []).append(Row(
            name=s.name, fields=fields, default=_shown(s.name, default), differs=current != default,
            frozen=not cycle_service.may_change_setting(cycle, s.name), current=_shown(s.name, current),
            description=_(s.description), until=changeable_until(s.name), label=labels.setting_label(s.name)))
    # The settings of one section stop changing together: the section says so once.
    return [(str(UNTIL_WORDS.get(until, until)), all(r.frozen for r in rows), rows)
            for until, rows in sections.items() if rows]


def _render(form, cycle: Cycle, status: int = 200, *, proposing: bool = False):
    return render_template("cycles/settings.html", form=form, cycle=cycle, sections=_rows(form, cycle),
                           until_words=UNTIL_WORDS, award_sets=[(labels.setting_label(n), _shown(
                               n, cycle.setting(n))) for n in sorted(SET_BY_THE_AWARD)],
                           proposing=proposing, proposals=settings_changes.of_cycle(cycle),
                           rubric_frozen=not rubric_service.may_change(cycle)), status


def _show_problems(form, outcome) -> None:
    for problem in getattr(outcome, "problems", [outcome]):
        name = _FIELD_OF.get(problem.field, problem.field)
        target = form_field(form, name) if name else None
        if target is not None:
            target.errors = [*target.errors, refusal_text(problem)]
        else:
            from awards_app.web import flash_refusal

            flash_refusal(problem)


@bp.route("/<int:cycle_id>/settings", methods=["GET", "POST"])
@role_required("admin")
def edit(cycle_id: int):
    """GET: the settings in force; POST: change those that may still change."""
    cycle = db.get_or_404(Cycle, cycle_id)
    form_class = _form_class(cycle)
    if request.method == "GET":
        return _render(form_class(data=_data(cycle)), cycle)
    form = form_class()
    if not form.validate():
        return _render(form, cycle, 400)
    values = _values(form, cycle)
    ok, outcome = carry_out(lambda: cycle_service.update_settings(
        current_user, cycle, values, expected_version=form.version.data and int(form.version.data)),
        show=False)
    if not ok:
        _show_problems(form, outcome)
        return _render(form, cycle, 409 if outcome.status == 409 else 400)
    flash(_("Settings saved: %(names)s.", names=", ".join(labels.setting_label(n) for n in outcome))
          if outcome else _("Nothing changed."), "success")
    return redirect(url_for("cycles.show", cycle_id=cycle.id), 303)


def _proposal_form_class(cycle: Cycle):
    class ProposalForm(_form_class(cycle)):
        reason = TextAreaField(_l("Reason for the change (the board reads it)"), validators=[Optional()])

    return ProposalForm


@bp.route("/<int:cycle_id>/settings/propose", methods=["GET", "POST"])
@role_required("admin")
def propose(cycle_id: int):
    """The settings that froze, to change with the board's approval: GET the
    form, POST the proposal with its reason (nothing applies until the board
    approves it)."""
    cycle = db.get_or_404(Cycle, cycle_id)
    form_class = _proposal_form_class(cycle)
    if request.method == "GET":
        return _render(form_class(data=_data(cycle)), cycle, proposing=True)
    form = form_class()
    if not form.validate():
        return _render(form, cycle, 400, proposing=True)
    values = _values(form, cycle, frozen=True)
    ok, outcome = carry_out(lambda: settings_changes.propose(current_user, cycle, settings=values,
                                                             reason=form.reason.data), show=False)
    if not ok:
        _show_problems(form, outcome)
        return _render(form, cycle, 409 if outcome.status == 409 else 400, proposing=True)
    flash(_("Your proposal is before the board; it applies once the board approves it."), "success")
    return redirect(url_for("settings_changes.show", change_id=outcome.id), 303)
