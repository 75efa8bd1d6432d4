"""The frozen contract of a revision and the partners' signatures."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kooperation.core.limits import date_validators


class FrozenContract(models.Model):
    """The contract PDF of a frozen revision, rendered once and stored; its SHA-256 proves copies."""

    agreement = models.OneToOneField("agreements.Agreement", on_delete=models.PROTECT, related_name="frozen_contract")
    file = models.FileField(_("Datei"), upload_to="vertraege/%Y/")
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    fingerprint = models.CharField(_("Fingerabdruck"), max_length=20)
    pages = models.PositiveIntegerField(_("Seiten"))
    size = models.PositiveIntegerField(_("Größe in Bytes"))
    created_at = models.DateTimeField(_("erzeugt am"), auto_now_add=True)

    class Meta:
        verbose_name = _("eingefrorener Vertrag")
        verbose_name_plural = _("eingefrorene Verträge")

    def __str__(self) -> str:
        return f"{self.agreement} ({self.fingerprint})"


class SignatureMethod(models.TextChoices):
    IN_APP = "app", _("in der Anwendung bestätigt (Papier unterschrieben)")
    SCAN = "scan", _("mit eingescannter unterschriebener Seite")
    DIGITAL = "digital", _("digital signiertes PDF")


class Signature(models.Model):
    """A partner's signature, recorded by its Leitung."""

    agreement = models.ForeignKey("agreements.Agreement", on_delete=models.CASCADE, related_name="signatures")
    institution = models.ForeignKey(
        "network.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("Institution")
    )
    leader = models.ForeignKey(
        "network.Leader",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unterzeichnet von"),
    )
    signer_name = models.CharField(_("Name"), max_length=150)
    signer_function = models.CharField(_("Funktion"), max_length=150)
    signed_on = models.DateField(_("unterzeichnet am"), validators=date_validators())
    place = models.CharField(_("in (Ort)"), max_length=100)
    method = models.CharField(_("Form"), max_length=10, choices=SignatureMethod.choices)
    file = models.FileField(_("Datei"), upload_to="unterschriften/%Y/", blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    verification = models.TextField(_("Prüfergebnis"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("erfasst am"), auto_now_add=True)

    class Meta:
        ordering = ["recorded_at"]
        verbose_name = _("Unterschrift")
        verbose_name_plural = _("Unterschriften")
        constraints = [models.UniqueConstraint(fields=["agreement", "institution"], name="one_signature_per_partner")]

    def __str__(self) -> str:
        return f"{self.institution}: {self.signer_name}, {self.signed_on:%d.%m.%Y}"

    def get_additional_data(self) -> dict:
        return {"agreement_id": self.agreement_id}
