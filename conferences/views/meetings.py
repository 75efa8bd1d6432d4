"""Sitzungen of the Vorbereitungsgruppe, the Kooperationsgremium and the Untergruppen."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from agreements import permissions as agreement_perms
from conferences import access
from conferences import permissions as perms
from conferences.documents import MeetingMinutes
from conferences.forms.filters import MeetingFilterForm
from conferences.forms.meetings import (
    AgendaFormSet,
    AttendanceRowsFormSet,
    MeetingCreateForm,
    MeetingForm,
    MeetingTaskFormSet,
)
from conferences.forms.shared import institutions_queryset, member_map
from conferences.models import AgendaItem, Attendance, AttendanceStatus, Body, Meeting, Task, TaskStatus
from conferences.queries.choices import meeting_agreements, partner_staff
from conferences.queries.protocols import MINUTES_ROWS, meeting_finalise_check
from conferences.services.meetings import body_members, finalise_meeting, invite_to_meeting
from conferences.views.protocols import ProtocolEditor, addendum_page
from kooperation.core.documents import pdf_response
from kooperation.core.errors import DomainError
from kooperation.core.rows import render_blank_row

PAGE_SIZE = 20
PRESETS = ("agreement", "body", "subgroup", "quality_dialogue")
ROW_KINDS = {
    "anwesenheit": gettext_lazy("Weitere Person"),
    "tagesordnung": gettext_lazy("Neuer Tagesordnungspunkt"),
    "aufgaben": gettext_lazy("Neue Aufgabe"),
}


def meeting_list(request):
    """Sitzungen of the user's agreements, newest first, filterable by agreement and body."""
    form = MeetingFilterForm(request.GET or None, user=request.user)
    queryset = (
        form.filter_queryset(Meeting.objects.visible_to(request.user))
        .select_related("agreement", "recorder", "subgroup", "quality_dialogue")
        .annotate(
            present=Count("attendance", filter=Q(attendance__status=AttendanceStatus.ANWESEND), distinct=True),
            open_tasks=Count("tasks", filter=Q(tasks__status=TaskStatus.OFFEN), distinct=True),
        )
        .order_by("-date", "-start_time", "-pk")
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "conferences/meeting_list.html",
        {
            "filter_form": form,
            "page_obj": page,
            "query": query.urlencode(),
            "can_create": perms.can_create_meeting(request.user),
        },
    )


def meeting_create(request):
    """Koordination of a partner records a Sitzung of one of its agreements."""
    perms.require(perms.can_create_meeting(request.user))
    agreements = meeting_agreements(request.user).order_by("title")
    # A link from the quality dialogue or a subgroup may preselect the agreement and the body.
    # Only initial values: the choices stay narrowed by the form, and a POST validates as always.
    preset = {name: request.GET[name] for name in PRESETS if name in request.GET}
    form = MeetingCreateForm(
        request.POST or None,
        agreements=agreements,
        staff=partner_staff(agreements.values("pk")),
        initial={"recorder": request.user.pk, **preset},
    )
    if request.method == "POST" and form.is_valid():
        meeting = form.save(commit=False)
        meeting.created_by = request.user
        meeting.save()
        messages.success(request, _("Die Sitzung wurde angelegt. Tragen Sie Tagesordnung und Anwesenheit ein."))
        return redirect("meeting_edit", pk=meeting.pk)
    return render(request, "conferences/meeting_create.html", {"form": form})


def _load(user, pk: int) -> Meeting:
    meeting = access.get_meeting_for(user, pk)
    prefetch_related_objects([meeting], *MINUTES_ROWS)
    return meeting


def meeting_detail(request, pk: int):
    """The minutes of a Sitzung with agenda, attendance, decisions and tasks."""
    meeting = _load(request.user, pk)
    return render(
        request,
        "conferences/meeting_detail.html",
        {
            "meeting": meeting,
            "can_edit": perms.can_edit_meeting(request.user, meeting),
            "can_finalise": meeting_finalise_check(request.user, meeting),
            "can_add_addendum": perms.can_add_meeting_addendum(request.user, meeting),
            "invited": list(meeting.invited.order_by("last_name", "first_name")),
            "body_members": body_members(meeting) if not meeting.is_final else [],
            "updatable_tasks": perms.updatable_task_ids(request.user, meeting.tasks.all(), meeting=meeting),
        },
    )


