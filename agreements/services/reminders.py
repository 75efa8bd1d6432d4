"""Daily reminders where people wait on an agreement: Leitfragen answers, approval decisions, self-assessments,
reviews. Signatures are reminded by the daily job in validity.py. Mails name the step and link to it, nothing else."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements.models import (
    Agreement,
    AnswerStatus,
    Approval,
    AssessmentStatus,
    BoardMember,
    Partner,
    SelfAssessment,
    Status,
    Subgroup,
)
from kooperation.core.reminders import remind
from kooperation.ops.models import NotificationKind


def send_waiting_reminders(today=None, dry_run: bool = False) -> int:
    """Remind everyone an agreement waits for (at most weekly per person and item); return how many reminders."""
    today = today or timezone.localdate()
    return (
        _open_questions(dry_run)
        + _pending_approvals(dry_run)
        + _open_assessments(today, dry_run)
        + _reviews_due(dry_run)
    )


def _open_questions(dry_run: bool) -> int:
    """Subgroup members whose assigned Leitfragen still lack a handed-over answer."""
    sent = 0
    subgroups = Subgroup.objects.filter(agreement__status=Status.IN_ERARBEITUNG).prefetch_related(
        "members", "questions", "answers"
    )
    for subgroup in subgroups:
        answered = {a.question_id for a in subgroup.answers.all() if a.status == AnswerStatus.SUBMITTED}
        if not any(q.pk not in answered for q in subgroup.questions.all()):
            continue
        sent += remind(
            subgroup.members.all(),
            f"questions:{subgroup.pk}",
            _("Erinnerung: Leitfragen Ihrer Untergruppe sind noch offen"),
            _("Ihre Untergruppe hat noch nicht alle zugewiesenen Leitfragen beantwortet und übergeben."),
            reverse("subgroup_work", args=[subgroup.pk]),
            kind=NotificationKind.QUESTIONS,
            dry_run=dry_run,
        )
    return sent


def _pending_approvals(dry_run: bool) -> int:
    """Board members of partners that have not decided in the open approval round."""
    sent = 0
    for agreement in Agreement.objects.filter(status=Status.IN_ABSTIMMUNG):
        current = agreement.approval_rounds.filter(closed_at__isnull=True).order_by("-number").first()
        if current is None:
            continue
        decided = set(Approval.objects.filter(round=current).values_list("institution_id", flat=True))
        partners = set(Partner.objects.filter(agreement=agreement).values_list("institution_id", flat=True))
        waiting = partners - decided
        board = BoardMember.objects.filter(agreement=agreement, institution_id__in=waiting).select_related("user")
        sent += remind(
            [b.user for b in board],
            f"approval:{current.pk}",
            _("Erinnerung: Ihre Zustimmung wird erwartet"),
            _("Der Text einer Kooperationsvereinbarung wartet noch auf die Entscheidung Ihrer Institution."),
            reverse("agreement_approval", args=[agreement.pk]),
            kind=NotificationKind.APPROVAL,
            dry_run=dry_run,
        )
    return sent


def _open_assessments(today, dry_run: bool) -> int:
    """Board members of partners whose self-assessment in this year's quality dialogue is not handed in."""
    sent = 0
    open_ones = SelfAssessment.objects.filter(
        status=AssessmentStatus.DRAFT, dialogue__year=today.year, dialogue__agreement__status=Status.IN_KRAFT
    ).select_related("dialogue")
    for assessment in open_ones:
        board = BoardMember.objects.filter(
            agreement_id=assessment.dialogue.agreement_id, institution_id=assessment.institution_id
        ).select_related("user")
        sent += remind(
            [b.user for b in board],
            f"assessment:{assessment.pk}",
            _("Erinnerung: Ihre Selbsteinschätzung fehlt noch"),
            _("Im Qualitätsdialog fehlt noch die Selbsteinschätzung Ihrer Institution."),
            reverse("quality_assessment", args=[assessment.dialogue_id, assessment.institution_id]),
            kind=NotificationKind.QUALITY,
            dry_run=dry_run,
        )
    return sent


def _reviews_due(dry_run: bool) -> int:
    """The board of an agreement whose review is due and not yet done."""
    sent = 0
    for agreement in Agreement.objects.filter(status=Status.UEBERPRUEFUNG_FAELLIG):
        board = BoardMember.objects.filter(agreement=agreement).select_related("user")
        sent += remind(
            [b.user for b in board],
            f"review:{agreement.pk}",
            _("Erinnerung: Die Überprüfung einer Kooperationsvereinbarung ist fällig"),
            _("Das Kooperationsgremium überprüft die Vereinbarung und bestätigt sie oder beginnt eine Änderung."),
            reverse("agreement_detail", args=[agreement.pk]),
            kind=NotificationKind.REVIEW,
            dry_run=dry_run,
        )
    return sent
