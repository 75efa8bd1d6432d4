"""Render a bound field as Bootstrap markup in Python, without a template per widget.

Formset rows of a protocol have dozens of fields each; crispy renders every field through
several templates (about half a second for one protocol page). These helpers write the same
markup directly: label (required fields marked with crispy's asterisk), widget with ``is-invalid``
and ``aria-describedby``, help text and the field's errors (German, as the form gives them), with the
ids Django and crispy give them (``<id>_helptext``, ``<id>_error``). Widgets they do not know (a
template of their own, grouped choices) fall back to Django's own rendering, still wrapped here.

``render_form`` lays out a whole form as crispy's ``|crispy`` filter does for Bootstrap 5.
"""

from __future__ import annotations

import html

from crispy_forms.utils import render_crispy_form
from django import forms
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe

from kooperation.core.widgets import SearchChoiceMixin, browser_value

TEXT_INPUTS = (
    forms.TextInput,
    forms.NumberInput,
    forms.EmailInput,
    forms.URLInput,
    forms.PasswordInput,
    forms.DateInput,
    forms.TimeInput,
)
EMPTY = mark_safe("")


# django.utils.html's conditional_escape, format_html, format_html_join and django.forms.utils.flatatt, with the
# same output: Django's escape() goes through a lazy-text wrapper on every call, and a protocol page escapes
# a few thousand values.


def _escaped(text) -> str:
    """conditional_escape(text) as a plain str: safe strings as they are, everything else HTML-escaped."""
    if isinstance(text, Promise):
        text = str(text)
    if hasattr(text, "__html__"):
        return text.__html__()
    return html.escape(str(text))


def conditional_escape(text) -> SafeString:
    return SafeString(_escaped(text))


def format_html(format_string: str, *args) -> SafeString:
    return SafeString(format_string.format(*map(_escaped, args)))


def format_html_join(sep: str, format_string: str, args_generator) -> SafeString:
    return SafeString(_escaped(sep).join(format_string.format(*map(_escaped, args)) for args in args_generator))


def flatatt(attrs: dict) -> SafeString:
    key_value_attrs = []
    boolean_attrs = []
    for attr, value in attrs.items():
        if isinstance(value, bool):
            if value:
                boolean_attrs.append((attr,))
        elif value is not None:
            key_value_attrs.append((attr, value))
    return format_html_join("", ' {}="{}"', sorted(key_value_attrs)) + format_html_join(
        "", " {}", sorted(boolean_attrs)
    )


ASTERISK = mark_safe('<span class="asteriskField">*</span>')


def _plain(widget: forms.Widget) -> bool:
    """Whether the widget renders with Django's own template (so writing its markup here is the same)."""
    if isinstance(widget, SearchChoiceMixin):
        return False
    if not widget.template_name.startswith("django/forms/widgets/"):
        return False
    option = getattr(widget, "option_template_name", None)
    return option is None or option.startswith("django/forms/widgets/")


def _ids(field: forms.BoundField) -> tuple[str, str, list[str]]:
    base = field.auto_id or field.html_name
    error_id, help_id = f"{base}_error", f"{base}_helptext"
    described = []
    if field.help_text:
        described.append(help_id)
    if field.errors:
        described.append(error_id)
    return error_id, help_id, described


def _attrs(field: forms.BoundField, css: str, described: list[str], required: bool = False) -> dict:
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
    if "aria-describedby" not in widget.attrs:  # one the widget sets itself stays (as in Django)
        attrs.pop("aria-describedby", None)
        if described:
            attrs["aria-describedby"] = " ".join(described)
    # Each class once: a widget that sets "form-select" itself does not get it twice.
    attrs["class"] = " ".join(dict.fromkeys(" ".join(classes).split()))
    if not required:
        attrs.pop("required", None)  # the rows' forms are novalidate; the server says what is missing, in German
    return attrs


def _value(field: forms.BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, forms.PasswordInput) and not widget.render_value:
        return ""
    value = widget.format_value(field.value())
    return "" if value is None else str(value)


def _selected(field: forms.BoundField) -> set[str]:
    value = field.value()
    values = value if isinstance(value, (list, tuple)) else [value]
    return {"" if v is None else str(v) for v in values}


def _grouped(choices) -> bool:
    return any(isinstance(label, (list, tuple)) for _value, label in choices)


def _options(field: forms.BoundField, choices) -> SafeString:
    selected = _selected(field)
    rows = []
    for value, label in choices:
        key = "" if value is None else str(value)
        rows.append((key, mark_safe(" selected") if key in selected else "", label))
    return format_html_join("", '<option value="{}"{}>{}</option>', rows)


