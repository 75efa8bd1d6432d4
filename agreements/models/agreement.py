"""The Kooperationsvereinbarung: one row per revision, its partners and lifecycle record."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kooperation.core.concurrency import Versioned
from kooperation.core.limits import date_validators
from kooperation.network.scope import institution_ids


class Status(models.TextChoices):
    ENTWURF = "entwurf", _("Entwurf")
    IN_ERARBEITUNG = "in_erarbeitung", _("In Erarbeitung")
    IN_ABSTIMMUNG = "in_abstimmung", _("In Abstimmung")
    ZUR_UNTERZEICHNUNG = "zur_unterzeichnung", _("Zur Unterzeichnung")
    UNTERZEICHNET = "unterzeichnet", _("Unterzeichnet")
    IN_KRAFT = "in_kraft", _("In Kraft")
    UEBERPRUEFUNG_FAELLIG = "ueberpruefung_faellig", _("Überprüfung fällig")
    BEENDET = "beendet", _("Beendet")
    VERWORFEN = "verworfen", _("Verworfen")


EDITABLE_STATUSES = (Status.ENTWURF, Status.IN_ERARBEITUNG)


class AgreementQuerySet(models.QuerySet):
    def visible_to(self, user) -> AgreementQuerySet:
        """Agreements one of the user's institutions is a partner of; all for Administration."""
        if not user.is_authenticated:
            return self.none()
        if user.is_administration:
            return self
        return self.filter(partners__institution_id__in=institution_ids(user)).distinct()


class Agreement(Versioned):
    """One revision of a cooperation agreement; amendments are later rows of the same series."""

    title = models.CharField(_("Titel"), max_length=200)
    preamble = models.TextField(
        _("Präambel / Kurzbeschreibung"),
        blank=True,
        help_text=_("Worum geht es in dieser Vereinbarung, und warum wollen die Partner kooperieren?"),
    )
    coordinating_institution = models.ForeignKey(
        "network.Institution",
        on_delete=models.PROTECT,
        related_name="coordinated_agreements",
        verbose_name=_("koordinierende Institution"),
    )
    status = models.CharField(_("Status"), max_length=30, choices=Status.choices, default=Status.ENTWURF)
    revision = models.PositiveIntegerField(_("Revision"), default=0)
    stand = models.DateField(_("Stand"), default=date.today, validators=date_validators())
    series_root = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="later_revisions",
        verbose_name=_("erste Revision"),
    )
    predecessor = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="successor",
        verbose_name=_("vorige Revision"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("angelegt von")
    )
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)
    review_due_on = models.DateField(_("Überprüfung fällig am"), null=True, blank=True)
    in_force_from = models.DateField(_("in Kraft ab"), null=True, blank=True)
    in_force_until = models.DateField(_("in Kraft bis"), null=True, blank=True)
    ended_on = models.DateField(_("beendet am"), null=True, blank=True)
    end_reason = models.TextField(_("Grund der Beendigung"), blank=True)
    notice_given_on = models.DateField(_("gekündigt am"), null=True, blank=True)
    signature_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("Kooperationsvereinbarung")
        verbose_name_plural = _("Kooperationsvereinbarungen")
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("agreement_detail", args=[self.pk])

    @property
    def revision_label(self) -> str:
        """The seed's controlled-document style: Revision 000/11.2026."""
        return _("Revision %(number)03d/%(month)02d.%(year)d") % {
            "number": self.revision,
            "month": self.stand.month,
            "year": self.stand.year,
        }

    @property
    def status_label(self) -> str:
        """The status as badges show it; a signed revision names the day it becomes valid."""
        if self.status == Status.UNTERZEICHNET and self.in_force_from:
            return _("Unterzeichnet – gültig ab %(date)s") % {"date": self.in_force_from.strftime("%d.%m.%Y")}
        return self.get_status_display()

    @property
    def frozen_contract(self):
        """The current (not withdrawn) contract of a frozen revision, or None."""
        current = getattr(self, "current_contracts", None)
        if current is not None:
            return current[0] if current else None
        return self.contracts.filter(withdrawn_at__isnull=True).first()

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def series_id(self) -> int:
        return self.series_root_id or self.pk

    def revisions(self) -> models.QuerySet:
        root = self.series_id
        return Agreement.objects.filter(Q(pk=root) | Q(series_root_id=root)).order_by("revision")

    def successor_or_none(self):
        try:
            return self.successor
        except Agreement.DoesNotExist:
            return None

    def touch(self) -> None:
        """Move the Stand date to today after a change of the text."""
        today = timezone.localdate()
        if self.stand != today:
            self.stand = today
            Agreement.objects.filter(pk=self.pk).update(stand=today)

    def get_additional_data(self) -> dict:
        return {"agreement_id": self.pk}


class Partner(Versioned):
    """An institution taking part in an agreement, with what it brings and expects (seed 001)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="partners")
    institution = models.ForeignKey(
        "network.Institution",
        on_delete=models.PROTECT,
        related_name="partnerships",
        verbose_name=_("Institution"),
    )
    contribution = models.TextField(
        _("Was können wir einbringen?"),
        blank=True,
        help_text=_("Die eigenen Stärken und die Bereitschaft zu Vorleistungen."),
    )
    expectations = models.TextField(
        _("Was wünschen wir uns von den Partnern?"), blank=True, help_text=_("Je konkreter, desto besser.")
    )
    position = models.PositiveIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("Partner")
        verbose_name_plural = _("Partner")
        constraints = [models.UniqueConstraint(fields=["agreement", "institution"], name="partner_once_per_agreement")]

    def __str__(self) -> str:
        return str(self.institution)

    def get_additional_data(self) -> dict:
        return {"agreement_id": self.agreement_id}


class StatusChange(models.Model):
    """A recorded lifecycle transition: who moved the agreement from where to where, when."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="status_changes")
    transition = models.CharField(_("Schritt"), max_length=40)
    from_status = models.CharField(_("von"), max_length=30, choices=Status.choices)
    to_status = models.CharField(_("nach"), max_length=30, choices=Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("durch"),
        help_text=_("leer: automatisch durch die tägliche Prüfung"),
    )
    at = models.DateTimeField(_("am"), default=timezone.now)
    comment = models.TextField(_("Bemerkung"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("Statuswechsel")
        verbose_name_plural = _("Statuswechsel")

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"
