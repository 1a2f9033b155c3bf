"""WTForms forms shared by several pages, and the base of every page's form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from markupsafe import Markup
from wtforms import (
    DateField,
    DecimalField,
    EmailField,
    FieldList,
    FormField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms import Form as SubForm
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from awards_app.i18n import rule_message
from awards_app.i18n.labels import CONFLICT_KINDS, LANGUAGE_CHOICES
from awards_app.services import text
from awards_app.services.nominations import DECLARABLE_RELATION_KINDS, MAX_DECLARED_RELATIONS


class Form(FlaskForm):
    """The base of every page's form: a text holding a control character (a
    NUL byte pasted from another program, say) is refused at its field."""

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for field in self:
            if text.has_control_character(field.data):
                field.errors = [*field.errors, f"{rule_message(text.MESSAGE)} [input.control_character]"]
                valid = False
        return valid

    def hidden_tag(self, *fields):
        """The hidden fields without their id: several forms on one page would
        otherwise each bring an id="csrf_token"."""
        chosen = [getattr(self, f, None) if isinstance(f, str) else f for f in (fields or self)]
        return Markup("\n".join(f(id=False) for f in chosen  # noqa: S704  # nosec B704 - widgets escape
                                 if f is not None and isinstance(f.widget, HiddenInput)))


def problems(form):
    """(field id, label, message) for each error of the form, for its summary
    at the top: a list of sub-forms gives each row's field, labelled with the
    row's number."""
    found = []
    for f in form:
        if isinstance(f, FieldList):
            for number, row in enumerate(f, 1):
                for sub in (row.form if isinstance(row, FormField) else [row]):
                    row_label = f.label_of_row(number) if isinstance(f, Rows) else f"{f.label.text} {number}"
                    found += [(sub.id, f"{row_label} · {sub.label.text}", message)
                              for message in sub.errors if isinstance(message, str)]
        else:
            found += [(f.id, f.label.text, message) for message in f.errors if isinstance(message, str)]
    return found


class StatementMixin:
    statement = TextAreaField(_l("Statement of the case"), validators=[Optional(), Length(max=20000)])


class DeclaredRelationForm(SubForm):
    """One person close to the candidate. A row of the nomination's form, so
    no CSRF token of its own; the nominations service checks it and names the
    row's field it refuses."""

    name = StringField(_l("Name"))
    email = EmailField(_l("Email (if known)"))
    kind = SelectField(_l("Relation"),
                       choices=[("", "—"), *((k, CONFLICT_KINDS[k]) for k in DECLARABLE_RELATION_KINDS)])


# The empty rows offered under the filled ones: more appear each time the draft is saved.
SPARE_RELATION_ROWS = 3


class Rows(FieldList):
    """A list of sub-forms whose rows people know by a name with their number
    (`row_label`, e.g. "Person %(n)s"): the rows' legends and the error summary."""

    def __init__(self, *args, row_label, **kwargs):
        super().__init__(*args, **kwargs)
        self.row_label = row_label

    def label_of_row(self, number: int) -> str:
        return str(self.row_label) % {"n": number}


class DeclaredRelationsMixin:
    declared_relations = Rows(FormField(DeclaredRelationForm), label=_l("People close to the candidate"),
                              row_label=_l("Person %(n)s"), max_entries=MAX_DECLARED_RELATIONS)

    def offer_relation_rows(self) -> None:
        """Rows for what was declared or typed, and spare empty ones, up to the limit."""
        rows = self.declared_relations
        filled = sum(1 for row in rows if any((row[key].data or "").strip() for key in ("name", "email", "kind")))
        while len(rows) < min(max(filled + SPARE_RELATION_ROWS, len(rows)), MAX_DECLARED_RELATIONS):
            rows.append_entry()


class IndividualNominationForm(StatementMixin, DeclaredRelationsMixin, Form):
    name = StringField(_l("Candidate's full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Candidate's email"), validators=[Optional(), Email(), Length(max=254)])
    country_id = SelectField(_l("Country"), coerce=int, validators=[Optional()])
    organisation_id = SelectField(_l("Organisation"), coerce=int, validators=[Optional()])
    date_of_birth = DateField(_l("Date of birth"), validators=[Optional()])
    volunteer_years = DecimalField(_l("Years of volunteering"), places=1,
                                   validators=[Optional(), NumberRange(0, 80)])
    volunteer_places = TextAreaField(_l("Where the candidate volunteered (organisations, years)"),
                                     validators=[Optional(), Length(max=5000)])


class DelegationNominationForm(StatementMixin, DeclaredRelationsMixin, Form):
    delegation = SelectField(_l("Delegation at this ESI"), coerce=int, validators=[DataRequired()])


class OrganisationNominationForm(StatementMixin, DeclaredRelationsMixin, Form):
    organisation = SelectField(_l("Organisation"), coerce=int, validators=[DataRequired()])


class AttachmentForm(Form):
    file = FileField(_l("File (PDF, JPEG or PNG)"), validators=[FileRequired()])


class EndorsementRequestForm(Form):
    # An explicit id: this form shares the nomination's page with the
    # candidate's own email field; the name posted stays the same.
    email = EmailField(_l("Endorser's email"), validators=[DataRequired(), Email()], id="endorsement-email")
    # The endorser has no account to choose a language with: the nominator chooses for them.
    locale = SelectField(_l("Language of the email to the endorser"),
                         choices=[("", _l("Mine")), *LANGUAGE_CHOICES],
                         validators=[Optional()], id="endorsement-locale")


class EndorsementForm(Form):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    organisation = StringField(_l("Your organisation"), validators=[DataRequired(), Length(max=200)])
    role = StringField(_l("Your role in it"), validators=[DataRequired(), Length(max=120)])
    text = TextAreaField(_l("Your endorsement"), validators=[DataRequired(), Length(max=10000)])


REASON_REQUIRED = "Give the reason the nomination is ineligible."  # workflows.guards.screening_reason


class ScreeningForm(Form):
    # Nothing is chosen until the screener chooses: a verdict is never a default.
    verdict = RadioField(_l("Verdict"), choices=[("eligible", _l("Eligible")),
                                                 ("ineligible", _l("Not eligible"))],
                         validators=[InputRequired(_l("Choose a verdict."))])
    # No Optional(): it would stop the chain before validate_reason sees a blank reason.
    reason = TextAreaField(_l("Reason (shown to the nominator; required when not eligible)"),
                           validators=[Length(max=5000)])

    def validate_reason(self, field):
        if self.verdict.data == "ineligible" and not (field.data or "").strip():
            # The workflow's own rule, said at the field before anything is sent.
            raise ValidationError(f"{rule_message(REASON_REQUIRED)} [screening.reason_required]")
