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
from agreements.models import Agreement, ApprovalRound, BoardMember, Signature, Status, StatusChange
from agreements.queries.sections import incomplete_reasons, with_full_text
from agreements.queries.structure import Structure
from agreements.services.contract import freeze, partner_people, void_signatures, withdraw_contract
from kooperation.core.concurrency import claim_version
from kooperation.core.dates import add_months
from kooperation.core.errors import DomainError
from kooperation.core.mail import notify
from kooperation.network.models import Role
from kooperation.network.permissions import institution_ids

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


def _end_fields(user, agreement: Agreement, comment: str) -> dict:
    return {"ended_on": timezone.localdate(), "end_reason": comment.strip()}


def _abandon_fields(user, agreement: Agreement, comment: str) -> dict:
    # The link to the revision in force is released, so that a new amendment can start from it.
    reason = _("Änderung von %(revision)s abgebrochen: %(reason)s") % {
        "revision": agreement.predecessor.revision_label,
        "reason": comment.strip(),
    }
    return {"ended_on": timezone.localdate(), "end_reason": reason, "predecessor": None}


def _ended(user, agreement: Agreement, comment: str) -> None:
    _tell_partners(
        agreement,
        _("Eine Kooperationsvereinbarung wurde beendet"),
        _("„%(title)s“ (%(revision)s) wurde beendet."),
        leitung=True,
    )


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


def _tell_partners(agreement: Agreement, subject, message: str, *, leitung: bool = False) -> None:
    """Tell the partners (board, Koordination, optionally Leitung) about an exit, naming the agreement."""
    notify(
        partner_people(agreement, leitung=leitung),
        subject,
        message % {"title": agreement.title, "revision": agreement.revision_label},
        reverse("agreement_detail", args=[agreement.pk]),
    )


def is_first_revision(agreement: Agreement) -> list[str]:
    if agreement.predecessor_id or agreement.revision:
        return [_("Eine Änderung wird nicht verworfen, sondern abgebrochen.")]
    return []


def is_amendment(agreement: Agreement) -> list[str]:
    if not agreement.predecessor_id:
        return [_("Nur eine Änderung einer geltenden Vereinbarung kann abgebrochen werden.")]
    return []


def notice_period_kept(agreement: Agreement) -> list[str]:
    """With a Kündigungsfrist (§ Laufzeit), an agreement in force is not ended from one day to the next."""
    if agreement.status not in perms.IN_FORCE:
        return []
    months = agreement.term.notice_period_months
    if not months:
        return []
    earliest = add_months(timezone.localdate(), months)
    return [
        _(
            "Die Kündigungsfrist beträgt %(months)d Monat(e): Die Vereinbarung kann frühestens zum %(date)s "
            "beendet werden. Kündigen Sie sie zu diesem Datum."
        )
        % {"months": months, "date": earliest.strftime("%d.%m.%Y")}
    ]


def unsigned_partner_leitung(user, agreement: Agreement) -> perms.Verdict:
    """A refusal comes from the Leitung (or its deputy) of a partner that has not signed."""
    signed = set(Signature.objects.valid().filter(agreement=agreement).values_list("institution_id", flat=True))
    own = (institution_ids(user, Role.LEITUNG) | perms.deputy_institution_ids(user)) & perms.partner_institution_ids(
        agreement
    )
    if own - signed:
        return perms.ALLOWED
    if own:
        return perms.denied(_("Ihre Institution hat bereits unterschrieben."))
    return perms.denied(_("Die Unterschrift verweigert nur die Leitung einer Partnerinstitution."))


def _discarded(user, agreement: Agreement, comment: str) -> None:
    _tell_partners(
        agreement,
        _("Ein Entwurf wurde verworfen"),
        _("Der Entwurf „%(title)s“ wurde verworfen. Er bleibt im Archiv lesbar."),
    )


def _abandoned(user, agreement: Agreement, comment: str) -> None:
    void_signatures(user, agreement, _("Die Änderung wurde abgebrochen."))
    withdraw_contract(agreement)
    _tell_partners(
        agreement,
        _("Eine Änderung wurde abgebrochen"),
        _("Die Änderung %(revision)s von „%(title)s“ wurde abgebrochen; die geltende Fassung bleibt in Kraft."),
        leitung=True,
    )


