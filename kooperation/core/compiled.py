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
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        instances = []
        for raw in rows:
            row = list(raw)
            for position, (converters, expression) in self.converters:
                value = row[position]
                for converter in converters:
                    value = converter(value, expression, connection)
                row[position] = value
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
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        result = []
        for raw in rows:
            row = list(raw)
            for position, (converters, expression) in self.converters:
                value = row[position]
                for converter in converters:
                    value = converter(value, expression, connection)
                row[position] = value
            result.append(dict(zip(self.names, row, strict=True)))
        return result


# Keyed compilations (`fetch_keyed`): a worker keeps the most recently used ones, a few kB of SQL each.
KEYED_SIZE = 1024
_EMPTY = object()
_keyed: OrderedDict = OrderedDict()
_keyed_lock = Lock()


def fetch_keyed(key: Hashable, build: Callable[[], Any], alias: str) -> list:
    """`list(build().using(alias))`, with the SQL compiled the first time `key` is asked for on `alias`.

    For querysets whose SQL text *and* parameters are a pure function of a known key (the user's
    institutions, the day): the caller's key must name every input `build` uses; what the database
    holds is not an input (the SQL runs against the current rows every time). Model querysets may
    carry select_related and annotations; `.values()` querysets give dicts. Other iterables
    (values_list, prefetch_related) are refused.
    """
    full_key = (alias, key)
    with _keyed_lock:
        entry = _keyed.get(full_key)
        if entry is not None:
            _keyed.move_to_end(full_key)
    connection = connections[alias]
    if entry is None:
        queryset = build().using(alias)
        try:
            if queryset._iterable_class is ModelIterable:
                entry = _Compiled(queryset, alias, connection, annotations=True)
            elif queryset._iterable_class is ValuesIterable:
                entry = _CompiledValues(queryset, alias, connection)
            else:
                raise ValueError(f"cannot compile a queryset with {queryset._iterable_class.__name__}")
        except EmptyResultSet:
            entry = _EMPTY
        with _keyed_lock:
            _keyed[full_key] = entry
            while len(_keyed) > KEYED_SIZE:
                _keyed.popitem(last=False)
    if entry is _EMPTY:
        return []
    return entry.run(connection, entry.params)


def clear_keyed() -> None:
    """Forget every keyed compilation (tests)."""
    with _keyed_lock:
        _keyed.clear()
