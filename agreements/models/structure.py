"""The working structure of seed 002: Vorbereitungsgruppe, Kooperationsgremium, Untergruppen,
the guiding questions and their answers, and the approval round."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kooperation.core.concurrency import Versioned


class PrepGroupSeat(models.Model):
    """The one representative of an Arbeitsfeld in the Vorbereitungsgruppe."""

    agreement = models.ForeignKey("agreements.Agreement", on_delete=models.CASCADE, related_name="prep_seats")
    arbeitsfeld = models.ForeignKey(
        "network.Arbeitsfeld", on_delete=models.PROTECT, related_name="+", verbose_name=_("Arbeitsfeld")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="prep_seats", verbose_name=_("Vertretung")
    )

    class Meta:
        verbose_name = _("Vertretung in der Vorbereitungsgruppe")
        verbose_name_plural = _("Vorbereitungsgruppe")
        constraints = [models.UniqueConstraint(fields=["agreement", "arbeitsfeld"], name="prep_seat_once_per_field")]

    def __str__(self) -> str:
        return f"{self.arbeitsfeld}: {self.user}"

    def get_additional_data(self) -> dict:
        return {"agreement_id": self.agreement_id}


class BoardMember(models.Model):
    """A representative of a partner institution in the Kooperationsgremium."""

    agreement = models.ForeignKey("agreements.Agreement", on_delete=models.CASCADE, related_name="board_members")
    institution = models.ForeignKey(
        "network.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("Institution")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="board_seats", verbose_name=_("Vertretung")
    )

    class Meta:
        ordering = ["institution__name", "user__last_name"]
        verbose_name = _("Mitglied im Kooperationsgremium")
        verbose_name_plural = _("Kooperationsgremium")
        constraints = [models.UniqueConstraint(fields=["agreement", "institution", "user"], name="board_member_once")]

    def __str__(self) -> str:
        return f"{self.institution}: {self.user}"

    def get_additional_data(self) -> dict:
        return {"agreement_id": self.agreement_id}


class SubgroupScope(models.TextChoices):
    INSTITUTION = "institution", _("je Institution")
    ARBEITSFELD = "arbeitsfeld", _("je Arbeitsfeld")


class Subgroup(Versioned):
    """An Untergruppe inside one institution (or one Arbeitsfeld) that answers guiding questions."""

    agreement = models.ForeignKey("agreements.Agreement", on_delete=models.CASCADE, related_name="subgroups")
    name = models.CharField(_("Name"), max_length=200)
    institution = models.ForeignKey(
        "network.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Institution"),
    )
    arbeitsfeld = models.ForeignKey(
        "network.Arbeitsfeld",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Arbeitsfeld"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="subgroups", blank=True, verbose_name=_("Mitglieder")
    )
    questions = models.ManyToManyField(
        "agreements.GuidingQuestion", related_name="subgroups", blank=True, verbose_name=_("Leitfragen")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("Untergruppe")
        verbose_name_plural = _("Untergruppen")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(institution__isnull=False, arbeitsfeld__isnull=True)
                | models.Q(institution__isnull=True, arbeitsfeld__isnull=False),
                name="subgroup_scoped_by_institution_or_field",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict:
        return {"agreement_id": self.agreement_id}


class QuestionKind(models.TextChoices):
    LEITFRAGE = "leitfrage", _("Leitfrage")
    WEITERE_FRAGE = "weitere_frage", _("weitere Fragestellung")
    EIGENE = "eigene", _("eigene Frage dieser Vereinbarung")


class GuidingQuestion(Versioned):
    """A Leitfrage copied into the agreement (or added for it), optionally tied to a section."""

    agreement = models.ForeignKey("agreements.Agreement", on_delete=models.CASCADE, related_name="guiding_questions")
    kind = models.CharField(_("Art"), max_length=20, choices=QuestionKind.choices, default=QuestionKind.EIGENE)
    text = models.TextField(_("Frage"))
    section = models.CharField(
        _("gehört zum Abschnitt"),
        max_length=30,
        blank=True,
        help_text=_("Die Antworten werden beim Schreiben dieses Abschnitts angezeigt."),
    )
    position = models.PositiveIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("Leitfrage")
        verbose_name_plural = _("Leitfragen")

    def __str__(self) -> str:
        return self.text

    def get_additional_data(self) -> dict:
        return {"agreement_id": self.agreement_id}


class AnswerStatus(models.TextChoices):
    DRAFT = "entwurf", _("Entwurf")
    SUBMITTED = "uebergeben", _("an das Gremium übergeben")


class SubgroupAnswer(Versioned):
    """A subgroup's answer to one guiding question."""

    subgroup = models.ForeignKey(Subgroup, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(GuidingQuestion, on_delete=models.CASCADE, related_name="answers")
    text = models.TextField(_("Antwort"), blank=True)
    status = models.CharField(_("Status"), max_length=20, choices=AnswerStatus.choices, default=AnswerStatus.DRAFT)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("übergeben am"), null=True, blank=True)

    class Meta:
        ordering = ["question__position", "question_id"]
        verbose_name = _("Antwort der Untergruppe")
        verbose_name_plural = _("Antworten der Untergruppen")
        constraints = [models.UniqueConstraint(fields=["subgroup", "question"], name="answer_once_per_subgroup")]

    def __str__(self) -> str:
        return f"{self.subgroup}: {self.question}"

    def get_additional_data(self) -> dict:
        return {"agreement_id": self.question.agreement_id}


