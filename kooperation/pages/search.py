"""Suche: what one text finds across the network, each kind read through the scope of its own pages.

Institutions, people (contacts and Leitung) and offers come from the institutions the user may
see (`Institution.objects.visible_to`), agreements from `Agreement.objects.visible_to` (title and
section texts), cases and Hilfekonferenzen from `Case/Conference.objects.visible_to` (case team and
the owner's Koordination only). Case hits match the pseudonymous code and show what the case list
shows (code, agreement, fallführende Institution, dates), so, like the case list, they are no read
of case data for the access log; the note and protocol texts are never searched.

On PostgreSQL the texts are matched by full-text search (config "german", every word as a prefix)
or by a plain substring of a name; on SQLite by a substring only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchVector, SearchVectorExact
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from agreements.models import (
    Agreement,
    CommunicationPath,
    ConferenceRules,
    Criterion,
    DataProtection,
    DataSharingRule,
    FlowPlan,
    Goal,
    Responsibility,
    TargetGroup,
    Term,
)
from conferences.models import Case, Conference
from kooperation.network.models import Contact, Institution, Leader, Offer, User
from kooperation.network.permissions import can_manage_users

MIN_LENGTH = 2
MAX_LENGTH = 100
_WORD = re.compile(r"\w+")

# Section texts of an agreement that the search reads: (model, text fields).
AGREEMENT_SECTIONS = (
    (TargetGroup, ("name", "description")),
    (Goal, ("text",)),
    (Criterion, ("text",)),
    (Responsibility, ("role", "tasks")),
    (CommunicationPath, ("subject", "between", "channel", "frequency")),
    (DataSharingRule, ("information", "between", "legal_reference")),
    (FlowPlan, ("situation", "recommendation", "goal")),
    (DataProtection, ("principles", "not_shared", "target_group_info")),
    (ConferenceRules, ("occasion", "frequency", "participants", "protocol_distribution")),
    (Term, ("board_duties",)),
)


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def _prefix_query(text: str) -> SearchQuery | None:
    """Every word of the text as a prefix, all required; only word characters reach to_tsquery."""
    words = _WORD.findall(text)
    if not words:
        return None
    return SearchQuery(" & ".join(f"{word}:*" for word in words), search_type="raw", config="german")


def matches(text: str, fields: tuple[str, ...], names: tuple[str, ...] = ()) -> Q:
    """A condition: the text occurs in one of the fields (full text on PostgreSQL) or in one of the names."""
    condition = Q()
    for name in names:
        condition |= Q(**{f"{name}__icontains": text})
    if uses_full_text():
        query = _prefix_query(text)
        if query is not None:
            condition |= Q(SearchVectorExact(SearchVector(*fields, config="german"), query))
        return condition or Q(pk__in=[])
    for name in fields:
        condition |= Q(**{f"{name}__icontains": text})
    return condition


def institutions(user, text: str) -> QuerySet:
    return (
        Institution.objects.visible_to(user)
        .filter(matches(text, ("name", "short_name", "city", "description"), names=("name", "short_name")))
        .select_related("arbeitsfeld")
        .order_by("name", "pk")
    )


def people(user, text: str) -> QuerySet:
    """Contacts and Leitung of the visible institutions (and, for Administration, accounts) as one list.

    Each row: kind ("ansprechpartner", "leitung", "konto"), target_id (the institution, or the account),
    name, function, detail and institution_name.
    """
    visible = Institution.objects.visible_to(user).values("pk")
    columns = ("kind", "target_id", "name", "function", "detail", "institution_name")
    contacts = (
        Contact.objects.filter(institution__in=visible)
        .filter(matches(text, ("name", "function", "responsibility"), names=("name",)))
        .annotate(
            kind=Value("ansprechpartner"),
            target_id=F("institution_id"),
            detail=F("responsibility"),
            institution_name=F("institution__name"),
        )
        .values(*columns)
        .order_by()
    )
    leaders = (
        Leader.objects.filter(institution__in=visible)
        .filter(matches(text, ("name", "function"), names=("name",)))
        .annotate(
            kind=Value("leitung"),
            target_id=F("institution_id"),
            detail=Value(""),
            institution_name=F("institution__name"),
        )
        .values(*columns)
        .order_by()
    )
    found = contacts.union(leaders, all=True)
    if can_manage_users(user):
        # The accounts: only Administration sees them (as on the user list and the institution page).
        accounts = (
            User.objects.annotate(full_name=Concat("first_name", Value(" "), "last_name"))
            .filter(matches(text, ("first_name", "last_name", "email"), names=("full_name", "email")))
            .annotate(
                kind=Value("konto"),
                target_id=F("pk"),
                name=F("full_name"),
                function=Value(""),
                detail=F("email"),
                institution_name=Value(""),
            )
            .values(*columns)
            .order_by()
        )
        found = contacts.union(leaders, accounts, all=True)
    return found.order_by("name", "institution_name", "kind")


def offers(user, text: str) -> QuerySet:
    return (
        Offer.objects.filter(institution__in=Institution.objects.visible_to(user).values("pk"))
        .filter(matches(text, ("title", "description", "target_group"), names=("title",)))
        .select_related("institution")
        .order_by("title", "institution__name", "pk")
    )


def agreements(user, text: str) -> QuerySet:
    """Agreements the user may see whose title, preamble or a section text matches."""
    condition = matches(text, ("title", "preamble"), names=("title",))
    for model, fields in AGREEMENT_SECTIONS:
        condition |= Exists(model.objects.filter(agreement=OuterRef("pk")).filter(matches(text, fields)))
    return (
        Agreement.objects.filter(pk__in=Agreement.objects.visible_to(user).values("pk"))
        .filter(condition)
        .select_related("coordinating_institution")
        .order_by("title", "-revision", "pk")
    )


def cases(user, text: str) -> QuerySet:
    """Cases the user reads (case team, the owner's Koordination) whose code contains the text."""
    return (
        Case.objects.visible_to(user)
        .filter(code__icontains=text)
        .select_related("agreement", "owner_institution")
        .order_by("-created_at", "-pk")
    )


def conferences(user, text: str) -> QuerySet:
    """Hilfekonferenzen the user may open whose case code contains the text."""
    return (
        Conference.objects.visible_to(user)
        .filter(case__code__icontains=text)
        .select_related("case")
        .order_by("-date", "-pk")
    )


@dataclass(frozen=True)
class Kind:
    slug: str
    title: str
    find: object


KINDS = (
    Kind("institutionen", _("Institutionen"), institutions),
    Kind("personen", _("Personen"), people),
    Kind("angebote", _("Angebote"), offers),
    Kind("vereinbarungen", _("Vereinbarungen"), agreements),
    Kind("faelle", _("Fälle"), cases),
    Kind("hilfekonferenzen", _("Hilfekonferenzen"), conferences),
)
KINDS_BY_SLUG = {kind.slug: kind for kind in KINDS}
