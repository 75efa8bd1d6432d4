"""Anlagen of a Sitzung (partners' material) and of a case (case data: logged reads, never cached)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from conferences import access
from conferences import permissions as perms
from conferences.models import CaseAttachment, MeetingAttachment
from conferences.services import attachments as service
from kooperation.core import attachments
from kooperation.core.attachments import AttachmentForm, RemovalForm
from kooperation.core.errors import DomainError


def _upload(request, form, add, target, redirect_url):
    """Validate the form and call the service; a refusal of the content shows at the field."""
    if form.is_valid():
        try:
            attachment = add(request.user, target, **form.attachment_data())
        except DomainError as error:
            form.add_error("file", error.message)
        else:
            messages.success(request, _("Die Anlage „%(name)s“ ist gespeichert.") % {"name": attachment.name})
            return redirect(redirect_url)
    return None


def meeting_attachments(request, pk: int):
    """A Sitzung's Anlagen (agenda material, presentations); partners' members add new ones."""
    meeting = access.get_meeting_for(request.user, pk)
    may_add = perms.can_add_meeting_attachment(request.user, meeting)
    form = AttachmentForm(request.POST or None, request.FILES or None, prefix="anlage")
    if request.method == "POST":
        perms.require(may_add)
        done = _upload(
            request, form, service.add_meeting_attachment, meeting, reverse("meeting_attachments", args=[meeting.pk])
        )
        if done:
            return done
    items = list(MeetingAttachment.objects.filter(meeting=meeting).select_related("uploaded_by", "removed_by"))
    for item in items:
        item.meeting = meeting
    return render(
        request,
        "conferences/meeting_attachments.html",
        {
            "meeting": meeting,
            "attachments": items,
            "form": form if may_add else None,
            "may_add": may_add,
            "may_remove": {a.pk for a in items if perms.can_remove_meeting_attachment(request.user, a)},
        },
    )


def _meeting_attachment(user, pk: int) -> MeetingAttachment:
    attachment = (
        MeetingAttachment.objects.filter(pk=pk, meeting__in=access.visible_meetings(user))
        .select_related("meeting__agreement", "uploaded_by")
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment


def meeting_attachment_file(request, pk: int):
    attachment = _meeting_attachment(request.user, pk)
    if attachment.is_removed or not attachment.file:
        raise Http404
    return attachments.download(attachment)


def meeting_attachment_remove(request, pk: int):
    attachment = _meeting_attachment(request.user, pk)
    perms.require(perms.can_remove_meeting_attachment(request.user, attachment))
    form = RemovalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service.remove_meeting_attachment(request.user, attachment, form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error("reason", error.message)
        else:
            messages.success(request, _("Die Anlage ist entfernt."))
            return redirect("meeting_attachments", pk=attachment.meeting_id)
    return render(
        request,
        "conferences/attachment_remove.html",
        {
            "attachment": attachment,
            "form": form,
            "back_url": reverse("meeting_attachments", args=[attachment.meeting_id]),
        },
    )


def case_attachments(request, pk: int):
    """A case's Anlagen (e.g. the signed consent form): the team reads, Fachkraft and Koordination add."""
    if request.method == "POST":
        case = access.get_case_for(request.user, pk, read=None, check=perms.can_edit_case)
    else:
        case = access.get_case_for(request.user, pk, read="Anlagen des Falls")
    may_add = perms.can_edit_case(request.user, case)
    form = AttachmentForm(request.POST or None, request.FILES or None, prefix="anlage")
    if request.method == "POST":
        done = _upload(request, form, service.add_case_attachment, case, reverse("case_attachments", args=[case.pk]))
        if done:
            return done
    items = list(CaseAttachment.objects.filter(case=case).select_related("uploaded_by", "removed_by"))
    for item in items:
        item.case = case
    return render(
        request,
        "conferences/case_attachments.html",
        {
            "case": case,
            "attachments": items,
            "form": form if may_add else None,
            "may_add": may_add,
            "may_remove": {a.pk for a in items if perms.can_remove_case_attachment(request.user, a)},
        },
    )


def case_attachment_file(request, pk: int):
    """The file of a case's Anlage; the read is logged once the file is known to exist."""
    attachment = access.get_case_attachment_for(request.user, pk, read="Anlage des Falls (Datei)", document=True)
    return attachments.download(attachment)


def case_attachment_remove(request, pk: int):
    read = None if request.method == "POST" else "Anlage des Falls (Entfernen)"
    attachment = access.get_case_attachment_for(request.user, pk, read=read, write=True)
    form = RemovalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service.remove_case_attachment(request.user, attachment, form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error("reason", error.message)
        else:
            messages.success(request, _("Die Anlage ist entfernt."))
            return redirect("case_attachments", pk=attachment.case_id)
    return render(
        request,
        "conferences/attachment_remove.html",
        {"attachment": attachment, "form": form, "back_url": reverse("case_attachments", args=[attachment.case_id])},
    )
