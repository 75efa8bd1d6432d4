"""The working steps of an agreement: Entwurf → In Erarbeitung → In Abstimmung → Zur Unterzeichnung, and the review."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements import permissions as perms
from agreements.models import Agreement, ApprovalRound, BoardMember, Status
from agreements.queries.sections import incomplete_reasons, with_full_text
from agreements.queries.structure import Structure
from agreements.services.contract import freeze
from agreements.services.lifecycle import Transition, register
from kooperation.core.dates import add_months
from kooperation.core.mail import NotificationKind, notify


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
        kind=NotificationKind.APPROVAL,
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
