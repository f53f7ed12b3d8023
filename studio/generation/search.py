"""Prompt search for the gallery: a substring of the prompt, any case, answered by an index.

- SQLite (the embedded default): an FTS5 table with the trigram tokenizer
  (https://www.sqlite.org/fts5.html#the_trigram_tokenizer) holds every generation's prompt,
  kept in step by triggers on the generation table (migration 0013); a search is one phrase
  query, so "red fox" finds the prompts containing that text, as `icontains` did.
- PostgreSQL (DATABASE_URL): `icontains` itself, which a trigram GIN index on
  UPPER(prompt) answers (pg_trgm, https://www.postgresql.org/docs/current/pgtrgm.html), the
  planner choosing between it and the wall's index.

On SQLite the matching rows of the index are read first, at most RARE of them: a rarer text
is then fetched by id (a few rows at any depth); a more common one is searched along the wall's own index
newest first, where a page of matches comes after a few thousand rows at most. Both cost one
query beside the page's, whatever the page's size or depth.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

TRIGRAM = 3  # shorter texts have no trigram to look up: they are searched row by row
RARE = 2000  # matches up to this many are fetched by id

_MATCHES = "SELECT rowid FROM generation_prompt_fts WHERE generation_prompt_fts MATCH %s LIMIT %s"


def _phrase(text: str) -> str:
    """`text` as one FTS5 phrase: quoted, its own double quotes doubled."""
    return '"' + text.replace('"', '""') + '"'


_has_index: dict[str, bool] = {}  # database name → answer, asked once per process


def has_index() -> bool:
    """Whether this database has the prompt index of migration 0013 (SQLite needs FTS5's
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


def prompt_contains(queryset: QuerySet, text: str) -> QuerySet:
    """The generations of `queryset` whose prompt contains `text` (any case). One query on
    SQLite for a text of three characters or more (the matching ids), none otherwise."""
    if connection.vendor != "sqlite" or len(text) < TRIGRAM or not has_index():
        return queryset.filter(prompt__icontains=text)
    with connection.cursor() as cursor:
        cursor.execute(_MATCHES, [_phrase(text), RARE + 1])
        rowids = [row[0] for row in cursor.fetchall()]
    if len(rowids) > RARE:  # common: the newest matches come soon along the wall's index
        return queryset.filter(prompt__icontains=text)
    if not rowids:
        return queryset.none()
    # SQLite looks each one up by id (the planner drives the page from this list).
    marks = ", ".join(["%s"] * len(rowids))
    ids = RawSQL(
        f"SELECT generation_id FROM generation_prompt_row WHERE rowid IN ({marks})", rowids
    )
    return queryset.filter(pk__in=ids)


# --- keeping the SQLite index in step ------------------------------------------------------

# The triggers of migration 0013. SQLite drops a table's triggers when a migration rebuilds
# the table (its way to alter a column), so `ensure_prompt_index` puts them back after every
# migrate and fills in what was missed meanwhile.
TRIGGERS = {
    "generation_prompt_insert": """CREATE TRIGGER IF NOT EXISTS generation_prompt_insert
    AFTER INSERT ON generation_generation BEGIN
        INSERT INTO generation_prompt_row (generation_id) VALUES (new.id);
        INSERT INTO generation_prompt_fts (rowid, prompt) VALUES (
            (SELECT rowid FROM generation_prompt_row WHERE generation_id = new.id), new.prompt);
    END""",
    "generation_prompt_update": """CREATE TRIGGER IF NOT EXISTS generation_prompt_update
    AFTER UPDATE OF prompt ON generation_generation WHEN old.prompt IS NOT new.prompt BEGIN
        UPDATE generation_prompt_fts SET prompt = new.prompt WHERE rowid =
            (SELECT rowid FROM generation_prompt_row WHERE generation_id = new.id);
    END""",
    "generation_prompt_delete": """CREATE TRIGGER IF NOT EXISTS generation_prompt_delete
    AFTER DELETE ON generation_generation BEGIN
        DELETE FROM generation_prompt_fts WHERE rowid =
            (SELECT rowid FROM generation_prompt_row WHERE generation_id = old.id);
        DELETE FROM generation_prompt_row WHERE generation_id = old.id;
    END""",
}
_RESYNC = [
    # Rows of deleted generations, then new generations, then every prompt again.
    "DELETE FROM generation_prompt_fts WHERE rowid IN (SELECT r.rowid FROM"
    " generation_prompt_row AS r LEFT JOIN generation_generation AS g ON g.id = r.generation_id"
    " WHERE g.id IS NULL)",
    "DELETE FROM generation_prompt_row WHERE generation_id NOT IN"
    " (SELECT id FROM generation_generation)",
    "INSERT INTO generation_prompt_row (generation_id) SELECT id FROM generation_generation"
    " WHERE id NOT IN (SELECT generation_id FROM generation_prompt_row) ORDER BY created_at",
    "DELETE FROM generation_prompt_fts",
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
        for sql in _RESYNC:
            cursor.execute(sql)
    return True