def _checks(field: forms.BoundField, attrs: dict, choices, input_type: str, inline: bool) -> SafeString:
    """Radio buttons or checkboxes of a choice field, one form-check each (ids as Django gives them)."""
    selected = _selected(field)
    base = attrs.get("id") or field.auto_id or field.html_name
    attrs = {k: v for k, v in attrs.items() if k not in ("id", "class")}
    css = "form-check form-check-inline" if inline else "form-check"
    invalid = " is-invalid" if field.errors else ""
    rows = []
    for index, (value, label) in enumerate(choices):
        key = "" if value is None else str(value)
        option_id = f"{base}_{index}"
        checked = mark_safe(" checked") if key in selected else ""
        rows.append(
            (css, input_type, invalid, option_id, field.html_name, key, checked, flatatt(attrs), option_id, label)
        )
    return format_html_join(
        "",
        '<div class="{}"><input type="{}" class="form-check-input{}" id="{}" name="{}" value="{}"{}{}>'
        '<label class="form-check-label" for="{}">{}</label></div>',
        rows,
    )


def _errors(field: forms.BoundField, error_id: str) -> SafeString:
    if not field.errors:
        return EMPTY
    # A space between the messages: screen readers read them one after the other, not run together.
    messages = format_html_join(" ", '<span class="d-block">{}</span>', ((e,) for e in field.errors))
    return format_html('<div id="{}" class="invalid-feedback d-block">{}</div>', error_id, messages)


def _help(field: forms.BoundField, help_id: str, show: bool) -> SafeString:
    if not field.help_text:
        return EMPTY
    # Rows of a table or grid say it once above; screen readers still hear it at the field.
    css = "form-text" if show else "visually-hidden"
    return format_html('<div id="{}" class="{}">{}</div>', help_id, css, field.help_text)


def _label(
    field: forms.BoundField, tag: str = "label", css: str = "form-label", cache: dict | None = None
) -> SafeString:
    """The field's label; a required field's ends in crispy's asterisk.

    With a formset's `cache` (see render_field's `options`) the lazy label is translated and escaped
    once for all its rows.
    """
    if cache is None:
        text = conditional_escape(field.label) if field.label else EMPTY
    else:
        text = cache.get(("label", field.name))
        if text is None:
            text = cache[("label", field.name)] = conditional_escape(field.label) if field.label else EMPTY
    if not text:
        return EMPTY
    if field.field.required:
        css += " requiredField"
        text = format_html("{}{}", text, ASTERISK)
    if tag == "legend":
        return format_html('<legend class="{} fs-6">{}</legend>', css, text)
    target = field.id_for_label
    if target:
        return format_html('<label class="{}" for="{}">{}</label>', css, target, text)
    return format_html('<label class="{}">{}</label>', css, text)


def _file(field: forms.BoundField, attrs: dict, after: SafeString) -> SafeString:
    """A file input as crispy-bootstrap5 lays it out (the current file with its "clear" box above it)."""
    widget = field.field.widget
    value = field.value()
    current = EMPTY
    if isinstance(widget, forms.ClearableFileInput) and widget.is_initial(value):
        clear = EMPTY
        if not field.field.required:
            checkbox_name = widget.clear_checkbox_name(field.html_name)
            clear = format_html(
                '<span class="align-self-center ml-2"><span class="form-check"><input type="checkbox" name="{}" '
                'id="{}" class="form-check-input"{}><label class="form-check-label mb-0" for="{}">{}</label>'
                "</span></span>",
                checkbox_name,
                widget.clear_checkbox_id(checkbox_name),
                mark_safe(" disabled") if field.field.disabled else "",
                widget.clear_checkbox_id(checkbox_name),
                widget.clear_checkbox_label,
            )
        current = format_html(
            '<div class="input-group mb-2"><span class="input-group-text">{}</span><div class="form-control d-flex '
            'h-auto"><span class="text-break flex-grow-1"><a href="{}">{}</a></span>{}</div></div>',
            widget.initial_text,
            value.url,
            value.name,
            clear,
        )
    return format_html(
        '{}<div{}><input type="file" name="{}"{}>{}</div>',
        current,
        mark_safe(' class="is-invalid"') if field.errors else "",
        field.html_name,
        flatatt(attrs),
        after,
    )


