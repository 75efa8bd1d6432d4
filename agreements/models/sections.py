"""The sections of an agreement's text: ordered rows and single-valued sections."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from kooperation.core.concurrency import Versioned
from kooperation.core.dates import add_months
from kooperation.core.limits import date_validators, month_validators


class AgreementPart(Versioned):
    """Something that belongs to one agreement revision and is copied into the next."""

    agreement = models.ForeignKey("agreements.Agreement", on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True

    def get_additional_data(self) -> dict:
        return {"agreement_id": self.agreement_id}


class OrderedRow(AgreementPart):
    position = models.PositiveIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "pk"]


class TargetGroup(OrderedRow):
    agreement = models.ForeignKey("agreements.Agreement", on_delete=models.CASCADE, related_name="target_groups")
    name = models.CharField(_("Zielgruppe"), max_length=200)
    description = models.TextField(_("Beschreibung"), blank=True)

    class Meta(OrderedRow.Meta):
        verbose_name = _("Zielgruppe")
        verbose_name_plural = _("Zielgruppen")

    def __str__(self) -> str:
        return self.name


class Goal(OrderedRow):
    agreement = models.ForeignKey("agreements.Agreement", on_delete=models.CASCADE, related_name="goals")
    text = models.TextField(_("Ziel"))

    class Meta(OrderedRow.Meta):
        verbose_name = _("Ziel")
        verbose_name_plural = _("Ziele")

    def __str__(self) -> str:
        return self.text


class Indicator(models.Model):
    """A measurable indicator of a goal (seed 000 c)."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="indicators")
    text = models.CharField(_("Indikator"), max_length=500)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("Indikator")
        verbose_name_plural = _("Indikatoren")

    def __str__(self) -> str:
        return self.text

    def get_additional_data(self) -> dict:
        return {"agreement_id": self.goal.agreement_id}


class Criterion(OrderedRow):
    """A Basiskriterium of the agreement, copied from the catalogue and editable."""

    agreement = models.ForeignKey("agreements.Agreement", on_delete=models.CASCADE, related_name="criteria")
    text = models.TextField(_("Basiskriterium"))

    class Meta(OrderedRow.Meta):
        verbose_name = _("Basiskriterium")
        verbose_name_plural = _("Basiskriterien")

    def __str__(self) -> str:
        return self.text


class Responsibility(OrderedRow):
    """Aufgaben und Rollen of one partner (seed 000 d, j)."""

    agreement = models.ForeignKey("agreements.Agreement", on_delete=models.CASCADE, related_name="responsibilities")
    institution = models.ForeignKey(
        "network.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("Partner")
    )
    role = models.CharField(_("Rolle"), max_length=200)
    tasks = models.TextField(_("Aufgaben"))

    class Meta(OrderedRow.Meta):
        verbose_name = _("Aufgabe und Rolle")
        verbose_name_plural = _("Aufgaben und Rollen")

    def __str__(self) -> str:
        return f"{self.institution}: {self.role}"


class CommunicationPath(OrderedRow):
    """A communication, feedback or reporting path (seed 000 e)."""

    agreement = models.ForeignKey("agreements.Agreement", on_delete=models.CASCADE, related_name="communication_paths")
    subject = models.CharField(_("Was"), max_length=300)
    between = models.CharField(_("Zwischen wem"), max_length=300)
    channel = models.CharField(
        _("Wie"), max_length=200, help_text=_("z. B. Telefon, Fallgespräch, schriftlicher Bericht")
    )
    frequency = models.CharField(_("Wie oft"), max_length=120)

    class Meta(OrderedRow.Meta):
        verbose_name = _("Kommunikationsweg")
        verbose_name_plural = _("Kommunikations-, Rückmeldungs- und Berichtswege")

    def __str__(self) -> str:
        return self.subject


class LegalBasis(models.TextChoices):
    CONSENT = "einwilligung", _("Einwilligung / Schweigepflichtentbindung")
    LAW = "gesetz", _("gesetzliche Grundlage")


