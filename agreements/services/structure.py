"""Staffing the working structure, subgroup answers, internal clarification and the approval round."""

from __future__ import annotations

import logging

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements import permissions as perms
from agreements.models import (
    Agreement,
    AnswerStatus,
    Approval,
    ApprovalRound,
    BoardMember,
    CatalogueEntry,
    CatalogueKind,
    Decision,
    GuidingQuestion,
    Partner,
    PrepGroupSeat,
    QuestionKind,
    Reflection,
    Status,
    Subgroup,
    SubgroupAnswer,
    SubgroupScope,
)
from agreements.services import lifecycle
from kooperation.core.concurrency import claim_version
from kooperation.core.errors import DomainError
from kooperation.core.mail import NotificationKind, notify
from kooperation.network.models import Membership, Role

logger = logging.getLogger(__name__)


def copy_questions(agreement: Agreement, entries=None) -> None:
    """Copy the active Leitfragen (both lists of seed 002), or the chosen entries, into the agreement."""
    if entries is None:
        entries = CatalogueEntry.objects.filter(
            kind__in=[CatalogueKind.LEITFRAGE, CatalogueKind.WEITERE_FRAGE], is_active=True
        ).order_by("kind", "position")
    GuidingQuestion.objects.bulk_create(
        [
            GuidingQuestion(agreement=agreement, kind=entry.kind, text=entry.text, section=entry.section, position=i)
            for i, entry in enumerate(sorted(entries, key=lambda e: (e.kind != CatalogueKind.LEITFRAGE, e.position)))
        ]
    )


def create_reflections(partners) -> None:
    """Give each partner the five questions for internal clarification (seed 001)."""
    questions = list(
        CatalogueEntry.objects.filter(kind=CatalogueKind.INTERNE_KLAERUNG, is_active=True).order_by("position")
    )
    Reflection.objects.bulk_create(
        [Reflection(partner=p, question=q.text, position=i) for p in partners for i, q in enumerate(questions)]
    )


def _require_editable(agreement: Agreement) -> None:
    if not agreement.is_editable:
        raise DomainError(_("Die Arbeitsstruktur einer eingefrorenen Revision kann nicht mehr geändert werden."))


@transaction.atomic
def set_prep_group(agreement: Agreement, chosen: dict, expected_version: int) -> None:
    """Set the one representative per Arbeitsfeld ({arbeitsfeld: user or None})."""
    _require_editable(agreement)
    claim_version(agreement, expected_version)
    for arbeitsfeld, user in chosen.items():
        seats = PrepGroupSeat.objects.filter(agreement=agreement, arbeitsfeld=arbeitsfeld)
        if user is None:
            seats.delete()
            continue
        seats.exclude(user=user).delete()
        PrepGroupSeat.objects.get_or_create(agreement=agreement, arbeitsfeld=arbeitsfeld, defaults={"user": user})
    PrepGroupSeat.objects.filter(agreement=agreement).exclude(arbeitsfeld__in=list(chosen)).delete()


@transaction.atomic
def set_board(agreement: Agreement, chosen: dict, expected_version: int) -> None:
    """Set the board representatives per partner institution ({institution: [users]})."""
    _require_editable(agreement)
    claim_version(agreement, expected_version)
    for institution, users in chosen.items():
        wanted = {u.pk for u in users}
        BoardMember.objects.filter(agreement=agreement, institution=institution).exclude(user_id__in=wanted).delete()
        existing = set(
            BoardMember.objects.filter(agreement=agreement, institution=institution).values_list("user_id", flat=True)
        )
        for user in users:
            if user.pk not in existing:
                BoardMember.objects.create(agreement=agreement, institution=institution, user=user)
    BoardMember.objects.filter(agreement=agreement).exclude(institution__in=list(chosen)).delete()


