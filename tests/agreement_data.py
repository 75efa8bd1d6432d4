"""Building agreements for tests: partners in distinct Arbeitsfelder and fully written sections."""

from __future__ import annotations

from datetime import date

from django.test import Client
from django.urls import reverse

from agreements.models import (
    Agreement,
    CommunicationPath,
    ConferenceRules,
    Criterion,
    DataProtection,
    DataSharingRule,
    FlowPlan,
    Goal,
    Indicator,
    Responsibility,
    TargetGroup,
    Term,
)
from tests.factories import form_data, formset_data

CONFLICT = "Diese Angaben wurden gespeichert, während Sie sie bearbeitet haben."
REQUIRED = "Dieses Feld ist zwingend erforderlich."


def fill_sections(agreement: Agreement, rows: int = 1) -> Agreement:
    """Write every section so that all nine are complete, with `rows` rows per ordered section."""
    partners = list(agreement.partners.select_related("institution__arbeitsfeld"))
    TargetGroup.objects.bulk_create(
        [
            TargetGroup(agreement=agreement, name=f"Zielgruppe {n}", description="Schwangere", position=n)
            for n in range(rows)
        ]
    )
    for n in range(rows):
        goal = Goal.objects.create(agreement=agreement, text=f"Ziel {n}", position=n)
        Indicator.objects.bulk_create([Indicator(goal=goal, text=f"Indikator {n}.{i}", position=i) for i in range(2)])
    start = Criterion.objects.filter(agreement=agreement).count() + 1
    Criterion.objects.bulk_create(
        [Criterion(agreement=agreement, text=f"Kriterium {n}", position=start + n) for n in range(rows)]
    )
    Responsibility.objects.bulk_create(
        [
            Responsibility(
                agreement=agreement, institution=p.institution, role=f"Rolle {n}", tasks="Beraten", position=n
            )
            for n in range(rows)
            for p in partners
        ]
    )
    CommunicationPath.objects.bulk_create(
        [
            CommunicationPath(
                agreement=agreement,
                subject=f"Fallverlauf {n}",
                between="alle",
                channel="Telefon",
                frequency="monatlich",
            )
            for n in range(rows)
        ]
    )
    DataSharingRule.objects.bulk_create(
        [
            DataSharingRule(agreement=agreement, information=f"Termine {n}", between="alle", position=n)
            for n in range(rows)
        ]
    )
    fields = {p.institution.arbeitsfeld_id: p.institution.arbeitsfeld for p in partners}
    FlowPlan.objects.bulk_create(
        [
            FlowPlan(
                agreement=agreement, arbeitsfeld=field, situation=f"Lage {n}", recommendation="Handeln", goal="Ziel"
            )
            for n in range(rows)
            for field in fields.values()
        ]
    )
    DataProtection.objects.filter(agreement=agreement).update(
        principles="Es gilt das Sozialgeheimnis.", not_shared="Diagnosen", target_group_info="Über den Austausch"
    )
    ConferenceRules.objects.filter(agreement=agreement).update(
        occasion="Geburt", frequency="vierteljährlich", participants="alle und die Eltern", protocol_distribution="alle"
    )
    Term.objects.filter(agreement=agreement).update(
        valid_from=date(2026, 1, 1), duration_months=24, review_interval_months=12, board_duties="Überprüfen"
    )
    return agreement


def section_url(agreement: Agreement, key: str) -> str:
    return reverse("agreement_section", args=[agreement.pk, key])


def section_data(client: Client, agreement: Agreement, key: str) -> dict:
    """The POST data of a section page as loaded by `client` (rows and single form)."""
    context = client.get(section_url(agreement, key)).context
    data = {}
    if context["formset"] is not None:
        data.update(formset_data(context["formset"]))
    if context["single"] is not None:
        data.update(form_data(context["single"]))
    return data


def two_editors(*users) -> list[Client]:
    """Independent signed-in browser sessions (one per user; the same user may appear twice)."""
    clients = []
    for user in users:
        client = Client()
        client.force_login(user)
        clients.append(client)
    return clients