def minutes_formsets(meeting: Meeting, data=None) -> dict:
    partners = agreement_perms.partner_institution_ids(meeting.agreement)
    institutions = institutions_queryset(partners)
    staff = partner_staff([meeting.agreement_id])
    return {
        "anwesenheit": AttendanceRowsFormSet(
            data,
            instance=meeting,
            queryset=Attendance.objects.filter(meeting=meeting),
            prefix="anwesenheit",
            form_kwargs={"institutions": institutions},
        ),
        "tagesordnung": AgendaFormSet(
            data, instance=meeting, queryset=AgendaItem.objects.filter(meeting=meeting), prefix="tagesordnung"
        ),
        "aufgaben": MeetingTaskFormSet(
            data,
            instance=meeting,
            queryset=Task.objects.filter(meeting=meeting),
            prefix="aufgaben",
            form_kwargs={
                "institutions": institutions,
                "staff": staff,
                "members": member_map(staff),
                "not_a_partner": _("Diese Institution ist nicht Partner der Vereinbarung."),
                # The quality dialogue's agreed measures each have an owner (they land in Meine Aufgaben).
                "owner_required": meeting.body == Body.QUALITAETSDIALOG,
            },
        ),
    }


def meeting_edit(request, pk: int):
    """Edit the Sitzung: data, attendance, agenda with minutes and decisions, tasks; saved atomically."""
    meeting = access.get_meeting_for(request.user, pk, write=True)
    data = request.POST if request.method == "POST" else None
    staff = partner_staff([meeting.agreement_id])
    editor = ProtocolEditor(MeetingForm(data, instance=meeting, staff=staff), minutes_formsets(meeting, data))
    if request.method == "POST" and editor.is_valid() and editor.save():
        messages.success(request, _("Das Sitzungsprotokoll wurde gespeichert."))
        if "weiter" in request.POST:
            return redirect("meeting_edit", pk=meeting.pk)
        return redirect(meeting)
    return render(
        request,
        "conferences/meeting_edit.html",
        {"meeting": meeting, "editor": editor, "form": editor.form, **editor.formsets},
    )


def meeting_row(request, pk: int, kind: str):
    if kind not in ROW_KINDS:
        raise Http404
    meeting = access.get_meeting_for(request.user, pk, write=True)
    formset = minutes_formsets(meeting)[kind]
    return render_blank_row(
        request,
        formset,
        "conferences/snippets/row.html",
        reverse("meeting_edit", args=[meeting.pk]),
        {"kind": kind, "new_label": ROW_KINDS[kind]},
    )


@require_POST
def meeting_invite(request, pk: int):
    """Send the body's members the invitation with the calendar file attached."""
    meeting = access.get_meeting_for(request.user, pk, write=True)
    try:
        invitees = invite_to_meeting(request.user, meeting)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Die Einladung mit Kalenderdatei ging an %(count)d Personen.") % {"count": len(invitees)}
        )
    return redirect("meeting_detail", pk=pk)


@require_POST
def meeting_finalise(request, pk: int):
    meeting = access.get_meeting_for(request.user, pk)
    try:
        finalise_meeting(request.user, meeting)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Das Sitzungsprotokoll ist abgeschlossen."))
    return redirect("meeting_detail", pk=pk)


def meeting_addendum(request, pk: int):
    """Add a dated correction to a finalised meeting protocol."""
    meeting = access.get_meeting_for(request.user, pk)
    perms.require(perms.can_add_meeting_addendum(request.user, meeting))
    return addendum_page(request, meeting, case=None, meeting=meeting)


def meeting_pdf(request, pk: int):
    meeting = _load(request.user, pk)
    return pdf_response(MeetingMinutes(meeting))
