"""State-changing operations on the network and accounts."""

from __future__ import annotations

import logging

from django.urls import reverse
from django.utils.translation import gettext as _

from kooperation.core.mail import NotificationKind, notify
from kooperation.network import invitations
from kooperation.network.models import Membership, Role
from kooperation.network.security import Kind, record

logger = logging.getLogger(__name__)


def send_invitation(account, actor=None) -> None:
    """E-mail the account a one-time link to set its password (see kooperation.network.invitations)."""
    invitations.send(account, actor=actor)


def set_institution_active(institution, active: bool) -> None:
    """Deactivate or reactivate an institution; institutions are never deleted."""
    institution.is_active = active
    institution.save(update_fields=["is_active", "updated_at"])


def set_user_active(account, active: bool) -> None:
    """Deactivate (sign-in refused, sessions end) or reactivate an account."""
    account.is_active = active
    account.save(update_fields=["is_active"])


def _coordination_of(institution, *, besides):
    """The institution's Koordination, without the person who just received the role."""
    coordinators = Membership.objects.filter(institution=institution, role=Role.KOORDINATION).exclude(user=besides)
    return [m.user for m in coordinators.select_related("user")]


def _notify_grant(membership, actor) -> None:
    """Tell the institution's Koordination that someone received a role there (names and a link, nothing else)."""
    institution = membership.institution
    notify(
        _coordination_of(institution, besides=membership.user),
        _("Neue Rolle in %(institution)s") % {"institution": institution.name},
        _("%(person)s hat in %(institution)s die Rolle „%(role)s“ erhalten (vergeben von %(actor)s).")
        % {
            "person": membership.user,
            "institution": institution.name,
            "role": membership.get_role_display(),
            "actor": actor,
        },
        reverse("institution_detail", kwargs={"pk": institution.pk}),
        kind=NotificationKind.ROLE,
    )


def record_role_changes(actor, account, formset, *, request=None) -> None:
    """After saving a membership formset: log grants, changes and removals; notify Koordination of grants."""
    for membership in formset.new_objects:
        record(
            Kind.ROLE_GRANTED,
            user=account,
            actor=actor,
            request=request,
            detail=f"{membership.institution.name}: {membership.get_role_display()}",
        )
        _notify_grant(membership, actor)
    for membership, _changed in formset.changed_objects:
        record(
            Kind.ROLE_CHANGED,
            user=account,
            actor=actor,
            request=request,
            detail=f"{membership.institution.name}: {membership.get_role_display()}",
        )
        _notify_grant(membership, actor)
    for membership in formset.deleted_objects:
        record(
            Kind.ROLE_REVOKED,
            user=account,
            actor=actor,
            request=request,
            detail=f"{membership.institution.name}: {membership.get_role_display()}",
        )
