"""{% form_body %} and {% form_field %}: crispy's Bootstrap 5 markup written in Python (kooperation/core/compact.py)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.urls import reverse

from kooperation.core.widgets import IsoDateInput

REQUIRED = "Dieses Feld ist zwingend erforderlich."


class SampleForm(forms.Form):
    name = forms.CharField(label="Name", help_text="Wie die Institution sich nennt.")
    email = forms.EmailField(label="E-Mail", required=False)
    kind = forms.ChoiceField(label="Art", choices=[("", "– bitte wählen –"), ("a", "A"), ("b", "B")])
    many = forms.MultipleChoiceField(
        label="Mehrere", choices=[("1", "Eins"), ("2", "Zwei")], widget=forms.CheckboxSelectMultiple, required=False
    )
    one = forms.ChoiceField(label="Eines", choices=[("x", "X"), ("y", "Y")], widget=forms.RadioSelect)
    several = forms.MultipleChoiceField(label="Liste", choices=[("p", "P"), ("q", "Q")], required=False)
    note = forms.CharField(label="Notiz", widget=forms.Textarea, required=False)
    day = forms.DateField(label="Tag", widget=IsoDateInput, required=False)
    agree = forms.BooleanField(label="Einverstanden", required=False)
    upload = forms.FileField(label="Datei", required=False)
    secret = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        if data.get("note") == "nein":
            raise forms.ValidationError("So nicht.")
        return data


def _render(form, source="{% form_body form %}") -> str:
    return Template("{% load form_tags %}" + source).render(Context({"form": form}))


def _input(html: str, name: str) -> str:
    return re.search(rf'<(?:input|select|textarea)[^>]*name="{name}"[^>]*>', html).group(0)


def test_required_labels_carry_the_asterisk_and_help_is_described():
    html = _render(SampleForm())
    assert (
        '<label class="form-label requiredField" for="id_name">Name<span class="asteriskField">*</span></label>' in html
    )
    assert '<label class="form-label" for="id_email">E-Mail</label>' in html  # optional: no asterisk
    # A group of radio buttons is named by its legend, marked too.
    assert '<legend class="form-label requiredField fs-6">Eines<span class="asteriskField">*</span></legend>' in html
    name = _input(html, "name")
    assert 'aria-describedby="id_name_helptext"' in name
    assert " required" in name  # as crispy: the attribute tells screen readers, the form itself is novalidate
    assert '<div id="id_name_helptext" class="form-text">Wie die Institution sich nennt.</div>' in html
    assert 'id="id_secret"' in html
    assert 'type="hidden"' in _input(html, "secret")
    assert 'type="checkbox" class="form-check-input" id="id_many_0" name="many" value="1"' in html
    assert 'type="radio" class="form-check-input" id="id_one_1" name="one" value="y"' in html
    assert "multiple" in _input(html, "several")
    assert 'type="date"' in _input(html, "day")
    assert 'type="file"' in _input(html, "upload")
    assert '<textarea name="note"' in html
    assert "alert" not in html


def test_invalid_values_show_german_errors_at_their_field():
    form = SampleForm(
        data={"name": "", "email": "kein-mail", "kind": "z", "many": ["1", "3"], "day": "31.02.", "note": "nein"},
        files={"upload": SimpleUploadedFile("a.txt", b"")},
    )
    html = _render(form)
    text = unescape(html)
    email = _input(html, "email")
    assert 'aria-describedby="id_email_error"' in email
    assert 'aria-invalid="true"' in email
    assert "is-invalid" in email
    error = re.search(r'<div id="id_email_error" class="invalid-feedback d-block">(.*?)</div>', text).group(1)
    assert "Bitte gültige E-Mail-Adresse eingeben." in error
    # Help text first, then the error: both describe the field.
    assert 'aria-describedby="id_name_helptext id_name_error"' in _input(html, "name")
    assert re.search(r'id="id_name_error"[^>]*><span class="d-block">' + REQUIRED, text)
    assert "Bitte eine gültige Auswahl treffen. z ist keine gültige Auswahl." in text
    assert "Bitte eine gültige Auswahl treffen. 3 ist keine gültige Auswahl." in text
    assert 'id="id_one_error"' in html  # the radio group's error, described on its fieldset
    assert re.search(r'<fieldset class="mb-3" aria-describedby="id_one_error">', html)
    assert "Bitte ein gültiges Datum eingeben." in text
    assert 'value="31.02."' not in html  # a date field cannot hold it; the error says why it is empty
    assert "Die übertragene Datei ist leer." in text
    # The form's own error, as crispy shows it.
    assert '<div class="alert alert-block alert-danger"><ul class="m-0"><li>So nicht.</li></ul></div>' in html


def test_form_field_renders_one_field_as_crispy_field_does():
    form = SampleForm(data={"name": ""})
    html = _render(form, "{% form_field form.name %}")
    assert html.startswith('<div class="mb-3"><label class="form-label requiredField" for="id_name">')
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert REQUIRED in unescape(html)
    assert "id_email" not in html


@pytest.mark.django_db
def test_login_page_marks_required_fields_and_shows_the_error_at_the_field(client):
    page = client.get(reverse("login")).content.decode()
    label = r'<label class="form-label requiredField" for="id_username">[^<]+<span class="asteriskField">\*</span>'
    assert re.search(label, page)
    response = client.post(reverse("login"), {"username": "", "password": ""})
    html = response.content.decode()
    username = _input(html, "username")
    assert 'aria-describedby="id_username_error"' in username
    assert 'aria-invalid="true"' in username
    assert re.search(r'<div id="id_username_error" class="invalid-feedback d-block"><span class="d-block">', html)
    assert REQUIRED in unescape(html)
