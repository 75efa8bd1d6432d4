"""The bell: a person's notifications, marking them read, and their notification settings."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kooperation.core.redirects import is_local_path
from kooperation.network import notifications as service
from kooperation.network.forms.notifications import NotificationSettingsForm

PAGE_SIZE = 25


def notification_list(request):
    """The person's notifications, newest first; unread ones stand out."""
    unread_only = request.GET.get("ungelesen") == "1"
    items = service.notifications_of(request.user)
    if unread_only:
        items = items.filter(read_at__isnull=True)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "network/notification_list.html",
        {
            "page_obj": page,
            "unread_only": unread_only,
            "query": "ungelesen=1" if unread_only else "",
            "unread": service.unread_count(request.user),
        },
    )


def notification_badge(request):
    """The bell's unread count (loaded by htmx, so ordinary pages spend no query on it)."""
    if not request.htmx:
        return redirect("notification_list")
    return render(
        request,
        "network/snippets/notification_badge.html",
        {"unread": service.unread_count(request.user), "cap": service.UNREAD_CAP},
    )


@require_POST
def notification_open(request, pk: int):
    """Mark a notification read and follow its link."""
    notification = service.get_notification_for(request.user, pk)
    service.mark_read(notification)
    if is_local_path(notification.path):
        return redirect(notification.path)
    return redirect("notification_list")


@require_POST
def notification_read(request, pk: int):
    """Mark a notification read and stay on the list."""
    service.mark_read(service.get_notification_for(request.user, pk))
    messages.success(request, _("Als gelesen markiert."))
    return redirect(_back(request))


@require_POST
def notification_read_all(request):
    """Mark all of the person's notifications read."""
    count = service.mark_all_read(request.user)
    messages.success(request, _("%(count)d Benachrichtigungen als gelesen markiert.") % {"count": count})
    return redirect("notification_list")


def notification_settings(request):
    """Which notifications also come by e-mail, and whether reminders are sent."""
    current = service.settings_of(request.user)
    if request.method == "POST":
        form = NotificationSettingsForm(request.POST)
        if form.is_valid():
            service.save_settings(
                request.user, mailed_kinds=form.cleaned_data["mailed_kinds"], reminders=form.cleaned_data["reminders"]
            )
            messages.success(request, _("Ihre Einstellungen wurden gespeichert."))
            return redirect("notification_settings")
    else:
        form = NotificationSettingsForm(
            initial={
                "mailed_kinds": [value for value, _label in service.mailable_kinds() if current.mails(value)],
                "reminders": current.reminders,
            }
        )
    return render(request, "network/notification_settings.html", {"form": form})


def _back(request) -> str:
    target = request.POST.get("next", "")
    return target if is_local_path(target) else "notification_list"
