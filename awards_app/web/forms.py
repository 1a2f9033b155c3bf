"""WTForms forms shared by several pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional


class StatementMixin:
    statement = TextAreaField(_l("Statement of the case"), validators=[Optional(), Length(max=20000)])


class IndividualNominationForm(StatementMixin, FlaskForm):
    name = StringField(_l("Candidate's full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Candidate's email"), validators=[Optional(), Email(), Length(max=254)])
    country_id = SelectField(_l("Country"), coerce=int, validators=[Optional()])
    organisation_id = SelectField(_l("Organisation"), coerce=int, validators=[Optional()])
    date_of_birth = DateField(_l("Date of birth"), validators=[Optional()])
    volunteer_years = DecimalField(_l("Years of volunteering"), places=1,
                                   validators=[Optional(), NumberRange(0, 80)])
    volunteer_places = TextAreaField(_l("Where the candidate volunteered (organisations, years)"),
                                     validators=[Optional(), Length(max=5000)])


class DelegationNominationForm(StatementMixin, FlaskForm):
    delegation = SelectField(_l("Delegation at this ESI"), coerce=int, validators=[DataRequired()])


class OrganisationNominationForm(StatementMixin, FlaskForm):
    organisation = SelectField(_l("Organisation"), coerce=int, validators=[DataRequired()])


class AttachmentForm(FlaskForm):
    file = FileField(_l("File (PDF, JPEG or PNG)"), validators=[FileRequired()])


class EndorsementRequestForm(FlaskForm):
    email = EmailField(_l("Endorser's email"), validators=[DataRequired(), Email()])
    from_candidate_organisation = BooleanField(_l("The endorser speaks for the candidate's organisation"))


class EndorsementForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    organisation = StringField(_l("Your organisation"), validators=[DataRequired(), Length(max=200)])
    role = StringField(_l("Your role in it"), validators=[DataRequired(), Length(max=120)])
    text = TextAreaField(_l("Your endorsement"), validators=[DataRequired(), Length(max=10000)])


class ScreeningForm(FlaskForm):
    verdict = SelectField(_l("Verdict"), choices=[("eligible", _l("Eligible")),
                                                  ("ineligible", _l("Not eligible"))])
    reason = TextAreaField(_l("Reason (shown to the nominator; required when not eligible)"),
                           validators=[Optional(), Length(max=5000)])
