"""Hot queries compiled to SQL once per database connection, then run with new values.

Django builds and compiles the SQL of every queryset anew; for the few small queries every
signed-in request runs (session row, user row, the user's memberships) that compilation costs
several times more CPU than the database. A `CompiledQuery` compiles its queryset on the first
run per connection and afterwards only executes the same SQL with new parameters, turning the
rows into model instances the way Django's ModelIterable does (field converters, select_related).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models.query import get_related_populators

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

    def __init__(self, queryset, alias: str, connection):
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        if compiler.annotation_col_map or queryset._known_related_objects or queryset._prefetch_related_lookups:
            raise ValueError("only plain querysets (with select_related) can be compiled")
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
            instances.append(instance)
        return instances
