"""The ways out of each state (SPEC section 3): discard, abandon an amendment, withdraw, refuse, end."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements import permissions as perms
from agreements.models import Agreement, Signature, Status
from agreements.services.contract import partner_people, void_signatures, withdraw_contract
from agreements.services.lifecycle import Transition, register
from kooperation.core.dates import add_months
from kooperation.core.mail import NotificationKind, notify
from kooperation.network.models import Role
from kooperation.network.permissions import institution_ids


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


def _tell_partners(agreement: Agreement, subject, message: str, *, leitung: bool = False) -> None:
    """Tell the partners (board, Koordination, optionally Leitung) about an exit, naming the agreement."""
    notify(
        partner_people(agreement, leitung=leitung),
        subject,
        message % {"title": agreement.title, "revision": agreement.revision_label},
        reverse("agreement_detail", args=[agreement.pk]),
        kind=NotificationKind.AGREEMENT,
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
