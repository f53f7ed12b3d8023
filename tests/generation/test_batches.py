"""Permutations, the quote of a submission and its limits (studio.generation.batches)."""

from __future__ import annotations

import itertools

import pytest

from studio.generation import batches, costs
from studio.generation.batches import BatchRefused, expand_permutations, quote


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("a bird", ["a bird"]),
        ("a {red, blue} bird", ["a red bird", "a blue bird"]),
        ("a {red,blue} bird", ["a red bird", "a blue bird"]),
        ("{a, b} and {c, d}", ["a and c", "a and d", "b and c", "b and d"]),
        ("a {red {big, small}, blue} bird", ["a red big bird", "a red small bird", "a blue bird"]),
        ("a bird --ar {16:9, 1:1}", ["a bird --ar 16:9", "a bird --ar 1:1"]),
        ("a {red\\, white, blue} flag", ["a red, white flag", "a blue flag"]),
        ("a {} bird", ["a bird"]),
        ("a {only} bird", ["a only bird"]),
    ],
)
def test_expand_permutations(prompt, expected):
    assert expand_permutations(prompt) == expected


@pytest.mark.parametrize(
    "groups", [(["a", "b"],), (["a", "b", "c"], ["x", "y"]), (["p"], ["q", "r"], ["s", "t"])]
)
def test_expansion_is_the_product_of_the_groups_in_order(groups):
    prompt = " ".join("{" + ", ".join(options) + "}" for options in groups)
    assert expand_permutations(prompt) == [" ".join(c) for c in itertools.product(*groups)]


@pytest.mark.parametrize(
    ("prompt", "words"),
    [("a {red, blue bird", "not closed"), ("a red} bird", "no {"), ("{a, {b, c}", "not closed")],
)
def test_unbalanced_braces_are_refused_with_a_sentence(prompt, words):
    with pytest.raises(BatchRefused, match=words):
        expand_permutations(prompt)


def test_a_huge_product_is_refused_before_it_is_built():
    with pytest.raises(BatchRefused, match="more than 100 prompts"):
        expand_permutations("{a, b} " * 40)


def test_quote_counts_models_prompts_and_repeats_and_prices_them():
    plan = quote(["midjourney", "flux"], "a {red, blue} bird", 2)
    assert len(plan.jobs) == 8
    assert [job.model.slug for job in plan.jobs][:4] == ["midjourney"] * 4
    assert plan.total == 4 * costs.MIDJOURNEY_FAST + 4 * costs.FLUX_PER_IMAGE


def test_quote_follows_each_model_s_priced_settings():
    settings = {("midjourney", "speed"): "relax", ("flux", "n"): "3"}
    plan = quote(["midjourney", "flux"], "a bird", settings=lambda s, n: settings.get((s, n), ""))
    assert plan.total == costs.MIDJOURNEY_RELAX + costs.flux_imagine(3)
    assert quote(["midjourney"], "a bird --relax").total == costs.MIDJOURNEY_RELAX
    assert quote(["nano_banana", "lumi_girl", "video"], "x").total == (
        costs.NANO_BANANA + costs.LUMI_GIRL + costs.MJ_VIDEO
    )


def test_twelve_jobs_pass_and_thirteen_are_refused_with_a_sentence():
    assert len(quote(["midjourney", "flux", "lumi_girl"], "{a, b}", 2).jobs) == 12
    with pytest.raises(BatchRefused, match="makes 13 jobs; one submission makes at most 12"):
        quote(["midjourney"], "{a, b, c, d, e, f, g, h, i, j, k, l, m}")


@pytest.mark.parametrize(
    ("models", "repeat", "words"),
    [
        ([], 1, "Choose a model"),
        (["dall-e"], 1, "cannot send"),
        (["midjourney", "flux", "nano_banana", "lumi_girl", "video"], 1, "at most 4 models"),
        (["midjourney"], 0, "Repeat 1 to 4"),
        (["midjourney"], batches.MAX_REPEAT + 1, "Repeat 1 to 4"),
    ],
)
def test_quote_refusals(models, repeat, words):
    with pytest.raises(BatchRefused, match=words):
        quote(models, "a bird", repeat)
