"""The console's forms. WTForms validates on the server whatever the browser checked
as the operator typed; the same rules, so a form that passes in the browser passes here."""

from __future__ import annotations

from datetime import date
from typing import Any

import phonenumbers
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FloatField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from normalizer.categories import load_taxonomy
from normalizer.complaint import Privacy
from normalizer.phone import to_e164

PRIVACY_CHOICES = [
    SelectChoice(Privacy.PUBLIC.value, "Publik — laporan boleh dilihat umum"),
    SelectChoice(Privacy.CONFIDENTIAL.value, "Rahasia — identitas hanya untuk instansi"),
    SelectChoice(Privacy.ANONYMOUS.value, "Anonim — identitas tidak dikirim ke mana pun"),
]
MIN_DESCRIPTION = 15


class LoginForm(FlaskForm):
    username = StringField("Nama pengguna", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Kata sandi", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Masuk")


class ActionForm(FlaskForm):
    """A button that changes something (log out, retry, discard): only its CSRF token."""


def console_phone(text: str) -> str | None:
    """The caller's number in E.164 when it is a whole Indonesian (or foreign) number:
    the right length for its prefix (phonenumbers' metadata), so "0812 34" or seventeen
    digits are refused rather than stored as +62081234."""
    number = to_e164(text)
    if number is None:
        return None
    try:
        parsed = phonenumbers.parse(number, "ID")
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(parsed) else None


def _phone(form: FlaskForm, field: StringField) -> None:
    if field.data and console_phone(field.data) is None:
        raise ValidationError(
            "Nomor telepon tidak valid: periksa panjang dan awalannya (contoh: 0812 3456 7890)."
        )


def _not_future(form: FlaskForm, field: DateField) -> None:
    if field.data and field.data > date.today():
        raise ValidationError("Tanggal kejadian tidak boleh di masa depan.")


def category_choices() -> list[SelectChoice]:
    guess = SelectChoice("", "— tebak dari isi laporan —")
    return [guess] + [SelectChoice(c.code, c.label) for c in load_taxonomy()]


class CallForm(FlaskForm):
    """Log a call, or correct a call draft from the review queue."""

    phone = StringField("Nomor penelepon", validators=[Optional(), Length(max=40), _phone])
    name = StringField("Nama penelepon", validators=[Optional(), Length(max=200)])
    description = TextAreaField(
        "Isi laporan",
        validators=[Optional(), Length(min=MIN_DESCRIPTION, max=20000)],
    )
    location_text = StringField("Lokasi kejadian", validators=[Optional(), Length(max=500)])
    lat = FloatField("Lintang", validators=[Optional(), NumberRange(-90, 90)])
    lon = FloatField("Bujur", validators=[Optional(), NumberRange(-180, 180)])
    category = SelectField("Kategori", choices=[], validators=[Optional()], validate_choice=True)
    privacy = RadioField("Kerahasiaan", choices=PRIVACY_CHOICES, default=Privacy.CONFIDENTIAL.value)
    incident_date = DateField("Tanggal kejadian", validators=[Optional(), _not_future])
    submit = SubmitField("Kirim laporan")
    save = SubmitField("Simpan sebagai draf")
    discard = SubmitField("Buang")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.category.choices = category_choices()

    def validate_for_submit(self) -> bool:
        """Submitting needs the complaint text; saving a draft does not."""
        ok = self.validate()
        if not (self.description.data or "").strip():
            self.description.errors = [*self.description.errors, "Isi laporan wajib diisi."]
            ok = False
        return ok

    def fields(self) -> dict[str, Any]:
        """The draft fields (normalizer.calls.CallDraft.to_fields shape)."""
        return {
            "phone": console_phone(self.phone.data) if self.phone.data else None,
            "name": (self.name.data or "").strip() or None,
            "description": (self.description.data or "").strip(),
            "location_text": (self.location_text.data or "").strip() or None,
            "lat": self.lat.data,
            "lon": self.lon.data,
            "category": self.category.data or None,
            "privacy": self.privacy.data,
            "incident_date": self.incident_date.data.isoformat()
            if self.incident_date.data
            else None,
        }

    def fill(self, fields: dict[str, Any]) -> None:
        """Show a stored draft in the form."""
        self.phone.data = fields.get("phone")
        self.name.data = fields.get("name")
        self.description.data = fields.get("description")
        self.location_text.data = fields.get("location_text")
        self.lat.data = fields.get("lat")
        self.lon.data = fields.get("lon")
        self.category.data = fields.get("category") or ""
        self.privacy.data = fields.get("privacy") or Privacy.CONFIDENTIAL.value
        if fields.get("incident_date"):
            self.incident_date.data = date.fromisoformat(fields["incident_date"])


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField("Kode pelacakan atau nomor telepon", validators=[Length(max=60)])
