"""Sitzungen of the working structure: agenda, attendance, minutes and decisions (seed 003: Nachweis)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement, BoardMember, Subgroup
from kooperation.core.concurrency import Versioned
from kooperation.core.limits import date_validators


class Body(models.TextChoices):
    VORBEREITUNGSGRUPPE = "vorbereitungsgruppe", _("Vorbereitungsgruppe")
    KOOPERATIONSGREMIUM = "kooperationsgremium", _("Kooperationsgremium")
    UNTERGRUPPE = "untergruppe", _("Untergruppe")
    QUALITAETSDIALOG = "qualitaetsdialog", _("Qualitätsdialog")


class AttendanceStatus(models.TextChoices):
    ANWESEND = "anwesend", _("anwesend")
    ENTSCHULDIGT = "entschuldigt", _("entschuldigt")
    ABWESEND = "abwesend", _("nicht anwesend")


class MeetingQuerySet(models.QuerySet):
    def visible_to(self, user) -> MeetingQuerySet:
        """Meetings of the agreements the user sees (partners' users; Administration reads all).

        An Untergruppe's minutes stay with the subgroup and the Kooperationsgremium: its members,
        the Gremium's members, the Protokollführung, whoever planned it and the invited.
        """
        if not user.is_authenticated:
            return self.none()
        scoped = self.filter(agreement__in=Agreement.objects.visible_to(user).values("pk"))
        in_subgroup = Subgroup.members.through.objects.filter(subgroup_id=OuterRef("subgroup_id"), user_id=user.pk)
        on_board = BoardMember.objects.filter(agreement_id=OuterRef("agreement_id"), user_id=user.pk)
        invited = Meeting.invited.through.objects.filter(meeting_id=OuterRef("pk"), user_id=user.pk)
        return scoped.filter(
            ~Q(body=Body.UNTERGRUPPE)
            | Q(recorder_id=user.pk)
            | Q(created_by_id=user.pk)
            | Exists(in_subgroup)
            | Exists(on_board)
            | Exists(invited)
        )


class Meeting(Versioned):
    """A Sitzung of the Vorbereitungsgruppe, the Kooperationsgremium or an Untergruppe of one agreement."""

    agreement = models.ForeignKey(
        "agreements.Agreement", on_delete=models.PROTECT, related_name="meetings", verbose_name=_("Vereinbarung")
    )
    body = models.CharField(_("Gremium"), max_length=30, choices=Body.choices)
    subgroup = models.ForeignKey(
        "agreements.Subgroup",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("Untergruppe"),
    )
    quality_dialogue = models.ForeignKey(
        "agreements.QualityDialogue",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("Qualitätsdialog"),
    )
    title = models.CharField(_("Anlass"), max_length=200, blank=True, help_text=_("z. B. 3. Arbeitstreffen"))
    date = models.DateField(_("Datum"), validators=date_validators())
    start_time = models.TimeField(_("Beginn"))
    end_time = models.TimeField(_("Ende"), null=True, blank=True)
    place = models.CharField(_("Ort"), max_length=200)
    recorder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("Protokollführung")
    )
    invited = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("eingeladen")
    )
    invited_at = models.DateTimeField(_("zuletzt eingeladen am"), null=True, blank=True)
    finalised_at = models.DateTimeField(_("abgeschlossen am"), null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("abgeschlossen von"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("angelegt von")
    )
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-start_time", "-pk"]
        verbose_name = _("Sitzung")
        verbose_name_plural = _("Sitzungen")

    def __str__(self) -> str:
        return _("%(body)s am %(date)s") % {"body": self.body_label, "date": formats.date_format(self.date, "d.m.Y")}

    def get_absolute_url(self) -> str:
        return reverse("meeting_detail", args=[self.pk])

    def get_additional_data(self) -> dict:
        return {"meeting_id": self.pk}

    @property
    def body_label(self) -> str:
        if self.body == Body.UNTERGRUPPE and self.subgroup_id:
            return self.subgroup.name
        if self.body == Body.QUALITAETSDIALOG and self.quality_dialogue_id:
            return str(self.quality_dialogue)
        return str(self.get_body_display())

    @property
    def is_final(self) -> bool:
        return self.finalised_at is not None


class MeetingPart(Versioned):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    def get_additional_data(self) -> dict:
        return {"meeting_id": self.meeting_id}


class AgendaItem(MeetingPart):
    """A Tagesordnungspunkt with its minutes and decisions."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    title = models.CharField(_("Tagesordnungspunkt"), max_length=300)
    minutes = models.TextField(_("Protokoll"), blank=True)
    decisions = models.TextField(_("Beschlüsse"), blank=True)

    class Meta(MeetingPart.Meta):
        verbose_name = _("Tagesordnungspunkt")
        verbose_name_plural = _("Tagesordnung")

    def __str__(self) -> str:
        return self.title


class Attendance(MeetingPart):
    """Who attended for which partner institution (seed 003: Anwesenheitslisten)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    institution = models.ForeignKey(
        "network.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("Institution")
    )
    name = models.CharField(_("Name"), max_length=150)
    function = models.CharField(_("Funktion"), max_length=150, blank=True)
    status = models.CharField(
        _("Anwesenheit"), max_length=20, choices=AttendanceStatus.choices, default=AttendanceStatus.ANWESEND
    )

    class Meta(MeetingPart.Meta):
        verbose_name = _("Anwesenheit")
        verbose_name_plural = _("Anwesenheit")

    def __str__(self) -> str:
        return self.name
