"""What conferences adds to agreement pages through agreements/panels.py (the registry turns the import around)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse

from agreements import panels
from agreements.permissions import is_partner_coordinator
from conferences.models import Body, Meeting, Task


def quality_meetings(request, dialogue) -> str:
    """The quality dialogue's Sitzungen and their agreed measures (tasks with owner and due date)."""
    meetings = list(
        Meeting.objects.visible_to(request.user)
        .filter(quality_dialogue=dialogue)
        .prefetch_related(
            Prefetch("tasks", queryset=Task.objects.select_related("responsible_user", "responsible_institution"))
        )
        .order_by("date", "start_time", "pk")
    )
    plan_url = None
    if is_partner_coordinator(request.user, dialogue.agreement):
        query = urlencode(
            {"agreement": dialogue.agreement_id, "body": Body.QUALITAETSDIALOG, "quality_dialogue": dialogue.pk}
        )
        plan_url = f"{reverse('meeting_create')}?{query}"
    return render_to_string(
        "conferences/snippets/quality_meetings.html",
        {"meetings": meetings, "plan_url": plan_url, "dialogue": dialogue},
        request=request,
    )


def register() -> None:
    panels.register(panels.QUALITY_DIALOGUE, quality_meetings)
