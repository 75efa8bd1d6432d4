"""The Fall (case): a pseudonymous code under an agreement, its institutions and the client's consents."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from kooperation.core.concurrency import Versioned
from kooperation.core.limits import date_validators
from kooperation.network.scope import institution_ids


class FamilyRole(models.TextChoices):
    """Family members appear only by their role, never by name."""

    MUTTER = "mutter", _("Mutter")
    VATER = "vater", _("Vater")
    SORGEBERECHTIGT = "sorgeberechtigt", _("Sorgeberechtigte/r")
    SCHWANGERE = "schwangere", _("Schwangere")
    JUGENDLICH = "jugendlich", _("Jugendliche/r")
    BEZUGSPERSON = "bezugsperson", _("andere Bezugsperson")


class InformationKind(models.TextChoices):
    """Which kinds of information a consent allows the institutions to exchange."""

    HILFEKONFERENZ = "hilfekonferenz", _("Teilnahme an Hilfekonferenzen und Ergebnisprotokolle")
    HILFEVERLAUF = "hilfeverlauf", _("Stand und Verlauf der Hilfen")
    KIND = "kind", _("Entwicklung und Versorgung des Kindes")
    GESUNDHEIT = "gesundheit", _("Gesundheit, Schwangerschaft und medizinische Versorgung")
    SUCHT = "sucht", _("Suchtmittelkonsum und Substitution")
    LEBENSLAGE = "lebenslage", _("Wohnen, Lebensunterhalt und wirtschaftliche Lage")


def valid_consents(day: date | None = None) -> models.QuerySet:
    """Consents in force on the day (today by default): given, not expired, not revoked."""
    day = day or timezone.localdate()
    return Consent.objects.filter(given_on__lte=day, valid_until__gte=day).filter(
        Q(revoked_on__isnull=True) | Q(revoked_on__gt=day)
    )


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user) -> CaseQuerySet:
        """Cases of the user's institutions: the owning one, or a participant covered by a valid consent.

        Administration has no way around this: case data are social data (SGB VIII §§ 61–65).
        Keep in step with `kooperation.permissions.case_access_institution_ids`.
        """
        if not user.is_authenticated:
            return self.none()
        own = institution_ids(user)
        if not own:
            return self.none()
        covered = CaseInstitution.objects.filter(institution_id__in=own).filter(
            Exists(valid_consents().filter(case_id=OuterRef("case_id"), institutions=OuterRef("institution_id")))
        )
        return self.filter(Q(owner_institution_id__in=own) | Q(pk__in=covered.values("case_id")))


class Case(Versioned):
    """A case, known only by its generated pseudonymous code (e.g. F-2026-0007)."""

    code = models.CharField(_("Fallkennung"), max_length=20, unique=True, editable=False)
    agreement = models.ForeignKey(
        "agreements.Agreement", on_delete=models.PROTECT, related_name="cases", verbose_name=_("Vereinbarung")
    )
    owner_institution = models.ForeignKey(
        "network.Institution",
        on_delete=models.PROTECT,
        related_name="owned_cases",
        verbose_name=_("fallführende Institution"),
    )
    note = models.TextField(
        _("interne Notiz"),
        blank=True,
        help_text=_(
            "Nur für die beteiligten Fachkräfte. Keine Namen, Anschriften oder Geburtsdaten eintragen – "
            "der Fall ist nur über seine Kennung zu erkennen."
        ),
    )
    institutions = models.ManyToManyField(
        "network.Institution",
        through="CaseInstitution",
        related_name="cases",
        verbose_name=_("beteiligte Institutionen"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("angelegt von")
    )
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Fall")
        verbose_name_plural = _("Fälle")

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("case_detail", args=[self.pk])

    def get_additional_data(self) -> dict:
        return {"case_id": self.pk}


class CaseInstitution(models.Model):
    """An institution taking part in a case (the owning institution always does)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="participations")
    institution = models.ForeignKey("network.Institution", on_delete=models.PROTECT, related_name="case_participations")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["institution__name"]
        verbose_name = _("beteiligte Institution")
        verbose_name_plural = _("beteiligte Institutionen")
        constraints = [
            models.UniqueConstraint(fields=["case", "institution"], name="case_institution_once"),
        ]

    def __str__(self) -> str:
        return str(self.institution)

    def get_additional_data(self) -> dict:
        return {"case_id": self.case_id}


def consent_upload_path(instance: Consent, filename: str) -> str:
    """A random file name: the uploaded one may carry a client's name."""
    suffix = PurePath(filename).suffix.lower()[:5]
    return f"einwilligungen/{uuid.uuid4().hex}{suffix}"


class Consent(models.Model):
    """The client's declared consent (Einwilligung / Schweigepflichtentbindung): never edited, only revoked."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="consents")
    given_by = models.CharField(_("erklärt von"), max_length=20, choices=FamilyRole.choices)
    given_on = models.DateField(_("erklärt am"), validators=date_validators())
    valid_until = models.DateField(_("gültig bis"), validators=date_validators())
    institutions = models.ManyToManyField(
        "network.Institution", related_name="+", verbose_name=_("Institutionen (Umfang)")
    )
    information = models.JSONField(_("Informationen (Umfang)"), default=list)
    scope_note = models.TextField(_("weitere Angaben zum Umfang"), blank=True)
    document = models.FileField(_("eingescannte Erklärung"), upload_to=consent_upload_path, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("erfasst von")
    )
    recorded_at = models.DateTimeField(_("erfasst am"), default=timezone.now)
    revoked_on = models.DateField(_("widerrufen am"), null=True, blank=True, validators=date_validators())
    revocation_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Widerruf erfasst von"),
    )
    revocation_recorded_at = models.DateTimeField(_("Widerruf erfasst am"), null=True, blank=True)

    class Meta:
        ordering = ["-given_on", "-pk"]
        verbose_name = _("Einwilligung")
        verbose_name_plural = _("Einwilligungen")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("given_on")), name="consent_valid_after_given"
            ),
        ]

    def __str__(self) -> str:
        return _("Einwilligung (%(role)s) vom %(date)s") % {
            "role": self.get_given_by_display(),
            "date": formats.date_format(self.given_on, "d.m.Y"),
        }

    def get_additional_data(self) -> dict:
        return {"case_id": self.case_id}

    def is_valid_on(self, day: date) -> bool:
        if self.revoked_on is not None and self.revoked_on <= day:
            return False
        return self.given_on <= day <= self.valid_until

    @property
    def is_valid(self) -> bool:
        return self.is_valid_on(timezone.localdate())

    @property
    def state(self) -> str:
        """gültig, widerrufen, abgelaufen or noch nicht gültig, for the badge."""
        today = timezone.localdate()
        if self.revoked_on is not None and self.revoked_on <= today:
            return "widerrufen"
        if self.valid_until < today:
            return "abgelaufen"
        if self.given_on > today:
            return "kuenftig"
        return "gueltig"

    def information_labels(self) -> list[str]:
        labels = dict(InformationKind.choices)
        return [str(labels[key]) for key in self.information if key in labels]
