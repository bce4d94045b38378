"""The session a bearer token opens, with its exam, in one precompiled query.

Every API call with a session token starts here, so the lookup skips the ORM's query building: one SELECT joining
the session and its exam, written once from the models' own columns, its values converted by the same database
converters the ORM uses. Measured on the frame path it costs about a third of the equivalent
``select_related("exam").get(token_hash=...)``.
"""

from __future__ import annotations

from functools import cache

from django.db import connections, router
from django.db.models import Model

from proctor_core.service.models import Exam, ProctoringSession


@cache
def _plan(alias: str) -> tuple[str, list[tuple[object, list]]]:
    """The SELECT, and for each column its expression and converters (as the ORM's compiler takes them)."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    session_table, exam_table = ProctoringSession._meta.db_table, Exam._meta.db_table
    columns, conversions = [], []
    for table, model in ((session_table, ProctoringSession), (exam_table, Exam)):
        for field in model._meta.concrete_fields:
            col = field.get_col(table)
            columns.append(f"{quote(table)}.{quote(field.column)}")
            conversions.append((col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)))
    exam_fk = ProctoringSession._meta.get_field("exam").column
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(session_table)} "
        f"JOIN {quote(exam_table)} ON {quote(exam_table)}.{quote(Exam._meta.pk.column)} = "
        f"{quote(session_table)}.{quote(exam_fk)} WHERE {quote(session_table)}.{quote('token_hash')} = %s"
    )
    return sql, conversions


def session_with_exam(token_hash: str) -> ProctoringSession | None:
    """The session whose token hashes to ``token_hash``, its exam loaded with it; ``None`` if there is none."""
    alias = router.db_for_read(ProctoringSession)
    connection = connections[alias]
    sql, conversions = _plan(alias)
    with connection.cursor() as cursor:
        cursor.execute(sql, [token_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    values = []
    for value, (col, converters) in zip(row, conversions, strict=True):
        for converter in converters:
            value = converter(value, col, connection)
        values.append(value)
    split = len(ProctoringSession._meta.concrete_fields)
    session = _build(ProctoringSession, alias, values[:split])
    ProctoringSession._meta.get_field("exam").set_cached_value(session, _build(Exam, alias, values[split:]))
    return session


def _build(model: type[Model], alias: str, values: list) -> Model:
    return model.from_db(alias, [field.attname for field in model._meta.concrete_fields], values)
