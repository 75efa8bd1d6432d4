"""Shared machinery of the protocol editors: a main form with row formsets, saved atomically."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from conferences.forms.protocol import AddendumForm
from conferences.services.conferences import add_addendum
from kooperation.core.concurrency import ConflictError
from kooperation.core.errors import DomainError


class ProtocolEditor:
    """A main form plus named formsets; all valid or none saved, a stale row refuses the whole save."""

    def __init__(self, form, formsets: dict):
        self.form = form
        self.formsets = formsets

    def __iter__(self):
        return iter(self.formsets.values())

    def is_valid(self) -> bool:
        results = [part.is_valid() for part in (self.form, *self.formsets.values()) if part is not None]
        return all(results)

    def save(self) -> bool:
        try:
            with transaction.atomic():
                if self.form is not None:
                    self.form.save()
                for formset in self.formsets.values():
                    formset.save()
        except ConflictError as conflict:
            target = getattr(conflict, "form", None) or self.form
            target.show_conflict(conflict.current)
            return False
        return True


def empty_row(request, formset, template: str, context: dict):
    """Render one empty row of the formset for htmx to append (the page works without it too)."""
    total_name = f"{formset.prefix}-TOTAL_FORMS"
    try:
        index = int(request.GET.get(total_name, ""))
    except ValueError:
        index = formset.total_form_count()
    index = max(0, min(index, 999))
    form = formset.form(
        auto_id=formset.auto_id,
        prefix=formset.add_prefix(index),
        empty_permitted=True,
        use_required_attribute=False,
        **formset.get_form_kwargs(None),
    )
    formset.add_fields(form, index)
    if "ORDER" in form.fields:
        form.fields["ORDER"].initial = index + 1
    return render(
        request,
        template,
        {**context, "form": form, "index": index, "total": index + 1, "formset": formset, "oob": True},
    )


def addendum_page(request, target, case, **where):
    """The dated-correction form shared by conference and meeting protocols."""
    form = AddendumForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            add_addendum(request.user, text=form.cleaned_data["text"], **where)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Der Nachtrag wurde angefügt."))
            return redirect(target)
    return render(
        request,
        "conferences/addendum_form.html",
        {"form": form, "target": target, "case": case, "cancel_url": target.get_absolute_url()},
    )
