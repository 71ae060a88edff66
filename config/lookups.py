"""``field__in_ids=[...]``: membership in a list of row ids, sent as ONE parameter on PostgreSQL.

``__in`` writes one placeholder per id: with the 150 sensitive sources a fact-checker may see,
every query of a request grows by 150 literals that Django compiles and PostgreSQL parses and
plans, a few milliseconds per request that an editor never pays. ``= ANY(%s)`` with an array is
one parameter, and PostgreSQL hashes a constant array as it hashes an IN list. Other databases
(SQLite) get the plain IN list.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db import models
from django.db.models import Lookup


def ids_condition(column: str, ids: Collection[int], vendor: str) -> tuple[str, list[Any]]:
    """``column`` is one of ``ids``, as SQL and its parameters, for raw queries."""
    ordered = sorted(ids)
    if not ordered:
        return "1 = 0", []
    if vendor == "postgresql":
        return f"{column} = ANY(%s::bigint[])", [ordered]
    return f"{column} IN ({', '.join(['%s'] * len(ordered))})", ordered


@models.IntegerField.register_lookup
class InIds(Lookup):
    lookup_name = "in_ids"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        sql, params = ids_condition(lhs, [int(pk) for pk in self.rhs], connection.vendor)
        return sql, (*lhs_params, *params)
