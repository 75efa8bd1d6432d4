"""Check uploaded rows against the network and say, row by row, what an import would do (nothing is written)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils import translation
from django.utils.translation import gettext as _

from kooperation.network.exchange.tables import INSTITUTION_COLUMNS, STAFF_COLUMNS, split_list
from kooperation.network.models import Arbeitsfeld, Institution, Role, User
from kooperation.network.models.institutions import phone_validator, postal_code_validator

NEW = "neu"
UPDATE = "aktualisieren"
ERROR = "fehler"

LIMITS = {
    "name": 200,
    "short_name": 40,
    "street": 200,
    "city": 100,
    "contact_name": 150,
    "contact_responsibility": 300,
    "leader_name": 150,
    "leader_function": 150,
    "first_name": 150,
    "last_name": 150,
}
HEADERS = {c.key: c.header for c in (*INSTITUTION_COLUMNS, *STAFF_COLUMNS)}


@dataclass
class RowResult:
    number: int  # the line in the file (the header is line 1)
    label: str
    data: dict[str, str]
    action: str = NEW
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    target_id: int | None = None  # the institution or account updated

    def fail(self, message: str) -> None:
        self.errors.append(message)
        self.action = ERROR


@dataclass
class Plan:
    kind: str
    rows: list[RowResult]

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    @property
    def ok(self) -> bool:
        return not self.error_count

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def count_new(self) -> int:
        return self.count(NEW)

    @property
    def count_update(self) -> int:
        return self.count(UPDATE)


def _check(row: RowResult, key: str, validator, message: str) -> None:
    value = row.data.get(key, "")
    if not value:
        return
    try:
        validator(value)
    except ValidationError:
        row.fail(message % {"value": value})


def _check_lengths(row: RowResult) -> None:
    for key, limit in LIMITS.items():
        if len(row.data.get(key, "")) > limit:
            row.fail(_("„%(field)s“ ist länger als %(limit)s Zeichen.") % {"field": HEADERS[key], "limit": limit})


def plan_institutions(rows: list[dict[str, str]]) -> Plan:
    """Match institutions by name; check Arbeitsfeld, address, contact, offers and Leitung of each row."""
    fields = {a.name.lower(): a for a in Arbeitsfeld.objects.filter(is_active=True)}
    existing = {name.lower(): pk for pk, name in Institution.objects.values_list("pk", "name")}
    seen: dict[str, int] = {}
    results = []
    for index, data in enumerate(rows, start=2):
        row = RowResult(index, data["name"] or "–", data)
        name = data["name"]
        if not name:
            row.fail(_("Der Name der Institution fehlt."))
        elif name.lower() in seen:
            row.fail(_("„%(name)s“ steht schon in Zeile %(line)s.") % {"name": name, "line": seen[name.lower()]})
        else:
            seen[name.lower()] = index
            if name.lower() in existing:
                row.action = UPDATE
                row.target_id = existing[name.lower()]
        if not data["arbeitsfeld"]:
            row.fail(_("Das Arbeitsfeld fehlt."))
        elif data["arbeitsfeld"].lower() not in fields:
            row.fail(
                _("Unbekanntes Arbeitsfeld „%(value)s“. Bekannt sind: %(known)s.")
                % {"value": data["arbeitsfeld"], "known": ", ".join(a.name for a in fields.values())}
            )
        _check(row, "postal_code", postal_code_validator, _("Die Postleitzahl „%(value)s“ hat nicht fünf Ziffern."))
        _check(row, "phone", phone_validator, _("Die Telefonnummer „%(value)s“ ist ungültig."))
        _check(row, "contact_phone", phone_validator, _("Die Telefonnummer „%(value)s“ ist ungültig."))
        _check(row, "email", EmailValidator(), _("Die E-Mail-Adresse „%(value)s“ ist ungültig."))
        _check(row, "contact_email", EmailValidator(), _("Die E-Mail-Adresse „%(value)s“ ist ungültig."))
        website = data["website"]
        if website and "://" not in website:
            data["website"] = website = f"https://{website}"
        _check(row, "website", URLValidator(schemes=["http", "https"]), _("Die Website „%(value)s“ ist ungültig."))
        if data["contact_name"] and not data["contact_responsibility"]:
            row.fail(_("Zur Ansprechperson fehlt die Zuständigkeit."))
        if data["leader_name"] and not data["leader_function"]:
            row.fail(_("Zur Leitung fehlt die Funktion."))
        _check_lengths(row)
        if any(len(title) > 200 for title in split_list(data["offers"])):
            row.fail(_("Ein Angebotstitel ist länger als 200 Zeichen."))
        results.append(row)
    return Plan("institutionen", results)


def _institution_lookup() -> dict[str, int]:
    """Names and (unambiguous) short names of institutions, lower case → pk."""
    lookup: dict[str, int] = {}
    short: dict[str, list[int]] = {}
    for pk, name, short_name in Institution.objects.values_list("pk", "name", "short_name"):
        lookup[name.lower()] = pk
        short.setdefault(short_name.lower(), []).append(pk)
    for key, pks in short.items():
        if len(pks) == 1 and key:
            lookup.setdefault(key, pks[0])
    return lookup


def role_lookup() -> dict[str, str]:
    """Role names as files spell them (German labels, whatever the page language) → stored value."""
    with translation.override("de"):
        labels = {str(label).lower(): value for value, label in Role.choices}
    return labels | {value: value for value in Role.values}


def plan_staff(rows: list[dict[str, str]]) -> Plan:
    """Match accounts by e-mail and institutions by name or short name; check the roles of each row."""
    institutions = _institution_lookup()
    roles = role_lookup()
    accounts = {email: pk for pk, email in User.objects.values_list("pk", "email")}
    seen: dict[tuple[str, int | None], int] = {}
    names: dict[str, tuple[str, str]] = {}
    results = []
    for index, data in enumerate(rows, start=2):
        data["email"] = email = data["email"].lower()
        row = RowResult(index, email or "–", data)
        if not email:
            row.fail(_("Die E-Mail-Adresse fehlt."))
        else:
            _check(row, "email", EmailValidator(), _("Die E-Mail-Adresse „%(value)s“ ist ungültig."))
            if email in accounts and not row.errors:
                row.action = UPDATE
                row.target_id = accounts[email]
        institution_id = institutions.get(data["institution"].lower())
        if not data["institution"]:
            row.fail(_("Die Institution fehlt."))
        elif institution_id is None:
            row.fail(_("Unbekannte Institution „%(value)s“.") % {"value": data["institution"]})
        if email:
            key = (email, institution_id)
            if key in seen:
                row.fail(
                    _("Die E-Mail-Adresse %(email)s steht für diese Institution schon in Zeile %(line)s.")
                    % {"email": email, "line": seen[key]}
                )
            seen.setdefault(key, index)
            person = (data["first_name"], data["last_name"])
            if names.setdefault(email, person) != person:
                row.fail(
                    _("Die E-Mail-Adresse %(email)s steht weiter oben mit einem anderen Namen.") % {"email": email}
                )
        wanted = split_list(data["roles"].replace(",", ";"))
        if not wanted:
            row.fail(_("Mindestens eine Rolle angeben (Koordination, Mitglied, Leitung, Fachkraft)."))
        for role in wanted:
            if role.lower() not in roles:
                row.fail(
                    _("Unbekannte Rolle „%(value)s“. Möglich sind: Koordination, Mitglied, Leitung, Fachkraft.")
                    % {"value": role}
                )
        _check_lengths(row)
        data["institution_id"] = str(institution_id or "")
        results.append(row)
    return Plan("personen", results)


def plan_for(kind: str, rows: list[dict[str, str]]) -> Plan:
    return plan_institutions(rows) if kind == "institutionen" else plan_staff(rows)
