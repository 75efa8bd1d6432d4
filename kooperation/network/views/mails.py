"""Administration: the outgoing e-mails with their delivery state; a failed one can be sent again."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kooperation.network import permissions as perms
from kooperation.ops.models import MailStatus, OutgoingMail
from kooperation.ops.outbox import resend


def mail_list(request):
    """The outbox, newest first, filterable by status."""
    perms.require(perms.can_manage_users(request.user))
    status = request.GET.get("status", "")
    mails = OutgoingMail.objects.defer("body")
    if status in MailStatus.values:
        mails = mails.filter(status=status)
    page = Paginator(mails, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "network/mail_list.html",
        {
            "page_obj": page,
            "statuses": MailStatus.choices,
            "status": status,
            "query": f"status={status}" if status in MailStatus.values else "",
            "failed_count": OutgoingMail.objects.filter(status=MailStatus.FAILED).count(),
        },
    )


@require_POST
def mail_resend(request, pk: int):
    """Send an unsent mail again (a new series of attempts)."""
    perms.require(perms.can_manage_users(request.user))
    mail = get_object_or_404(OutgoingMail, pk=pk)
    if mail.status == MailStatus.SENT:
        messages.info(request, _("Diese E-Mail wurde bereits gesendet."))
    else:
        resend(mail)
        messages.success(
            request, _("Die E-Mail an %(recipient)s wird erneut gesendet.") % {"recipient": mail.recipient}
        )
    return redirect("mail_list")
