"""All access rules of Kooperation in one place.

Checks return a Decision (allowed or denied with a German reason shown to the user).
Loaders fetch one object through the user's scope: 404 for objects outside it (never
reveal that they exist), 403 with the reason for objects visible but not allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

# Permission names, one per rule below.
MANAGE_NETWORK = "network.manage"  # institutions, Arbeitsfelder, Leitung
MANAGE_USERS = "users.manage"
EDIT_DIRECTORY_ENTRY = "institution.edit_directory"  # contacts and offers
MANAGE_CATALOGUES = "catalogues.manage"
CREATE_AGREEMENT = "agreement.create"
EDIT_AGREEMENT = "agreement.edit"  # text, partners and sections while not frozen


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Decision(True)


def denied(reason: str) -> Decision:
    return Decision(False, reason)


def memberships(user) -> list:
    """Return the user's memberships, loaded once per request and cached on the user."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_kooperation_memberships", None)
    if cached is None:
        cached = list(user.memberships.select_related("institution__arbeitsfeld"))
        user._kooperation_memberships = cached
    return cached


def institution_ids(user, role: str | None = None) -> set[int]:
    """IDs of the active institutions the user belongs to (optionally: with this role)."""
    return {m.institution_id for m in memberships(user) if m.institution.is_active and (role is None or m.role == role)}


def has_role(user, institution_id: int, role: str) -> bool:
    return institution_id in institution_ids(user, role)


def can_manage_network(user) -> Decision:
    if user.is_authenticated and user.is_active and user.is_administration:
        return ALLOWED
    return denied(_("Nur die Administration verwaltet Institutionen, Arbeitsfelder und Leitungen."))


def can_manage_users(user) -> Decision:
    if user.is_authenticated and user.is_active and user.is_administration:
        return ALLOWED
    return denied(_("Nur die Administration verwaltet Benutzerkonten und Mitgliedschaften."))


def can_edit_directory_entry(user, institution) -> Decision:
    """Contacts and offers: Administration, or the institution's own Koordination."""
    from agreements.models import Role

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


def can_manage_catalogues(user) -> Decision:
    if user.is_authenticated and user.is_active and user.is_administration:
        return ALLOWED
    return denied(_("Nur die Administration pflegt die Kataloge."))


def can_create_agreement(user) -> Decision:
    from agreements.models import Role

    if institution_ids(user, Role.KOORDINATION):
        return ALLOWED
    return denied(_("Vereinbarungen legt die Koordination einer Institution an."))


def partner_institution_ids(agreement) -> set[int]:
    """IDs of the agreement's partner institutions, loaded once per agreement object."""
    cached = getattr(agreement, "_partner_institution_ids", None)
    if cached is None:
        cached = {p.institution_id for p in agreement.partners.all()}
        agreement._partner_institution_ids = cached
    return cached


def is_partner_coordinator(user, agreement) -> bool:
    from agreements.models import Role

    return bool(institution_ids(user, Role.KOORDINATION) & partner_institution_ids(agreement))


def can_edit_agreement(user, agreement) -> Decision:
    """Koordination of a partner institution, while the revision is not frozen."""
    if not agreement.is_editable:
        return denied(
            _("Diese Revision hat den Status „%(status)s“ und kann nicht mehr bearbeitet werden.")
            % {"status": agreement.get_status_display()}
        )
    if not is_partner_coordinator(user, agreement):
        return denied(_("Die Vereinbarung bearbeitet nur die Koordination einer Partnerinstitution."))
    return ALLOWED


CHECKS = {
    MANAGE_NETWORK: lambda user, obj=None: can_manage_network(user),
    MANAGE_USERS: lambda user, obj=None: can_manage_users(user),
    EDIT_DIRECTORY_ENTRY: can_edit_directory_entry,
    MANAGE_CATALOGUES: lambda user, obj=None: can_manage_catalogues(user),
    CREATE_AGREEMENT: lambda user, obj=None: can_create_agreement(user),
    EDIT_AGREEMENT: can_edit_agreement,
}


def check(user, permission: str, obj=None) -> Decision:
    """Evaluate a named permission for the user (and object)."""
    return CHECKS[permission](user, obj)


def require(decision: Decision) -> None:
    """Raise PermissionDenied with the decision's reason unless it is allowed."""
    if not decision:
        raise PermissionDenied(decision.reason)


def get_institution_for(user, pk: int, permission: str | None = None):
    """Load an institution visible to the user; 404 outside, 403 when not allowed."""
    from agreements.models import Institution

    institution = Institution.objects.visible_to(user).select_related("arbeitsfeld").filter(pk=pk).first()
    if institution is None:
        raise Http404
    if permission:
        require(check(user, permission, institution))
    return institution


def get_managed_user(user, pk: int):
    """Load a user account for Administration (others get 403 on the whole area)."""
    from agreements.models import User

    require(can_manage_users(user))
    account = User.objects.filter(pk=pk).first()
    if account is None:
        raise Http404
    return account


def get_agreement_for(user, pk: int, write: bool = False):
    """Load an agreement the user may see; 404 outside, 403 for writes not allowed."""
    from agreements.models import Agreement

    agreement = Agreement.objects.visible_to(user).select_related("coordinating_institution").filter(pk=pk).first()
    if agreement is None:
        raise Http404
    if write:
        require(can_edit_agreement(user, agreement))
    return agreement
