"""Anlagen of an agreement and comment threads on its sections."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agreements import permissions as perms
from agreements.forms.collaboration import AgreementAttachmentForm, CommentForm, ReplyForm
from agreements.queries import collaboration as queries
from agreements.queries.sections import SECTIONS_BY_KEY
from agreements.services import collaboration
from kooperation.core import attachments
from kooperation.core.attachments import RemovalForm
from kooperation.core.errors import DomainError


def agreement_attachments(request, pk: int):
    """The Anlagen with who added (or removed) them when; partners' members add new ones."""
    agreement = perms.get_agreement_for(request.user, pk)
    may_add = perms.can_add_attachment(request.user, agreement)
    form = AgreementAttachmentForm(
        request.POST or None, request.FILES or None, editable=agreement.is_editable, prefix="anlage"
    )
    if request.method == "POST":
        perms.require(may_add)
        if form.is_valid():
            try:
                attachment = collaboration.add_attachment(request.user, agreement, **form.attachment_data())
            except DomainError as error:
                form.add_error("file", error.message)
            else:
                messages.success(request, _("Die Anlage „%(name)s“ ist gespeichert.") % {"name": attachment.name})
                return redirect("agreement_attachments", pk=agreement.pk)
    items = queries.attachments_of(agreement)
    for item in items:
        item.agreement = agreement
    return render(
        request,
        "agreements/attachments.html",
        {
            "agreement": agreement,
            "attachments": items,
            "form": form if may_add else None,
            "may_add": may_add,
            "may_remove": {a.pk for a in items if perms.can_remove_attachment(request.user, a)},
        },
    )


def attachment_file(request, pk: int):
    """Download an Anlage behind the agreement's access check."""
    attachment = perms.get_attachment_for(request.user, pk)
    if attachment.is_removed or not attachment.file:
        raise Http404
    return attachments.download(attachment)


def attachment_remove(request, pk: int):
    """Remove an Anlage with a reason: the row stays in the list and the Verlauf, the file is deleted."""
    attachment = perms.get_attachment_for(request.user, pk)
    perms.require(perms.can_remove_attachment(request.user, attachment))
    form = RemovalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            collaboration.remove_attachment(request.user, attachment, form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error("reason", error.message)
        else:
            messages.success(request, _("Die Anlage ist entfernt."))
            return redirect("agreement_attachments", pk=attachment.agreement_id)
    return render(
        request,
        "agreements/attachment_remove.html",
        {"agreement": attachment.agreement, "attachment": attachment, "form": form},
    )


def agreement_comments(request, pk: int, key: str):
    """A section's comment threads; partners' members start new ones and may @-mention people."""
    agreement = perms.get_agreement_for(request.user, pk)
    section = SECTIONS_BY_KEY.get(key)
    if section is None:
        raise Http404
    may_comment = perms.can_comment(request.user, agreement)
    form = CommentForm(request.POST or None, candidates=collaboration.mention_candidates(agreement), prefix="kommentar")
    if request.method == "POST":
        perms.require(may_comment)
        if form.is_valid():
            try:
                comment = collaboration.add_comment(
                    request.user,
                    agreement,
                    key,
                    form.cleaned_data["text"],
                    mentioned=form.cleaned_data["mentioned"],
                )
            except DomainError as error:
                form.add_error("text", error.message)
            else:
                messages.success(request, _("Ihr Kommentar ist gespeichert."))
                return redirect(collaboration.section_path(agreement, key) + f"#kommentar-{comment.pk}")
    items = queries.threads(agreement, key)
    for item in items:
        item.agreement = agreement
    return render(
        request,
        "agreements/comments.html",
        {
            "agreement": agreement,
            "section": section,
            "threads": items,
            "form": form if may_comment else None,
            "may_comment": may_comment,
            "reply_form": ReplyForm(prefix="antwort"),
            "may_resolve": {c.pk for c in items if perms.can_resolve_comment(request.user, c)},
            "can_edit": perms.can_edit_agreement(request.user, agreement),
        },
    )


@require_POST
def comment_reply(request, pk: int):
    """Answer a thread."""
    comment = perms.get_comment_for(request.user, pk)
    perms.require(perms.can_comment(request.user, comment.agreement))
    form = ReplyForm(request.POST, prefix="antwort")
    if form.is_valid():
        try:
            collaboration.add_comment(
                request.user, comment.agreement, comment.section, form.cleaned_data["text"], parent=comment
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Ihre Antwort ist gespeichert."))
    else:
        messages.error(request, _("Bitte einen Text für die Antwort eingeben (höchstens 5000 Zeichen)."))
    return redirect(collaboration.section_path(comment.agreement, comment.section) + f"#kommentar-{comment.pk}")


@require_POST
def comment_resolve(request, pk: int):
    """Mark a thread as erledigt."""
    comment = perms.get_comment_for(request.user, pk)
    perms.require(perms.can_resolve_comment(request.user, comment))
    try:
        collaboration.resolve_comment(request.user, comment)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Der Kommentar ist als erledigt markiert."))
    return redirect(collaboration.section_path(comment.agreement, comment.section) + f"#kommentar-{comment.pk}")
