"""The yearly Qualitätsdialog (seed 004): partners' self-assessments on five levels per dimension,
and their reflection of the ten conditions of successful cooperation (seed 000)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kooperation.core.concurrency import Versioned


class QualityDimension(Versioned):
    """A dimension of cooperation quality, e.g. Verbindlichkeit der Zusammenarbeit (admin-editable)."""

    name = models.CharField(_("Dimension"), max_length=200, unique=True)
    description = models.TextField(_("Beschreibung"), blank=True)
    position = models.PositiveIntegerField(_("Reihenfolge"), default=0)
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("Qualitätsdimension")
        verbose_name_plural = _("Qualitätsdimensionen")

    def __str__(self) -> str:
        return self.name


class QualityLevel(Versioned):
    """One of the five levels of a dimension, with its name and what it means."""

    dimension = models.ForeignKey(QualityDimension, on_delete=models.CASCADE, related_name="levels")
    level = models.PositiveSmallIntegerField(_("Stufe"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    name = models.CharField(_("Bezeichnung"), max_length=120)
    description = models.TextField(_("Beschreibung"), blank=True)

    class Meta:
        ordering = ["dimension__position", "level"]
        verbose_name = _("Qualitätsstufe")
        verbose_name_plural = _("Qualitätsstufen")
        constraints = [models.UniqueConstraint(fields=["dimension", "level"], name="one_level_number_per_dimension")]

    def __str__(self) -> str:
        return f"{self.level} – {self.name}"


class QualityDialogue(models.Model):
    """The quality dialogue of one agreement in one year."""

    agreement = models.ForeignKey("agreements.Agreement", on_delete=models.CASCADE, related_name="quality_dialogues")
    year = models.PositiveIntegerField(_("Jahr"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("eröffnet am"), auto_now_add=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("Qualitätsdialog")
        verbose_name_plural = _("Qualitätsdialoge")
        constraints = [models.UniqueConstraint(fields=["agreement", "year"], name="one_dialogue_per_year")]

    def __str__(self) -> str:
        return _("Qualitätsdialog %(year)s") % {"year": self.year}


class AssessmentStatus(models.TextChoices):
    DRAFT = "entwurf", _("Entwurf")
    SUBMITTED = "abgegeben", _("abgegeben")


class SelfAssessment(Versioned):
    """One partner institution's self-assessment in a dialogue."""

    dialogue = models.ForeignKey(QualityDialogue, on_delete=models.CASCADE, related_name="assessments")
    institution = models.ForeignKey("network.Institution", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("Status"), max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    comment = models.TextField(_("Anmerkungen"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("abgegeben am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Selbsteinschätzung")
        verbose_name_plural = _("Selbsteinschätzungen")
        constraints = [models.UniqueConstraint(fields=["dialogue", "institution"], name="one_assessment_per_partner")]

    def __str__(self) -> str:
        return f"{self.dialogue}: {self.institution}"


class DimensionRating(models.Model):
    assessment = models.ForeignKey(SelfAssessment, on_delete=models.CASCADE, related_name="ratings")
    dimension = models.ForeignKey(QualityDimension, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(_("Stufe"), validators=[MinValueValidator(1), MaxValueValidator(5)])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "dimension"], name="one_rating_per_dimension")]

    def __str__(self) -> str:
        return f"{self.dimension}: {self.level}"


class ConditionState(models.TextChoices):
    MET = "erfuellt", _("erfüllt")
    PARTLY = "teilweise", _("teilweise")
    NOT_MET = "nicht_erfuellt", _("nicht erfüllt")


class ConditionRating(models.Model):
    """A partner's reflection of one condition of successful cooperation (a–j)."""

    assessment = models.ForeignKey(SelfAssessment, on_delete=models.CASCADE, related_name="conditions")
    label = models.CharField(max_length=5)
    text = models.TextField()
    state = models.CharField(_("Einschätzung"), max_length=20, choices=ConditionState.choices)
    note = models.CharField(_("Anmerkung"), max_length=500, blank=True)

    class Meta:
        ordering = ["label"]
        constraints = [models.UniqueConstraint(fields=["assessment", "label"], name="one_rating_per_condition")]

    def __str__(self) -> str:
        return f"{self.label}) {self.get_state_display()}"
