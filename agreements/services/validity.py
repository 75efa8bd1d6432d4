"""An agreement in time: entry into force, notice, amendments, the review and the daily job.

Status changes go through the lifecycle."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements import permissions as perms
from agreements.models import (
    Agreement,
    BoardMember,
    QualityDialogue,
    Signature,
    Status,
)
from agreements.services import lifecycle
from agreements.services.agreement import copy_revision
from agreements.services.contract import leitung_of_partners, partner_people
from agreements.signals import revision_in_force
from kooperation.core.concurrency import ConflictError
from kooperation.core.dates import add_months
from kooperation.core.errors import DomainError
from kooperation.core.mail import NotificationKind, notify
from kooperation.core.reminders import without_reminders

logger = logging.getLogger(__name__)


def enter_into_force(user, agreement: Agreement) -> None:
    """All partners signed: in force from the start date (until then "Unterzeichnet – gültig ab")."""
    term = agreement.term
    last_signature = Signature.objects.valid().filter(agreement=agreement).order_by("-signed_on").first()
    start = term.valid_from or (last_signature.signed_on if last_signature else timezone.localdate())
    if term.valid_until:
        until = term.valid_until
    elif term.duration_months:
        until = add_months(start, term.duration_months) - timedelta(days=1)
    else:
        until = None
    changes = {
        "in_force_from": start,
        "in_force_until": until,
        "review_due_on": add_months(start, term.review_interval_months) if term.review_interval_months else None,
    }
    board = [b.user for b in BoardMember.objects.filter(agreement=agreement).select_related("user")]
    if start > timezone.localdate():
        lifecycle.apply(agreement, "signed", user, changes=changes)
        notify(
            board,
            _("Eine Kooperationsvereinbarung ist unterzeichnet"),
            _("Alle Partner haben „%(title)s“ (%(revision)s) unterschrieben; sie gilt ab %(date)s.")
            % {"title": agreement.title, "revision": agreement.revision_label, "date": start.strftime("%d.%m.%Y")},
            reverse("agreement_detail", args=[agreement.pk]),
            kind=NotificationKind.AGREEMENT,
        )
        return
    lifecycle.apply(agreement, "enter_into_force", user, changes=changes)
    _took_effect(user, agreement)
    notify(
        board,
        _("Eine Kooperationsvereinbarung ist unterzeichnet"),
        _("Alle Partner haben „%(title)s“ (%(revision)s) unterschrieben; die Vereinbarung tritt in Kraft.")
        % {"title": agreement.title, "revision": agreement.revision_label},
        reverse("agreement_detail", args=[agreement.pk]),
        kind=NotificationKind.AGREEMENT,
    )


def _took_effect(user, agreement: Agreement, today=None) -> None:
    """A revision came into force: the one it replaces ends, and the work moves along (signal)."""
    predecessor = agreement.predecessor
    if predecessor and predecessor.status in (Status.IN_KRAFT, Status.UEBERPRUEFUNG_FAELLIG):
        today = today or timezone.localdate()
        start = agreement.in_force_from or today
        _end(
            predecessor,
            user,
            _("Ersetzt durch %(revision)s.") % {"revision": agreement.revision_label},
            on=start - timedelta(days=1) if start == today else today,
        )
    if predecessor:
        # The quality dialogue moves along (years the new revision has not opened itself) ...
        taken = set(QualityDialogue.objects.filter(agreement=agreement).values_list("year", flat=True))
        QualityDialogue.objects.filter(agreement=predecessor).exclude(year__in=taken).update(agreement=agreement)
        # ... and so do cases, planned conferences and tasks (the conferences app listens).
        revision_in_force.send(sender=Agreement, agreement=agreement, predecessor=predecessor, user=user)


def _take_effect(agreement: Agreement, today) -> None:
    """The daily job: a signed revision whose start date has come is now in force."""
    lifecycle.apply(agreement, "enter_into_force", None)
    _took_effect(None, agreement, today)
    notify(
        partner_people(agreement, leitung=True),
        _("Eine Kooperationsvereinbarung ist in Kraft getreten"),
        _("„%(title)s“ (%(revision)s) gilt ab heute.")
        % {"title": agreement.title, "revision": agreement.revision_label},
        reverse("agreement_detail", args=[agreement.pk]),
        kind=NotificationKind.AGREEMENT,
    )


def give_notice(user, agreement: Agreement, on, reason: str) -> Agreement:
    """Kündigung: the agreement ends at a later date that keeps the notice period; the daily job ends it."""
    with transaction.atomic():
        locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
        decision = perms.partner_coordinator(user, locked)
        if not decision:
            raise DomainError(decision.reason)
        if locked.status not in perms.IN_FORCE:
            raise DomainError(_("Kündigen kann man nur eine Vereinbarung, die in Kraft ist."))
        if not reason.strip():
            raise DomainError(_("Bitte geben Sie eine Begründung an."))
        earliest = add_months(timezone.localdate(), locked.term.notice_period_months or 0)
        if on < earliest:
            raise DomainError(
                _("Die Kündigungsfrist beträgt %(months)d Monat(e): frühestens zum %(date)s.")
                % {"months": locked.term.notice_period_months or 0, "date": earliest.strftime("%d.%m.%Y")}
            )
        if locked.in_force_until and on > locked.in_force_until:
            raise DomainError(_("Die Laufzeit endet ohnehin vorher."))
        locked.in_force_until = on
        locked.notice_given_on = timezone.localdate()
        locked.end_reason = _("Gekündigt zum %(date)s: %(reason)s") % {
            "date": on.strftime("%d.%m.%Y"),
            "reason": reason.strip(),
        }
        locked.save(update_fields=["in_force_until", "notice_given_on", "end_reason", "updated_at"])
        notify(
            partner_people(locked, leitung=True),
            _("Eine Kooperationsvereinbarung wurde gekündigt"),
            _("„%(title)s“ (%(revision)s) wurde zum %(date)s gekündigt.")
            % {"title": locked.title, "revision": locked.revision_label, "date": on.strftime("%d.%m.%Y")},
            reverse("agreement_detail", args=[locked.pk]),
            kind=NotificationKind.AGREEMENT,
        )
    return locked


def _end(agreement: Agreement, user, reason: str, on) -> None:
    """End the agreement through the lifecycle, the reason both as the end reason and as the comment."""
    lifecycle.apply(agreement, "end", user, reason, changes={"ended_on": on, "end_reason": reason})


def start_amendment(user, agreement: Agreement) -> Agreement:
    """Begin the next revision as an editable copy; the revision in force stays in force."""
    verdict = perms.can_amend(user, agreement)
    if not verdict:
        raise DomainError(verdict.reason)
    return copy_revision(agreement, user)


def _review_due(agreement: Agreement) -> None:
    lifecycle.apply(agreement, "review_due", None)
    board = [b.user for b in BoardMember.objects.filter(agreement=agreement).select_related("user")]
    notify(
        board,
        _("Die Überprüfung einer Kooperationsvereinbarung ist fällig"),
        _("Das Kooperationsgremium überprüft die Vereinbarung und bestätigt sie oder beginnt eine Änderung."),
        reverse("agreement_detail", args=[agreement.pk]),
        kind=NotificationKind.REVIEW,
    )


def _system_step(step, agreement: Agreement, *args, **kwargs) -> bool:
    """Run one step of the daily job in its own transaction; say whether it was taken."""
    try:
        with transaction.atomic():
            step(agreement, *args, **kwargs)
    except (ConflictError, DomainError) as error:
        # Someone changed the agreement since the job loaded it; the next run sees its new state.
        logger.warning("daily job skipped agreement %s: %s", agreement.pk, error)
        return False
    return True


def daily(today=None) -> dict[str, int]:
    """The daily timer: reviews due, expired terms, signature reminders. Returns counts."""
    today = today or timezone.localdate()
    counts = {"review_due": 0, "expired": 0, "in_force": 0, "reminded": 0}
    for agreement in Agreement.objects.filter(
        status__in=[Status.IN_KRAFT, Status.UEBERPRUEFUNG_FAELLIG], in_force_until__lt=today
    ):
        reason = agreement.end_reason if agreement.notice_given_on else _("Die Laufzeit ist abgelaufen.")
        if _system_step(_end, agreement, None, reason, on=agreement.in_force_until):
            counts["expired"] += 1
    for agreement in Agreement.objects.filter(status=Status.UNTERZEICHNET, in_force_from__lte=today):
        if _system_step(_take_effect, agreement, today):
            counts["in_force"] += 1
    for agreement in Agreement.objects.filter(status=Status.IN_KRAFT, review_due_on__lte=today):
        if _system_step(_review_due, agreement):
            counts["review_due"] += 1
    week_ago = timezone.now() - timedelta(days=7)
    for agreement in Agreement.objects.filter(status=Status.ZUR_UNTERZEICHNUNG).exclude(
        signature_reminded_at__gt=week_ago
    ):
        signed = set(Signature.objects.valid().filter(agreement=agreement).values_list("institution_id", flat=True))
        outstanding = leitung_of_partners(agreement, signed)
        off = without_reminders([person.pk for person in outstanding])
        outstanding = [person for person in outstanding if person.pk not in off]
        if outstanding:
            with transaction.atomic():
                notify(
                    outstanding,
                    _("Erinnerung: Ihre Unterschrift fehlt noch"),
                    _("„%(title)s“ (%(revision)s) wartet noch auf die Unterschrift Ihrer Institution.")
                    % {"title": agreement.title, "revision": agreement.revision_label},
                    reverse("agreement_signatures", args=[agreement.pk]),
                    kind=NotificationKind.SIGNATURE,
                )
                agreement.signature_reminded_at = timezone.now()
                agreement.save(update_fields=["signature_reminded_at"])
            counts["reminded"] += len(outstanding)
    return counts