def render_field(
    field: forms.BoundField,
    *,
    help_text: bool = True,
    wrapper: str = "mb-2",
    inline: bool = True,
    required: bool = False,
    options: dict | None = None,
) -> SafeString:
    """Label, widget, help text and errors of one field, as crispy-bootstrap5 would lay them out.

    ``inline`` puts radio buttons side by side (formset rows); ``required`` keeps the ``required``
    attribute Django gives a required field (crispy's forms keep it; the rows drop it). ``options``: a
    dict shared by the rows of one formset (see cached_options), so a select's options and the labels
    are escaped once for all rows.
    """
    widget = field.field.widget
    if widget.is_hidden:
        return render_hidden(field)
    error_id, help_id, described = _ids(field)
    after = _help(field, help_id, help_text) + _errors(field, error_id)
    plain = _plain(widget)
    choices = getattr(field.field, "choices", None) if plain else None
    if choices is not None and isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
        choices = list(iter(choices))  # list() alone would first COUNT a queryset's choices
        if not _grouped(choices):
            attrs = _attrs(field, "", [], required)
            # CheckboxSelectMultiple is a RadioSelect in Django: ask for it first.
            kind = "checkbox" if isinstance(widget, forms.CheckboxSelectMultiple) else "radio"
            # One description for the whole group, on its fieldset (as Django and crispy do for grouped inputs).
            return format_html(
                '<fieldset class="{}"{}>{}<div>{}</div>{}</fieldset>',
                wrapper,
                format_html(' aria-describedby="{}"', " ".join(described)) if described else "",
                _label(field, "legend", cache=options),
                _checks(field, attrs, choices, kind, inline),
                after,
            )
    if isinstance(widget, forms.CheckboxInput) and plain:
        attrs = _attrs(field, "form-check-input", described, required)
        checked = mark_safe(" checked") if widget.check_test(field.value()) else ""
        return format_html(
            '<div class="form-check {}"><input type="checkbox" name="{}"{}{}>{}{}</div>',
            wrapper,
            field.html_name,
            flatatt(attrs),
            checked,
            _label(field, css="form-check-label", cache=options),
            after,
        )
    control = None
    if isinstance(widget, forms.Select):
        if options is not None and plain and not widget.allow_multiple_selected:
            control = format_html(
                '<select name="{}"{}>{}</select>',
                field.html_name,
                flatatt(_attrs(field, "form-select", described, required)),
                cached_options(field, options),
            )
        elif choices is not None:
            choices = list(iter(choices))  # list() alone would first COUNT a queryset's choices
            if not _grouped(choices):
                attrs = _attrs(field, "form-select", described, required)
                if widget.allow_multiple_selected:
                    attrs["multiple"] = True
                control = format_html(
                    '<select name="{}"{}>{}</select>', field.html_name, flatatt(attrs), _options(field, choices)
                )
        if control is None:
            control = field.as_widget(attrs=_attrs(field, "form-select", described, required))
    elif isinstance(widget, forms.Textarea) and plain:
        control = format_html(
            '<textarea name="{}"{}>\n{}</textarea>',
            field.html_name,
            flatatt(_attrs(field, "form-control", described, required)),
            _value(field),
        )
    elif isinstance(widget, TEXT_INPUTS) and plain:
        attrs = _attrs(field, "form-control", described, required)
        input_type = attrs.pop("type", widget.input_type)
        value = browser_value(input_type, _value(field)) or ""
        control = format_html(
            '<input type="{}" name="{}"{}{}>',
            input_type,
            field.html_name,
            format_html(' value="{}"', value) if value != "" else "",
            flatatt(attrs),
        )
    elif isinstance(widget, forms.FileInput) and plain:
        control = _file(field, _attrs(field, "form-control", described, required), after)
        after = EMPTY
    else:
        control = field.as_widget(attrs=_attrs(field, "form-control", described, required))
    return format_html('<div class="{}">{}{}{}</div>', wrapper, _label(field, cache=options), control, after)


def _layout_fields(form: forms.BaseForm) -> list[forms.BoundField] | None:
    """The fields `{% crispy form %}` shows when its helper's layout only names fields (core.forms.helper).

    None when the layout has more (fieldsets, rows): crispy renders that one.
    """
    form_helper = getattr(form, "helper", None)
    layout = getattr(form_helper, "layout", None)
    if layout is None:
        return list(form)
    names = list(layout.fields)
    if not all(isinstance(name, str) for name in names) or form_helper.render_unmentioned_fields:
        return None
    return [form[name] for name in names]


def render_form(form: forms.BaseForm, *, layout: bool = False) -> SafeString:
    """A whole form as crispy's ``|crispy`` filter lays it out for Bootstrap 5, in Python.

    The form's own errors in a red box, then every field in order: hidden ones as they are, the visible
    ones through render_field with their help text, the required attribute and radio buttons one below
    the other. With ``layout`` the fields are those its crispy helper names, in that order (as
    ``{% crispy form %}`` shows them).
    """
    fields = _layout_fields(form) if layout else list(form)
    if fields is None:
        return render_crispy_form(form)
    parts = []
    errors = form.non_field_errors()
    if errors:
        parts.append(
            format_html(
                '<div class="alert alert-block alert-danger"><ul class="m-0">{}</ul></div>',
                format_html_join("", "<li>{}</li>", ((error,) for error in errors)),
            )
        )
    for field in fields:
        parts.append(render_field(field, wrapper="mb-3", inline=False, required=True))
    return format_html_join("", "{}", ((part,) for part in parts))


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
