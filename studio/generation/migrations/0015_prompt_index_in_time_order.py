"""The SQLite prompt index numbered by time: an index row's rowid is its generation's
created_at in microseconds × 1000 (plus the rows before it in the same microsecond), so the
newest matches of a search are the index's last ones (studio.generation.search). A trigger
follows a changed created_at. Nothing changes on PostgreSQL or without the index.

The statements are written out here, as they were when this migration was made: the search
module's copies may change later, a migration must not.
"""

from django.db import migrations

KEY = (
    "((CAST(strftime('%s', substr({c}, 1, 19)) AS INTEGER) * 1000000"
    " + CAST(substr({c} || '.000000', 21, 6) AS INTEGER)) * 1000)"
)
NEW_KEY = KEY.format(c="new.created_at")
NEW_ROW = f"""INSERT INTO generation_prompt_row (rowid, generation_id) VALUES (
            (SELECT coalesce(max(rowid) + 1, {NEW_KEY}) FROM generation_prompt_row
             WHERE rowid >= {NEW_KEY} AND rowid < {NEW_KEY} + 1000), new.id);
        INSERT INTO generation_prompt_fts (rowid, prompt) VALUES (
            (SELECT rowid FROM generation_prompt_row WHERE generation_id = new.id), new.prompt);"""
OLD_ROW = """DELETE FROM generation_prompt_fts WHERE rowid =
            (SELECT rowid FROM generation_prompt_row WHERE generation_id = old.id);
        DELETE FROM generation_prompt_row WHERE generation_id = old.id;"""

FORWARD = [
    "DROP TRIGGER IF EXISTS generation_prompt_insert",
    "DROP TRIGGER IF EXISTS generation_prompt_delete",
    "DROP TRIGGER IF EXISTS generation_prompt_moved",
    "DELETE FROM generation_prompt_fts",
    "DELETE FROM generation_prompt_row",
    "INSERT INTO generation_prompt_row (rowid, generation_id)"
    f" SELECT {KEY.format(c='created_at')}"
    " + row_number() OVER (PARTITION BY created_at ORDER BY id) - 1, id"
    " FROM generation_generation",
    "INSERT INTO generation_prompt_fts (rowid, prompt) SELECT r.rowid, g.prompt FROM"
    " generation_prompt_row AS r JOIN generation_generation AS g ON g.id = r.generation_id",
    f"""CREATE TRIGGER generation_prompt_insert AFTER INSERT ON generation_generation BEGIN
        {NEW_ROW}
    END""",
    f"""CREATE TRIGGER generation_prompt_moved AFTER UPDATE OF created_at ON generation_generation
    WHEN old.created_at IS NOT new.created_at BEGIN
        {OLD_ROW}
        {NEW_ROW}
    END""",
    f"""CREATE TRIGGER generation_prompt_delete AFTER DELETE ON generation_generation BEGIN
        {OLD_ROW}
    END""",
]


# Back to migration 0014's triggers (the rows keep their new numbers: its searches read any).
BACKWARD = [
    "DROP TRIGGER IF EXISTS generation_prompt_moved",
    "DROP TRIGGER IF EXISTS generation_prompt_insert",
    "DROP TRIGGER IF EXISTS generation_prompt_delete",
    """CREATE TRIGGER generation_prompt_insert AFTER INSERT ON generation_generation BEGIN
        INSERT INTO generation_prompt_row (generation_id) VALUES (new.id);
        INSERT INTO generation_prompt_fts (rowid, prompt) VALUES (
            (SELECT rowid FROM generation_prompt_row WHERE generation_id = new.id), new.prompt);
    END""",
    f"""CREATE TRIGGER generation_prompt_delete AFTER DELETE ON generation_generation BEGIN
        {OLD_ROW}
    END""",
]


def _has_index(cursor) -> bool:
    cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'generation_prompt_fts'")
    return cursor.fetchone() is not None


def _run(statements: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "sqlite":
            return
        with schema_editor.connection.cursor() as cursor:
            if not _has_index(cursor):  # SQLite without FTS5's trigram tokenizer (0014)
                return
            for sql in statements:
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("generation", "0014_gallery_wall_search")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
