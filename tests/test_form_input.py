"""What a form gets back from the page: no control characters, no values its field cannot hold."""

from __future__ import annotations

import pytest
from django import forms
from django.test import RequestFactory

from kooperation.core.input import StripControlCharactersMiddleware
from kooperation.core.widgets import IsoDateInput, IsoTimeInput


def _through_middleware(request):
    seen = {}

    def view(request):
        seen["GET"], seen["POST"] = request.GET, request.POST
        return None

    StripControlCharactersMiddleware(view)(request)
    return seen


def test_control_characters_are_removed_from_posts_and_query_strings():
    data = {"text": "Zeile 1\r\nZeile\t2\x00\x1b", "liste": ["a\x00", "b"]}
    request = RequestFactory().post("/formular/?q=Jugend%00amt", data)
    seen = _through_middleware(request)
    assert seen["GET"]["q"] == "Jugendamt"
    assert seen["POST"]["text"] == "Zeile 1\r\nZeile\t2"  # line breaks and tabs are text
    assert seen["POST"].getlist("liste") == ["a", "b"]
    assert not seen["POST"]._mutable


def test_clean_input_is_passed_on_untouched():
    request = RequestFactory().post("/formular/", {"text": "Grüße – „Anführung“"})
    post = request.POST
    assert _through_middleware(request)["POST"] is post


class _When(forms.Form):
    day = forms.DateField(widget=IsoDateInput())
    at = forms.TimeField(widget=IsoTimeInput())


@pytest.mark.parametrize(("day", "at"), [("NaN", "NaN"), ("2026-02-31", "25:99"), ("2026-13-01", "10 Uhr")])
def test_a_value_the_browser_field_cannot_hold_is_not_written_back(day, at):
    form = _When({"day": day, "at": at})
    assert not form.is_valid()
    # The German message at the field says what was wrong.
    assert form.errors["day"] == ["Bitte ein gültiges Datum eingeben."]
    assert form.errors["at"] == ["Bitte eine gültige Uhrzeit eingeben."]
    html = str(form["day"]) + str(form["at"])
    assert 'type="date"' in html
    assert 'type="time"' in html
    assert "value=" not in html


def test_valid_values_are_shown_again_in_iso_form():
    form = _When({"day": "2026-12-01", "at": "09:30"})
    html = str(form["day"]) + str(form["at"])
    assert 'value="2026-12-01"' in html
    assert 'value="09:30"' in html


class _Count(forms.Form):
    count = forms.IntegerField(min_value=0)


@pytest.mark.parametrize("sent", ["5Ú¤.:£", "NaN", "1e"])
def test_a_number_field_gets_no_value_it_cannot_hold(sent):
    form = _Count({"count": sent})
    assert form.errors["count"] == ["Bitte eine ganze Zahl eingeben."]
    html = str(form["count"])
    assert 'type="number"' in html
    assert "value=" not in html


def test_a_number_sent_back_is_shown_again():
    assert 'value="-3"' in str(_Count({"count": "-3"})["count"])


class _Website(forms.Form):
    website = forms.URLField(assume_scheme="https")


def test_a_url_field_gets_no_value_with_spaces_back_but_keeps_a_real_address():
    assert "value=" not in str(_Website({"website": "x y"})["website"])
    assert 'value="https://jugendamt.example/"' in str(_Website({"website": "https://jugendamt.example/"})["website"])
