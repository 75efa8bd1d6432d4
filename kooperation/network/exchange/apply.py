"""Write a checked import in one transaction, with few queries (bulk inserts), so a thousand rows stay fast."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from kooperation.network.exchange.plan import NEW, Plan, plan_for, role_lookup
from kooperation.network.exchange.tables import split_list
from kooperation.network.models import Arbeitsfeld, Contact, Institution, Leader, Membership, Offer, User
from kooperation.network.models.security import SecurityEvent

INSTITUTION_FIELDS = ("short_name", "street", "postal_code", "city", "phone", "email", "website", "description")


class ImportRefused(Exception):
    """The rows no longer pass the check (German message)."""


def _institution_values(data: dict[str, str], fields: dict[str, Arbeitsfeld]) -> dict:
    values = {key: data[key] for key in INSTITUTION_FIELDS}
    values["short_name"] = values["short_name"] or data["name"][:40]
    values["arbeitsfeld"] = fields[data["arbeitsfeld"].lower()]
    return values


def _apply_institutions(plan: Plan) -> dict[str, int]:
    fields = {a.name.lower(): a for a in Arbeitsfeld.objects.all()}
    new = [
        Institution(name=row.data["name"], **_institution_values(row.data, fields))
        for row in plan.rows
        if row.action == NEW
    ]
    Institution.objects.bulk_create(new)
    by_name = {i.name.lower(): i for i in new}
    updated_ids = [row.target_id for row in plan.rows if row.action != NEW]
    changed = Institution.objects.in_bulk(updated_ids)
    for row in plan.rows:
        if row.action != NEW:
            institution = changed[row.target_id]
            for key, value in _institution_values(row.data, fields).items():
                if value or key == "arbeitsfeld":  # an empty cell keeps what is there
                    setattr(institution, key, value)
            institution.version = F("version") + 1
            by_name[row.data["name"].lower()] = institution
    Institution.objects.bulk_update(changed.values(), [*INSTITUTION_FIELDS, "arbeitsfeld", "version"])
    ids = [i.pk for i in by_name.values()]
    contacts = set(Contact.objects.filter(institution_id__in=ids).values_list("institution_id", "name"))
    offers = set(Offer.objects.filter(institution_id__in=ids).values_list("institution_id", "title"))
    leaders = set(Leader.objects.filter(institution_id__in=ids).values_list("institution_id", "name"))
    new_contacts, new_offers, new_leaders = [], [], []
    for row in plan.rows:
        data = row.data
        pk = by_name[data["name"].lower()].pk
        if data["contact_name"] and (pk, data["contact_name"]) not in contacts:
            new_contacts.append(
                Contact(
                    institution_id=pk,
                    name=data["contact_name"],
                    responsibility=data["contact_responsibility"],
                    phone=data["contact_phone"],
                    email=data["contact_email"],
                )
            )
        for position, title in enumerate(split_list(data["offers"])):
            if (pk, title) not in offers:
                offers.add((pk, title))
                new_offers.append(Offer(institution_id=pk, title=title, position=position))
        if data["leader_name"] and (pk, data["leader_name"]) not in leaders:
            new_leaders.append(Leader(institution_id=pk, name=data["leader_name"], function=data["leader_function"]))
    Contact.objects.bulk_create(new_contacts)
    Offer.objects.bulk_create(new_offers)
    Leader.objects.bulk_create(new_leaders)
    return {"created": len(new), "updated": len(changed)}


def _apply_staff(plan: Plan, actor) -> dict[str, int]:
    roles = role_lookup()
    unusable = make_password(None)
    created: dict[str, User] = {}
    for row in plan.rows:
        email = row.data["email"]
        if row.action == NEW and email not in created:
            created[email] = User(
                email=email, first_name=row.data["first_name"], last_name=row.data["last_name"], password=unusable
            )
    User.objects.bulk_create(created.values())
    accounts = {u.email: u for u in User.objects.filter(email__in=[row.data["email"] for row in plan.rows])}
    held = set(Membership.objects.filter(user__in=accounts.values()).values_list("user_id", "institution_id", "role"))
    memberships = []
    for row in plan.rows:
        account = accounts[row.data["email"]]
        for label in split_list(row.data["roles"].replace(",", ";")):
            key = (account.pk, int(row.data["institution_id"]), roles[label.lower()])
            if key not in held:
                held.add(key)
                memberships.append(Membership(user=account, institution_id=key[1], role=key[2]))
    Membership.objects.bulk_create(memberships)
    names = dict(Institution.objects.filter(pk__in={m.institution_id for m in memberships}).values_list("pk", "name"))
    SecurityEvent.objects.bulk_create(
        SecurityEvent(
            kind=SecurityEvent.Kind.ROLE_GRANTED,
            user=m.user,
            actor=actor,
            detail=f"{names[m.institution_id]}: {m.get_role_display()} (Import)",
        )
        for m in memberships
    )
    return {"created": len(created), "updated": len(accounts) - len(created), "roles": len(memberships)}


def apply_import(kind: str, rows: list[dict[str, str]], actor) -> dict[str, int]:
    """Check the rows again and write them all in one transaction; raise ImportRefused if any row fails now."""
    with transaction.atomic():
        plan = plan_for(kind, rows)
        if not plan.ok:
            raise ImportRefused(
                _("Die Daten haben sich seit der Vorschau geändert: %(count)s Zeilen sind jetzt fehlerhaft.")
                % {"count": plan.error_count}
            )
        if kind == "institutionen":
            return _apply_institutions(plan)
        return _apply_staff(plan, actor)
