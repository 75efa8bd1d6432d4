"""The network directory (Netzwerk) and the upkeep of institutions."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kooperation.core.forms import save_with_conflict_check
from kooperation.core.widgets import SearchCheckboxes, SearchSelect
from kooperation.network import permissions as perms
from kooperation.network import services
from kooperation.network.forms.institutions import (
    ContactFormSet,
    InstitutionFilterForm,
    InstitutionForm,
    LeaderFormSet,
    OfferFormSet,
)
from kooperation.network.models import Institution, Membership, Offer

PAGE_SIZE = 20


class InstitutionSearchField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Institution) -> str:
        return f"{obj.name} ({obj.arbeitsfeld.name})"


class InstitutionSearchChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Institution) -> str:
        return f"{obj.name} ({obj.arbeitsfeld.name})"


def institution_search(request):
    """The matches of an institution search field (htmx): the chosen ones and at most 20 more, never all."""
    name = request.GET.get("feld", "")
    widget_id = request.GET.get("id", "")
    if not all(value.replace("_", "").replace("-", "").isalnum() for value in (name, widget_id)):
        name, widget_id = "institution", "id_institution"
    queryset = Institution.objects.visible_to(request.user).filter(is_active=True).select_related("arbeitsfeld")
    if request.GET.get("mehrfach") == "1":
        field = InstitutionSearchField(queryset=queryset, widget=SearchCheckboxes)
        value = request.GET.getlist(name)
    else:
        field = InstitutionSearchChoice(queryset=queryset, widget=SearchSelect, empty_label=_("Alle"))
        value = request.GET.get(name, "")
    field.widget.choices = field.choices
    field.widget.value_from_datadict(request.GET, {}, name)
    return HttpResponse(field.widget.render(name, value, attrs={"id": widget_id}))


def institution_list(request):
    """List institutions, filterable by Arbeitsfeld and searchable by name, offer and contact."""
    form = InstitutionFilterForm(request.GET or None, user=request.user)
    queryset = (
        form.filter_queryset(Institution.objects.visible_to(request.user))
        .select_related("arbeitsfeld")
        .prefetch_related(Prefetch("offers", queryset=Offer.objects.only("pk", "title", "institution_id")))
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "network/institution_list.html",
        {
            "filter_form": form,
            "page_obj": page,
            "query": query.urlencode(),
            "can_manage": perms.can_manage_network(request.user),
        },
    )


def institution_detail(request, pk: int):
    """Show an institution with its contacts, offers and leadership."""
    institution = perms.get_institution_for(request.user, pk)
    members = []
    if perms.can_manage_users(request.user):
        members = Membership.objects.filter(institution=institution).select_related("user")
    return render(
        request,
        "network/institution_detail.html",
        {
            "institution": institution,
            "contacts": institution.contacts.all(),
            "offers": institution.offers.all(),
            "leaders": institution.leaders.all(),
            "members": members,
            "can_manage": perms.can_manage_network(request.user),
            "can_edit_entry": perms.can_edit_directory_entry(request.user, institution),
            "can_view_evidence": perms.can_view_evidence(request.user, institution),
        },
    )


def institution_create(request):
    """Administration adds a partner institution."""
    perms.require(perms.can_manage_network(request.user))
    form = InstitutionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        institution = form.save()
        messages.success(request, _("Die Institution „%(name)s“ wurde angelegt.") % {"name": institution.name})
        return redirect(institution)
    return render(request, "network/institution_form.html", {"form": form, "institution": None})


def institution_edit(request, pk: int):
    """Administration edits an institution's master data."""
    institution = perms.get_institution_for(request.user, pk, check=perms.can_manage_network)
    form = InstitutionForm(request.POST or None, instance=institution)
    if request.method == "POST" and form.is_valid() and save_with_conflict_check(form):
        messages.success(request, _("Die Änderungen wurden gespeichert."))
        return redirect(institution)
    return render(request, "network/institution_form.html", {"form": form, "institution": institution})


@require_POST
def institution_set_active(request, pk: int, active: bool):
    """Deactivate or reactivate an institution (never delete it)."""
    institution = perms.get_institution_for(request.user, pk, check=perms.can_manage_network)
    services.set_institution_active(institution, active)
    if active:
        messages.success(request, _("„%(name)s“ ist wieder aktiv.") % {"name": institution.name})
    else:
        messages.success(
            request,
            _("„%(name)s“ wurde deaktiviert und erscheint nicht mehr im Netzwerk.") % {"name": institution.name},
        )
    return redirect(institution)


def _edit_rows(request, institution, formset, title: str):
    if request.method == "POST" and formset.is_valid() and save_with_conflict_check(formset):
        messages.success(request, _("Die Änderungen wurden gespeichert."))
        return redirect(institution)
    return render(
        request,
        "network/institution_rows_form.html",
        {"institution": institution, "formset": formset, "title": title},
    )


def institution_contacts(request, pk: int):
    """Edit the institution's Ansprechpartner/innen (own Koordination or Administration)."""
    institution = perms.get_institution_for(request.user, pk, check=perms.can_edit_directory_entry)
    formset = ContactFormSet(request.POST or None, instance=institution)
    return _edit_rows(request, institution, formset, _("Ansprechpartner/innen"))


def institution_offers(request, pk: int):
    """Edit the institution's Angebote (own Koordination or Administration)."""
    institution = perms.get_institution_for(request.user, pk, check=perms.can_edit_directory_entry)
    formset = OfferFormSet(request.POST or None, instance=institution)
    return _edit_rows(request, institution, formset, _("Angebote"))


def institution_leaders(request, pk: int):
    """Edit the institution's Leitung (Administration)."""
    institution = perms.get_institution_for(request.user, pk, check=perms.can_manage_network)
    formset = LeaderFormSet(request.POST or None, instance=institution, form_kwargs={"institution": institution})
    return _edit_rows(request, institution, formset, _("Leitung"))
