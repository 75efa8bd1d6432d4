"""The Fall (case): a pseudonymous code under an agreement, its institutions and the client's consents."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from kooperation.core.concurrency import Versioned
from kooperation.core.limits import date_validators
from kooperation.core.subqueries import compiled_subquery
from kooperation.network.models import Role
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


def _covered_participation(case_ref: str, institution_ref: str):
    """The institution takes part in the case and a valid consent covers it (subquery condition)."""
    return Exists(
        CaseInstitution.objects.filter(case_id=OuterRef(case_ref), institution_id=OuterRef(institution_ref))
    ) & Exists(valid_consents().filter(case_id=OuterRef(case_ref), institutions=OuterRef(institution_ref)))


def _team_cases(user, own) -> models.QuerySet:
    """The ids of the cases whose team the user is on through one of `own` that still has access (owner, or covered).

    Its inputs are the user, `own` (the user's institutions) and the day the consents are valid on: the key of
    its compiled SQL in `CaseQuerySet.visible_to`.
    """
    team = CaseTeamMember.objects.filter(user=user, institution_id__in=own).filter(
        Q(institution_id=F("case__owner_institution_id")) | _covered_participation("case_id", "institution_id")
    )
    return team.values("case_id")


class CaseQuerySet(models.QuerySet):
    def of_institutions(self, user) -> CaseQuerySet:
        """Cases of the user's institutions: the owning one, or a participant covered by a valid consent.

        This is the institutional frame only; who of those institutions reads a case is
        decided by its team (`visible_to`). Keep in step with
        `conferences.permissions.case_access_institution_ids`.
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

    def visible_to(self, user) -> CaseQuerySet:
        """Cases whose content the user may read (need-to-know).

        The case team — named staff of the owning institution or of a participating institution
        covered by a valid consent — and, read-only, the Koordination of the owning institution.
        Other users of the same institutions see nothing of the case. Administration has no way
        around this: case data are social data (SGB VIII §§ 61–65).
        Keep in step with `conferences.permissions.case_reader_institution_ids`.
        """
        if not user.is_authenticated:
            return self.none()
        own = institution_ids(user)
        if not own:
            return self.none()
        # The team rule is compiled once per key and reused as SQL (kooperation/core/subqueries.py): building
        # and compiling it cost the case list more than running it. The key names every input of `_team_cases`.
        key = ("case-team", user.pk, tuple(sorted(own)), timezone.localdate())
        team = compiled_subquery(key, lambda: _team_cases(user, own), self.db)
        coordination = institution_ids(user, Role.KOORDINATION)
        if team is None:
            return self.filter(owner_institution_id__in=coordination)
        return self.filter(Q(pk__in=team) | Q(owner_institution_id__in=coordination))

    def visible_to_uncompiled(self, user) -> CaseQuerySet:
        """`visible_to` as the ORM builds it each time (the reference the tests compare `visible_to` with)."""
        if not user.is_authenticated:
            return self.none()
        own = institution_ids(user)
        if not own:
            return self.none()
        coordination = institution_ids(user, Role.KOORDINATION)
        return self.filter(Q(pk__in=_team_cases(user, own)) | Q(owner_institution_id__in=coordination))

    def due_for_deletion(self, cutoff) -> CaseQuerySet:
        """Closed before the cutoff and not under a legal hold."""
        return self.filter(closed_at__isnull=False, closed_at__lt=cutoff, legal_hold_at__isnull=True)


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
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="CaseTeamMember",
        through_fields=("case", "user"),
        related_name="case_teams",
        verbose_name=_("Fallteam"),
    )
    closed_at = models.DateTimeField(_("abgeschlossen am"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("abgeschlossen von"),
    )
    closing_reason = models.TextField(_("Grund des Abschlusses"), blank=True)
    legal_hold_at = models.DateTimeField(_("Löschsperre seit"), null=True, blank=True)
    legal_hold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Löschsperre gesetzt von"),
    )
    legal_hold_reason = models.TextField(_("Grund der Löschsperre"), blank=True)

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

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def on_legal_hold(self) -> bool:
        return self.legal_hold_at is not None


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


class CaseTeamMember(models.Model):
    """A named member of staff working on the case for one of its institutions (need-to-know)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="team_members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="case_team_memberships",
        verbose_name=_("Person"),
    )
    institution = models.ForeignKey(
        "network.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("für die Institution")
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("aufgenommen von")
    )
    added_at = models.DateTimeField(_("aufgenommen am"), default=timezone.now)

    class Meta:
        ordering = ["institution__name", "user__last_name", "user__first_name", "pk"]
        verbose_name = _("Mitglied des Fallteams")
        verbose_name_plural = _("Fallteam")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="case_team_member_once")]

    def __str__(self) -> str:
        return str(self.user)

    def get_additional_data(self) -> dict:
        return {"case_id": self.case_id}


class DeletionKind(models.TextChoices):
    CASE = "fall", _("Fall mit Einwilligungen, Hilfekonferenzen, Aufgaben und Änderungsprotokoll")
    CONSENT_FILE = "einwilligungsdokument", _("eingescannte Einwilligung")
    ACCESS_LOG = "zugriffsprotokoll", _("Einträge des Zugriffsprotokolls")


class DeletionRecord(models.Model):
    """Löschprotokoll: that something was deleted under which rule, without any of its content."""

    kind = models.CharField(_("Art"), max_length=30, choices=DeletionKind.choices)
    case_code = models.CharField(_("Fallkennung"), max_length=20, blank=True)
    count = models.PositiveIntegerField(_("Anzahl"), default=1)
    rule = models.CharField(_("Regel"), max_length=200)
    deleted_at = models.DateTimeField(_("gelöscht am"), default=timezone.now)

    class Meta:
        ordering = ["-deleted_at", "-pk"]
        verbose_name = _("Löschprotokoll-Eintrag")
        verbose_name_plural = _("Löschprotokoll")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.case_code}".strip()


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
