"""Subqueries compiled once and kept: the SQL of a queryset whose text depends only on a known key.

Building and compiling a deep permission subquery (the need-to-know rules of cases, conferences and
meetings) costs the Django ORM several milliseconds of Python per request, far more than the database
needs to run it. The SQL text of such a rule is a pure function of a few inputs (the user's id, their
institutions, the day): `compiled_subquery` compiles it the first time it sees those inputs and hands
out the same SQL and parameters afterwards, as a self-contained `RawSQL` for an `__in` lookup.

The caller's key must name *every* input the queryset is built from; what the database holds is
not an input (the SQL runs against the current rows every time).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from django.db.models.expressions import RawSQL

from kooperation.core.compiled import KeyedCache

_cache = KeyedCache(size=1024)


def compiled_subquery(key: Hashable, build: Callable, using: str) -> RawSQL | None:
    """`build()` (a queryset selecting one column) as RawSQL for `field__in=`, or None if it selects nothing.

    Compiled for the database `using` the first time `key` is asked for; later calls with the same key
    reuse the SQL and parameters. None stands for a queryset that is empty without asking the database
    (`.none()`, an empty `__in` list): the caller drops the condition that would use it.
    """

    def compile_entry():
        query = build().query.clone()
        if query.is_sliced:
            raise ValueError("A sliced queryset keeps its ORDER BY; compile it as a subquery yourself.")
        query.clear_ordering(force=True)  # as Django does for an `__in` subquery: order means nothing there
        return query.get_compiler(using=using).as_sql()

    entry = _cache.get((using, key), compile_entry)
    if entry is KeyedCache.EMPTY:
        return None
    sql, params = entry
    return RawSQL(sql, params)  # noqa: S611 - SQL text the ORM compiled, values stay parameters


def clear() -> None:
    """Forget every compiled subquery (tests)."""
    _cache.clear()
