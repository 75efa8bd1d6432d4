"""Binding tasks (Aufgaben) from Hilfekonferenzen and Sitzungen: was, wer, bis wann, wie, mit wem."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from conferences.models.case import Case
from conferences.models.conference import Conference
from conferences.models.meeting import Meeting
from kooperation.core.concurrency import Versioned
from kooperation.core.limits import date_validators
from kooperation.network.scope import institution_ids


class TaskStatus(models.TextChoices):
    OFFEN = "offen", _("offen")
    ERLEDIGT = "erledigt", _("erledigt")
    ENTFALLEN = "entfallen", _("entfallen")


class TaskQuerySet(models.QuerySet):
    def visible_to(self, user) -> TaskQuerySet:
        """Tasks of the cases, conferences (invitees) and meetings the user may see."""
        if not user.is_authenticated:
            return self.none()
        # The visible cases once, for the case tasks and inside the conference rule.
        visible_cases = Case.objects.visible_to(user).values("pk")
        return self.filter(
            Q(case__in=visible_cases)
            | Q(conference__in=Conference.objects.visible_to(user, visible_cases=visible_cases).values("pk"))
            | Q(meeting__in=Meeting.objects.visible_to(user).values("pk"))
        )

    def assigned_to(self, user) -> TaskQuerySet:
        """Tasks for the user in person or for one of the user's institutions."""
        return self.filter(Q(responsible_user=user) | Q(responsible_institution_id__in=institution_ids(user)))


class Task(Versioned):
    """A binding task of a Hilfekonferenz (with its case) or of a Sitzung."""

    case = models.ForeignKey("conferences.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="tasks")
    conference = models.ForeignKey(
        "conferences.Conference", on_delete=models.CASCADE, null=True, blank=True, related_name="tasks"
    )
    meeting = models.ForeignKey(
        "conferences.Meeting", on_delete=models.CASCADE, null=True, blank=True, related_name="tasks"
    )
    what = models.TextField(_("Was"))
    responsible_institution = models.ForeignKey(
        "network.Institution",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Wer – Institution"),
    )
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Wer – Person"),
    )
    due_on = models.DateField(_("Bis wann"), validators=date_validators())
    how = models.TextField(_("Wie"), blank=True)
    with_whom = models.CharField(_("Mit wem"), max_length=300, blank=True)
    status = models.CharField(_("Status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.OFFEN)
    status_note = models.TextField(_("Vermerk"), blank=True)
    status_changed_at = models.DateTimeField(_("Status geändert am"), null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Status geändert von"),
    )
    reminded_on = models.DateField(_("zuletzt erinnert am"), null=True, blank=True)
    position = models.PositiveIntegerField(_("Reihenfolge"), default=0)
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("Aufgabe")
        verbose_name_plural = _("Aufgaben")
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(conference__isnull=False, case__isnull=False, meeting__isnull=True)
                | Q(conference__isnull=True, case__isnull=True, meeting__isnull=False),
                name="task_belongs_to_a_conference_or_a_meeting",
            ),
        ]

    def __str__(self) -> str:
        # No task text: the string lands in the access log, which is not the place for case content.
        return _("Aufgabe bis %(date)s") % {"date": formats.date_format(self.due_on, "d.m.Y")}

    def get_additional_data(self) -> dict:
        if self.case_id:
            return {"case_id": self.case_id}
        return {"meeting_id": self.meeting_id}

    @property
    def is_open(self) -> bool:
        return self.status == TaskStatus.OFFEN

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_on < timezone.localdate()
