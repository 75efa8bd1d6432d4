"""Which institutions cooperate under which agreements: a circle graph and its table alternatives."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from django.db import router
from django.db.models import Case, Count, F, Func, IntegerField, Value, When, Window
from django.db.models.functions import Coalesce, RowNumber

from agreements.models import Agreement, Partner, Status
from kooperation.core.compiled import attach_prefetched, fetch_keyed
from kooperation.core.paging import get_page
from kooperation.network.models import Institution
from kooperation.network.scope import institution_ids

SIZE = 560
RADIUS = 200
# Above this many institutions a picture or matrix is unreadable: a page of pairs instead.
MATRIX_LIMIT = 30
PAIRS_PER_PAGE = 25
# The number of distinct institutions as a plain column (not an aggregate, so no GROUP BY): one row.
_COUNT_INSTITUTIONS = Func(
    F("institution_id"),
    function="COUNT",
    template="%(function)s(DISTINCT %(expressions)s)",
    output_field=IntegerField(),
)


@dataclass
class Node:
    institution: object
    x: float
    y: float
    label_x: float
    label_y: float
    anchor: str
    agreements: int


def build(user, arbeitsfeld=None, include_ended: bool = False, institution=None, page=None) -> dict:
    """Nodes, edges and tables for the agreements the user may see (optionally one Arbeitsfeld/institution).

    Up to MATRIX_LIMIT institutions the picture, its agreement table and the matrix; above that, a page of
    pairs (which two institutions share how many agreements) - what a person can read - in a fixed
    number of queries, whatever the size of the network.
    """
    key = _key(user, include_ended, arbeitsfeld, institution)
    using = router.db_for_read(Agreement)

    def ids():
        return _selection(user, include_ended, arbeitsfeld, institution)

    counted = fetch_keyed(
        ("network_picture.count", key),
        lambda: Partner.objects.filter(agreement_id__in=ids()).order_by().values(n=_COUNT_INSTITUTIONS),
        using,
    )
    institution_count = counted[0]["n"] if counted else 0
    if institution_count > MATRIX_LIMIT:
        return {
            "large": True,
            "institution_count": institution_count,
            "pairs": _pairs(Partner.objects.filter(agreement_id__in=ids()), page),
        }
    agreements = fetch_keyed(
        ("network_picture.agreements", key),
        lambda: Agreement.objects.filter(pk__in=ids()).order_by("title", "pk"),
        using,
    )
    if agreements:
        _prefetch_partners(
            agreements,
            fetch_keyed(("network_picture.partners", key), lambda: _partners().filter(agreement_id__in=ids()), using),
        )
    return {"large": False, "institution_count": institution_count, **_picture(agreements)}


def _key(user, include_ended, arbeitsfeld, institution) -> tuple:
    """Every input the SQL of `_selection` is built from (fetch_keyed): whom visible_to lets the user see
    (Administration or the user's institutions) and the filters."""
    return (
        True if user.is_administration else tuple(sorted(institution_ids(user))),
        include_ended,
        getattr(arbeitsfeld, "pk", None),
        getattr(institution, "pk", None),
    )


def _selection(user, include_ended, arbeitsfeld, institution):
    """The pks of the agreements shown, one per series, as a subquery."""
    scope = Agreement.objects.visible_to(user)
    if not include_ended:
        scope = scope.exclude(status=Status.BEENDET)
    if arbeitsfeld is not None:
        scope = scope.filter(partners__institution__arbeitsfeld=arbeitsfeld)
    if institution is not None:
        scope = scope.filter(partners__institution=institution)
    return one_per_series(scope)


def _partners():
    return Partner.objects.select_related("institution__arbeitsfeld")


def _prefetch_partners(agreements: list, partners: list) -> None:
    """Fill `agreement.partners.all()` as `prefetch_related(Prefetch("partners", queryset=_partners()))` does."""
    attach_prefetched(agreements, "partners", partners, Partner._meta.get_field("agreement"), _partners())


def _pairs(partners, page):
    """One page of institution pairs with the number of agreements they share, most shared first."""
    pairs = (
        partners.annotate(other=F("agreement__partners__institution_id"))
        .filter(other__gt=F("institution_id"))
        .values("institution_id", "other")
        .annotate(shared=Count("agreement_id", distinct=True))
        .order_by("-shared", "institution_id", "other")
    )
    page_obj = get_page(pairs, PAIRS_PER_PAGE, page)
    names = Institution.objects.select_related("arbeitsfeld").in_bulk(
        {row["institution_id"] for row in page_obj} | {row["other"] for row in page_obj}
    )
    page_obj.object_list = [
        {"a": names[row["institution_id"]], "b": names[row["other"]], "shared": row["shared"]} for row in page_obj
    ]
    return page_obj


def _picture(agreements: list) -> dict:
    """The circle graph, the agreement table and the matrix of a small selection."""
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


def one_per_series(scope):
    """The pks of `scope` counting each series once, as a subquery (the choice of `_one_per_series_ids`).

    Per series the revision in force (or due for review), else the latest revision; chosen in the
    database by ROW_NUMBER() so that no list of ids as long as the network travels to the queries.
    """
    in_force = Case(
        When(status__in=(Status.IN_KRAFT, Status.UEBERPRUEFUNG_FAELLIG), then=Value(1)),
        default=Value(0),
    )
    ranked = scope.order_by().annotate(
        _rank=Window(
            RowNumber(),
            partition_by=[Coalesce(F("series_root_id"), F("pk"))],
            order_by=[in_force.desc(), F("revision").desc()],
        )
    )
    return ranked.filter(_rank=1).values("pk")


def _one_per_series_ids(rows) -> list[int]:
    """Count an agreement once: its revision in force, else its latest revision (rows of pk, series, …)."""
    in_force = (Status.IN_KRAFT, Status.UEBERPRUEFUNG_FAELLIG)
    chosen = {}
    for pk, series_root_id, status, revision in rows:
        series_id = series_root_id or pk
        current = chosen.get(series_id)
        if current is None or (status in in_force, revision) > (current[1] in in_force, current[2]):
            chosen[series_id] = (pk, status, revision)
    return sorted(pk for pk, _status, _revision in chosen.values())
