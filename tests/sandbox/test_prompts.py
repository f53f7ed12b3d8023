"""Reading Midjourney flags and the banned-word list (pure functions, no database)."""

from __future__ import annotations

from fractions import Fraction

from studio.sandbox.prompts import caption_words, find_banned_word, parse_prompt, tile_size


def test_flags_are_read_from_the_prompt():
    params = parse_prompt("https://x.test/a.png a cat --ar 16:9 --seed 42 --relax --no dogs")
    assert (params.ratio, params.seed, params.relax, params.turbo) == (
        Fraction(16, 9),
        42,
        True,
        False,
    )
    assert params.problem == ""
    assert parse_prompt("a cat --turbo").turbo
    assert parse_prompt("a cat").ratio == 1 and parse_prompt("a cat").seed is None


def test_bad_flags_become_a_planned_failure():
    assert parse_prompt("a cat --ar wide").problem == "Invalid parameter: --ar wide"
    assert parse_prompt("a cat --seed -3").problem == "Invalid parameter: --seed"
    assert parse_prompt("a cat --seed 99999999999").problem.startswith("Invalid parameter")


def test_tile_sizes_keep_the_longest_side():
    assert tile_size(Fraction(16, 9)) == (512, 288)
    assert tile_size(Fraction(9, 16)) == (288, 512)
    assert tile_size(Fraction(1), 1024) == (1024, 1024)


def test_banned_words_are_whole_words_and_configurable(settings):
    assert find_banned_word("A BANNED book") == "banned"
    assert find_banned_word("an unbanned book") is None
    settings.SANDBOX_BANNED_WORDS = ["teapot"]
    assert find_banned_word("a banned teapot") == "teapot"


def test_caption_drops_urls_and_flags():
    assert caption_words("https://x.test/a.png a red fox --ar 1:1") == "a red fox"
    assert caption_words("one two three four five six seven") == "one two three four five six …"
