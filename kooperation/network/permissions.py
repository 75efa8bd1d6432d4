"""Access rules of the network: accounts, institutions, the directory and Administration.

Checks return a Verdict (allowed, or denied with a German reason shown to the user).
Loaders fetch one object through the user's scope: 404 for objects outside it (never
reveal that they exist), 403 with the reason for objects visible but not allowed.
The feature apps build their rules on the scoping helpers here (`institution_ids`, `has_role`).
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from kooperation.core.access import ALLOWED, Verdict, denied, require
from kooperation.network.models import Institution, Role, User
from kooperation.network.scope import has_role, institution_ids, memberships, role_institution_ids

__all__ = [
    "ALLOWED",
    "Verdict",
    "can_edit_directory_entry",
    "can_manage_catalogues",
    "can_manage_network",
    "can_manage_users",
    "can_view_evidence",
    "denied",
    "get_institution_for",
    "get_managed_user",
    "has_role",
    "institution_ids",
    "memberships",
    "require",
    "role_institution_ids",
]


def _is_administration(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_administration)


def can_manage_network(user, obj=None) -> Verdict:
    """Administration only (obj is accepted so loaders can pass the object they loaded)."""
    if _is_administration(user):
        return ALLOWED
    return denied(_("Nur die Administration verwaltet Institutionen, Arbeitsfelder und Leitungen."))


def can_manage_users(user, obj=None) -> Verdict:
    if _is_administration(user):
        return ALLOWED
    return denied(_("Nur die Administration verwaltet Benutzerkonten und Mitgliedschaften."))


def can_view_security_log(user, obj=None) -> Verdict:
    if _is_administration(user):
        return ALLOWED
    return denied(_("Nur die Administration sieht das Sicherheitsprotokoll."))


def can_reset_second_factor(user, account) -> Verdict:
    """Administration resets another person's second factor — never its own (that needs its own code)."""
    if not _is_administration(user):
        return denied(_("Nur die Administration kann die Zwei-Faktor-Anmeldung zurücksetzen."))
    if account.pk == user.pk:
        return denied(
            _("Ihre eigene Zwei-Faktor-Anmeldung setzen Sie nicht hier zurück, sondern unter „Zwei-Faktor-Anmeldung“.")
        )
    return ALLOWED


def can_change_memberships(user, account) -> Verdict:
    """Nobody grants or changes their own roles, not even Administration."""
    if not _is_administration(user):
        return denied(_("Nur die Administration verwaltet Benutzerkonten und Mitgliedschaften."))
    if account.pk == user.pk:
        return denied(
            _(
                "Sie können Ihre eigenen Mitgliedschaften und Rollen nicht ändern. "
                "Bitten Sie eine andere Person aus der Administration darum."
            )
        )
    return ALLOWED


def can_manage_catalogues(user, obj=None) -> Verdict:
    if _is_administration(user):
        return ALLOWED
    return denied(_("Nur die Administration pflegt die Kataloge."))


def can_edit_directory_entry(user, institution) -> Verdict:
    """Contacts and offers: Administration, or the institution's own Koordination."""
    if can_manage_network(user):
        return ALLOWED
    if has_role(user, institution.pk, Role.KOORDINATION):
        return ALLOWED
    return denied(
        _(
            "Ansprechpartner/innen und Angebote von „%(name)s“ pflegen nur die Koordination "
            "dieser Institution und die Administration."
        )
        % {"name": institution.name}
    )


def can_view_evidence(user, institution) -> Verdict:
    """An institution's Nachweis: its own Koordination or Leitung, and Administration."""
    if can_manage_network(user):
        return ALLOWED
    if has_role(user, institution.pk, Role.KOORDINATION) or has_role(user, institution.pk, Role.LEITUNG):
        return ALLOWED
    return denied(
        _("Den Nachweis von „%(name)s“ sehen nur deren Koordination und Leitung sowie die Administration.")
        % {"name": institution.name}
    )


def get_institution_for(user, pk: int, check=None):
    """Load an institution visible to the user; 404 outside, 403 when the check (user, institution) denies."""
    institution = Institution.objects.visible_to(user).select_related("arbeitsfeld").filter(pk=pk).first()
    if institution is None:
        raise Http404
    if check is not None:
        require(check(user, institution))
    return institution


def get_managed_user(user, pk: int):
    """Load a user account for Administration (others get 403 on the whole area)."""
    require(can_manage_users(user))
    account = User.objects.filter(pk=pk).first()
    if account is None:
        raise Http404
    return account
