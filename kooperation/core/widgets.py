"""Choices searched on the server: a select or checkbox list that never lists more than a page of matches.

A field with one of these widgets keeps its full, scoped queryset for validation; only the rendering is
limited to the chosen values plus at most MAX_MATCHES matches of the search text. The search field next to
it asks the server for new matches as one types (htmx); without JavaScript the search text is submitted
with the form (the filter's button, or a "Suchen" button in forms that save).
"""

from __future__ import annotations

import re
from datetime import date, time

from django import forms
from django.db.models import Case, Q, Value, When

MAX_MATCHES = 20


def _ids(value) -> list[int]:
    values = value if isinstance(value, list | tuple) else [value]
    return [int(v) for v in values if str(v).isdigit()]


class SearchChoiceMixin:
    """Render only the chosen objects and the matches of the search text (at most MAX_MATCHES)."""

    search_fields = ("name", "short_name")

    def __init__(self, *args, search_url: str = "", search_button: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.search_url = search_url
        self.search_button = search_button
        self.term = ""

    def search_name(self, name: str) -> str:
        return f"{name}_suche"

    def value_from_datadict(self, data, files, name):
        # NUL cannot reach PostgreSQL in a query; nobody types it, so it is dropped.
        self.term = (data.get(self.search_name(name)) or "").replace("\x00", "").strip()[:100]
        return super().value_from_datadict(data, files, name)

    def limited_choices(self, value) -> list:
        """The chosen objects first, then the matches: one query, at most MAX_MATCHES more than chosen."""
        iterator = self.choices
        queryset = iterator.queryset
        chosen = _ids(value)
        condition = Q()
        if self.term:
            for field in self.search_fields:
                condition |= Q(**{f"{field}__icontains": self.term})
        if chosen:
            order = [
                Case(When(pk__in=chosen, then=Value(0)), default=Value(1)),
                *(queryset.query.order_by or queryset.model._meta.ordering),
                "pk",
            ]
            wanted = queryset.filter(condition | Q(pk__in=chosen)) if self.term else queryset
            objects = wanted.order_by(*order)[: MAX_MATCHES + len(chosen)]
        else:
            objects = queryset.filter(condition)[:MAX_MATCHES]
        choices = [("", iterator.field.empty_label)] if iterator.field.empty_label is not None else []
        return choices + [iterator.choice(obj) for obj in objects]

    def optgroups(self, name, value, attrs=None):
        original = self.choices
        self.choices = self.limited_choices(value)
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = original

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"].update(
            search_name=self.search_name(name),
            term=self.term,
            search_url=self.search_url,
            search_button=self.search_button,
            multiple=self.allow_multiple_selected,
            max_matches=MAX_MATCHES,
        )
        return context


class SearchSelect(SearchChoiceMixin, forms.Select):
    template_name = "widgets/search_select.html"


class SearchCheckboxes(SearchChoiceMixin, forms.widgets.ChoiceWidget):
    """Checkboxes like CheckboxSelectMultiple, but rendered with the search field (crispy renders a
    CheckboxSelectMultiple on its own, without the widget's template)."""

    allow_multiple_selected = True
    input_type = "checkbox"
    template_name = "widgets/search_checkboxes.html"
    option_template_name = "django/forms/widgets/checkbox_option.html"

    def use_required_attribute(self, initial):
        return False

    def value_omitted_from_data(self, data, files, name):
        return False  # an unchecked box sends nothing

    def id_for_label(self, id_, index=None):
        return f"{id_}_{index}" if index is not None and id_ else ""


def show_without_validation(form) -> None:
    """Re-show what was entered after a search without JavaScript ("Suchen" button): no error messages."""
    form._errors = forms.utils.ErrorDict()
    form.cleaned_data = {}


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return value.strip().lower() not in {"nan", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity"}


def _is_iso(parse, value: str) -> bool:
    try:
        parse(value)
    except ValueError:
        return False
    return True


# What a browser's typed field can hold; anything else sent back makes invalid HTML and shows empty anyway.
_HOLDS = {
    "number": _is_number,
    "date": lambda value: _is_iso(date.fromisoformat, value),
    "time": lambda value: _is_iso(time.fromisoformat, value),
    # An absolute URL: a scheme, then no white space (what the HTML checker accepts for type="url").
    "url": lambda value: re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+", value) is not None,
}


def browser_value(input_type: str, value):
    """The value to write into an ``<input type=…>``: None when that field could not hold it.

    Only a script or a probe sends "NaN" to a number field or "31.02." to a date field; the form's
    German error at the field says what was wrong, and the field is shown empty, as a browser would.
    """
    check = _HOLDS.get(input_type)
    if check is None or not isinstance(value, str) or value == "" or check(value):
        return value
    return None


class IsoDateInput(forms.DateInput):
    """``<input type="date">`` with ISO values (what a browser's date field sends and shows).

    A value it cannot hold is left out by the form renderer (kooperation.core.forms.BrowserValueRenderer)
    and by the compact rows, both through browser_value.
    """

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class IsoTimeInput(forms.TimeInput):
    """``<input type="time">`` as HH:MM; like IsoDateInput."""

    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")
