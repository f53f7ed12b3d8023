"""Midjourney prompt parsing, validation and composition (pure functions, no DB)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from studio.prompts.midjourney import (
    FLAGS,
    FLAGS_BY_NAME,
    ParsedPrompt,
    compose_prompt,
    parse_flags,
    parse_prompt,
    speed_of,
    validate_flag,
)


def errors_of(func, *args):
    with pytest.raises(ValidationError) as info:
        func(*args)
    return info.value.messages


def test_plain_prompt_with_typed_flags():
    parsed = parse_prompt("a red fox in snow --ar 16:9 --chaos 20 --relax")
    assert parsed == ParsedPrompt(
        (), "a red fox in snow", {"ar": "16:9", "chaos": "20", "relax": None}
    )
    assert list(parsed.flags) == ["ar", "chaos", "relax"]  # typed order kept


def test_text_trimmed_and_whitespace_collapsed():
    parsed = parse_prompt("  a   cat\n\ton a\u00a0mat   ")
    assert parsed.text == "a cat on a mat"
    assert compose_prompt(parsed) == "a cat on a mat"


@pytest.mark.parametrize(
    ("typed", "name", "value"),
    [
        ("--aspect 2:3", "ar", "2:3"),
        ("--quality 0.5", "q", ".5"),
        ("--q 0.25", "q", ".25"),
        ("--q 2", "q", "2"),
        ("--stylize 250", "s", "250"),
        ("--version 6.1", "v", "6.1"),
        ("--v 6.0", "v", "6"),
        ("--c 5", "chaos", "5"),
        ("--w 100", "weird", "100"),
        ("--r 4", "repeat", "4"),
        ("--personalize", "p", None),
        ("--p abc123 xyz_9", "p", "abc123 xyz_9"),
        ("--raw", "style", "raw"),
        ("--style RAW", "style", "raw"),
        ("--niji", "niji", None),
        ("--niji 6", "niji", "6"),
        ("--seed 007", "seed", "7"),
        ("--iw 1.50", "iw", "1.5"),
        ("--stop 10", "stop", "10"),
        ("--exp 25", "exp", "25"),
        ("--sv 4", "sv", "4"),
        ("--oref https://cdn.example.com/obj.png", "oref", "https://cdn.example.com/obj.png"),
        ("--AR 3:2", "ar", "3:2"),
    ],
)
def test_aliases_normalise_to_canonical(typed, name, value):
    assert parse_prompt(f"a lighthouse {typed}").flags == {name: value}


def test_compose_uses_canonical_spelling():
    parsed = parse_prompt(
        "a lighthouse --aspect 2:3 --quality 1 --stylize 50 --version 7 --c 9 --w 3"
    )
    assert compose_prompt(parsed) == "a lighthouse --ar 2:3 --v 7 --s 50 --chaos 9 --weird 3 --q 1"


def test_em_dash_and_en_dash_start_flags():
    parsed = parse_prompt("a cat \u2014ar 16:9 \u2013no dogs")
    assert parsed.flags == {"ar": "16:9", "no": "dogs"}
    assert compose_prompt(parsed) == "a cat --ar 16:9 --no dogs"


def test_dashes_inside_words_are_text():
    parsed = parse_prompt("a state-of-the-art robot -- b \u2014 c x--y --ar 1:1")
    assert parsed.text == "a state-of-the-art robot -- b \u2014 c x--y"
    assert parsed.flags == {"ar": "1:1"}
    assert parse_prompt("a --2 b").text == "a --2 b"  # dashes before a digit are not a flag


def test_image_urls_stay_at_the_front_untouched():
    raw = "https://cdn.example.com/A.PNG   https://x.io/b.webp?sig=Ab1 a cat like these --iw 2"
    parsed = parse_prompt(raw)
    assert parsed.image_urls == ("https://cdn.example.com/A.PNG", "https://x.io/b.webp?sig=Ab1")
    assert parsed.text == "a cat like these"
    assert compose_prompt(parsed, {"ar": "1:1"}) == (
        "https://cdn.example.com/A.PNG https://x.io/b.webp?sig=Ab1 a cat like these --ar 1:1 --iw 2"
    )


def test_urls_that_are_not_leading_images_are_text():
    assert parse_prompt("https://example.com/page a cat").image_urls == ()
    parsed = parse_prompt("a cat https://x.io/b.png")
    assert (parsed.image_urls, parsed.text) == ((), "a cat https://x.io/b.png")


@pytest.mark.parametrize(
    "raw", ["", "   ", "--ar 16:9", "https://x.io/a.png --ar 1:1", "https://x.io/a.png"]
)
def test_text_is_required(raw):
    assert "Write a prompt." in errors_of(parse_prompt, raw)


def test_unknown_flag():
    assert errors_of(parse_prompt, "a cat --foo bar") == ['Unknown flag "--foo".']
    assert errors_of(parse_prompt, "a cat \u2014bogus") == ['Unknown flag "--bogus".']


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("--chaos abc", '--chaos must be a whole number from 0 to 100, not "abc".'),
        ("--c 101", '--c must be a whole number from 0 to 100, not "101".'),
        ("--s 1001", '--s must be a whole number from 0 to 1000, not "1001".'),
        ("--weird 3001", '--weird must be a whole number from 0 to 3000, not "3001".'),
        (
            "--seed 4294967296",
            '--seed must be a whole number from 0 to 4294967295, not "4294967296".',
        ),
        ("--seed -1", '--seed must be a whole number from 0 to 4294967295, not "-1".'),
        ("--stop 9", '--stop must be a whole number from 10 to 100, not "9".'),
        ("--repeat 41", '--repeat must be a whole number from 1 to 40, not "41".'),
        ("--chaos 2.5", '--chaos must be a whole number from 0 to 100, not "2.5".'),
        ("--iw 3.5", '--iw must be a number from 0 to 3, not "3.5".'),
        ("--iw nan", '--iw must be a number from 0 to 3, not "nan".'),
        ("--q 3", '--q must be .25, .5, 1, 2 or 4, not "3".'),
        ("--v 8", '--v must be 5, 5.1, 5.2, 6, 6.1 or 7, not "8".'),
        ("--niji 4", '--niji must be 5 or 6, not "4".'),
        (
            "--style fancy",
            '--style must be raw, cute, expressive, original or scenic, not "fancy".',
        ),
        ("--ar 16x9", '--ar must be two whole numbers like 16:9, not "16x9".'),
        ("--aspect 0:1", '--aspect must be two whole numbers like 16:9, not "0:1".'),
        ("--ar", '--ar needs a value, e.g. "--ar 16:9".'),
        ("--seed", "--seed needs a number from 0 to 4294967295."),
        ("--v", "--v needs a value: 5, 5.1, 5.2, 6, 6.1 or 7."),
        ("--no", '--no needs a value, e.g. "--no text, watermark".'),
        ("--no , ,", '--no needs the things to avoid, e.g. "--no text, watermark".'),
        ("--oref not-a-url", '--oref takes one image URL, not "not-a-url".'),
        ("--sref https://x.io/a.png a/b", '--sref takes image URLs or codes, not "a/b".'),
    ],
)
def test_bad_values_name_the_flag(typed, message):
    assert errors_of(parse_prompt, f"a cat {typed}") == [message]


def test_every_problem_is_listed():
    messages = errors_of(parse_prompt, "--foo --chaos abc --fast --turbo")
    assert messages == [
        "Write a prompt.",
        'Unknown flag "--foo".',
        '--chaos must be a whole number from 0 to 100, not "abc".',
        "Use only one of --fast, --turbo.",
    ]


def test_text_after_flags_is_an_error():
    assert errors_of(parse_prompt, "a cat --ar 16:9 in the rain") == [
        '"in the rain" after --ar is not part of any flag; put prompt text before the flags.'
    ]
    assert errors_of(parse_prompt, "a cat --tile on a mat")[0].startswith('"on a mat" after --tile')


def test_no_takes_words_up_to_the_next_flag():
    parsed = parse_prompt("a beach --no people,  text ,watermark  blurry sky --ar 3:2 --no  boats")
    assert parsed.flags == {"no": "people, text, watermark blurry sky, boats", "ar": "3:2"}
    assert compose_prompt(parsed) == (
        "a beach --ar 3:2 --no people, text, watermark blurry sky, boats"
    )


def test_sref_takes_several_urls_and_codes():
    parsed = parse_prompt("a cat --sref https://s.mj.run/abc 1234::2 random --sw 300")
    assert parsed.flags == {"sref": "https://s.mj.run/abc 1234::2 random", "sw": "300"}


def test_same_flag_twice():
    assert parse_prompt("a cat --ar 1:1 --aspect 1:1 --tile --tile").flags == {
        "ar": "1:1",
        "tile": None,
    }
    assert errors_of(parse_prompt, "a cat --ar 1:1 --ar 16:9") == [
        'Flag given twice: "--ar 1:1" and "--ar 16:9"; keep one.'
    ]
    assert errors_of(parse_prompt, "a cat --niji --niji 6") == [
        'Flag given twice: "--niji" and "--niji 6"; keep one.'
    ]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("--fast --relax", "Use only one of --fast, --relax."),
        ("--relax --turbo --fast", "Use only one of --fast, --relax, --turbo."),
        ("--v 7 --niji 6", "Use only one of --v, --niji."),
    ],
)
def test_exclusive_flags(typed, message):
    assert errors_of(parse_prompt, f"a cat {typed}") == [message]


def test_overrides_win_and_each_flag_appears_once():
    parsed = parse_prompt("a fox --ar 1:1 --chaos 5 --no text --s 100 --fast --tile")
    composed = compose_prompt(
        parsed,
        {
            "aspect": "16:9",
            "chaos": 20,
            "no": "text, watermark",
            "relax": True,
            "s": None,
            "q": 0.5,
        },
    )
    assert (
        composed == "a fox --ar 16:9 --s 100 --chaos 20 --q .5 --no text, watermark --tile --relax"
    )
    for flag in ("--ar", "--chaos", "--no", "--s ", "--q", "--tile", "--relax"):
        assert composed.count(flag) == 1
    assert "--fast" not in composed


def test_override_false_removes_and_true_adds_valueless():
    parsed = parse_prompt("a fox --tile --style raw --seed 5")
    assert compose_prompt(parsed, {"tile": False, "raw": False, "seed": "  ", "draft": True}) == (
        "a fox --seed 5 --draft"
    )
    # --raw: False only removes a raw style, not a niji one
    assert (
        compose_prompt(parse_prompt("a fox --style cute"), {"raw": False}) == "a fox --style cute"
    )


def test_override_version_replaces_niji():
    parsed = parse_prompt("a fox --niji 6 --relax")
    assert compose_prompt(parsed, {"v": "7", "turbo": True}) == "a fox --v 7 --turbo"
    assert compose_prompt(parse_prompt("a fox --v 6"), {"niji": True}) == "a fox --niji"


def test_bad_overrides_raise():
    parsed = parse_prompt("a fox")
    assert errors_of(compose_prompt, parsed, {"chaos": "abc", "bogus": "1", "ar": True}) == [
        '--chaos must be a whole number from 0 to 100, not "abc".',
        'Unknown flag "--bogus".',
        '--ar needs a value, e.g. "--ar 16:9".',
    ]
    assert errors_of(compose_prompt, parsed, {"tile": "yes"}) == [
        '--tile takes no value, not "yes".'
    ]
    assert errors_of(compose_prompt, parsed, {"fast": True, "relax": True}) == [
        "Use only one of --fast, --relax, --turbo."
    ]


@pytest.mark.parametrize(
    "raw",
    [
        "https://x.io/a.png https://x.io/b.jpeg two cats \u2014ar 4:5 --no text,logo --c 3 --turbo",
        "a  state-of-the-art city --quality 0.25 --version 5.2 --seed 00042 --raw --stop 90",
        "portrait --niji --style expressive --p code1 --sref 123 --sw 10 --iw 0.50 --r 2",
        "a fox --tile --draft --exp 10 --oref https://x.io/o.png --ow 400 --cref https://x.io/c.png --cw 50",
    ],
)
def test_round_trip_is_idempotent(raw):
    first, once = parse_prompt(raw), compose_prompt(parse_prompt(raw))
    again = parse_prompt(once)
    assert compose_prompt(again) == once
    assert (again.image_urls, again.text, again.flags) == (
        first.image_urls,
        first.text,
        first.flags,
    )


def test_compose_order_is_canonical_with_speed_last():
    parsed = parse_prompt(
        "a fox --relax --tile --no x --stop 50 --seed 1 --q 2 --weird 1 --chaos 1 --s 1 --style raw --v 7 --ar 1:1"
    )
    assert compose_prompt(parsed) == (
        "a fox --ar 1:1 --v 7 --style raw --s 1 --chaos 1 --weird 1 --q 2 --seed 1 --stop 50 "
        "--no x --tile --relax"
    )


def test_parse_flags_field():
    assert parse_flags("  --ar 2:3   --c 10 --tile ") == {"ar": "2:3", "chaos": "10", "tile": None}
    assert parse_flags("") == {}
    assert errors_of(parse_flags, "a cat --ar 2:3") == [
        'Only flags go here (like "--ar 16:9"); move "a cat" into the prompt.'
    ]
    assert errors_of(parse_flags, "--ar 2:3 --zzz") == ['Unknown flag "--zzz".']


def test_flags_field_then_form_override():
    parsed = parse_prompt("a fox --ar 1:1")
    typed = parse_flags("--ar 3:2 --s 750")  # the form merges the flags field over the prompt
    merged = ParsedPrompt(parsed.image_urls, parsed.text, {**parsed.flags, **typed})
    assert compose_prompt(merged, {"ar": "9:16"}) == "a fox --ar 9:16 --s 750"


def test_validate_flag():
    assert validate_flag("chaos", "07") == "7"
    assert validate_flag("--quality", "0.50") == ".5"
    assert validate_flag("\u2014ar", "16:9") == "16:9"
    assert validate_flag("tile", None) is None
    assert validate_flag("raw", None) == "raw"
    with pytest.raises(ValidationError, match="--stop must be"):
        validate_flag("stop", "5")
    with pytest.raises(ValidationError, match='Unknown flag "--nope"'):
        validate_flag("nope", "1")


def test_speed_of():
    assert speed_of({}) == "fast"
    assert speed_of(parse_prompt("a fox --relax").flags) == "relax"
    assert speed_of({"turbo": None, "ar": "1:1"}) == "turbo"
    assert speed_of({"relax": False}) == "fast"


def test_flag_table_is_consistent():
    names = [spec.name for spec in FLAGS]
    aliases = [alias for spec in FLAGS for alias in spec.aliases]
    assert len(set(names + aliases)) == len(names) + len(aliases)
    assert names[-3:] == ["fast", "relax", "turbo"]
    assert FLAGS_BY_NAME["chaos"].lo == 0 and FLAGS_BY_NAME["chaos"].hi == 100
    assert FLAGS_BY_NAME["v"].choices == ("5", "5.1", "5.2", "6", "6.1", "7")
