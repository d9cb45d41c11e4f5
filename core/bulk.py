"""Writes of many rows at once that Django's bulk helpers make slow."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection


def update_by_pk(model, objs: list, fields: list[str], *, batch_size: int = 2000) -> None:
    """bulk_update; on PostgreSQL one UPDATE joined to the new values as one array per column.

    Django's bulk_update writes a CASE per row and field: seconds of Python per thousand rows.
    """
    if connection.vendor != "postgresql":
        if objs:
            model.objects.bulk_update(objs, fields, batch_size=batch_size)
        return
    attnames = [model._meta.pk.attname] + [model._meta.get_field(name).attname for name in fields]
    update_rows_by_pk(model, fields, [[getattr(obj, name) for name in attnames] for obj in objs])


def update_rows_by_pk(model, fields: list[str], rows: list[Sequence], *, batch_size: int = 2000) -> None:
    """update_by_pk for plain rows (pk, *values of fields), for writers that never build model instances."""
    if not rows:
        return
    columns = [model._meta.pk] + [model._meta.get_field(name) for name in fields]
    if connection.vendor == "postgresql":
        _update_from_arrays(model, columns, rows)
        return
    objs = [model(**{field.attname: value for field, value in zip(columns, row, strict=True)}) for row in rows]
    model.objects.bulk_update(objs, fields, batch_size=batch_size)


def _update_from_arrays(model, columns: list, rows: list) -> None:
    qn = connection.ops.quote_name
    arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in columns)
    names = ", ".join(qn(field.column) for field in columns)
    sets = ", ".join(f"{qn(field.column)} = new.{qn(field.column)}" for field in columns[1:])
    pk = qn(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {qn(model._meta.db_table)} SET {sets} FROM unnest({arrays}) AS new({names}) "
            f"WHERE {qn(model._meta.db_table)}.{pk} = new.{pk}",
            [[field.get_db_prep_save(row[i], connection) for row in rows] for i, field in enumerate(columns)],
        )
