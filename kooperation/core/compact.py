"""Render a bound field as Bootstrap markup in Python, without a template per widget.

Formset rows of a protocol have dozens of fields each; crispy renders every field through
several templates (about half a second for one protocol page). These helpers write the same
markup directly: label, widget with ``is-invalid`` and ``aria-describedby``, help text and the
field's errors (German, as the form gives them). Widgets they do not know fall back to Django's
own rendering.
"""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from kooperation.core.widgets import browser_value

TEXT_INPUTS = (forms.TextInput, forms.NumberInput, forms.EmailInput, forms.URLInput, forms.DateInput, forms.TimeInput)


def _ids(field: forms.BoundField) -> tuple[str, str, list[str]]:
    base = field.auto_id or field.html_name
    error_id, help_id = f"{base}_fehler", f"{base}_hilfe"
    described = []
    if field.help_text:
        described.append(help_id)
    if field.errors:
        described.append(error_id)
    return error_id, help_id, described


def _attrs(field: forms.BoundField, css: str, described: list[str]) -> dict:
    widget = field.field.widget
    attrs = field.build_widget_attrs(dict(widget.attrs))
    if field.auto_id:
        attrs.setdefault("id", field.auto_id)  # the <label for> points at it (inputs built here get no id otherwise)
    else:
        attrs["aria-label"] = str(field.label or "")
    classes = [attrs.get("class", ""), css]
    if field.errors:
        classes.append("is-invalid")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    attrs["class"] = " ".join(c for c in classes if c)
    attrs.pop("required", None)  # the forms are novalidate; the server says what is missing, in German
    return attrs


def _value(field: forms.BoundField) -> str:
    value = field.field.widget.format_value(field.value())
    return "" if value is None else str(value)


def _selected(field: forms.BoundField) -> set[str]:
    value = field.value()
    values = value if isinstance(value, (list, tuple)) else [value]
    return {"" if v is None else str(v) for v in values}


def _options(field: forms.BoundField, cache: dict | None = None) -> SafeString:
    if cache is not None:
        return cached_options(field, cache)
    selected = _selected(field)
    rows = []
    for value, label in field.field.choices:
        key = "" if value is None else str(value)
        rows.append((key, mark_safe(" selected") if key in selected else "", label))
    return format_html_join("", '<option value="{}"{}>{}</option>', rows)


def _radios(field: forms.BoundField, attrs: dict) -> SafeString:
    selected = _selected(field)
    base = field.auto_id or field.html_name
    attrs = {k: v for k, v in attrs.items() if k not in ("id", "class")}
    rows = []
    for index, (value, label) in enumerate(field.field.choices):
        key = "" if value is None else str(value)
        rows.append(
            (
                f"{base}_{index}",
                field.html_name,
                key,
                mark_safe(" checked") if key in selected else "",
                flatatt(attrs),
                f"{base}_{index}",
                label,
            )
        )
    return format_html_join(
        "",
        '<div class="form-check form-check-inline"><input type="radio" class="form-check-input{}" id="{}" '
        'name="{}" value="{}"{}{}><label class="form-check-label" for="{}">{}</label></div>',
        [(" is-invalid" if field.errors else "", *row) for row in rows],
    )


def _errors(field: forms.BoundField, error_id: str) -> SafeString:
    if not field.errors:
        return mark_safe("")
    messages = format_html_join("", '<span class="d-block">{}</span>', ((e,) for e in field.errors))
    return format_html('<div id="{}" class="invalid-feedback d-block">{}</div>', error_id, messages)


def _help(field: forms.BoundField, help_id: str, show: bool) -> SafeString:
    if not field.help_text:
        return mark_safe("")
    # Rows of a table or grid say it once above; screen readers still hear it at the field.
    css = "form-text" if show else "visually-hidden"
    return format_html('<div id="{}" class="{}">{}</div>', help_id, css, field.help_text)


def _label(field: forms.BoundField, cache: dict | None) -> SafeString:
    """The escaped label; with a formset's `cache` translated once for all its rows (labels are lazy)."""
    if cache is None:
        return conditional_escape(field.label or "")
    key = ("label", field.name)
    label = cache.get(key)
    if label is None:
        label = cache[key] = conditional_escape(field.label or "")
    return label


def render_field(
    field: forms.BoundField, *, help_text: bool = True, wrapper: str = "mb-2", options: dict | None = None
) -> SafeString:
    """Label, widget, help text and errors of one field, as crispy-bootstrap5 would lay them out.

    `options`: a dict shared by the rows of one formset (see cached_options), so a select's options are escaped once.
    """
    widget = field.field.widget
    if widget.is_hidden:
        return render_hidden(field)
    error_id, help_id, described = _ids(field)
    label = _label(field, options)
    after = _help(field, help_id, help_text) + _errors(field, error_id)
    if isinstance(widget, forms.RadioSelect):
        attrs = _attrs(field, "", described)
        return format_html(
            '<fieldset class="{}"><legend class="form-label fs-6">{}</legend><div>{}</div>{}</fieldset>',
            wrapper,
            label,
            _radios(field, attrs),
            after,
        )
    if isinstance(widget, forms.CheckboxInput):
        attrs = _attrs(field, "form-check-input", described)
        checked = mark_safe(" checked") if widget.check_test(field.value()) else ""
        return format_html(
            '<div class="form-check {}"><input type="checkbox" name="{}"{}{}><label class="form-check-label" '
            'for="{}">{}</label>{}</div>',
            wrapper,
            field.html_name,
            flatatt(attrs),
            checked,
            field.auto_id,
            label,
            after,
        )
    if isinstance(widget, forms.Select) and not widget.allow_multiple_selected:
        control = format_html(
            '<select name="{}"{}>{}</select>',
            field.html_name,
            flatatt(_attrs(field, "form-select", described)),
            _options(field, options),
        )
    elif isinstance(widget, forms.Textarea):
        control = format_html(
            '<textarea name="{}"{}>\n{}</textarea>',
            field.html_name,
            flatatt(_attrs(field, "form-control", described)),
            _value(field),
        )
    elif isinstance(widget, TEXT_INPUTS):
        attrs = _attrs(field, "form-control", described)
        input_type = attrs.pop("type", widget.input_type)
        value = browser_value(input_type, _value(field)) or ""
        return format_html(
            '<div class="{}"><label class="form-label" for="{}">{}</label><input type="{}" name="{}"{}{}>{}</div>',
            wrapper,
            field.auto_id,
            label,
            input_type,
            field.html_name,
            format_html(' value="{}"', value) if value != "" else "",
            flatatt(attrs),
            after,
        )
    else:
        control = field.as_widget(attrs=_attrs(field, "form-control", described))
    return format_html(
        '<div class="{}"><label class="form-label" for="{}">{}</label>{}{}</div>',
        wrapper,
        field.auto_id,
        label,
        control,
        after,
    )


