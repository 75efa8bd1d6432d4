"""The Kooperationsblatt (seed 004): an agreement on one page, with open tasks of its meetings.

It reads agreements and meetings, so it lives above both apps.
"""

from __future__ import annotations

from itertools import zip_longest

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from agreements import permissions as perms
from agreements.documents import load
from agreements.models import Agreement, QualityDialogue
from agreements.queries import quality
from conferences.models import Task, TaskStatus
from kooperation.core.documents import PdfRenderer, pdf_response
from kooperation.network.models import Contact


class CooperationSheetRenderer(PdfRenderer):
    """The Kooperationsblatt (seed 004): the agreement on one page, for filing and for partners without the app."""

    template_name = "print/cooperation_sheet.html"
    stylesheets = ("css/print-base.css", "css/print-sheet.css")
    max_contacts = 2
    max_tasks = 8

    def __init__(self, agreement: Agreement):
        self.agreement = load(agreement)

    def filename(self) -> str:
        return f"Kooperationsblatt-{self.agreement.pk}-Rev{self.agreement.revision:03d}.pdf"

    def metadata(self) -> dict:
        return {"title": _("Kooperationsblatt: %(title)s") % {"title": self.agreement.title}}

    def get_context(self) -> dict:
        agreement = self.agreement
        ids = [p.institution_id for p in agreement.partners.all()]
        contacts: dict[int, list] = {}
        for contact in Contact.objects.filter(institution_id__in=ids).order_by("position", "pk"):
            contacts.setdefault(contact.institution_id, []).append(contact)
        dialogue = QualityDialogue.objects.filter(agreement__in=agreement.revisions()).order_by("-year").first()
        dims = quality.dimensions()
        levels = []
        if dialogue:
            _years, series = quality.history([dialogue], dims)
            levels = [(s.dimension, s.points[0] if s.points else None) for s in series]
        tasks, more_tasks = open_meeting_tasks(agreement, self.max_tasks)
        partners = [(p, contacts.get(p.institution_id, [])[: self.max_contacts]) for p in agreement.partners.all()]
        goals = list(agreement.goals.all())
        # Two columns as table cells: CSS `columns` made WeasyPrint spend ~95 % of the sheet's time balancing them.
        left, right = halves(partners)
        first, second = halves(goals) if len(goals) > 2 else (goals, [])
        goal_columns = [(1, first), (len(first) + 1, second)] if second else [(1, first)]
        return {
            "agreement": agreement,
            "partners": partners,
            "partner_rows": list(zip_longest(left, right)),
            "goals": goals,
            "goal_columns": goal_columns,
            "dialogue": dialogue,
            "levels": levels,
            "tasks": tasks,
            "more_tasks": more_tasks,
            "running_title": _("Kooperationsblatt"),
            "running_revision": f"{agreement.revision_label} · {agreement.get_status_display()}",
            "running_fingerprint": _("Stand %(date)s") % {"date": formats.date_format(timezone.localdate(), "d.m.Y")},
        }


def halves(items: list) -> tuple[list, list]:
    """The first half (one more if odd) for the left column, the rest for the right one: read down, then across."""
    middle = (len(items) + 1) // 2
    return items[:middle], items[middle:]


def open_meeting_tasks(agreement: Agreement, limit: int) -> tuple[list, int]:
    """Open tasks from the agreement's meetings (never from cases: those are social data)."""
    tasks = (
        Task.objects.filter(meeting__agreement__in=agreement.revisions(), status=TaskStatus.OFFEN)
        .select_related("responsible_institution", "responsible_user")
        .order_by("due_on", "pk")
    )
    found = list(tasks[: limit + 1])
    return found[:limit], max(0, tasks.count() - limit) if len(found) > limit else 0


def cooperation_sheet(request, pk: int):
    """The Kooperationsblatt as a one-page PDF."""
    agreement = perms.get_agreement_for(request.user, pk)
    return pdf_response(CooperationSheetRenderer(agreement))
