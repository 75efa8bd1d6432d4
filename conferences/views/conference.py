"""Hilfekonferenzen: plan, document, finalise, addenda, Ergebnisprotokoll as PDF, calendar file."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from conferences import access
from conferences import permissions as perms
from conferences.documents import ConferenceProtocol
from conferences.forms.protocol import (
    ConferencePlanForm,
    ConferenceTaskFormSet,
    CriterionCheckFormSet,
    FamilyParticipantFormSet,
    ProtocolForm,
    StaffParticipantFormSet,
)
from conferences.forms.shared import RowChoices, institutions_queryset, member_map
from conferences.ics import conference_calendar
from conferences.models import Conference, CriterionCheck, FamilyParticipant, StaffParticipant, Task
from conferences.queries.choices import case_staff, case_staff_with_roles
from conferences.queries.protocols import PROTOCOL_ROWS, finalise_check
from conferences.services.conferences import finalise_conference, plan_conference, replan_conference
from conferences.views.protocols import ProtocolEditor, addendum_page
from kooperation.core.documents import pdf_response
from kooperation.core.errors import DomainError
from kooperation.core.forms import save_with_conflict_check
from kooperation.core.rows import render_blank_row

ROW_KINDS = {
    "teilnehmende": (StaffParticipantFormSet, gettext_lazy("Neue Teilnehmerin / neuer Teilnehmer")),
    "familie": (FamilyParticipantFormSet, gettext_lazy("Neues Familienmitglied")),
    "aufgaben": (ConferenceTaskFormSet, gettext_lazy("Neue Aufgabe")),
}


def _load(user, pk: int, read: str) -> Conference:
    """The conference with every row of its protocol prefetched (the read is logged by the loader)."""
    conference = access.get_conference_for(user, pk, read=read)
    prefetch_related_objects([conference], *PROTOCOL_ROWS)
    return conference


def conference_create(request, pk: int):
    """Plan a Hilfekonferenz of the case; refused with the reason while a consent is missing."""
    case = access.get_case_for(request.user, pk, read="Hilfekonferenz planen", check=perms.can_document_conference)
    form = ConferencePlanForm(request.POST or None, staff=case_staff_with_roles(case))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            conference = plan_conference(
                request.user,
                case,
                date=data["date"],
                start_time=data["start_time"],
                end_time=data["end_time"],
                place=data["place"],
                moderator=data["moderator"],
                invited=list(data["invited"]),
                invited_family=data["invited_family"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Die Hilfekonferenz ist geplant; die Eingeladenen erhalten eine E-Mail mit einem Link.")
            )
            return redirect(conference)
    return render(request, "conferences/conference_plan.html", {"form": form, "case": case, "conference": None})


def conference_detail(request, pk: int):
    """The protocol (read-only view), with its actions; every read is logged."""
    conference = _load(request.user, pk, "Hilfekonferenz")
    case = conference.case
    return render(
        request,
        "conferences/conference_detail.html",
        {
            "conference": conference,
            "case": case,
            "can_edit": perms.can_edit_conference(request.user, conference),
            "can_finalise": finalise_check(request.user, conference),
            "can_add_addendum": perms.can_add_conference_addendum(request.user, conference),
            "consent_blocked": perms.consent_block_reason(case),
            "release": perms.protocol_release(request.user, conference),
            "updatable_tasks": perms.updatable_task_ids(request.user, conference.tasks.all(), case=case),
        },
    )


def conference_plan(request, pk: int):
    """Change date, place, moderation and the invited."""
    conference = access.get_conference_for(request.user, pk, read="Planung der Hilfekonferenz", write=True)
    case = conference.case
    form = ConferencePlanForm(request.POST or None, instance=conference, staff=case_staff_with_roles(case))
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with_conflict_check(form, save=lambda: replan_conference(request.user, form))
    ):
        messages.success(request, _("Die Planung wurde gespeichert."))
        return redirect(conference)
    return render(request, "conferences/conference_plan.html", {"form": form, "case": case, "conference": conference})


def protocol_formsets(conference: Conference, data=None) -> dict:
    case = conference.case
    institutions = institutions_queryset(perms.case_institution_ids(case))
    staff = case_staff(case)
    # Who belongs where is read only to validate a posted row: no query for showing the form.
    members = SimpleLazyObject(lambda: member_map(staff))
    choices = RowChoices(institutions, staff)  # one query each for both tables
    row_kwargs = {"institutions": institutions, "staff": staff, "members": members, "choices": choices}
    tasks = ConferenceTaskFormSet(
        data,
        instance=conference,
        queryset=Task.objects.filter(conference=conference).select_related("responsible_institution"),
        prefix="aufgaben",
        form_kwargs={
            **row_kwargs,
            "not_a_partner": _("Diese Institution ist an dem Fall nicht beteiligt. Bitte eine beteiligte wählen."),
        },
    )
    tasks.row_defaults = {"case": case}
    return {
        "teilnehmende": StaffParticipantFormSet(
            data,
            instance=conference,
            queryset=StaffParticipant.objects.filter(conference=conference),
            prefix="teilnehmende",
            form_kwargs=row_kwargs,
        ),
        "familie": FamilyParticipantFormSet(
            data,
            instance=conference,
            queryset=FamilyParticipant.objects.filter(conference=conference),
            prefix="familie",
        ),
        "kriterien": CriterionCheckFormSet(
            data,
            instance=conference,
            queryset=CriterionCheck.objects.filter(conference=conference),
            prefix="kriterien",
        ),
        "aufgaben": tasks,
    }


def conference_protocol(request, pk: int):
    """Document the conference: participants, analysis, help needs, criteria check, tasks, next date."""
    conference = access.get_conference_for(
        request.user, pk, read="Protokoll der Hilfekonferenz (Bearbeitung)", write=True
    )
    data = request.POST if request.method == "POST" else None
    editor = ProtocolEditor(ProtocolForm(data, instance=conference), protocol_formsets(conference, data))
    if request.method == "POST" and editor.is_valid() and editor.save():
        messages.success(request, _("Das Protokoll wurde gespeichert."))
        if "weiter" in request.POST:
            return redirect("conference_protocol", pk=conference.pk)
        return redirect(conference)
    return render(
        request,
        "conferences/conference_protocol.html",
        {"conference": conference, "case": conference.case, "editor": editor, **editor.formsets},
    )


def conference_row(request, pk: int, kind: str):
    """One empty row (participant, family member, task) for htmx to append."""
    if kind not in ROW_KINDS:
        raise Http404
    conference = access.get_conference_for(request.user, pk, read="Protokollzeile (Formular)", write=True)
    formset = protocol_formsets(conference)[kind]
    return render_blank_row(
        request,
        formset,
        "conferences/snippets/table_row.html" if formset.form.table_columns else "conferences/snippets/row.html",
        reverse("conference_protocol", args=[conference.pk]),
        {"kind": kind, "new_label": ROW_KINDS[kind][1]},
    )


@require_POST
def conference_finalise(request, pk: int):
    """Finalise the protocol (then read-only) and notify the participants with a link."""
    conference = access.get_conference_for(request.user, pk, read=None)
    try:
        finalise_conference(request.user, conference)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Das Ergebnisprotokoll ist abgeschlossen. Die Beteiligten wurden per E-Mail benachrichtigt (nur Link)."),
        )
    return redirect("conference_detail", pk=pk)


def conference_addendum(request, pk: int):
    """Add a dated correction to a finalised protocol."""
    conference = access.get_conference_for(
        request.user, pk, read="Nachtrag zur Hilfekonferenz", check=perms.can_add_conference_addendum
    )
    return addendum_page(request, conference, case=conference.case, conference=conference)


def conference_pdf(request, pk: int):
    """The Ergebnisprotokoll as PDF (the download is logged)."""
    conference = _load(request.user, pk, "Ergebnisprotokoll (PDF)")
    return pdf_response(ConferenceProtocol(conference, perms.protocol_release(request.user, conference)))


def conference_ics(request, pk: int):
    """The calendar file of the planned conference (no case content, only code, time and place)."""
    conference = access.get_conference_for(request.user, pk, read="Kalenderdatei")
    response = HttpResponse(conference_calendar(conference), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="Hilfekonferenz-{conference.case.code}.ics"'
    return response
