"""`field__any=values`: `field = ANY(%s)` with one array parameter on PostgreSQL, `IN (...)` elsewhere.

For long lists of ids (a reminder sweep asks about thousands of cases at once). With `__in`, psycopg
rewrites a statement with thousands of placeholders in Python, which cost more than running it.
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, IntegerField, Lookup


class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self) -> list:
        return list(self.rhs)

    def as_sql(self, compiler, connection) -> tuple[str, tuple]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = list(dict.fromkeys(self.rhs))
        # Ids as ints are already what an integer column takes: converting each one cost more than the query
        # for a sweep's thousands of ids.
        if not (
            isinstance(getattr(field, "target_field", field), IntegerField) and all(type(v) is int for v in values)
        ):
            values = [field.get_db_prep_value(v, connection, prepared=False) for v in values]
        if not values:
            raise EmptyResultSet
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", (*lhs_params, values)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", (*lhs_params, *values)


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)  # relations keep their own lookup table
