"""The matching rules, as a table: what a list entry blocks and what it must leave alone."""

from __future__ import annotations

import pytest

from studio.banwords.matching import Matcher, mark, normalize_entry, parse_lines, refusal_sentence

LIST = ["gore", "ass", "Blood-Bath", "nsfw", "naïve art", "ß"]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        # whole words, any case
        ("a gore scene", ["gore"]),
        ("A GORE scene", ["gore"]),
        ("Gore.", ["gore"]),
        ("(gore), [gore]!", ["gore", "gore"]),
        ("gore-fest", ["gore"]),
        # never inside a longer word
        ("a class act", []),
        ("grass and bass", []),
        ("gorefest", []),
        ("ass2", []),
        ("gore_fest", []),
        # phrases, with any separators between their words
        ("a blood bath", ["blood bath"]),
        ("a Blood-Bath", ["blood bath"]),
        ("blood,   bath", ["blood bath"]),
        ("blood alone, bath alone", []),
        # Unicode: full-width letters, invisible characters, composed or not, folding
        ("ＧＯＲＥ", ["gore"]),
        ("go\u200bre", ["gore"]),
        ("go\u00adre", ["gore"]),
        ("NAÏVE ART", ["naïve art"]),
        ("nai\u0308ve art", ["naïve art"]),
        ("naive art", []),
        ("STRASSE", []),  # "ß" folds to "ss", which is a part of the word, not a word
        ("ss", ["ss"]),
        ("", []),
    ],
)
def test_plain_text(text, found):
    hits = Matcher(LIST).find(text)
    assert [hit.word for hit in hits] == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("a cat --no gore", ["gore"]),  # --no words are checked
        ("a cat --no text, gore --ar 16:9", ["gore"]),
        ("a cat --ar 16:9 --no gore --v 7", ["gore"]),
        ("a cat --sref https://example.com/gore.png", []),  # flag values are not words
        ("https://example.com/gore.png a cat", []),  # image links are not words
        ("a cat —no gore", ["gore"]),  # an em dash is a flag dash too
        ("a cat —gore", ["gore"]),  # …but not a flag Midjourney knows: text, checked
        ("gore --ar 16:9", ["gore"]),
    ],
)
def test_midjourney_prompt(text, found):
    matcher = Matcher(LIST)
    assert [hit.word for hit in matcher.find(text, midjourney=True)] == found
    assert matcher.blocks(text, midjourney=True) is bool(found)


def test_other_models_check_flag_looking_text_too():
    # Flux reads "--sref" as words: everything reaches it, so everything is checked.
    assert [h.word for h in Matcher(LIST).find("a cat --sref gore")] == ["gore"]


def test_spans_point_at_the_text_as_typed():
    text = "A ＧＯＲＥ and a Blood-Bath, go\u200bre"
    hits = Matcher(LIST).find(text)
    assert [text[h.start : h.end] for h in hits] == ["ＧＯＲＥ", "Blood-Bath", "go\u200bre"]


def test_mark_escapes_the_text_and_marks_the_words():
    text = "<b>gore</b> & blood bath"
    html = mark(text, Matcher(LIST).find(text))
    assert html == "&lt;b&gt;<mark>gore</mark>&lt;/b&gt; &amp; <mark>blood bath</mark>"


def test_a_phrase_wins_over_a_word_it_starts_with():
    hits = Matcher(["blood", "blood bath"]).find("a blood bath")
    assert [h.word for h in hits] == ["blood bath"]


def test_entries_are_normalised_sorted_and_deduplicated():
    words, problems = parse_lines("Gore\n\n  gore \nBLOOD-bath\n***\nＮＳＦＷ")
    assert words == ["blood bath", "gore", "nsfw"]
    assert problems == ["Line 5 (“***”) has no letters or digits."]
    assert normalize_entry("  Blood -- Bath ") == "blood bath"


def test_an_empty_list_blocks_nothing():
    assert Matcher([]).find("gore") == []
    assert not Matcher([]).blocks("gore")


def test_sentences():
    assert refusal_sentence(["gore"]) == (
        "“gore” is not allowed in this studio. Remove it and submit again."
    )
    assert refusal_sentence(["gore", "nsfw", "blood bath"]) == (
        "“gore”, “nsfw” and “blood bath” are not allowed in this studio. "
        "Remove them and submit again."
    )
