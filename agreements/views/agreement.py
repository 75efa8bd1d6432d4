"""Agreements: list, create, detail with completeness, partners, transitions, history, comparison."""

from __future__ import annotations

from datetime import date

from auditlog.models import LogEntry
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements import permissions as perms
from agreements.forms.agreement import (
    AgreementFilterForm,
    AgreementForm,
    PartnerFormSet,
    PartnerSelectForm,
)
from agreements.forms.collaboration import AgreementStartForm, Start
from agreements.models import Agreement, Partner
from agreements.queries import collaboration as collaboration_queries
from agreements.queries import sections as agreement_sections
from agreements.queries import structure as structure_queries
from agreements.queries.compare import compare_revisions
from agreements.services import agreement as agreement_service
from agreements.services import lifecycle, templates, validity
from agreements.services.contract import FROZEN
from kooperation.core.concurrency import ConflictError
from kooperation.core.errors import DomainError
from kooperation.core.forms import rebind_after_conflict, save_with_conflict_check
from kooperation.core.history import history_entries
from kooperation.core.widgets import show_without_validation

PAGE_SIZE = 20


def agreement_list(request):
    """List the agreements visible to the user, filterable and paginated."""
    form = AgreementFilterForm(request.GET or None, user=request.user)
    queryset = (
        form.filter_queryset(Agreement.objects.visible_to(request.user))
        .select_related("coordinating_institution")
        .prefetch_related(Prefetch("partners", queryset=Partner.objects.select_related("institution")))
        .order_by("-updated_at", "pk")
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "agreements/agreement_list.html",
        {
            "filter_form": form,
            "page_obj": page,
            "query": query.urlencode(),
            "can_create": perms.can_create_agreement(request.user),
        },
    )


def agreement_create(request):
    """Koordination creates an agreement with its partners: empty, from a Vorlage or as a copy."""
    perms.require(perms.can_create_agreement(request.user))
    form = AgreementStartForm(request.POST or None, user=request.user)
    if request.method == "POST" and "_suchen" in request.POST:
        # Without JavaScript the partner search submits the form: show the matches, not errors.
        show_without_validation(form)
        return render(request, "agreements/agreement_create.html", {"form": form})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            "title": data["title"],
            "preamble": data["preamble"],
            "coordinating_institution": data["coordinating_institution"],
            "institutions": data["partners"],
        }
        if data["start"] == Start.TEMPLATE:
            agreement = templates.create_from_template(request.user, data["template"], **fields)
        elif data["start"] == Start.COPY:
            agreement = templates.copy_agreement(request.user, data["source"], **fields)
        else:
            agreement = agreement_service.create_agreement(request.user, **fields)
        messages.success(request, _("Die Vereinbarung „%(title)s“ wurde angelegt.") % {"title": agreement.title})
        return redirect(agreement)
    return render(request, "agreements/agreement_create.html", {"form": form})


def _with_detail(queryset):
    """The full text, and whether later revisions exist (for "Revisionen vergleichen"), in the same query."""
    later = Agreement.objects.filter(series_root_id=OuterRef("pk"))
    return agreement_sections.with_full_text(queryset).annotate(has_later_revisions=Exists(later))


def _full_agreement(user, pk: int) -> Agreement:
    return perms.get_agreement_for(user, pk, load=_with_detail)


