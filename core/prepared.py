"""Queries compiled to SQL once and run many times with changing parameters (the case page's child rows, the
inbox's groups, the request's memberships).

Django compiles a queryset's SQL on every evaluation: ~0.5 ms of Python for each of the case page's prefetches, more
than reading their rows. A PreparedRows keeps the SQL, the column converters, the field order and the related
populators of a queryset and builds the instances the way Django's ModelIterable does. No
maintained library does this for Django's ORM (the query-cache packages cache results, not compiled SQL)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

# Stands for the parameter in the compiled SQL: a value no real row id takes.
PLACEHOLDER = -918_273_645


def slot_id(n: int) -> int:
    """The n-th stand-in for an id parameter of a PreparedValues (n from 0): values no real row id takes."""
    return PLACEHOLDER - 1 - n


def slot_datetime(n: int) -> datetime:
    """The n-th stand-in for a datetime parameter of a PreparedValues (n from 0): instants no row holds."""
    return datetime(1901, 1, 1, 0, 0, n, tzinfo=UTC)


def _fetch(using: str, sql: str, params: list, converters: list) -> list:
    """The rows of compiled SQL, each column converted as the ORM converts it ((position, converters, expression))."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if converters:
        rows = [list(row) for row in rows]
        for row in rows:
            for pos, convs, expression in converters:
                value = row[pos]
                for convert in convs:
                    value = convert(value, expression, connection)
                row[pos] = value
    return rows


class PreparedRows:
    def __init__(self, queryset: QuerySet, *, using: str) -> None:
        """`queryset` uses PLACEHOLDER exactly once among its parameters; run() replaces it. Its select_related rows
        and annotations are read as the ORM reads them (its related populators, its annotation columns)."""
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        if list(params).count(PLACEHOLDER) != 1:
            raise ValueError("The queryset must use PLACEHOLDER exactly once.")
        if compiler.klass_info is None or queryset._known_related_objects:
            raise ValueError("Only rows of a model, read from the model's own manager.")
        self.model: type[Model] = queryset.model
        self.using = using
        self.sql, self.params = sql, list(params)
        self.position = self.params.index(PLACEHOLDER)
        select, klass_info = compiler.select, compiler.klass_info
        fields = [column[0] for column in select[: compiler.col_count]]
        # (position, converters, expression); each run passes its own thread's connection, as the ORM does.
        self.converters = [(pos, convs, expr) for pos, (convs, expr) in compiler.get_converters(fields).items()]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.model_slice = slice(start, end)
        self.init_list = [column[0].target.attname for column in select[start:end]]
        fetch_mode = queryset._fetch_mode
        self.populators = get_related_populators(klass_info, select, using, fetch_mode)
        self.annotations = list(compiler.annotation_col_map.items())
        self.from_db = functools.partial(self.model.from_db, fetch_mode=fetch_mode)

    def run(self, value: Any) -> list[Model]:
        """The rows for `value`, as model instances read from self.using (one query)."""
        params = self.params.copy()
        params[self.position] = value
        rows = _fetch(self.using, self.sql, params, self.converters)
        objects = []
        from_db, using, init_list, model_slice = self.from_db, self.using, self.init_list, self.model_slice
        for row in rows:
            obj = from_db(using, init_list, row[model_slice])
            for populator in self.populators:
                populator.populate(row, obj)
            for name, position in self.annotations:
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects


def as_prefetched(instance: Model, name: str, rows: list[Model], *, back: str | None) -> None:
    """Give `instance` its reverse relation `name` as prefetch_related would (instance.<name>.all() returns `rows`
    without a query) and, with `back`, each row its link to `instance`."""
    if back is not None:
        for row in rows:
            row._state.fields_cache[back] = instance
    # The relation's own queryset, as prefetch_related keeps: a filter() or a count() on it behaves as usual.
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache.pop(name, None)
    queryset = getattr(instance, name).get_queryset()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    instance._prefetched_objects_cache[name] = queryset


class PreparedValues:
    """A values() queryset compiled once: run(**parameters) gives its rows as dicts, as the queryset would.

    `slots` names the queryset's changing parameters by the stand-ins it was built with (slot_id(n),
    slot_datetime(n)); each must appear among the compiled parameters. Datetimes are adapted for the database as
    the ORM adapts them."""

    def __init__(self, queryset: QuerySet, *, using: str, slots: dict[str, Any]) -> None:
        query = queryset.query
        if not query.values_select and not query.annotation_select:
            raise ValueError("Only a values() queryset.")
        compiler = query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        operations = connections[using].ops
        self.using = using
        self.sql, self.params = sql, list(params)
        self.positions: list[tuple[int, str, bool]] = []  # (parameter position, slot name, is a datetime)
        for name, stand_in in slots.items():
            is_datetime = isinstance(stand_in, datetime)
            compiled = operations.adapt_datetimefield_value(stand_in) if is_datetime else stand_in
            found = [i for i, param in enumerate(self.params) if param == compiled]
            if not found:
                raise ValueError(f"The slot {name!r} is not among the query's parameters.")
            self.positions += [(i, name, is_datetime) for i in found]
        self.names = [*query.extra_select, *query.values_select, *query.annotation_select]
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        self.converters = [(pos, convs, expr) for pos, (convs, expr) in compiler.get_converters(fields).items()]

    def run(self, **values: Any) -> list[dict[str, Any]]:
        connection = connections[self.using]
        params = self.params.copy()
        for position, name, is_datetime in self.positions:
            value = values[name]
            params[position] = connection.ops.adapt_datetimefield_value(value) if is_datetime else value
        rows = _fetch(self.using, self.sql, params, self.converters)
        names = self.names
        return [dict(zip(names, row, strict=True)) for row in rows]
