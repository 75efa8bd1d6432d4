"""What forms of cases, conferences and Sitzungen may offer: agreements and staff."""

from __future__ import annotations

from django.db.models import Prefetch

from agreements.models import Agreement, Partner, Status
from conferences import permissions as perms
from conferences.models import Case
from kooperation.network import permissions as network_perms
from kooperation.network.models import Membership, Role, User

CASE_STATUSES = (
    Status.ENTWURF,
    Status.IN_ERARBEITUNG,
    Status.IN_ABSTIMMUNG,
    Status.ZUR_UNTERZEICHNUNG,
    Status.UNTERZEICHNET,
    Status.IN_KRAFT,
    Status.UEBERPRUEFUNG_FAELLIG,
)
# Nothing new is planned under a revision that has ended or was discarded.
CLOSED_STATUSES = (Status.BEENDET, Status.VERWORFEN)


# What the new-case form offers: the revision in force of each agreement. Drafts and an amendment in
# work would list the same agreement twice (and a case belongs under the rules that apply now).
IN_FORCE_STATUSES = (Status.IN_KRAFT, Status.UEBERPRUEFUNG_FAELLIG)


def case_agreements(user):
    """Agreements in force under which the user may open a case (one revision of each)."""
    return Agreement.objects.filter(
        status__in=IN_FORCE_STATUSES, partners__institution_id__in=perms.case_editor_institution_ids(user)
    ).distinct()


def case_staff(case: Case):
    """Active users of the institutions with access to the case (to invite, moderate, take tasks)."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__institution_id__in=perms.case_access_institution_ids(case),
            memberships__institution__is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "email")
    )


def case_staff_with_roles(case: Case):
    """case_staff, each with `case_memberships`: their roles in the institutions with access (for labels)."""
    memberships = Membership.objects.filter(
        institution_id__in=perms.case_access_institution_ids(case), institution__is_active=True
    ).select_related("institution")
    return case_staff(case).prefetch_related(Prefetch("memberships", queryset=memberships, to_attr="case_memberships"))


def meeting_agreements(user):
    """Agreements for which the user (Koordination of a partner) may record a Sitzung."""
    return (
        Agreement.objects.filter(partners__institution_id__in=network_perms.institution_ids(user, Role.KOORDINATION))
        .exclude(status__in=CLOSED_STATUSES)
        .distinct()
    )


def partner_staff(agreement_ids):
    """Active users of the partner institutions of these agreements."""
    institutions = Partner.objects.filter(agreement_id__in=agreement_ids).values("institution_id")
    return (
        User.objects.filter(is_active=True, memberships__institution_id__in=institutions)
        .distinct()
        .order_by("last_name", "first_name", "email")
    )