class DataSharingRule(OrderedRow):
    """Which information may pass between which partners, and on which basis."""

    agreement = models.ForeignKey("agreements.Agreement", on_delete=models.CASCADE, related_name="sharing_rules")
    information = models.CharField(_("Welche Information"), max_length=300)
    between = models.CharField(_("Zwischen welchen Partnern"), max_length=300)
    basis = models.CharField(_("Grundlage"), max_length=20, choices=LegalBasis.choices, default=LegalBasis.CONSENT)
    legal_reference = models.CharField(
        _("Rechtsgrundlage / Fundstelle"), max_length=200, blank=True, help_text=_("z. B. § 8a SGB VIII, § 65 SGB VIII")
    )

    class Meta(OrderedRow.Meta):
        verbose_name = _("Regel zum Informationsaustausch")
        verbose_name_plural = _("Regeln zum Informationsaustausch")

    def __str__(self) -> str:
        return self.information


class FlowPlan(OrderedRow):
    """An Ablaufplan of one Arbeitsfeld: Ausgangssituation → Handlungsempfehlung → Ziel."""

    agreement = models.ForeignKey("agreements.Agreement", on_delete=models.CASCADE, related_name="flow_plans")
    arbeitsfeld = models.ForeignKey(
        "network.Arbeitsfeld", on_delete=models.PROTECT, related_name="+", verbose_name=_("Arbeitsfeld")
    )
    situation = models.TextField(_("Ausgangssituation"))
    recommendation = models.TextField(_("Handlungsempfehlung"))
    goal = models.TextField(_("Ziel der Handlungsempfehlung"))

    class Meta(OrderedRow.Meta):
        verbose_name = _("Ablaufplan")
        verbose_name_plural = _("Ablaufpläne")

    def __str__(self) -> str:
        return f"{self.arbeitsfeld}: {self.situation[:60]}"


class DataProtection(AgreementPart):
    """Datenschutz und Schweigepflicht: the texts beside the sharing rules."""

    agreement = models.OneToOneField("agreements.Agreement", on_delete=models.CASCADE, related_name="data_protection")
    principles = models.TextField(
        _("Grundsätze"),
        blank=True,
        help_text=_("Die gesetzlichen Datenschutzbestimmungen gelten für alle Mitarbeitenden aller Partner."),
    )
    not_shared = models.TextField(_("Was nicht weitergegeben wird"), blank=True)
    target_group_info = models.TextField(_("Worüber die Zielgruppe informiert wird"), blank=True)

    class Meta:
        verbose_name = _("Datenschutz und Schweigepflicht")
        verbose_name_plural = _("Datenschutz und Schweigepflicht")


class ConferenceRules(AgreementPart):
    """Rules for the Hilfekonferenz, the agreement's central instrument (seed 002)."""

    agreement = models.OneToOneField("agreements.Agreement", on_delete=models.CASCADE, related_name="conference_rules")
    occasion = models.TextField(_("Anlass"), blank=True)
    frequency = models.CharField(_("Häufigkeit"), max_length=200, blank=True)
    participants = models.TextField(_("Teilnehmende"), blank=True)
    protocol_distribution = models.TextField(_("Verteilung des Ergebnisprotokolls"), blank=True)

    class Meta:
        verbose_name = _("Regeln zur Hilfekonferenz")
        verbose_name_plural = _("Regeln zur Hilfekonferenz")


class Term(AgreementPart):
    """Laufzeit und Überprüfung."""

    agreement = models.OneToOneField("agreements.Agreement", on_delete=models.CASCADE, related_name="term")
    valid_from = models.DateField(_("gültig ab"), null=True, blank=True, validators=date_validators())
    duration_months = models.PositiveIntegerField(
        _("Laufzeit in Monaten"), null=True, blank=True, validators=month_validators()
    )
    valid_until = models.DateField(_("oder gültig bis"), null=True, blank=True, validators=date_validators())
    review_interval_months = models.PositiveIntegerField(
        _("Überprüfung alle … Monate"), null=True, blank=True, validators=month_validators()
    )
    notice_period_months = models.PositiveIntegerField(
        _("Kündigungsfrist in Monaten"), null=True, blank=True, validators=month_validators(0)
    )
    board_duties = models.TextField(
        _("Fortlaufende Aufgaben des Kooperationsgremiums"),
        blank=True,
        help_text=_("z. B. Überprüfung der Handhabung, Anpassung bei Umsetzungsproblemen"),
    )

    class Meta:
        verbose_name = _("Laufzeit und Überprüfung")
        verbose_name_plural = _("Laufzeit und Überprüfung")

    @property
    def end_date(self):
        """The last day of the term: the explicit date, or the day before start plus duration."""
        if self.valid_until:
            return self.valid_until
        if self.valid_from and self.duration_months:
            return add_months(self.valid_from, self.duration_months) - timedelta(days=1)
        return None
