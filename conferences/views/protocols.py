"""What the conference and meeting protocol pages share: the editor (main form and row formsets) and addenda."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from conferences.forms.protocol import AddendumForm
from conferences.services.conferences import add_addendum
from kooperation.core.errors import DomainError
from kooperation.core.forms import save_with_conflict_check


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
        return bool(save_with_conflict_check(self.form, *self.formsets.values()))


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
