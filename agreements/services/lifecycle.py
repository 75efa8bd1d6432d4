"""The agreement's lifecycle as a state machine (SPEC section 3), and the only writer of its status.

Each transition names its source states, its target, who may trigger it and the
preconditions that must hold; a refused transition says why in German. Later parts
of the product register further transitions with `register()`. System transitions
(the daily job, the last signature, a returned text) are registered with
`register_system()` and are never offered as buttons. Every status change, whether
a user or the system makes it, goes through `apply()`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements import permissions as perms
from agreements.models import Agreement, ApprovalRound, BoardMember, Status, StatusChange
from agreements.queries.sections import incomplete_reasons, with_full_text
from agreements.queries.structure import Structure
from agreements.services.contract import freeze
from kooperation.core.concurrency import claim_version
from kooperation.core.dates import add_months
from kooperation.core.errors import DomainError
from kooperation.core.mail import notify

logger = logging.getLogger(__name__)

Precondition = Callable[[Agreement], list[str]]
RoleCheck = Callable[[object, Agreement], perms.Verdict]


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    confirm: str
    sources: tuple[str, ...]
    target: str
    allowed: RoleCheck
    preconditions: tuple[Precondition, ...] = field(default=())
    needs_comment: bool = False
    # Runs inside the transaction after the status changed: after(user, agreement, comment).
    after: Callable[[object, Agreement, str], None] | None = None


@dataclass(frozen=True)
class SystemTransition:
    """A status change the product makes by itself; its caller has checked who may cause it."""

    name: str
    sources: tuple[str, ...]
    target: str


TRANSITIONS: dict[str, Transition] = {}
SYSTEM_TRANSITIONS: dict[str, SystemTransition] = {}


def register(transition: Transition) -> Transition:
    TRANSITIONS[transition.name] = transition
    return transition


def register_system(transition: SystemTransition) -> SystemTransition:
    SYSTEM_TRANSITIONS[transition.name] = transition
    return transition


def _structure_of(agreement: Agreement):
    """The agreement's Structure; a page that already built one leaves it on the agreement."""
    cached = getattr(agreement, "_structure_cache", None)
    return cached if cached is not None else Structure(agreement)


def _first_reasons(reasons: list[str], limit: int = 3) -> list[str]:
    if len(reasons) > limit:
        return [*reasons[:limit], _("… und %(count)d weitere fehlende Angaben.") % {"count": len(reasons) - limit}]
    return reasons


def structure_complete(agreement: Agreement) -> list[str]:
    """Partners, Vorbereitungsgruppe, Kooperationsgremium and Untergruppen are valid."""
    return _first_reasons(_structure_of(agreement).structure_missing())


def text_complete(agreement: Agreement) -> list[str]:
    """Every section of the text is complete."""
    full = getattr(agreement, "_full_text_cache", None)
    if full is None:
        full = with_full_text(Agreement.objects.filter(pk=agreement.pk)).get()
    return _first_reasons(incomplete_reasons(full))


def open_approval_round(user, agreement: Agreement) -> ApprovalRound:
    """Open the next approval round and ask every board representative for a decision."""
    last = ApprovalRound.objects.filter(agreement=agreement).order_by("-number").first()
    approval_round = ApprovalRound.objects.create(
        agreement=agreement, number=(last.number + 1) if last else 1, started_by=user
    )
    board = [b.user for b in BoardMember.objects.filter(agreement=agreement).select_related("user")]
    notify(
        board,
        _("Ihre Zustimmung wird erwartet"),
        _("Der Text einer Kooperationsvereinbarung liegt Ihnen zur Zustimmung vor."),
        reverse("agreement_approval", args=[agreement.pk]),
    )
    return approval_round


def _open_round(user, agreement: Agreement, comment: str) -> None:
    open_approval_round(user, agreement)


def all_partners_approved(agreement: Agreement) -> list[str]:
    structure = _structure_of(agreement)
    if structure.all_approved():
        return []
    return _first_reasons(structure.approvals_missing() or [_("Nicht alle Partner haben zugestimmt.")])


def _freeze(user, agreement: Agreement, comment: str) -> None:
    freeze(user, agreement)


def _review_done(user, agreement: Agreement, comment: str) -> None:
    """The review confirmed the agreement: the next review is due one interval from today."""
    interval = agreement.term.review_interval_months
    agreement.review_due_on = add_months(timezone.localdate(), interval) if interval else None
    agreement.save(update_fields=["review_due_on"])


def _ended(user, agreement: Agreement, comment: str) -> None:
    agreement.ended_on = timezone.localdate()
    agreement.end_reason = comment.strip()
    agreement.save(update_fields=["ended_on", "end_reason"])


register(
    Transition(
        name="start_work",
        label=gettext_lazy("Erarbeitung beginnen"),
        confirm=gettext_lazy("Die Arbeitsstruktur steht, und die Vereinbarung geht in die Erarbeitung. Fortfahren?"),
        sources=(Status.ENTWURF,),
        target=Status.IN_ERARBEITUNG,
        allowed=perms.partner_coordinator,
        preconditions=(structure_complete,),
    )
)

register(
    Transition(
        name="start_approval",
        label=gettext_lazy("Abstimmung beginnen"),
        confirm=gettext_lazy(
            "Der Text wird allen Partnern zur Zustimmung vorgelegt und kann währenddessen nicht bearbeitet "
            "werden. Fortfahren?"
        ),
        sources=(Status.IN_ERARBEITUNG,),
        target=Status.IN_ABSTIMMUNG,
        allowed=perms.partner_coordinator,
        preconditions=(structure_complete, text_complete),
        after=_open_round,
    )
)


