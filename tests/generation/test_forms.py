"""The model forms on their own: what they compose, what they charge, what they refuse."""

from __future__ import annotations

import pytest

from studio.accounts.services import sandbox_key_create
from studio.generation.forms import FluxForm, MidjourneyForm

pytestmark = pytest.mark.django_db


def mj(user, provider_key, **fields) -> MidjourneyForm:
    data = {"prompt": "a lighthouse at dusk", "speed": "fast", "key": provider_key.pk, **fields}
    return MidjourneyForm(data, user=user)


def composed(form: MidjourneyForm) -> str:
    assert form.is_valid(), form.errors
    return form.cleaned_data["composed_prompt"]


class TestMidjourneyComposition:
    def test_plain_prompt_is_sent_as_typed_at_the_fast_price(self, alice, alice_key):
        form = mj(alice, alice_key)

        assert composed(form) == "a lighthouse at dusk"
        assert form.cleaned_data["cost"] == 10

    def test_aspect_preset_becomes_ar(self, alice, alice_key):
        assert (
            composed(mj(alice, alice_key, aspect_ratio="16:9")) == "a lighthouse at dusk --ar 16:9"
        )

    def test_custom_ratio_becomes_ar(self, alice, alice_key):
        form = mj(alice, alice_key, aspect_ratio="custom", custom_ratio="5:4")

        assert composed(form) == "a lighthouse at dusk --ar 5:4"

    def test_custom_ratio_is_ignored_unless_custom_is_chosen(self, alice, alice_key):
        form = mj(alice, alice_key, aspect_ratio="3:2", custom_ratio="5:4")

        assert composed(form) == "a lighthouse at dusk --ar 3:2"

    def test_relax_adds_the_flag_and_costs_five(self, alice, alice_key):
        form = mj(alice, alice_key, speed="relax")

        assert composed(form) == "a lighthouse at dusk --relax"
        assert form.cleaned_data["cost"] == 5

    def test_fast_adds_no_speed_flag_and_costs_ten(self, alice, alice_key):
        form = mj(alice, alice_key, speed="fast")

        assert "--fast" not in composed(form)
        assert "--relax" not in composed(form)
        assert form.cleaned_data["cost"] == 10

    def test_turbo_adds_the_flag(self, alice, alice_key):
        form = mj(alice, alice_key, speed="turbo")

        assert composed(form) == "a lighthouse at dusk --turbo"
        assert form.cleaned_data["cost"] == 10

    def test_every_field_becomes_its_flag_once_in_a_fixed_order(self, alice, alice_key):
        form = mj(
            alice,
            alice_key,
            aspect_ratio="16:9",
            speed="relax",
            stylize=250,
            chaos=20,
            weird=100,
            seed=42,
            quality=".5",
            style_raw=True,
            version="6.1",
            avoid="text,  watermark",
            flags="--tile --stop 80",
        )

        assert composed(form) == (
            "a lighthouse at dusk --ar 16:9 --v 6.1 --style raw --s 250 --chaos 20 "
            "--weird 100 --q .5 --seed 42 --stop 80 --no text, watermark --tile --relax"
        )
        assert form.cleaned_data["cost"] == 5

    def test_zero_values_are_sent_not_dropped(self, alice, alice_key):
        form = mj(alice, alice_key, stylize=0, chaos=0, seed=0)

        assert composed(form) == "a lighthouse at dusk --s 0 --chaos 0 --seed 0"


class TestMidjourneyTypedFlags:
    def test_field_set_by_hand_wins_and_the_flag_appears_once(self, alice, alice_key):
        form = mj(
            alice, alice_key, prompt="a fox --ar 4:3 --chaos 10", aspect_ratio="16:9", chaos=50
        )

        assert composed(form) == "a fox --ar 16:9 --chaos 50"

    def test_same_value_typed_and_chosen_appears_once(self, alice, alice_key):
        form = mj(alice, alice_key, prompt="a fox --relax", speed="relax")

        assert composed(form) == "a fox --relax"
        assert form.cleaned_data["cost"] == 5

    def test_typed_flag_stays_when_the_field_is_left_at_default(self, alice, alice_key):
        form = mj(alice, alice_key, prompt="a fox --ar 4:3 --s 300 --relax")

        assert composed(form) == "a fox --ar 4:3 --s 300 --relax"
        assert form.cleaned_data["cost"] == 5

    def test_chosen_speed_replaces_a_typed_one(self, alice, alice_key):
        form = mj(alice, alice_key, prompt="a fox --relax", speed="turbo")

        assert composed(form) == "a fox --turbo"
        assert form.cleaned_data["cost"] == 10

    def test_aliases_and_dashes_from_phones_are_normalised(self, alice, alice_key):
        form = mj(alice, alice_key, prompt="a fox —aspect 2:3 --c 5")

        assert composed(form) == "a fox --ar 2:3 --chaos 5"

    def test_valueless_flag_from_flags_field_is_switched_on(self, alice, alice_key):
        assert composed(mj(alice, alice_key, flags="--tile")) == "a lighthouse at dusk --tile"

    def test_value_flag_from_flags_field_is_sent(self, alice, alice_key):
        form = mj(alice, alice_key, flags="--ar 2:3 --chaos 50")

        assert composed(form) == "a lighthouse at dusk --ar 2:3 --chaos 50"

    def test_flags_field_wins_over_the_prompt(self, alice, alice_key):
        form = mj(alice, alice_key, prompt="a fox --ar 4:3", flags="--ar 2:3")

        assert composed(form) == "a fox --ar 2:3"