def _withdrawn(user, agreement: Agreement, comment: str) -> None:
    void_signatures(user, agreement, _("Aus der Unterzeichnung zurückgezogen: %(reason)s") % {"reason": comment})
    withdraw_contract(agreement)
    _tell_partners(
        agreement,
        _("Eine Vereinbarung wurde aus der Unterzeichnung zurückgezogen"),
        _(
            "„%(title)s“ (%(revision)s) wurde aus der Unterzeichnung zurückgezogen und ist wieder in Erarbeitung. "
            "Bisherige Unterschriften sind ungültig."
        ),
        leitung=True,
    )


def _refused(user, agreement: Agreement, comment: str) -> None:
    void_signatures(user, agreement, _("Unterschrift verweigert: %(reason)s") % {"reason": comment})
    withdraw_contract(agreement)
    _tell_partners(
        agreement,
        _("Eine Unterschrift wurde verweigert"),
        _(
            "Eine Leitung hat die Unterschrift unter „%(title)s“ (%(revision)s) verweigert; die Vereinbarung "
            "geht zurück an die Koordination und ist wieder in Erarbeitung. Bisherige Unterschriften sind ungültig."
        ),
        leitung=True,
    )


register(
    Transition(
        name="discard",
        label=gettext_lazy("Entwurf verwerfen"),
        confirm=gettext_lazy(
            "Der Entwurf wird verworfen und archiviert; er bleibt für die Partner lesbar, kann aber nicht "
            "weiterbearbeitet werden. Fortfahren?"
        ),
        sources=(Status.ENTWURF, Status.IN_ERARBEITUNG, Status.IN_ABSTIMMUNG),
        target=Status.VERWORFEN,
        allowed=perms.partner_coordinator,
        preconditions=(is_first_revision,),
        needs_comment=True,
        changes=_end_fields,
        after=_discarded,
    )
)

register(
    Transition(
        name="abandon_amendment",
        label=gettext_lazy("Änderung abbrechen"),
        confirm=gettext_lazy(
            "Die Änderung wird abgebrochen und archiviert; die geltende Fassung bleibt in Kraft. Danach kann eine "
            "neue Änderung begonnen werden. Fortfahren?"
        ),
        sources=(Status.IN_ERARBEITUNG, Status.IN_ABSTIMMUNG, Status.ZUR_UNTERZEICHNUNG),
        target=Status.VERWORFEN,
        allowed=perms.partner_coordinator,
        preconditions=(is_amendment,),
        needs_comment=True,
        changes=_abandon_fields,
        after=_abandoned,
    )
)

register(
    Transition(
        name="withdraw_from_signing",
        label=gettext_lazy("Aus der Unterzeichnung zurückziehen"),
        confirm=gettext_lazy(
            "Die Revision geht zurück in die Erarbeitung. Bisherige Unterschriften werden ungültig (sie bleiben als "
            "ungültig sichtbar), und die Partner werden benachrichtigt. Fortfahren?"
        ),
        sources=(Status.ZUR_UNTERZEICHNUNG,),
        target=Status.IN_ERARBEITUNG,
        allowed=perms.partner_coordinator,
        needs_comment=True,
        after=_withdrawn,
    )
)

register(
    Transition(
        name="refuse_signing",
        label=gettext_lazy("Unterschrift verweigern"),
        confirm=gettext_lazy(
            "Sie verweigern die Unterschrift für Ihre Institution. Die Vereinbarung geht mit Ihrer Begründung zurück "
            "an die Koordination und wieder in die Erarbeitung; bisherige Unterschriften werden ungültig. Fortfahren?"
        ),
        sources=(Status.ZUR_UNTERZEICHNUNG,),
        target=Status.IN_ERARBEITUNG,
        allowed=unsigned_partner_leitung,
        needs_comment=True,
        after=_refused,
    )
)


register(
    Transition(
        name="end",
        label=gettext_lazy("Vereinbarung beenden"),
        confirm=gettext_lazy("Die Vereinbarung wird beendet. Das kann nicht rückgängig gemacht werden. Fortfahren?"),
        sources=(Status.ZUR_UNTERZEICHNUNG, Status.UNTERZEICHNET, Status.IN_KRAFT, Status.UEBERPRUEFUNG_FAELLIG),
        target=Status.BEENDET,
        allowed=perms.partner_coordinator,
        preconditions=(notice_period_kept,),
        needs_comment=True,
        changes=_end_fields,
        after=_ended,
    )
)


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