register(
    Transition(
        name="release_for_signing",
        label=gettext_lazy("Zur Unterzeichnung freigeben"),
        confirm=gettext_lazy(
            "Der Text wird als Revision eingefroren; das Vertrags-PDF wird einmal erzeugt und gespeichert. "
            "Danach kann diese Revision nicht mehr geändert werden. Fortfahren?"
        ),
        sources=(Status.IN_ABSTIMMUNG,),
        target=Status.ZUR_UNTERZEICHNUNG,
        allowed=perms.partner_coordinator,
        preconditions=(all_partners_approved,),
        after=_freeze,
    )
)

register(
    Transition(
        name="complete_review",
        label=gettext_lazy("Überprüfung abschließen: Vereinbarung gilt unverändert weiter"),
        confirm=gettext_lazy(
            "Das Kooperationsgremium hat die Vereinbarung überprüft; sie gilt unverändert weiter und die "
            "nächste Überprüfung wird terminiert. Fortfahren?"
        ),
        sources=(Status.UEBERPRUEFUNG_FAELLIG,),
        target=Status.IN_KRAFT,
        allowed=perms.partner_coordinator,
        after=_review_done,
    )
)

register(
    Transition(
        name="end",
        label=gettext_lazy("Vereinbarung beenden"),
        confirm=gettext_lazy("Die Vereinbarung wird beendet. Das kann nicht rückgängig gemacht werden. Fortfahren?"),
        sources=(Status.ZUR_UNTERZEICHNUNG, Status.IN_KRAFT, Status.UEBERPRUEFUNG_FAELLIG),
        target=Status.BEENDET,
        allowed=perms.partner_coordinator,
        needs_comment=True,
        after=_ended,
    )
)


register_system(SystemTransition(name="return_text", sources=(Status.IN_ABSTIMMUNG,), target=Status.IN_ERARBEITUNG))
register_system(SystemTransition(name="enter_into_force", sources=(Status.ZUR_UNTERZEICHNUNG,), target=Status.IN_KRAFT))
register_system(SystemTransition(name="review_due", sources=(Status.IN_KRAFT,), target=Status.UEBERPRUEFUNG_FAELLIG))
# Expiry and the end of a revision replaced by its amendment use the user transition "end".


def _refused_in(agreement: Agreement) -> DomainError:
    return DomainError(
        _("Dieser Schritt ist im Status „%(status)s“ nicht möglich.") % {"status": agreement.get_status_display()}
    )


def check(user, agreement: Agreement, name: str) -> perms.Verdict:
    """Say whether the user may take this transition now, and if not, why."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        return perms.denied(_("Diesen Schritt gibt es nicht."))
    if agreement.status not in transition.sources:
        return perms.denied(_refused_in(agreement).message)
    decision = transition.allowed(user, agreement)
    if not decision:
        return decision
    missing = [reason for pre in transition.preconditions for reason in pre(agreement)]
    if missing:
        return perms.denied(" ".join(missing))
    return perms.ALLOWED


def available(user, agreement: Agreement) -> list[tuple[Transition, perms.Verdict]]:
    """The transitions leaving the current status, each with the user's decision (for buttons)."""
    return [
        (transition, check(user, agreement, transition.name))
        for transition in TRANSITIONS.values()
        if agreement.status in transition.sources and transition.allowed(user, agreement)
    ]


def apply(
    agreement: Agreement, name: str, user=None, comment: str = "", *, changes: dict[str, object] | None = None
) -> Agreement:
    """Move the agreement along a transition: check, set status, bump version, record; all or nothing."""
    # Roles and preconditions of user transitions are perform()'s business; the system's callers
    # (the daily job with user None, the last signature, a returned text) have checked theirs.
    transition = TRANSITIONS.get(name) or SYSTEM_TRANSITIONS.get(name)
    if transition is None:
        raise DomainError(_("Diesen Schritt gibt es nicht."))
    if agreement.status not in transition.sources:
        raise _refused_in(agreement)
    # Further fields go into the same save, so the history shows them in one entry with the status.
    changes = changes or {}
    with transaction.atomic():
        # A stale copy must not move the agreement: claiming the version refuses it and locks the row.
        claim_version(agreement, agreement.version)
        previous = agreement.status
        agreement.status = transition.target
        for field_name, value in changes.items():
            setattr(agreement, field_name, value)
        # Saving through the model (not a queryset update) is what writes the auditlog history entry.
        agreement.save(update_fields=["status", *changes, "updated_at"])
        StatusChange.objects.create(
            agreement=agreement,
            transition=name,
            from_status=previous,
            to_status=transition.target,
            by=user,
            at=timezone.now(),
            comment=comment,
        )
    logger.info(
        "agreement %s: %s by user %s (%s → %s)",
        agreement.pk,
        name,
        getattr(user, "pk", None),
        previous,
        transition.target,
    )
    return agreement


def perform(user, agreement: Agreement, name: str, comment: str = "") -> Agreement:
    """Take a user transition atomically and record who took it when; raise DomainError if refused."""
    with transaction.atomic():
        locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
        decision = check(user, locked, name)
        if not decision:
            raise DomainError(decision.reason)
        transition = TRANSITIONS[name]
        if transition.needs_comment and not comment.strip():
            raise DomainError(_("Bitte geben Sie eine Begründung an."))
        apply(locked, name, user, comment)
        if transition.after:
            transition.after(user, locked, comment)
    return locked
