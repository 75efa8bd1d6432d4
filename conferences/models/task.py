"""Binding tasks (Aufgaben) from Hilfekonferenzen and Sitzungen: was, wer, bis wann, wie, mit wem."""

from __future__ import annotations

import operator
from functools import reduce

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
from kooperation.core.subqueries import compiled_subquery
from kooperation.network.models import Role
from kooperation.network.scope import institution_ids


class TaskStatus(models.TextChoices):
    OFFEN = "offen", _("offen")
    ERLEDIGT = "erledigt", _("erledigt")
    ENTFALLEN = "entfallen", _("entfallen")


class TaskQuerySet(models.QuerySet):
    def visible_to(self, user) -> TaskQuerySet:
        """Tasks of the cases, conferences (invitees) and meetings the user may see.

        The three rules are `Case`, `Conference` and `Meeting.objects.visible_to`, compiled once per
        `visibility_key` and reused as SQL (kooperation/core/subqueries.py): building and compiling them
        cost the start page and Meine Aufgaben more than the rest of the page.
        """
        if not user.is_authenticated:
            return self.none()
        key = visibility_key(user)
        cases = compiled_subquery(("case", *key), lambda: visible_cases(user), self.db)
        # The conference rule contains the case rule: compiled, it takes the case rule's SQL as it is.
        conferences = compiled_subquery(
            ("conference", *key),
            lambda: Conference.objects.visible_to(
                user, visible_cases=Case.objects.none() if cases is None else cases
            ).values("pk"),
            self.db,
        )
        meetings = compiled_subquery(("meeting", *key), lambda: visible_meetings(user), self.db)
        conditions = [
            Q(**{f"{field}__in": subquery})
            for field, subquery in (("case", cases), ("conference", conferences), ("meeting", meetings))
            if subquery is not None
        ]
        if not conditions:
            return self.none()
        return self.filter(reduce(operator.or_, conditions))

    def visible_to_uncompiled(self, user) -> TaskQuerySet:
        """`visible_to` as the ORM builds it each time (the reference the tests compare `visible_to` with)."""
        if not user.is_authenticated:
            return self.none()
        cases = Case.objects.visible_to_uncompiled(user).values("pk")
        return self.filter(
            Q(case__in=cases)
            | Q(conference__in=Conference.objects.visible_to(user, visible_cases=cases).values("pk"))
            | Q(meeting__in=visible_meetings(user))
        )

    def assigned_to(self, user) -> TaskQuerySet:
        """Tasks for the user in person or for one of the user's institutions."""
        return self.filter(assigned(user))


def assigned(user) -> Q:
    """The condition of `assigned_to` on a task's own row (also for an aggregate's filter)."""
    return Q(responsible_user=user) | Q(responsible_institution_id__in=institution_ids(user))


def visibility_key(user) -> tuple:
    """Everything the visibility rules of tasks read of the user and the clock (the compiled SQL's key).

    `Case.visible_to` (user, institutions, Koordination's institutions), `Conference.visible_to`
    (user, institutions, the day the consents are valid on), `Meeting.visible_to` (user, institutions,
    Administration). Whoever gives one of those rules a new input adds it here.
    """
    return (
        user.pk,
        user.is_administration,
        tuple(sorted(institution_ids(user))),
        tuple(sorted(institution_ids(user, Role.KOORDINATION))),
        timezone.localdate(),
    )


def visible_cases(user):
    return Case.objects.visible_to(user).values("pk")


def visible_meetings(user):
    return Meeting.objects.visible_to(user).values("pk")


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
