"""The agreement's lifecycle as a state machine (SPEC section 3), and the only writer of its status.

Each transition names its source states, its target, who may trigger it and the
preconditions that must hold; a refused transition says why in German. Later parts
of the product register further transitions with `register()`: the working steps in
`agreements/services/steps.py`, the exits in `agreements/services/exits.py`. System transitions
(the daily job, the last signature, a returned text) are registered with
`register_system()` and are never offered as buttons. Every status change, whether
a user or the system makes it, goes through `apply()`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements import permissions as perms
from agreements.models import Agreement, Status, StatusChange
from kooperation.core.concurrency import claim_version
from kooperation.core.errors import DomainError

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
    # Further fields saved with the status (one history entry): changes(user, agreement, comment) -> dict.
    changes: Callable[[object, Agreement, str], dict] | None = None


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


register_system(SystemTransition(name="return_text", sources=(Status.IN_ABSTIMMUNG,), target=Status.IN_ERARBEITUNG))
register_system(SystemTransition(name="signed", sources=(Status.ZUR_UNTERZEICHNUNG,), target=Status.UNTERZEICHNET))
register_system(
    SystemTransition(
        name="enter_into_force", sources=(Status.ZUR_UNTERZEICHNUNG, Status.UNTERZEICHNET), target=Status.IN_KRAFT
    )
)
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
        changes = transition.changes(user, locked, comment) if transition.changes else None
        apply(locked, name, user, comment, changes=changes)
        if transition.after:
            transition.after(user, locked, comment)
    return locked


# The transitions register themselves on import; they need the engine above, so they come last,
# the working steps before the exits (the order of the buttons).
from agreements.services import steps  # noqa: E402, F401, I001
from agreements.services import exits  # noqa: E402, F401