@transaction.atomic
def create_subgroups(agreement: Agreement, scope: str, user, question_ids=None) -> list[Subgroup]:
    """Create the default subgroups, one per partner institution or per Arbeitsfeld.

    They get the Leitfragen Koordination ticked (`question_ids`), or all of the agreement's when None:
    the catalogue offers, it does not impose.
    """
    _require_editable(agreement)
    locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
    partners = list(Partner.objects.filter(agreement=locked).select_related("institution__arbeitsfeld"))
    questions = GuidingQuestion.objects.filter(agreement=locked)
    if question_ids is not None:
        questions = questions.filter(pk__in=question_ids)
    questions = list(questions)
    existing = Subgroup.objects.filter(agreement=locked)
    created = []
    if scope == SubgroupScope.ARBEITSFELD:
        covered = set(existing.exclude(arbeitsfeld=None).values_list("arbeitsfeld_id", flat=True))
        fields = {p.institution.arbeitsfeld_id: p.institution.arbeitsfeld for p in partners}
        for pk, arbeitsfeld in fields.items():
            if pk not in covered:
                created.append(
                    Subgroup.objects.create(
                        agreement=locked,
                        arbeitsfeld=arbeitsfeld,
                        name=_("Untergruppe %(name)s") % {"name": arbeitsfeld.name},
                    )
                )
    else:
        covered = set(existing.exclude(institution=None).values_list("institution_id", flat=True))
        for partner in partners:
            if partner.institution_id not in covered:
                created.append(
                    Subgroup.objects.create(
                        agreement=locked,
                        institution=partner.institution,
                        name=_("Untergruppe %(name)s")
                        % {"name": partner.institution.short_name or partner.institution.name},
                    )
                )
    for subgroup in created:
        _assign(subgroup, questions)
    logger.info("agreement %s: %d subgroups created by user %s", agreement.pk, len(created), user.pk)
    return created


def _assign(subgroup: Subgroup, questions) -> list:
    """Assign questions and create a draft answer row for each new one."""
    current = set(subgroup.questions.values_list("pk", flat=True))
    new = [q for q in questions if q.pk not in current]
    subgroup.questions.add(*new)
    SubgroupAnswer.objects.bulk_create([SubgroupAnswer(subgroup=subgroup, question=q) for q in new])
    return new


@transaction.atomic
def update_subgroup(subgroup: Subgroup, *, name, members, questions, expected_version: int) -> None:
    """Change a subgroup's name, members and questions; notify who gets new questions."""
    agreement = subgroup.agreement
    _require_editable(agreement)
    claim_version(subgroup, expected_version)
    subgroup.name = name
    subgroup.save(update_fields=["name", "version"])
    before_members = set(subgroup.members.values_list("pk", flat=True))
    subgroup.members.set(members)
    wanted = {q.pk for q in questions}
    SubgroupAnswer.objects.filter(subgroup=subgroup).exclude(question_id__in=wanted).delete()
    subgroup.questions.remove(*[q for q in subgroup.questions.all() if q.pk not in wanted])
    new_questions = _assign(subgroup, questions)
    link = reverse("subgroup_work", args=[subgroup.pk])
    newcomers = [m for m in members if m.pk not in before_members]
    if new_questions:
        notify(
            members,
            _("Neue Leitfragen für Ihre Untergruppe"),
            _("Ihrer Untergruppe wurden Leitfragen zur Bearbeitung zugewiesen."),
            link,
            kind=NotificationKind.QUESTIONS,
        )
    elif newcomers:
        notify(
            newcomers,
            _("Sie arbeiten in einer Untergruppe mit"),
            _("Sie wurden einer Untergruppe zugeordnet, die Leitfragen für eine Kooperationsvereinbarung bearbeitet."),
            link,
            kind=NotificationKind.QUESTIONS,
        )


@transaction.atomic
def add_question(agreement: Agreement, text: str, section: str, subgroups) -> GuidingQuestion:
    """Add an agreement-specific question and assign it to the chosen subgroups."""
    _require_editable(agreement)
    last = GuidingQuestion.objects.filter(agreement=agreement).order_by("-position").first()
    question = GuidingQuestion.objects.create(
        agreement=agreement,
        kind=QuestionKind.EIGENE,
        text=text,
        section=section,
        position=(last.position + 1) if last else 0,
    )
    for subgroup in subgroups:
        _assign(subgroup, [question])
        notify(
            subgroup.members.all(),
            _("Neue Leitfrage für Ihre Untergruppe"),
            _("Ihrer Untergruppe wurde eine weitere Leitfrage zugewiesen."),
            reverse("subgroup_work", args=[subgroup.pk]),
            kind=NotificationKind.QUESTIONS,
        )
    return question


def _require_working(agreement: Agreement) -> None:
    if agreement.status != Status.IN_ERARBEITUNG:
        raise DomainError(
            _("Antworten werden erarbeitet, solange die Vereinbarung „In Erarbeitung“ ist (jetzt: %(status)s).")
            % {"status": agreement.get_status_display()}
        )