def agreement_detail(request, pk: int):
    """Show every section with its completeness, the partners, the lifecycle and its buttons."""
    agreement = _full_agreement(request.user, pk)
    # The transition checks reuse the loaded text and partners.
    agreement._full_text_cache = agreement
    agreement._structure_cache = structure_queries.Structure(agreement, partners=list(agreement.partners.all()))
    states = agreement_sections.completeness(agreement)
    open_comments = collaboration_queries.open_comment_counts(agreement)
    for state in states:
        state.open_comments = open_comments.get(state.section.key, 0)
    available = lifecycle.available(request.user, agreement)
    return render(
        request,
        "agreements/agreement_detail.html",
        {
            "agreement": agreement,
            "states": states,
            "complete_count": sum(1 for s in states if s.complete),
            "can_edit": perms.can_edit_agreement(request.user, agreement),
            # Steps forward lead the page; exits (with a reason on their own page) wait in the danger zone.
            "transitions": [(t, decision) for t, decision in available if not t.needs_comment],
            "exits": [(t, decision) for t, decision in available if t.needs_comment],
            "status_changes": agreement.status_changes.select_related("by"),
            # A later revision points at its series' root (which cannot be deleted), a root has later ones.
            "several_revisions": agreement.series_root_id is not None or agreement.has_later_revisions,
            "frozen_statuses": FROZEN,
            "can_amend": perms.can_amend(request.user, agreement),
        },
    )


def agreement_edit(request, pk: int):
    """Edit title and preamble."""
    agreement = perms.get_agreement_for(request.user, pk, write=True)
    form = AgreementForm(request.POST or None, instance=agreement)
    if request.method == "POST" and form.is_valid() and save_with_conflict_check(form):
        agreement.touch()
        messages.success(request, _("Die Änderungen wurden gespeichert."))
        return redirect(agreement)
    return render(request, "agreements/agreement_form.html", {"form": form, "agreement": agreement})


