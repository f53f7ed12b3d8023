"""Prompt search for the gallery: a substring of the prompt, any case, answered by an index.

- SQLite (the embedded default): an FTS5 table with the trigram tokenizer
  (https://www.sqlite.org/fts5.html#the_trigram_tokenizer) holds every generation's prompt,
  kept in step by triggers on the generation table (migration 0015); a search is one phrase
  query, so "red fox" finds the prompts containing that text, as `icontains` did.
- PostgreSQL (DATABASE_URL): `icontains` itself, which a trigram GIN index on
  UPPER(prompt) answers (pg_trgm, https://www.postgresql.org/docs/current/pgtrgm.html), the
  planner choosing between it and the wall's index.

On SQLite the index's rows are numbered by their generation's time (created_at), so a page
of the wall (`rows` of them, after a cursor or from the top) first reads only the newest
matches from the cursor's time down, twice as many as the page needs: they answer it when
they are all the matches there are or when the page's last row is newer than the oldest
match read (one query more: that row's time); when they do not (other people's matches took
the window), GROWTH times as many again from where that read stopped. A text in every other
prompt costs a few milliseconds this way where a rare one used to cost a walk of every match
(about 20 ms at 1,000,000 generations). When RARE matches do not hold the page, and for an
old `?page=` link, the matching rows are read in full, at most RARE of them: a rarer text is
then fetched by id; a more common one is searched along the wall's own index newest first,
where a page of matches comes after a few thousand rows at most.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from studio.generation.querysets import micros

TRIGRAM = 3  # shorter texts have no trigram to look up: they are searched row by row
RARE = 2000  # matches up to this many are fetched by id
WINDOW = 2  # the newest matches read for a page: this many per row it needs
GROWTH = 4  # when they do not hold it (others' matches), this many times more next

_MATCHES = "SELECT rowid FROM generation_prompt_fts WHERE generation_prompt_fts MATCH %s LIMIT %s"
# The newest matches older than a place, newest first: FTS5 walks its lists from the end and
# stops at the LIMIT.
_NEWEST = (
    "SELECT rowid FROM generation_prompt_fts"
    " WHERE generation_prompt_fts MATCH %s AND rowid < %s ORDER BY rowid DESC LIMIT %s"
)


def _phrase(text: str) -> str:
    """`text` as one FTS5 phrase: quoted, its own double quotes doubled."""
    return '"' + text.replace('"', '""') + '"'


_has_index: dict[str, bool] = {}  # database name → answer, asked once per process


def has_index() -> bool:
    """Whether this database has the prompt index of migration 0014 (SQLite needs FTS5's
    trigram tokenizer, SQLite ≥ 3.34; PostgreSQL always has one)."""
    if connection.vendor != "sqlite":
        return True
    name = str(connection.settings_dict["NAME"])
    if name not in _has_index:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM sqlite_master"
                " WHERE type = 'table' AND name = 'generation_prompt_fts'"
            )
            _has_index[name] = cursor.fetchone() is not None
    return _has_index[name]


def prompt_contains(
    queryset: QuerySet,
    text: str,
    *,
    rows: int | None = None,
    before: tuple[datetime, uuid.UUID] | None = None,
) -> QuerySet:
    """The generations of `queryset` whose prompt contains `text` (any case).

    `rows`: the page to be read of the result, newest first, needs that many rows (a page
    size + 1), after `before` (created_at, id) when given; `queryset` must then be filtered
    already as the page will be, since the answer may hold only the rows that page needs.
    Queries on SQLite for a text of three characters or more: one or two for such a page,
    one or two for the whole result otherwise (module docstring); none otherwise."""
    if connection.vendor != "sqlite" or len(text) < TRIGRAM or not has_index():
        return queryset.filter(prompt__icontains=text)
    if rows is not None:
        newest = _newest_matches(queryset, text, rows, before)
        if newest is not None:
            return newest
    with connection.cursor() as cursor:
        cursor.execute(_MATCHES, [_phrase(text), RARE + 1])
        rowids = [row[0] for row in cursor.fetchall()]
    if len(rowids) > RARE:  # common: the newest matches come soon along the wall's index
        return queryset.filter(prompt__icontains=text)
    if not rowids:
        return queryset.none()
    return _with_rowids(queryset, rowids)


def _with_rowids(queryset: QuerySet, rowids: list[int]) -> QuerySet:
    """`queryset`'s rows among the index rows `rowids`. SQLite looks each one up by id (the
    planner drives the page from this list); integers pass as they are, where ids would be
    converted one by one each time the query is compiled."""
    marks = ", ".join(["%s"] * len(rowids))
    ids = RawSQL(
        f"SELECT generation_id FROM generation_prompt_row WHERE rowid IN ({marks})", rowids
    )
    return queryset.filter(pk__in=ids)


def _newest_matches(
    queryset: QuerySet, text: str, rows: int, before: tuple[datetime, uuid.UUID] | None
) -> QuerySet | None:
    """`queryset`'s matches among the newest matches of the index up to `before`'s time,
    when they hold the page's `rows` exactly; None when RARE matches do not.

    Reads WINDOW × `rows` matches, then, while the page is not complete (the others' matches
    took the window), GROWTH times more from where the last read stopped."""
    limit = int(WINDOW * rows)
    start = 2**63 - 1 if before is None else (micros(before[0]) + 1) * PER_MICROSECOND
    found: list[int] = []
    while True:
        with connection.cursor() as cursor:
            cursor.execute(_NEWEST, [_phrase(text), start, limit])
            read = [row[0] for row in cursor.fetchall()]
        found += read
        if not found:
            return queryset.none()
        narrowed = _with_rowids(queryset, found)
        if len(read) < limit:  # every match up to `before`'s time is here
            return narrowed
        if _page_is_held(narrowed, rows, before, found[-1]):
            return narrowed
        if len(found) >= RARE:
            return None
        start, limit = found[-1], min(limit * GROWTH, RARE - len(found))


def _page_is_held(
    narrowed: QuerySet, rows: int, before: tuple[datetime, uuid.UUID] | None, oldest_read: int
) -> bool:
    """Whether the page's `rows` rows are all among `narrowed`: its rows-th row is newer
    than the oldest match read (the matches not read are no newer: the index's order is
    time's). One query."""
    page = narrowed if before is None else narrowed.older_than(*before)
    last = page.order_by("-created_at", "-id").values_list("created_at", flat=True)
    last = list(last[rows - 1 : rows])
    return bool(last) and micros(last[0]) > oldest_read // PER_MICROSECOND


# --- keeping the SQLite index in step ------------------------------------------------------


# An index row's rowid is its generation's created_at in microseconds since 1970 (UTC, as
# Django writes it: "YYYY-MM-DD HH:MM:SS[.ffffff]"), times 1000, plus the rows before it in
# the same microsecond: the index's order is the wall's. Good until the year 2262.
PER_MICROSECOND = 1000


def _key(column: str) -> str:
    return (
        f"((CAST(strftime('%s', substr({column}, 1, 19)) AS INTEGER) * 1000000"
        f" + CAST(substr({column} || '.000000', 21, 6) AS INTEGER)) * {PER_MICROSECOND})"
    )


_NEW_ROW = f"""INSERT INTO generation_prompt_row (rowid, generation_id) VALUES (
            (SELECT coalesce(max(rowid) + 1, {_key("new.created_at")}) FROM generation_prompt_row
             WHERE rowid >= {_key("new.created_at")}
             AND rowid < {_key("new.created_at")} + {PER_MICROSECOND}), new.id);
        INSERT INTO generation_prompt_fts (rowid, prompt) VALUES (
            (SELECT rowid FROM generation_prompt_row WHERE generation_id = new.id), new.prompt);"""
_OLD_ROW = """DELETE FROM generation_prompt_fts WHERE rowid =
            (SELECT rowid FROM generation_prompt_row WHERE generation_id = old.id);
        DELETE FROM generation_prompt_row WHERE generation_id = old.id;"""

# The triggers of migration 0015. SQLite drops a table's triggers when a migration rebuilds
# the table (its way to alter a column), so `ensure_prompt_index` puts them back after every
# migrate and builds the index again.
TRIGGERS = {
    "generation_prompt_insert": f"""CREATE TRIGGER IF NOT EXISTS generation_prompt_insert
    AFTER INSERT ON generation_generation BEGIN
        {_NEW_ROW}
    END""",
    "generation_prompt_update": """CREATE TRIGGER IF NOT EXISTS generation_prompt_update
    AFTER UPDATE OF prompt ON generation_generation WHEN old.prompt IS NOT new.prompt BEGIN
        UPDATE generation_prompt_fts SET prompt = new.prompt WHERE rowid =
            (SELECT rowid FROM generation_prompt_row WHERE generation_id = new.id);
    END""",
    "generation_prompt_moved": f"""CREATE TRIGGER IF NOT EXISTS generation_prompt_moved
    AFTER UPDATE OF created_at ON generation_generation
    WHEN old.created_at IS NOT new.created_at BEGIN
        {_OLD_ROW}
        {_NEW_ROW}
    END""",
    "generation_prompt_delete": f"""CREATE TRIGGER IF NOT EXISTS generation_prompt_delete
    AFTER DELETE ON generation_generation BEGIN
        {_OLD_ROW}
    END""",
}
# Every row again, keyed by its time (the rows of one microsecond numbered by id).
REBUILD = [
    "DELETE FROM generation_prompt_fts",
    "DELETE FROM generation_prompt_row",
    "INSERT INTO generation_prompt_row (rowid, generation_id)"
    f" SELECT {_key('created_at')} + row_number() OVER (PARTITION BY created_at ORDER BY id) - 1,"
    " id FROM generation_generation",
    "INSERT INTO generation_prompt_fts (rowid, prompt) SELECT r.rowid, g.prompt FROM"
    " generation_prompt_row AS r JOIN generation_generation AS g ON g.id = r.generation_id",
]


def ensure_prompt_index(using: str = "default") -> bool:
    """Put back missing triggers of the SQLite prompt index and, when one was missing,
    bring the index up to date. Returns True when it repaired anything. Nothing to do on
    PostgreSQL (a GIN index follows its table) or without the index."""
    from django.db import connections

    db = connections[using]
    if db.vendor != "sqlite":
        return False
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE name = 'generation_prompt_fts'"
            " OR type = 'trigger' AND name LIKE 'generation_prompt_%'"
        )
        present = {row[0] for row in cursor.fetchall()}
        if "generation_prompt_fts" not in present or set(TRIGGERS) <= present:
            return False
        for sql in TRIGGERS.values():
            cursor.execute(sql)
        for sql in REBUILD:
            cursor.execute(sql)
    return True