def render_row(form, columns: dict[str, str], default: str = "col-md-4", options: dict | None = None) -> SafeString:
    """All visible fields of a formset row in one Bootstrap grid row; checkboxes sit level with the inputs."""
    cells = []
    for field in form.visible_fields():
        css = columns.get(field.name, default)
        if isinstance(field.field.widget, forms.CheckboxInput):
            css += " pt-md-4"
        cells.append((css, render_field(field, help_text=False, wrapper="mb-0", options=options)))
    hidden = render_hidden_fields(form)
    return format_html(
        '<div class="row g-2">{}</div>{}', format_html_join("", '<div class="{}">{}</div>', cells), hidden
    )


def render_cells(form, columns: dict[str, str], options: dict | None = None) -> SafeString:
    """The visible fields of a formset row as table cells (the hidden ones in the first cell)."""
    hidden = render_hidden_fields(form)
    cells = [
        (columns.get(field.name, ""), render_field(field, help_text=False, wrapper="mb-0", options=options))
        for field in form.visible_fields()
    ]
    if "DELETE" in columns and "DELETE" not in form.fields:
        # A new row has nothing to delete; an empty cell keeps it aligned under the "Löschen" column.
        cells.append((columns["DELETE"], mark_safe("")))
    if not cells:
        return format_html("<td>{}</td>", hidden)
    first_css, first = cells[0]
    return format_html(
        '<td class="{}">{}{}</td>{}',
        first_css,
        first,
        hidden,
        format_html_join("", '<td class="{}">{}</td>', cells[1:]),
    )


# Without Django's widget templates: a hidden input through them costs three template renders (input, attrs),
# and a protocol has a few of them per row plus four per formset (the management form).


def _widget_attrs(attrs: dict) -> str:
    """The attributes as django/forms/widgets/attrs.html writes them: in order, False left out, True bare."""
    parts = []
    for name, value in attrs.items():
        if value is True:
            parts.append(f" {name}")
        elif value is not False:
            parts.append(f' {name}="{conditional_escape(value if isinstance(value, str) else str(value))}"')
    return "".join(parts)


def render_hidden(field: forms.BoundField) -> SafeString:
    """A hidden field's <input>, exactly as ``{{ field }}`` renders it; other widgets go through Django."""
    widget = field.field.widget
    if (
        type(widget) is not forms.HiddenInput
        or field.field.localize
        or field.field.disabled
        or widget.attrs.get("aria-describedby")
    ):
        return field.as_widget()
    attrs = dict(widget.attrs)
    if field.auto_id and "id" not in attrs:
        attrs["id"] = field.auto_id
    value = widget.format_value(field.value())
    value_attr = "" if value is None else f' value="{conditional_escape(value)}"'
    name = conditional_escape(field.html_name)
    # Every part is escaped (value, name, attributes); SafeString marks the joined result, as format_html would.
    return SafeString(f'<input type="hidden" name="{name}"{value_attr}{_widget_attrs(attrs)}>')


def render_hidden_fields(form) -> SafeString:
    """The hidden inputs of a form (id, version, parent) in one string."""
    return SafeString("".join(render_hidden(field) for field in form.hidden_fields()))  # each one safe


def render_management_form(formset) -> SafeString:
    """The formset's management form (its hidden counters); with errors (tampered counters) Django renders it."""
    form = formset.management_form
    if form.errors:
        return SafeString(str(form))
    return render_hidden_fields(form)


def cached_options(field: forms.BoundField, cache: dict) -> SafeString:
    """The <option>s of a select, each escaped once for all rows that share `cache` (one dict per formset).

    The rows of one formset offer the same choices per field name (see SharedChoicesMixin); only the
    selected option differs from row to row.
    """
    entry = cache.get(field.name)
    if entry is None:
        keys, plain = [], []
        for value, label in field.field.choices:
            key = "" if value is None else str(value)
            keys.append(key)
            plain.append(format_html('<option value="{}"{}>{}</option>', key, "", label))
        index = {}
        for position, key in enumerate(keys):
            index.setdefault(key, []).append(position)
        entry = cache[field.name] = (plain, index, keys)
    plain, index, _keys = entry
    selected = _selected(field)
    pieces = plain
    for key in selected:
        for position in index.get(key, ()):
            if pieces is plain:
                pieces = list(plain)
            pieces[position] = pieces[position].replace(">", " selected>", 1)
    return SafeString("".join(pieces))  # each one built by format_html
