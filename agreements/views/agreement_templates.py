"""Administration keeps the Vorlagen that new agreements start from."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from agreements.forms.collaboration import AgreementTemplateForm
from agreements.models import AgreementTemplate
from kooperation.core.forms import save_with_conflict_check
from kooperation.network import permissions as perms


def template_list(request):
    perms.require(perms.can_manage_catalogues(request.user))
    return render(
        request,
        "agreements/template_list.html",
        {"templates": AgreementTemplate.objects.prefetch_related("questions")},
    )


def template_edit(request, pk: int | None = None):
    """Create or change a Vorlage; agreements made from it earlier keep their text."""
    perms.require(perms.can_manage_catalogues(request.user))
    template = None
    if pk is not None:
        template = AgreementTemplate.objects.filter(pk=pk).first()
        if template is None:
            raise Http404
    form = AgreementTemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid() and save_with_conflict_check(form):
        messages.success(request, _("Die Vorlage „%(name)s“ ist gespeichert.") % {"name": form.instance.name})
        return redirect("template_list")
    return render(request, "agreements/template_form.html", {"form": form, "template": template})