class TestMidjourneyErrors:
    def test_malformed_flag_value_is_an_error_on_prompt(self, alice, alice_key):
        form = mj(alice, alice_key, prompt="a fox --ar sixteen")

        assert not form.is_valid()
        assert "--ar must be two whole numbers like 16:9" in form.errors["prompt"][0]
        assert "composed_prompt" not in form.cleaned_data

    def test_unknown_flag_is_an_error_on_prompt(self, alice, alice_key):
        form = mj(alice, alice_key, prompt="a fox --bogus 3")

        assert not form.is_valid()
        assert form.errors["prompt"] == ['Unknown flag "--bogus".']

    def test_out_of_range_flag_is_an_error_on_prompt(self, alice, alice_key):
        form = mj(alice, alice_key, prompt="a fox --chaos 500")

        assert not form.is_valid()
        assert "from 0 to 100" in form.errors["prompt"][0]

    def test_prompt_of_only_flags_asks_for_text(self, alice, alice_key):
        form = mj(alice, alice_key, prompt="--ar 16:9")

        assert not form.is_valid()
        assert form.errors["prompt"] == ["Write a prompt."]

    def test_text_in_flags_field_is_an_error_on_flags(self, alice, alice_key):
        form = mj(alice, alice_key, flags="tile please")

        assert not form.is_valid()
        assert "Only flags go here" in form.errors["flags"][0]
        assert "prompt" not in form.errors

    def test_unknown_flag_in_flags_field_is_an_error_on_flags(self, alice, alice_key):
        form = mj(alice, alice_key, flags="--zzz")

        assert not form.is_valid()
        assert form.errors["flags"] == ['Unknown flag "--zzz".']

    def test_custom_aspect_without_value_is_an_error(self, alice, alice_key):
        form = mj(alice, alice_key, aspect_ratio="custom")

        assert not form.is_valid()
        assert form.errors["custom_ratio"] == ["Enter the ratio as W:H, e.g. 5:4."]

    def test_malformed_custom_ratio_is_an_error(self, alice, alice_key):
        form = mj(alice, alice_key, aspect_ratio="custom", custom_ratio="5x4")

        assert not form.is_valid()
        assert "custom_ratio" in form.errors

    def test_out_of_range_field_is_refused(self, alice, alice_key):
        form = mj(alice, alice_key, chaos=101, stylize=1001)

        assert not form.is_valid()
        assert set(form.errors) == {"chaos", "stylize"}


class TestKeyChoice:
    def test_offers_only_the_persons_own_keys_newest_first(self, alice, charlie, alice_key):
        second = sandbox_key_create(user=alice)
        sandbox_key_create(user=charlie)

        for form_class in (MidjourneyForm, FluxForm):
            form = form_class(user=alice)
            assert list(form.fields["key"].queryset) == [second, alice_key]
            assert form.fields["key"].initial == second.pk

    def test_someone_elses_key_is_refused(self, alice, charlie, alice_key):
        charlies = sandbox_key_create(user=charlie)

        form = mj(alice, alice_key, key=charlies.pk)

        assert not form.is_valid()
        assert "key" in form.errors


def flux(user, provider_key, **fields) -> FluxForm:
    data = {"prompt": "a cabin", "n": 1, "output_format": "png", "key": provider_key.pk, **fields}
    return FluxForm(data, user=user)


class TestFluxForm:
    @pytest.mark.parametrize("n", [1, 2, 3, 4])
    def test_one_to_four_images_cost_six_each(self, alice, alice_key, n):
        form = flux(alice, alice_key, n=n)

        assert form.is_valid(), form.errors
        assert form.cleaned_data["cost"] == 6 * n

    @pytest.mark.parametrize("n", [0, 5])
    def test_other_counts_are_refused(self, alice, alice_key, n):
        form = flux(alice, alice_key, n=n)

        assert not form.is_valid()
        assert "n" in form.errors

    def test_width_and_height_multiples_of_eight_are_accepted(self, alice, alice_key):
        form = flux(alice, alice_key, width=1024, height=768)

        assert form.is_valid(), form.errors
        assert (form.cleaned_data["width"], form.cleaned_data["height"]) == (1024, 768)

    def test_width_without_height_is_refused(self, alice, alice_key):
        form = flux(alice, alice_key, width=1024)

        assert not form.is_valid()
        assert form.errors["height"] == [
            "Give both width and height, or neither to use the aspect ratio."
        ]

    def test_height_without_width_is_refused(self, alice, alice_key):
        form = flux(alice, alice_key, height=1024)

        assert not form.is_valid()
        assert "width" in form.errors

    def test_size_not_a_multiple_of_eight_suggests_neighbours(self, alice, alice_key):
        form = flux(alice, alice_key, width=1001, height=768)

        assert not form.is_valid()
        assert form.errors["width"] == ["Must be a multiple of 8 (try 1000 or 1008)."]
        assert "height" not in form.errors

    def test_size_out_of_range_is_refused(self, alice, alice_key):
        form = flux(alice, alice_key, width=128, height=4096)

        assert not form.is_valid()
        assert set(form.errors) == {"width", "height"}

    @pytest.mark.parametrize("fmt", ["png", "webp", "jpg"])
    def test_output_formats_offered_are_accepted(self, alice, alice_key, fmt):
        form = flux(alice, alice_key, output_format=fmt)

        assert form.is_valid(), form.errors
        assert form.cleaned_data["output_format"] == fmt

    def test_output_format_choices(self, alice):
        choices = [value for value, _label in FluxForm(user=alice).fields["output_format"].choices]

        assert choices == ["png", "webp", "jpg"]

    def test_other_output_format_is_refused(self, alice, alice_key):
        form = flux(alice, alice_key, output_format="gif")

        assert not form.is_valid()
        assert "output_format" in form.errors