def agreement_partners(request, pk: int):
    """Choose the partner institutions and record what each brings and expects."""
    agreement = perms.get_agreement_for(request.user, pk, write=True)
    action = request.POST.get("action") if request.method == "POST" else None
    searching = request.method == "POST" and "_suchen" in request.POST
    select_form = PartnerSelectForm(
        request.POST if action == "partners" or searching else None, agreement=agreement, prefix="auswahl"
    )
    if searching:  # the partner search without JavaScript: show the matches, save nothing
        show_without_validation(select_form)
        action = None
    formset = PartnerFormSet(
        request.POST if action == "contributions" else None,
        instance=agreement,
        queryset=Partner.objects.filter(agreement=agreement).select_related("institution"),
        prefix="partner",
    )
    if action == "partners" and select_form.is_valid():
        try:
            removed, added = agreement_service.set_partners(
                agreement, select_form.cleaned_data["institutions"], select_form.cleaned_data["version"]
            )
        except ConflictError as conflict:
            # Keep the user's choice, but against the current state, and say what is saved now.
            saved = ", ".join(p.institution.name for p in conflict.current.partners.select_related("institution"))
            select_form = rebind_after_conflict(
                PartnerSelectForm,
                request.POST,
                conflict.current,
                _(
                    "Die Partnerliste wurde inzwischen von jemand anderem geändert. Gespeichert sind jetzt: "
                    "%(partners)s. Ihre Auswahl steht noch im Formular; speichern Sie erneut, um sie zu übernehmen."
                )
                % {"partners": saved},
                agreement=conflict.current,
                prefix="auswahl",
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            if added or removed:
                messages.success(request, _("Die Partnerliste wurde gespeichert."))
            return redirect("agreement_partners", pk=agreement.pk)
    prefilled = [] if formset.is_bound else _prefill_from_reflections(agreement, formset)
    if action == "contributions" and formset.is_valid() and save_with_conflict_check(formset):
        agreement.touch()
        messages.success(request, _("Die Beiträge und Erwartungen wurden gespeichert."))
        return redirect(agreement)
    return render(
        request,
        "agreements/agreement_partners.html",
        {"agreement": agreement, "select_form": select_form, "formset": formset, "prefilled": prefilled},
    )


def _prefill_from_reflections(agreement: Agreement, formset) -> list[str]:
    """Say it once: empty fields start with the partner's answer from its internal clarification.

    Only the form's initial value: nothing is saved until someone saves the page (and so has read it).
    Returns the names of the institutions whose answers were taken over.
    """
    suggestions = structure_queries.reflection_suggestions(agreement)
    prefilled = []
    for form in formset.forms:
        taken = False
        for name, text in suggestions.get(form.instance.pk, {}).items():
            if not getattr(form.instance, name):
                form.initial[name] = text
                form.fields[name].help_text = _("Aus der internen Klärung übernommen – bitte prüfen und speichern.")
                taken = True
        if taken:
            prefilled.append(form.instance.institution.name)
    return prefilled


def agreement_transition(request, pk: int, name: str):
    """A lifecycle step: GET shows the confirmation page (works without JavaScript), POST takes it.

    Refusals say why. Ending an agreement in force may instead give notice (Kündigung) to a later date.
    """
    agreement = perms.get_agreement_for(request.user, pk)
    transition = lifecycle.TRANSITIONS.get(name)
    if transition is None:
        raise Http404
    if request.method == "POST":
        comment = request.POST.get("comment", "")
        try:
            notice_on = _notice_date(request.POST.get("on", ""))
            if name == "end" and notice_on and notice_on > timezone.localdate():
                agreement = validity.give_notice(request.user, agreement, notice_on, comment)
                messages.success(
                    request,
                    _("Die Vereinbarung ist zum %(date)s gekündigt.") % {"date": notice_on.strftime("%d.%m.%Y")},
                )
                return redirect("agreement_detail", pk=pk)
            agreement = lifecycle.perform(request.user, agreement, name, comment)
        except DomainError as error:
            messages.error(request, error.message)
            if transition.needs_comment:
                return redirect("agreement_transition", pk=pk, name=name)
        else:
            messages.success(
                request,
                _("Die Vereinbarung hat jetzt den Status „%(status)s“.") % {"status": agreement.get_status_display()},
            )
        return redirect("agreement_detail", pk=pk)
    # The role decides whether the page opens; a missing precondition is shown on the page.
    perms.require(transition.allowed(request.user, agreement))
    decision = lifecycle.check(request.user, agreement, name)
    notice = name == "end" and agreement.status in perms.IN_FORCE
    return render(
        request,
        "agreements/transition_confirm.html",
        {
            "agreement": agreement,
            "transition": transition,
            "decision": decision,
            "notice": notice,
            "notice_months": agreement.term.notice_period_months if notice else None,
        },
    )


def _notice_date(value: str):
    """The optional "zum" date of an end: empty means now."""
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as error:
        raise DomainError(_("Bitte ein gültiges Datum angeben.")) from error


def agreement_history(request, pk: int):
    """The Verlauf: every change of the agreement and its rows, newest first."""
    agreement = perms.get_agreement_for(request.user, pk)
    entries = LogEntry.objects.filter(additional_data__agreement_id=agreement.pk).select_related(
        "actor", "content_type"
    )
    page = Paginator(entries.order_by("-timestamp", "-pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "agreements/agreement_history.html",
        {"agreement": agreement, "page_obj": page, "entries": history_entries(page.object_list)},
    )


def agreement_compare(request, pk: int):
    """Compare two revisions of the same agreement section by section."""
    agreement = perms.get_agreement_for(request.user, pk)
    revisions = list(agreement.revisions())
    by_pk = {r.pk: r for r in revisions}

    def pick(name, default):
        try:
            return by_pk[int(request.GET.get(name, default))]
        except (KeyError, TypeError, ValueError):
            raise Http404 from None

    older_default = agreement.predecessor_id or agreement.pk
    older, newer = pick("a", older_default), pick("b", agreement.pk)
    if older.revision > newer.revision:
        older, newer = newer, older
    full = {a.pk: a for a in agreement_sections.with_full_text(Agreement.objects.filter(pk__in={older.pk, newer.pk}))}
    return render(
        request,
        "agreements/agreement_compare.html",
        {
            "agreement": agreement,
            "revisions": revisions,
            "older": older,
            "newer": newer,
            "sections": compare_revisions(full[older.pk], full[newer.pk]),
        },
    )