class Reflection(Versioned):
    """A partner's answer to one of the five questions for internal clarification (seed 001)."""

    partner = models.ForeignKey("agreements.Partner", on_delete=models.CASCADE, related_name="reflections")
    question = models.TextField(_("Frage"))
    position = models.PositiveIntegerField(default=0)
    text = models.TextField(_("Antwort"), blank=True)
    status = models.CharField(_("Status"), max_length=20, choices=AnswerStatus.choices, default=AnswerStatus.DRAFT)
    submitted_at = models.DateTimeField(_("übergeben am"), null=True, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("Frage zur internen Klärung")
        verbose_name_plural = _("Fragen zur internen Klärung")

    def __str__(self) -> str:
        return self.question

    def get_additional_data(self) -> dict:
        return {"agreement_id": self.partner.agreement_id}


class ApprovalRound(models.Model):
    """One circulation of the text for approval (Abstimmung)."""

    agreement = models.ForeignKey("agreements.Agreement", on_delete=models.CASCADE, related_name="approval_rounds")
    number = models.PositiveIntegerField(_("Runde"))
    started_at = models.DateTimeField(_("begonnen am"), auto_now_add=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("abgeschlossen am"), null=True, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("Abstimmungsrunde")
        verbose_name_plural = _("Abstimmungsrunden")
        constraints = [models.UniqueConstraint(fields=["agreement", "number"], name="approval_round_number")]

    def __str__(self) -> str:
        return _("Abstimmungsrunde %(number)s") % {"number": self.number}


class Decision(models.TextChoices):
    APPROVED = "zugestimmt", _("zugestimmt")
    RETURNED = "zurueckgegeben", _("mit Anmerkungen zurückgegeben")


class Approval(models.Model):
    """A partner institution's decision in an approval round, by its board representative."""

    round = models.ForeignKey(ApprovalRound, on_delete=models.CASCADE, related_name="approvals")
    institution = models.ForeignKey("network.Institution", on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(_("Entscheidung"), max_length=20, choices=Decision.choices)
    comment = models.TextField(_("Anmerkung"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("am"), auto_now_add=True)

    class Meta:
        ordering = ["decided_at"]
        verbose_name = _("Zustimmung")
        verbose_name_plural = _("Zustimmungen")
        constraints = [
            models.UniqueConstraint(fields=["round", "institution"], name="one_decision_per_partner_and_round")
        ]

    def __str__(self) -> str:
        return f"{self.institution}: {self.get_decision_display()}"