@transaction.atomic
def save_answers(user, subgroup: Subgroup, formset, submit: bool) -> int:
    """Save draft answers; with submit, hand every filled answer over to the board."""
    _require_working(subgroup.agreement)
    formset.save()
    submitted = 0
    if submit:
        now = timezone.now()
        for answer in SubgroupAnswer.objects.select_for_update().filter(subgroup=subgroup, status=AnswerStatus.DRAFT):
            if answer.text.strip():
                answer.status = AnswerStatus.SUBMITTED
                answer.submitted_at = now
                answer.updated_by = user
                answer.version += 1
                answer.save(update_fields=["status", "submitted_at", "updated_by", "version"])
                submitted += 1
    return submitted


@transaction.atomic
def reopen_answer(user, answer: SubgroupAnswer) -> None:
    """Take a submitted answer back into draft, e.g. to correct it."""
    _require_working(answer.subgroup.agreement)
    answer.status = AnswerStatus.DRAFT
    answer.submitted_at = None
    answer.updated_by = user
    answer.version += 1
    answer.save(update_fields=["status", "submitted_at", "updated_by", "version"])


@transaction.atomic
def save_reflections(partner: Partner, formset, submit: bool) -> None:
    """Save a partner's internal clarification; with submit, all answers must be filled."""
    if not partner.agreement.is_editable:
        raise DomainError(_("Die Vereinbarung ist eingefroren; die interne Klärung kann nicht mehr geändert werden."))
    formset.save()
    if submit:
        rows = list(Reflection.objects.select_for_update().filter(partner=partner))
        empty = [r for r in rows if not r.text.strip()]
        if empty:
            raise DomainError(
                _("Bitte beantworten Sie zuerst alle Fragen; offen ist noch: „%(question)s“")
                % {"question": empty[0].question}
            )
        now = timezone.now()
        for row in rows:
            row.status, row.submitted_at = AnswerStatus.SUBMITTED, now
            row.version += 1
            row.save(update_fields=["status", "submitted_at", "version"])


@transaction.atomic
def decide(user, agreement: Agreement, institution_id: int, decision: str, comment: str) -> Approval:
    """Approve or return the text for one partner; a return sends the text back to In Erarbeitung."""
    locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
    allowed = perms.can_decide(user, locked, institution_id)
    if not allowed:
        raise DomainError(allowed.reason)
    if decision == Decision.RETURNED and not comment.strip():
        raise DomainError(_("Bitte schreiben Sie dazu, was am Text geändert werden soll."))
    current = ApprovalRound.objects.filter(agreement=locked).order_by("-number").first()
    if current is None or current.closed_at:
        raise DomainError(_("Es läuft gerade keine Abstimmung."))
    if Approval.objects.filter(round=current, institution_id=institution_id).exists():
        raise DomainError(_("Für diese Partnerinstitution wurde in dieser Runde bereits entschieden."))
    approval = Approval.objects.create(
        round=current, institution_id=institution_id, decision=decision, comment=comment.strip(), decided_by=user
    )
    coordinators = [m.user for m in _partner_members(locked, Role.KOORDINATION)]
    link = reverse("agreement_approval", args=[locked.pk])
    if decision == Decision.RETURNED:
        current.closed_at = timezone.now()
        current.save(update_fields=["closed_at"])
        lifecycle.apply(locked, "return_text", user, comment.strip())
        notify(
            coordinators,
            _("Der Text wurde mit Anmerkungen zurückgegeben"),
            _("Eine Partnerinstitution hat den Text der Vereinbarung mit Anmerkungen zurückgegeben."),
            link,
            kind=NotificationKind.DECISION,
        )
    else:
        partner_ids = set(Partner.objects.filter(agreement=locked).values_list("institution_id", flat=True))
        decided = set(Approval.objects.filter(round=current).values_list("institution_id", flat=True))
        if partner_ids <= decided:
            current.closed_at = timezone.now()
            current.save(update_fields=["closed_at"])
            notify(
                coordinators,
                _("Alle Partner haben zugestimmt"),
                _(
                    "Alle Partnerinstitutionen haben dem Text zugestimmt; "
                    "er kann zur Unterzeichnung freigegeben werden."
                ),
                link,
                kind=NotificationKind.DECISION,
            )
    logger.info("agreement %s: %s for institution %s by user %s", locked.pk, decision, institution_id, user.pk)
    return approval


def _partner_members(agreement: Agreement, role: str):
    return Membership.objects.filter(
        institution__partnerships__agreement=agreement, role=role, user__is_active=True
    ).select_related("user")
