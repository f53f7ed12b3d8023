"""Reading Midjourney flags and the banned-word list (pure functions, no database)."""

from __future__ import annotations

from fractions import Fraction

from PIL import Image

from studio.sandbox.prompts import (
    caption_words,
    find_banned_word,
    leading_image_urls,
    parse_prompt,
    tile_size,
)
from studio.sandbox.render.texts import aspect_label, colour_name, describe_image, extend_prompt


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


def test_leading_image_urls_and_versions():
    assert leading_image_urls("https://a/1.png http://b/2.jpg a cat https://c/3.png") == [
        "https://a/1.png",
        "http://b/2.jpg",
    ]
    assert leading_image_urls("a cat https://c/3.png") == []
    assert parse_prompt("a cat --v 5.2").version == 5.2
    assert parse_prompt("a cat --version 6").version == 6.0
    assert parse_prompt("a cat").version is None
    assert parse_prompt("a cat --v 8").problem == "Invalid parameter: --v 8"
    assert parse_prompt("a cat --v").problem == "Invalid parameter: --v"


def test_texts_are_deterministic():
    assert extend_prompt("a sunset") == extend_prompt("a sunset") != "a sunset"
    assert extend_prompt("a sunset --ar 16:9").endswith(" --ar 16:9")
    assert aspect_label(1920, 1080) == "16:9" and aspect_label(1000, 1010) == "1:1"
    assert colour_name((250, 250, 250)) == "white"
    text = describe_image(Image.new("RGB", (300, 200), (20, 200, 60)))
    assert text == describe_image(Image.new("RGB", (300, 200), (20, 200, 60)))
    assert text.count("\n\n") == 3 and text.startswith("1\ufe0f\u20e3 ")
    assert "green" in text and text.endswith("--ar 3:2")
