"""Our list as versions: saving, the history with what each version changed, reverting
(always a new version), and the staff pages with the diff shown before anything is saved.
Every change leaves an audit row."""

from __future__ import annotations

import pytest

from studio.banwords import services
from studio.banwords.models import BanListVersion
from studio.console.models import AuditEntry

pytestmark = pytest.mark.django_db


class TestService:
    def test_saving_makes_numbered_versions_and_the_newest_is_current(self, staff, ban):
        ban("gore")
        second = ban("Gore", "NSFW", "nsfw")

        assert second.number == 2 and second.words == ["gore", "nsfw"]
        assert services.current_version() == second
        assert services.prompt_refusal("NSFW art") == (
            "“nsfw” is not allowed in this studio. Remove it and submit again."
        )

    def test_an_unchanged_list_is_not_saved(self, ban):
        ban("gore")
        with pytest.raises(services.Unchanged):
            ban("GORE")
        assert BanListVersion.objects.count() == 1

    def test_a_save_from_an_old_page_is_refused(self, staff, ban):
        ban("gore")
        ban("gore", "nsfw")
        with pytest.raises(services.Stale, match="sam saved version 2 meanwhile"):
            services.save_version(staff, ["blood"], base=1)
        assert services.current_version().number == 2

    def test_revert_saves_a_new_version_and_keeps_the_history(self, staff, ban):
        ban("gore")
        ban("gore", "nsfw")
        ban("blood")

        version = services.revert(staff, 2)

        assert version.number == 4 and version.words == ["gore", "nsfw"]
        assert version.reverted_from.number == 2
        assert list(BanListVersion.objects.values_list("number", flat=True)) == [4, 3, 2, 1]
        assert services.prompt_refusal("gore") and not services.prompt_refusal("blood")

    def test_reverting_to_the_current_words_saves_nothing(self, staff, ban):
        ban("gore")
        ban("nsfw")
        ban("gore")
        with pytest.raises(services.Unchanged):
            services.revert(staff, 1)

    def test_history_rows_say_what_each_version_changed(self, ban):
        ban("gore", "nsfw")
        ban("gore", "blood")
        rows = services.history_rows(list(BanListVersion.objects.order_by("-number")))
        assert [(r.version.number, r.added, r.removed) for r in rows] == [
            (2, ["blood"], ["nsfw"]),
            (1, ["gore", "nsfw"], []),
        ]

    def test_the_check_follows_a_save_at_once(self, ban):
        assert services.prompt_refusal("gore") is None  # no list yet: cached as empty
        ban("gore")
        assert services.prompt_refusal("gore")

    def test_saves_and_reverts_are_audited(self, staff, ban):
        ban("gore", note="launch")
        ban("nsfw")
        services.revert(staff, 1)

        entries = list(AuditEntry.objects.order_by("id"))
        assert [(e.action, e.target, e.user) for e in entries] == [
            ("banwords.save", "version 1", staff),
            ("banwords.save", "version 2", staff),
            ("banwords.revert", "version 3", staff),
        ]
        assert entries[0].details == {"added": ["gore"], "removed": [], "note": "launch"}
        assert entries[2].details["reverted_to"] == 1
        assert entries[2].details["added"] == ["gore"]


class TestListPage:
    def test_shows_the_current_list_in_the_box(self, staff_client, ban):
        ban("gore", "nsfw")
        html = staff_client.get("/staff/ban-words/").content.decode()
        assert "Version 1 · 2 entries · saved by sam" in html
        assert ">\ngore\nnsfw</textarea>" in html

    def test_preview_shows_the_diff_and_saves_nothing(self, staff_client, ban):
        ban("gore", "nsfw")
        response = staff_client.post(
            "/staff/ban-words/",
            {"words": "gore\nBlood Bath\n", "note": "tidy", "base": "1", "step": "preview"},
        )
        html = response.content.decode()
        assert "<ins>+ blood bath</ins>" in html
        assert "<del>− nsfw</del>" in html
        assert "Save as version 2" in html
        assert BanListVersion.objects.count() == 1
        assert not AuditEntry.objects.filter(action="banwords.save", target="version 2").exists()

    def test_confirm_saves_the_version_and_says_what_changed(self, staff_client, ban):
        ban("gore", "nsfw")
        response = staff_client.post(
            "/staff/ban-words/",
            {"words": "blood bath\ngore", "note": "tidy", "base": "1", "step": "confirm"},
            follow=True,
        )
        assert "Saved version 2: 1 added, 1 removed." in response.content.decode()
        version = services.current_version()
        assert (version.number, version.words, version.note) == (2, ["blood bath", "gore"], "tidy")

    def test_a_line_without_letters_is_an_error_and_keeps_the_text(self, staff_client):
        response = staff_client.post(
            "/staff/ban-words/", {"words": "gore\n!!!", "base": "0", "step": "preview"}
        )
        html = response.content.decode()
        assert "Line 2 (“!!!”) has no letters or digits." in html
        assert ">\ngore\n!!!</textarea>" in html
        assert not BanListVersion.objects.exists()

    def test_a_confirm_after_someone_else_saved_shows_the_diff_again(self, staff_client, ban):
        ban("gore")
        ban("gore", "nsfw")  # saved by another tab meanwhile
        response = staff_client.post(
            "/staff/ban-words/", {"words": "gore\nblood", "base": "1", "step": "confirm"}
        )
        html = response.content.decode()
        assert "sam saved version 2 meanwhile." in html
        assert "+ blood" in html and "− nsfw" in html
        assert 'name="base" value="2"' in html
        assert BanListVersion.objects.count() == 2

    def test_no_change_is_said_on_the_form(self, staff_client, ban):
        ban("gore")
        response = staff_client.post(
            "/staff/ban-words/", {"words": "GORE", "base": "1", "step": "preview"}
        )
        assert "This is the current list: nothing would change." in response.content.decode()


class TestHistoryAndRevertPages:
    def test_history_lists_every_version_with_its_changes(self, staff_client, ban):
        ban("gore", "nsfw", note="first")
        ban("gore", "blood")
        html = staff_client.get("/staff/ban-words/history/").content.decode()
        assert html.index('data-version="2"') < html.index('data-version="1"')
        assert "+ blood" in html and "− nsfw" in html and "first" in html
        assert 'href="/staff/ban-words/history/1/revert/"' in html
        assert 'href="/staff/ban-words/history/2/revert/"' not in html  # the current one

    def test_revert_shows_what_changes_then_saves_a_new_version(self, staff_client, ban):
        ban("gore", "nsfw")
        ban("blood")
        page = staff_client.get("/staff/ban-words/history/1/revert/").content.decode()
        assert "+ gore" in page and "− blood" in page and "Save as version 3" in page
        assert BanListVersion.objects.count() == 2

        response = staff_client.post(
            "/staff/ban-words/history/1/revert/", {"base": "2"}, follow=True
        )

        assert "Saved version 3 with the words of version 1." in response.content.decode()
        assert services.current_version().words == ["gore", "nsfw"]
        assert "(back to version 1)" in response.content.decode()

    def test_an_unknown_version_is_404(self, staff_client):
        assert staff_client.get("/staff/ban-words/history/9/revert/").status_code == 404
