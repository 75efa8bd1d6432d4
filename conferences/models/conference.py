"""The Hilfekonferenz: plan, participants, the check of the Basiskriterien, and addenda after finalising."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from conferences.models.case import Case, FamilyRole
from kooperation.core.concurrency import Versioned
from kooperation.core.limits import date_validators


class Rating(models.TextChoices):
    ERFUELLT = "erfuellt", _("erfüllt")
    TEILWEISE = "teilweise", _("teilweise erfüllt")
    NICHT_ERFUELLT = "nicht_erfuellt", _("nicht erfüllt")
    NICHT_BEURTEILBAR = "nicht_beurteilbar", _("nicht beurteilbar")


class ConferenceQuerySet(models.QuerySet):
    def visible_to(self, user, *, visible_cases=None) -> ConferenceQuerySet:
        """Conferences of the cases the user reads, and those the user is invited to.

        An invitee joins the team for that conference only, and only while the invitee's
        institution still has access to the case (owner, or covered by a valid consent).
        `visible_cases` is `Case.objects.visible_to(user).values("pk")` when the caller built it
        already (building that subquery costs more than running it).
        """
        if not user.is_authenticated:
            return self.none()
        if visible_cases is None:
            visible_cases = Case.objects.visible_to(user).values("pk")
        invited = Conference.invited.through.objects.filter(conference_id=OuterRef("pk"), user_id=user.pk)
        return self.filter(
            Q(case__in=visible_cases) | (Exists(invited) & Q(case__in=Case.objects.of_institutions(user).values("pk")))
        )


class Conference(Versioned):
    """One Hilfekonferenz of a case; finalising makes its Ergebnisprotokoll read-only."""

    case = models.ForeignKey("conferences.Case", on_delete=models.PROTECT, related_name="conferences")
    date = models.DateField(_("Datum"), validators=date_validators())
    start_time = models.TimeField(_("Beginn"))
    end_time = models.TimeField(_("Ende"), null=True, blank=True)
    place = models.CharField(_("Ort"), max_length=200)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Moderation"),
    )
    invited = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("eingeladene Fachkräfte")
    )
    invited_family = models.JSONField(_("eingeladene Familienmitglieder"), default=list, blank=True)
    situation = models.TextField(_("Situationsanalyse"), blank=True)
    needs_parents = models.TextField(_("Hilfebedarf Mutter/Eltern"), blank=True)
    needs_child = models.TextField(_("Hilfebedarf Kind"), blank=True)
    next_date = models.DateField(_("nächster Termin"), null=True, blank=True, validators=date_validators())
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

    objects = ConferenceQuerySet.as_manager()

    class Meta:
        ordering = ["date", "start_time", "pk"]
        verbose_name = _("Hilfekonferenz")
        verbose_name_plural = _("Hilfekonferenzen")

    def __str__(self) -> str:
        return _("Hilfekonferenz am %(date)s") % {"date": formats.date_format(self.date, "d.m.Y")}

    def get_absolute_url(self) -> str:
        return reverse("conference_detail", args=[self.pk])

    def get_additional_data(self) -> dict:
        return {"case_id": self.case_id}

    @property
    def is_final(self) -> bool:
        return self.finalised_at is not None

    @property
    def is_planned(self) -> bool:
        """Still ahead: nobody has taken part yet, the people listed are invited."""
        return not self.is_final and self.date > timezone.localdate()

    def invited_family_labels(self) -> list[str]:
        labels = dict(FamilyRole.choices)
        return [str(labels[key]) for key in self.invited_family if key in labels]


class ConferencePart(Versioned):
    """A row of a conference's protocol."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    def get_additional_data(self) -> dict:
        return {"case_id": self.conference.case_id}


class StaffParticipant(ConferencePart):
    """A member of staff at the conference, always with their institution."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="staff")
    institution = models.ForeignKey(
        "network.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("Institution")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Person (Konto)"),
    )
    name = models.CharField(
        _("Name"), max_length=150, blank=True, help_text=_("Für Fachkräfte ohne Konto in Kooperation.")
    )
    function = models.CharField(_("Funktion"), max_length=150, blank=True)
    present = models.BooleanField(_("nahm teil"), default=True)

    class Meta(ConferencePart.Meta):
        verbose_name = _("Teilnehmer/in (Fachkraft)")
        verbose_name_plural = _("Teilnehmende (Fachkräfte)")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return str(self.user) if self.user_id else self.name


class FamilyParticipant(ConferencePart):
    """A family member, only by role (Mutter, Vater …), and whether they took part."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="family")
    role = models.CharField(_("Rolle"), max_length=20, choices=FamilyRole.choices)
    present = models.BooleanField(_("nahm teil"), default=True)

    class Meta(ConferencePart.Meta):
        verbose_name = _("Familienmitglied")
        verbose_name_plural = _("Familienmitglieder")

    def __str__(self) -> str:
        return self.get_role_display()


class CriterionCheck(ConferencePart):
    """The check of one Basiskriterium in this conference; the text is copied so later edits keep history."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="checks")
    criterion = models.ForeignKey(
        "agreements.Criterion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("Basiskriterium"))
    rating = models.CharField(_("Einschätzung"), max_length=20, choices=Rating.choices, blank=True)
    note = models.TextField(_("Bemerkung"), blank=True)

    class Meta(ConferencePart.Meta):
        verbose_name = _("Prüfung eines Basiskriteriums")
        verbose_name_plural = _("Prüfung der Basiskriterien")

    def __str__(self) -> str:
        return _("Basiskriterium %(number)d") % {"number": self.position + 1}


class Addendum(models.Model):
    """A dated correction or addition to a finalised protocol (Hilfekonferenz or Sitzung)."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, null=True, blank=True, related_name="addenda")
    meeting = models.ForeignKey(
        "conferences.Meeting", on_delete=models.CASCADE, null=True, blank=True, related_name="addenda"
    )
    text = models.TextField(_("Nachtrag"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("von")
    )
    created_at = models.DateTimeField(_("am"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("Nachtrag")
        verbose_name_plural = _("Nachträge")
        constraints = [
            models.CheckConstraint(
                condition=Q(conference__isnull=False, meeting__isnull=True)
                | Q(conference__isnull=True, meeting__isnull=False),
                name="addendum_belongs_to_one_protocol",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Nachtrag"))

    def get_additional_data(self) -> dict:
        if self.conference_id:
            return {"case_id": self.conference.case_id}
        return {"meeting_id": self.meeting_id}
