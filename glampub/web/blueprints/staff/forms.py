"""The staff forms. Every one carries a CSRF token (Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from glampub.languages import LANGUAGE_NAMES
from importers.base import AUTO_FORMAT, format_choices, format_label


def options(pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms wants choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=320)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])


class EmptyForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class UploadForm(FlaskForm):
    export = FileField(
        _l("Export file"),
        validators=[
            FileRequired(_l("Choose the export file to upload.")),
            FileAllowed(
                ["csv", "tsv", "txt", "xml", "lido", "zip"],
                _l("Upload a .csv or LIDO .xml file, or a .zip with one of them and the images."),
            ),
        ],
    )
    images = FileField(
        _l("Images (optional ZIP)"),
        validators=[FileAllowed(["zip"], _l("Images come as one .zip file."))],
    )
    format = SelectField(
        _l("Format"),
        choices=options(
            [(AUTO_FORMAT, _l("Recognise it"))]
            + [(name, format_label(name)) for name in format_choices()[1:]]
        ),
        default=AUTO_FORMAT,
    )
    profile = SelectField(_l("Column profile (CSV)"), choices=[], validate_choice=False)
    full = BooleanField(
        _l("This file is the whole collection: withdraw objects it no longer lists")
    )


class DecideForm(FlaskForm):
    #: Empty for the records that state nothing at all, which send no_statement=1.
    statement = HiddenField(validators=[Optional()])
    no_statement = HiddenField(validators=[Optional()])
    target = SelectField(_l("Decision"), choices=[], validate_choice=False)
    note = StringField(_l("Note (why)"), validators=[Optional(), Length(max=2000)])


class ObjectStatusForm(FlaskForm):
    identifier = HiddenField(validators=[DataRequired()])
    action = HiddenField(validators=[DataRequired()])


class SettingsForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)])
    homepage = URLField(_l("Homepage"), validators=[Optional(), Length(max=1000)])
    logo = FileField(
        _l("Logo (PNG or JPEG)"),
        validators=[
            FileAllowed(["png", "jpg", "jpeg"], _l("The logo must be a PNG or JPEG image."))
        ],
    )
    credit_template = StringField(
        _l("Credit line template"), validators=[Optional(), Length(max=500)]
    )
    courtesy_statement = BooleanField(
        _l("Show “Courtesy of” on public-domain items too (a request, never a condition)")
    )
    copyright_term = IntegerField(
        _l("Copyright term (years after the creator's death)"),
        validators=[DataRequired(), NumberRange(min=1, max=150)],
    )
    metadata_licence = SelectField(
        _l("Licence of your metadata, where a record states none"),
        choices=options(
            [
                ("none", _l("Not stated (publish no metadata licence)")),
                ("cc0", _l("CC0 1.0 (no rights reserved)")),
                ("cc-by", _l("CC BY 4.0 (credit required)")),
            ]
        ),
    )
    default_language = SelectField(
        _l("Default language of your pages"),
        # Each language named in itself, as visitors look for it.
        choices=options(list(LANGUAGE_NAMES.items())),
    )
    tdm_reservation = BooleanField(
        _l("Reserve text and data mining of objects that may be in copyright (W3C TDMRep)")
    )
    tdm_policy = URLField(_l("TDM policy (URL)"), validators=[Optional(), Length(max=1000)])


class ProfileForm(FlaskForm):
    name = StringField(_l("Profile name"), validators=[DataRequired(), Length(max=100)])
    toml = TextAreaField(_l("Profile (TOML)"), validators=[DataRequired(), Length(max=200_000)])


class InstitutionForm(FlaskForm):
    slug = StringField(_l("Short name (slug)"), validators=[DataRequired(), Length(max=64)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)])
    homepage = URLField(_l("Homepage"), validators=[Optional(), Length(max=1000)])
