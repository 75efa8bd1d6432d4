"""Benchmark the contract renderer: the demo agreement and a 20-partner agreement."""

from __future__ import annotations

import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from agreements.documents import ContractRenderer
from agreements.models import Agreement
from agreements.services.agreement import create_agreement, set_partners
from agreements.services.contract import page_count
from kooperation.network.models import Arbeitsfeld, Institution, Leader


class Command(BaseCommand):
    help = "Misst die Erzeugung des Vertrags-PDF (Median, Seiten, Seiten pro Sekunde)."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=5)
        parser.add_argument("--partners", type=int, default=20)

    def handle(self, *args, runs: int, partners: int, **options):
        demo = Agreement.objects.exclude(in_force_from=None).order_by("pk").first() or Agreement.objects.first()
        if demo is None:
            raise CommandError("Keine Vereinbarung vorhanden: zuerst `manage.py seed_demo` ausführen.")
        self._bench(f"Demo-Vereinbarung ({demo.partners.count()} Partner)", demo, runs)
        with transaction.atomic():
            large = self._large(demo, partners)
            self._bench(f"Vereinbarung mit {partners} Partnern", large, runs)
            transaction.set_rollback(True)  # the benchmark leaves no data behind

    def _bench(self, label: str, agreement: Agreement, runs: int) -> None:
        times, data = [], b""
        for _ in range(runs):
            start = time.perf_counter()
            _name, _mime, data = ContractRenderer(agreement, draft=False).render()
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        pages = page_count(data)
        self.stdout.write(
            f"{label}: Median {median:.3f} s über {runs} Läufe, {pages} Seiten, {pages / median:.1f} Seiten/s"
        )

    def _large(self, template: Agreement, count: int) -> Agreement:
        user = template.created_by
        field = Arbeitsfeld.objects.order_by("pk").first()
        institutions = []
        for n in range(count):
            institution, _created = Institution.objects.get_or_create(
                name=f"Benchmark-Partner {n + 1:02d} gGmbH",
                defaults={"short_name": f"BP{n + 1:02d}", "arbeitsfeld": field, "city": "Lindenbrück"},
            )
            Leader.objects.get_or_create(
                institution=institution,
                name=f"Leitung {n + 1:02d}",
                defaults={"function": "Geschäftsführung", "signs": True},
            )
            institutions.append(institution)
        agreement = create_agreement(
            user,
            title="Benchmark: Kooperationsvereinbarung mit vielen Partnern",
            preamble=template.preamble,
            coordinating_institution=institutions[0],
            institutions=institutions,
        )
        set_partners(agreement, institutions, agreement.version)
        return agreement
