"""Which institutions cooperate under which agreements: a circle graph and its table alternatives."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from django.db.models import Prefetch

from agreements.models import Agreement, Partner, Status

SIZE = 560
RADIUS = 200


@dataclass
class Node:
    institution: object
    x: float
    y: float
    label_x: float
    label_y: float
    anchor: str
    agreements: int


def build(user, arbeitsfeld=None, include_ended: bool = False) -> dict:
    """Nodes, edges and tables for the agreements the user may see (optionally one Arbeitsfeld)."""
    agreements = Agreement.objects.visible_to(user).prefetch_related(
        Prefetch("partners", queryset=Partner.objects.select_related("institution__arbeitsfeld"))
    )
    if not include_ended:
        agreements = agreements.exclude(status=Status.BEENDET)
    if arbeitsfeld is not None:
        agreements = agreements.filter(partners__institution__arbeitsfeld=arbeitsfeld)
    agreements = _one_per_series(agreements.order_by("title", "pk").distinct())
    institutions, counts, pairs = {}, defaultdict(int), defaultdict(list)
    for agreement in agreements:
        members = [p.institution for p in agreement.partners.all()]
        for institution in members:
            institutions[institution.pk] = institution
            counts[institution.pk] += 1
        for a, b in combinations(sorted(members, key=lambda i: i.pk), 2):
            pairs[(a.pk, b.pk)].append(agreement)
    ordered = sorted(institutions.values(), key=lambda i: (i.arbeitsfeld.position, i.arbeitsfeld.name, i.name))
    nodes = {}
    center = SIZE / 2
    for index, institution in enumerate(ordered):
        angle = 2 * math.pi * index / max(len(ordered), 1) - math.pi / 2
        x, y = center + RADIUS * math.cos(angle), center + RADIUS * math.sin(angle)
        lx, ly = center + (RADIUS + 14) * math.cos(angle), center + (RADIUS + 14) * math.sin(angle)
        anchor = "start" if math.cos(angle) > 0.2 else "end" if math.cos(angle) < -0.2 else "middle"
        nodes[institution.pk] = Node(
            institution, round(x, 1), round(y, 1), round(lx, 1), round(ly, 1), anchor, counts[institution.pk]
        )
    edges = [
        {"a": nodes[a], "b": nodes[b], "count": len(shared), "agreements": shared}
        for (a, b), shared in sorted(pairs.items())
    ]
    matrix = [
        (row, [len(pairs.get(tuple(sorted((row.pk, col.pk))), [])) if row.pk != col.pk else None for col in ordered])
        for row in ordered
    ]
    return {
        "size": SIZE,
        "nodes": list(nodes.values()),
        "edges": edges,
        "agreements": agreements,
        "institutions": ordered,
        "matrix": matrix,
    }


def _one_per_series(agreements) -> list:
    """Count an agreement once: its revision in force, else its latest revision."""
    in_force = (Status.IN_KRAFT, Status.UEBERPRUEFUNG_FAELLIG)
    chosen = {}
    for agreement in agreements:
        current = chosen.get(agreement.series_id)
        if current is None or (agreement.status in in_force, agreement.revision) > (
            current.status in in_force,
            current.revision,
        ):
            chosen[agreement.series_id] = agreement
    return sorted(chosen.values(), key=lambda a: (a.title, a.pk))
