"""Default catalogues managed by Administration; agreements copy what they use."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kooperation.core.concurrency import Versioned


class CatalogueKind(models.TextChoices):
    BASISKRITERIUM = "basiskriterium", _("Basiskriterien")
    LEITFRAGE = "leitfrage", _("Leitfragen")
    WEITERE_FRAGE = "weitere_frage", _("Weitere Fragestellungen")
    INTERNE_KLAERUNG = "interne_klaerung", _("Fragen zur internen Klärung")
    BEDINGUNG = "bedingung", _("Bedingungen gelingender Kooperation")


class CatalogueEntry(Versioned):
    """One entry of a default catalogue (seeds 000, 001, 002), verbatim by default."""

    kind = models.CharField(_("Katalog"), max_length=30, choices=CatalogueKind.choices)
    label = models.CharField(
        _("Kennzeichen"), max_length=5, blank=True, help_text=_("z. B. a–j bei den Bedingungen gelingender Kooperation")
    )
    text = models.TextField(_("Text"))
    section = models.CharField(
        _("gehört zum Abschnitt"),
        max_length=30,
        blank=True,
        help_text=_("Nur für Leitfragen: die Antworten erscheinen beim Schreiben dieses Abschnitts."),
    )
    position = models.PositiveIntegerField(_("Reihenfolge"), default=0)
    is_active = models.BooleanField(
        _("aktiv"), default=True, help_text=_("Nur aktive Einträge werden in neue Vereinbarungen übernommen.")
    )

    class Meta:
        ordering = ["kind", "position", "pk"]
        verbose_name = _("Katalogeintrag")
        verbose_name_plural = _("Katalogeinträge")

    def __str__(self) -> str:
        return f"{self.label}) {self.text}" if self.label else self.text
