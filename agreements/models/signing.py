"""The frozen contract of a revision and the partners' signatures."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kooperation.core.limits import date_validators


class FrozenContract(models.Model):
    """The contract PDF of a frozen revision, rendered once and stored; its SHA-256 proves copies."""

    agreement = models.ForeignKey("agreements.Agreement", on_delete=models.PROTECT, related_name="contracts")
    file = models.FileField(_("Datei"), upload_to="vertraege/%Y/")
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    fingerprint = models.CharField(_("Fingerabdruck"), max_length=20)
    pages = models.PositiveIntegerField(_("Seiten"))
    size = models.PositiveIntegerField(_("Größe in Bytes"))
    created_at = models.DateTimeField(_("erzeugt am"), auto_now_add=True)
    # A revision withdrawn from signing keeps its old contract, marked as withdrawn; a new release renders anew.
    withdrawn_at = models.DateTimeField(_("zurückgezogen am"), null=True, blank=True)

    class Meta:
        verbose_name = _("eingefrorener Vertrag")
        verbose_name_plural = _("eingefrorene Verträge")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement"], condition=models.Q(withdrawn_at__isnull=True), name="one_current_contract"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agreement} ({self.fingerprint})"


class SignatureMethod(models.TextChoices):
    IN_APP = "app", _("in der Anwendung bestätigt (Papier unterschrieben)")
    SCAN = "scan", _("mit eingescannter unterschriebener Seite")
    DIGITAL = "digital", _("digital signiertes PDF")


class SignatureQuerySet(models.QuerySet):
    def valid(self) -> SignatureQuerySet:
        """Signatures that count: not voided."""
        return self.filter(voided_at__isnull=True)


class Signature(models.Model):
    """A partner's signature, recorded by its Leitung (or its deputy), or received on paper and recorded
    by the coordinating institution's Koordination. A wrong or withdrawn one is voided, never deleted."""

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
    received_on_paper = models.BooleanField(
        _("auf Papier eingegangen"), default=False, help_text=_("von der Koordination erfasst")
    )
    deputy_for = models.CharField(
        _("in Vertretung für"), max_length=150, blank=True, help_text=_("leer: die Leitung selbst")
    )
    voided_at = models.DateTimeField(_("ungültig seit"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    void_reason = models.TextField(_("Grund der Ungültigkeit"), blank=True)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        ordering = ["recorded_at"]
        verbose_name = _("Unterschrift")
        verbose_name_plural = _("Unterschriften")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "institution"],
                condition=models.Q(voided_at__isnull=True),
                name="one_signature_per_partner",
            )
        ]

    def __str__(self) -> str:
        # A freshly built row may still hold the date as text (the history writes it before a reload).
        signed = self.signed_on.strftime("%d.%m.%Y") if hasattr(self.signed_on, "strftime") else self.signed_on
        return f"{self.institution}: {self.signer_name}, {signed}"

    def get_additional_data(self) -> dict:
        return {"agreement_id": self.agreement_id}


class Deputy(models.Model):
    """A Leitung names a deputy (Vertretung) who signs for the institution "i. V." during a period."""

    institution = models.ForeignKey(
        "network.Institution", on_delete=models.CASCADE, related_name="+", verbose_name=_("Institution")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deputyships", verbose_name=_("Vertretung")
    )
    function = models.CharField(_("Funktion"), max_length=150, blank=True)
    valid_from = models.DateField(_("von"))
    valid_until = models.DateField(_("bis"))
    named_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("benannt von")
    )
    named_at = models.DateTimeField(_("benannt am"), auto_now_add=True)

    class Meta:
        ordering = ["-valid_from", "pk"]
        verbose_name = _("Vertretung")
        verbose_name_plural = _("Vertretungen")

    def __str__(self) -> str:
        return f"{self.user} ({self.valid_from:%d.%m.%Y}–{self.valid_until:%d.%m.%Y})"
