"""Finished cards drawn by one web process serve every other (studio.web.cardcache)."""

from __future__ import annotations

import time_machine

from studio.web.cardcache import LOCAL_SECONDS, SharedCardCache, card_cache


def two_processes(tmp_path):
    params = {"OPTIONS": {"MAX_ENTRIES": 100}}
    return SharedCardCache(str(tmp_path), params), SharedCardCache(str(tmp_path), params)


def test_a_card_one_process_drew_serves_another(tmp_path):
    one, other = two_processes(tmp_path)

    one.set("card-1", "<article>1</article>", 3600)

    assert other.get("card-1") == "<article>1</article>"
    assert other.get("card-2", "missing") == "missing"


def test_a_process_keeps_what_it_read_until_it_expires(tmp_path):
    one, other = two_processes(tmp_path)
    with time_machine.travel(0, tick=False) as clock:
        one.set("card-1", "<article>1</article>", 60)
        assert other.get("card-1") == "<article>1</article>"
        other._local.clear()  # noqa: SLF001 (read from the file again)
        assert other.get("card-1") == "<article>1</article>"

        clock.shift(61)

        assert one.get("card-1") is None  # its own copy lived as long as the file
        # A copy read from the file lives LOCAL_SECONDS: the card it holds never goes
        # stale (its key names the row's updated_at), it only leaves memory.
        assert other.get("card-1") == "<article>1</article>"
        clock.shift(LOCAL_SECONDS)
        assert other.get("card-1") is None


def test_clear_empties_both_levels(tmp_path):
    one, _ = two_processes(tmp_path)
    one.set("card-1", "x", 3600)

    one.clear()

    assert one.get("card-1") is None


def test_the_settings_choose_files_redis_or_memory(tmp_path):
    assert card_cache("", "", tmp_path)["BACKEND"] == "studio.web.cardcache.SharedCardCache"
    assert card_cache("redis", "redis://r:6379/0", tmp_path)["BACKEND"].endswith("RedisCache")
    assert card_cache("memory", "redis://r:6379/0", tmp_path)["BACKEND"].endswith("LocMemCache")
