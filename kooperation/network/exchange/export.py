"""Read the network into the import layout (read-only), so an export can be edited and imported again."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import translation

from kooperation.network.exchange.tables import LIST_SEPARATOR
from kooperation.network.models import Institution, Membership, User


def institution_rows() -> list[dict[str, str]]:
    """One row per institution: its first contact and first Leitung, all offers in one cell."""
    rows = []
    queryset = Institution.objects.select_related("arbeitsfeld").prefetch_related("contacts", "offers", "leaders")
    for institution in queryset.order_by("name"):
        contacts = list(institution.contacts.all())
        leaders = list(institution.leaders.all())
        contact = contacts[0] if contacts else None
        leader = leaders[0] if leaders else None
        rows.append(
            {
                "name": institution.name,
                "short_name": institution.short_name,
                "arbeitsfeld": institution.arbeitsfeld.name,
                "street": institution.street,
                "postal_code": institution.postal_code,
                "city": institution.city,
                "phone": institution.phone,
                "email": institution.email,
                "website": institution.website,
                "description": institution.description,
                "contact_name": contact.name if contact else "",
                "contact_responsibility": contact.responsibility if contact else "",
                "contact_phone": contact.phone if contact else "",
                "contact_email": contact.email if contact else "",
                "offers": f"{LIST_SEPARATOR} ".join(o.title for o in institution.offers.all()),
                "leader_name": leader.name if leader else "",
                "leader_function": leader.function if leader else "",
            }
        )
    return rows


def staff_rows() -> list[dict[str, str]]:
    """One row per person and institution, with the roles held there."""
    rows = []
    memberships = Prefetch("memberships", queryset=Membership.objects.select_related("institution"))
    for account in User.objects.filter(is_active=True).prefetch_related(memberships).order_by("email"):
        by_institution: dict[str, list[str]] = {}
        for membership in account.memberships.all():
            by_institution.setdefault(membership.institution.name, []).append(str(membership.get_role_display()))
        for institution, roles in sorted(by_institution.items()):
            rows.append(
                {
                    "first_name": account.first_name,
                    "last_name": account.last_name,
                    "email": account.email,
                    "institution": institution,
                    "roles": f"{LIST_SEPARATOR} ".join(roles),
                }
            )
    return rows


def rows_for(kind: str) -> list[dict[str, str]]:
    with translation.override("de"):  # role names must read back in on import
        return institution_rows() if kind == "institutionen" else staff_rows()
