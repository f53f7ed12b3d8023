"""The gallery's wall and prompt search, indexed (studio.gallery.pages, studio.generation.search).

- The wall's indexes: a team's and a person's own generations, newest first, the id as
  tie-breaker (keyset pages at any depth).
- The prompt index. SQLite: an FTS5 table with the trigram tokenizer (substring search, any
  case) whose rowid is that of `generation_prompt_row` (an INTEGER PRIMARY KEY, so VACUUM
  keeps it) mapping to the generation's id; triggers on the generation table keep both in
  step on every insert, prompt change and delete, whoever writes. PostgreSQL: pg_trgm and a
  GIN index on UPPER(prompt), the expression `icontains` compares.
"""

from django.conf import settings
from django.db import migrations, models
from django.db.utils import OperationalError

SQLITE_FORWARD = [
    "CREATE TABLE generation_prompt_row ("
    " rowid INTEGER PRIMARY KEY, generation_id char(32) NOT NULL UNIQUE)",
    "CREATE VIRTUAL TABLE generation_prompt_fts USING fts5(prompt, tokenize = 'trigram')",
    "INSERT INTO generation_prompt_row (generation_id)"
    " SELECT id FROM generation_generation ORDER BY created_at",
    "INSERT INTO generation_prompt_fts (rowid, prompt)"
    " SELECT r.rowid, g.prompt FROM generation_prompt_row AS r"
    " JOIN generation_generation AS g ON g.id = r.generation_id",
    """CREATE TRIGGER generation_prompt_insert AFTER INSERT ON generation_generation BEGIN
        INSERT INTO generation_prompt_row (generation_id) VALUES (new.id);
        INSERT INTO generation_prompt_fts (rowid, prompt) VALUES (
            (SELECT rowid FROM generation_prompt_row WHERE generation_id = new.id), new.prompt);
    END""",
    """CREATE TRIGGER generation_prompt_update AFTER UPDATE OF prompt ON generation_generation
    WHEN old.prompt IS NOT new.prompt BEGIN
        UPDATE generation_prompt_fts SET prompt = new.prompt WHERE rowid =
            (SELECT rowid FROM generation_prompt_row WHERE generation_id = new.id);
    END""",
    """CREATE TRIGGER generation_prompt_delete AFTER DELETE ON generation_generation BEGIN
        DELETE FROM generation_prompt_fts WHERE rowid =
            (SELECT rowid FROM generation_prompt_row WHERE generation_id = old.id);
        DELETE FROM generation_prompt_row WHERE generation_id = old.id;
    END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS generation_prompt_insert",
    "DROP TRIGGER IF EXISTS generation_prompt_update",
    "DROP TRIGGER IF EXISTS generation_prompt_delete",
    "DROP TABLE IF EXISTS generation_prompt_fts",
    "DROP TABLE IF EXISTS generation_prompt_row",
]
POSTGRESQL_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS generation_prompt_trgm"
    " ON generation_generation USING gin (UPPER(prompt) gin_trgm_ops)",
]
POSTGRESQL_BACKWARD = ["DROP INDEX IF EXISTS generation_prompt_trgm"]


def _has_trigram(cursor) -> bool:
    """FTS5's trigram tokenizer came with SQLite 3.34; without it search scans (as before)."""
    try:
        cursor.execute(
            "CREATE VIRTUAL TABLE temp.trigram_probe USING fts5(x, tokenize = 'trigram')"
        )
    except OperationalError:
        return False
    cursor.execute("DROP TABLE temp.trigram_probe")
    return True


def _run(statements: dict):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        with schema_editor.connection.cursor() as cursor:
            if vendor == "sqlite" and statements is FORWARD and not _has_trigram(cursor):
                return
            for sql in statements.get(vendor, []):
                cursor.execute(sql)

    return run


FORWARD = {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRESQL_FORWARD}
BACKWARD = {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRESQL_BACKWARD}


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_sandbox_password"),
        ("generation", "0013_live_feed_indexes"),
        ("teams", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="generation",
            name="generation__team_id_5afadf_idx",
        ),
        migrations.AddIndex(
            model_name="generation",
            index=models.Index(fields=["team", "-created_at", "-id"], name="generation_team_wall"),
        ),
        migrations.AddIndex(
            model_name="generation",
            index=models.Index(
                condition=models.Q(("team__isnull", True)),
                fields=["user", "-created_at", "-id"],
                name="generation_personal_wall",
            ),
        ),
        migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False),
    ]
