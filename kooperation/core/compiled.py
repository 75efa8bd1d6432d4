"""Hot queries compiled to SQL once per database connection, then run with new values.

Django builds and compiles the SQL of every queryset anew; for the few small queries every
signed-in request runs (session row, user row, the user's memberships) that compilation costs
several times more CPU than the database. A `CompiledQuery` compiles its queryset on the first
run per connection and afterwards only executes the same SQL with new parameters, turning the
rows into model instances the way Django's ModelIterable does (field converters, select_related).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models.query import ModelIterable, ValuesIterable, get_related_populators

_CACHE_ATTRIBUTE = "_kooperation_compiled_queries"


class CompiledQuery:
    """A queryset's SQL, compiled once per connection and run with new parameter values.

    `build(*values)` returns the queryset for these values; `params(connection, *values)` returns
    the SQL parameters for them, in the order of the compiled SQL. On the first run per connection
    the SQL is compiled from `build(*values)` and its parameters must equal `params(...)` exactly,
    otherwise it raises — a change in Django's SQL then fails loudly instead of running with
    wrong values.
    """

    def __init__(self, build: Callable[..., Any], params: Callable[..., list]):
        self._build = build
        self._params = params

    def _compiled(self, connection, alias: str, values: tuple):
        cache = connection.__dict__.get(_CACHE_ATTRIBUTE)
        if cache is None:
            cache = connection.__dict__[_CACHE_ATTRIBUTE] = {}
        compiled = cache.get(self)
        if compiled is None:
            compiled = cache[self] = _Compiled(self._build(*values), alias, connection)
            expected = list(self._params(connection, *values))
            if compiled.params != expected:
                del cache[self]
                raise AssertionError(f"compiled parameters {compiled.params!r} differ from {expected!r}")
        return compiled

    def fetch(self, alias: str, *values) -> list:
        """The model instances for these values, as `list(build(*values).using(alias))` returns them."""
        connection = connections[alias]
        compiled = self._compiled(connection, alias, values)
        return compiled.run(connection, self._params(connection, *values))


class _Compiled:
    """The SQL, the converters and the instance builders of one queryset on one connection."""

    def __init__(self, queryset, alias: str, connection, *, annotations: bool = False):
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        if (
            (compiler.annotation_col_map and not annotations)
            or queryset._known_related_objects
            or queryset._prefetch_related_lookups
        ):
            raise ValueError("only plain querysets (with select_related) can be compiled")
        self.annotation_col_map = list((compiler.annotation_col_map or {}).items())
        self.sql = sql
        self.params = list(params)
        self.alias = alias
        select = compiler.select
        klass_info = compiler.klass_info
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, select, alias)
        self.converters = list(compiler.get_converters([column[0] for column in select[: compiler.col_count]]).items())

    def run(self, connection, params: list) -> list:
        instances = []
        for row in _converted_rows(connection, self.sql, params, self.converters):
            instance = self.model.from_db(self.alias, self.init_list, row[self.start : self.end])
            for populator in self.populators:
                populator.populate(row, instance)
            for name, position in self.annotation_col_map:
                setattr(instance, name, row[position])
            instances.append(instance)
        return instances


class _CompiledValues:
    """The SQL and the converters of one `.values()` queryset (rows as dicts, as ValuesIterable gives them)."""

    def __init__(self, queryset, alias: str, connection):
        query = queryset.query
        compiler = query.get_compiler(using=alias)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        self.names = list(query.selected or [*query.extra_select, *query.values_select, *query.annotation_select])
        self.converters = list(
            compiler.get_converters([column[0] for column in compiler.select[: compiler.col_count]]).items()
        )

    def run(self, connection, params: list) -> list:
        return [
            dict(zip(self.names, row, strict=True))
            for row in _converted_rows(connection, self.sql, params, self.converters)
        ]


def _converted_rows(connection, sql: str, params: list, converters: list):
    """The rows of `sql`, each a list with the fields' database converters applied (as Django's compiler does)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for raw in rows:
        row = list(raw)
        for position, (functions, expression) in converters:
            value = row[position]
            for function in functions:
                value = function(value, expression, connection)
            row[position] = value
        yield row


class KeyedCache:
    """Compilations by key: a worker keeps the `size` most recently used ones (a few kB of SQL each).

    The caller's key must name every input the compiled SQL is built from; what the database holds is
    not an input (the SQL runs against the current rows every time).
    """

    EMPTY = object()  # a queryset that is empty without asking the database

    def __init__(self, size: int = 1024):
        self.size = size
        self._entries: OrderedDict = OrderedDict()
        self._lock = Lock()

    def get(self, key: Hashable, compile_entry: Callable[[], Any]) -> Any:
        """The entry for `key`, compiled by `compile_entry()` the first time (EmptyResultSet gives EMPTY)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                return entry
        try:
            entry = compile_entry()
        except EmptyResultSet:
            entry = self.EMPTY
        with self._lock:
            self._entries[key] = entry
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# Keyed compilations of `fetch_keyed`.
_keyed = KeyedCache()


def fetch_keyed(key: Hashable, build: Callable[[], Any], alias: str) -> list:
    """`list(build().using(alias))`, with the SQL compiled the first time `key` is asked for on `alias`.

    For querysets whose SQL text *and* parameters are a pure function of a known key (the user's
    institutions, the day): the caller's key must name every input `build` uses; what the database
    holds is not an input (the SQL runs against the current rows every time). Model querysets may
    carry select_related and annotations; `.values()` querysets give dicts. Other iterables
    (values_list, prefetch_related) are refused.
    """
    connection = connections[alias]

    def compile_entry():
        queryset = build().using(alias)
        if queryset._iterable_class is ModelIterable:
            return _Compiled(queryset, alias, connection, annotations=True)
        if queryset._iterable_class is ValuesIterable:
            return _CompiledValues(queryset, alias, connection)
        raise ValueError(f"cannot compile a queryset with {queryset._iterable_class.__name__}")

    entry = _keyed.get((alias, key), compile_entry)
    if entry is KeyedCache.EMPTY:
        return []
    return entry.run(connection, entry.params)


def clear_keyed() -> None:
    """Forget every keyed compilation (tests)."""
    _keyed.clear()


def store_prefetched(instance, name: str, queryset, rows: list) -> None:
    """Keep `rows` as the prefetched `instance.<name>.all()`, as prefetch_related stores them.

    `queryset` is the Prefetch queryset the rows stand for (None: the manager's own).
    """
    manager = getattr(instance, name)
    qs = manager.get_queryset() if queryset is None else manager._apply_rel_filters(queryset)
    qs._result_cache = rows
    qs._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = qs


def attach_prefetched(parents: list, name: str, children: list, field, queryset) -> None:
    """Group `children` by their foreign key `field` to `parents` and store them as each parent's prefetched
    `<name>.all()`, each child's parent set — what `prefetch_related(Prefetch(name, queryset))` leaves behind."""
    by_parent: dict = {}
    for child in children:
        by_parent.setdefault(getattr(child, field.attname), []).append(child)
    for parent in parents:
        own = by_parent.get(parent.pk, [])
        for child in own:
            field.set_cached_value(child, parent)
        store_prefetched(parent, name, queryset, own)
