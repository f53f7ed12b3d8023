"""ImageSourcesField in a form: counts, links, files, gallery picks and initial values."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict

from studio.uploads.fields import ImageSource, ImageSourcesField, UserFormMixin, bind_user
from studio.uploads.models import Upload
from tests.factories import AssetFactory
from tests.uploads.conftest import image_file

pytestmark = pytest.mark.django_db

NOT_AVAILABLE = "One of the gallery images you picked is no longer available. Pick it again."


class VideoForm(UserFormMixin, forms.Form):
    start_frame = ImageSourcesField(min_count=1, max_count=1, label="Start frame")
    end_frame = ImageSourcesField(max_count=1, required=False)


class NanoForm(UserFormMixin, forms.Form):
    reference_images = ImageSourcesField(max_count=8, label="Reference images")


def nano(user, *, urls="", assets=(), files=()):
    data = {"reference_images_urls": urls, "reference_images_assets": [str(a) for a in assets]}
    form = NanoForm(data, MultiValueDict({"reference_images_files": list(files)}), user=user)
    form.is_valid()
    return form


def links(n: int) -> str:
    return "\n".join(f"https://cdn.example.com/{i}.png" for i in range(n))


class TestCounts:
    def test_empty_optional_group_is_an_empty_list(self, alice):
        form = nano(alice)
        assert form.is_valid() and form.cleaned_data["reference_images"] == []

    def test_required_group_asks_for_an_image(self, alice):
        form = VideoForm({}, user=alice)
        assert form.errors["start_frame"] == ["Add at least 1 image."]
        assert "end_frame" not in form.errors

    def test_too_many_says_how_many_were_given(self, alice):
        form = nano(alice, urls=links(10))
        assert form.errors["reference_images"] == ["At most 8 images (you gave 10)."]

    def test_every_kind_counts(self, alice, alice_asset):
        files = [image_file(f"{i}.png") for i in range(4)]
        form = nano(alice, urls=links(4), assets=[alice_asset.pk], files=files)
        assert form.errors["reference_images"] == ["At most 8 images (you gave 9)."]

    def test_single_image_group(self, alice):
        form = VideoForm(
            {"start_frame_urls": links(2)},
            MultiValueDict({"end_frame_files": [image_file("a.png"), image_file("b.png")]}),
            user=alice,
        )
        assert form.errors["start_frame"] == ["At most 1 image (you gave 2)."]
        assert form.errors["end_frame"] == ["At most 1 image (you gave 2)."]

    def test_duplicate_links_count_once(self, alice):
        form = nano(alice, urls="https://a.example/x.png\n\n  https://a.example/x.png  \n")
        assert form.cleaned_data["reference_images"] == [
            ImageSource("url", url="https://a.example/x.png")
        ]


class TestLinks:
    @pytest.mark.parametrize(
        "url",
        [
            "https://cdn.example.com/cat.jpg",
            "http://cdn.example.com/a/b/Cat.JPEG",
            "https://cdn.example.com/cat.webp?width=800",
            "https://cdn.example.com/anim.gif",
            "https://cdn.example.com/cat.png",
        ],
    )
    def test_direct_image_links_pass(self, alice, url):
        form = nano(alice, urls=url)
        assert form.cleaned_data["reference_images"] == [ImageSource("url", url=url)]

    @pytest.mark.parametrize(
        ("url", "words"),
        [
            ("ftp://cdn.example.com/cat.jpg", "is not a web address"),
            ("cdn.example.com/cat.jpg", "is not a web address"),
            ("javascript:alert(1)//.png", "is not a web address"),
            ("https://cdn example.com/cat.jpg", "is not a web address"),
            ("https://www.example.com/photos/cat", "does not look like a direct link to an image"),
            ("https://www.example.com/cat.jpg.html", "does not look like a direct link"),
            ("https://cdn.example.com/" + "a" * 2000 + ".png", "is too long for a link"),
        ],
    )
    def test_other_links_are_refused_with_a_reason(self, alice, url, words):
        form = nano(alice, urls=url)
        [message] = form.errors["reference_images"]
        assert words in message

    def test_each_bad_link_is_named(self, alice):
        form = nano(alice, urls="https://ok.example/1.png\nnope\nhttps://x.example/page")
        errors = form.errors["reference_images"]
        assert len(errors) == 2
        assert "“nope”" in errors[0] and "“https://x.example/page”" in errors[1]


class TestFiles:
    def test_files_are_checked_but_not_stored(self, alice):
        form = nano(alice, files=[image_file("a.png"), image_file("b.webp", fmt="WEBP")])
        sources = form.cleaned_data["reference_images"]
        assert [(s.kind, s.label) for s in sources] == [("upload", "a.png"), ("upload", "b.webp")]
        assert all(s.prepared and s.prepared.content[:2] == b"\xff\xd8" for s in sources)
        assert not Upload.objects.exists()

    def test_bad_files_are_refused_with_upload_create_words(self, alice):
        gif = image_file("anim.gif", fmt="GIF")
        text = SimpleUploadedFile("notes.png", b"not an image at all")
        form = nano(alice, files=[image_file("ok.png"), gif, text])
        assert form.errors["reference_images"] == [
            "“anim.gif” is a GIF image. Use a JPEG, PNG or WEBP image.",
            "“notes.png” is not an image we can read. Use a JPEG, PNG or WEBP image.",
        ]

    @pytest.mark.urls("tests.uploads.urls")
    def test_several_files_in_one_post_field(self, alice_client, settings):
        settings.PUBLIC_BASE_URL = "https://studio.example.com"
        files = [
            image_file(n, color=(80 * i, 40, 200))
            for i, n in enumerate(["a.png", "b.png", "c.png"])
        ]
        response = alice_client.post(
            "/test/sources/",
            {
                "reference_images_files": files,
                "reference_images_urls": "https://cdn.example.com/x.jpg",
            },
        )
        html = response.content.decode()
        assert '<output id="received">a.png,b.png,c.png</output>' in html
        assert '<output id="valid">yes</output>' in html
        urls = re.findall(r"<li>(https://[^<]+)</li>", html)
        assert len(urls) == 4 and urls[3] == "https://cdn.example.com/x.jpg"
        assert all(re.search(r"/r/u/[^/]+/[0-9a-f-]{36}\.jpg$", u) for u in urls[:3])
        assert Upload.objects.filter(user__username="alice").count() == 3


class TestGalleryPicks:
    def test_own_image_is_accepted(self, alice, alice_asset):
        form = nano(alice, assets=[alice_asset.pk])
        assert form.cleaned_data["reference_images"] == [
            ImageSource("asset", asset_id=alice_asset.pk)
        ]

    def test_someone_elses_image_reads_like_a_missing_one(self, alice, charlie_asset):
        stranger = nano(alice, assets=[charlie_asset.pk])
        missing = nano(alice, assets=["00000000-0000-4000-8000-000000000000"])
        garbage = nano(alice, assets=["../../etc/passwd"])
        assert stranger.errors["reference_images"] == [NOT_AVAILABLE]
        assert missing.errors["reference_images"] == [NOT_AVAILABLE]
        assert garbage.errors["reference_images"] == [NOT_AVAILABLE]

    def test_grid_assets_are_not_pickable(self, alice):
        grid = AssetFactory(generation__user=alice, role="grid")
        assert nano(alice, assets=[grid.pk]).errors["reference_images"] == [NOT_AVAILABLE]

    def test_pasted_gallery_link_becomes_a_pick(self, alice, alice_asset, charlie_asset):
        mine = f"http://127.0.0.1:8000/a/{alice_asset.pk}/file/"
        form = nano(alice, urls=mine)
        assert form.cleaned_data["reference_images"] == [
            ImageSource("asset", asset_id=alice_asset.pk)
        ]
        theirs = f"http://127.0.0.1:8000/a/{charlie_asset.pk}/file/"
        assert nano(alice, urls=theirs).errors["reference_images"] == [NOT_AVAILABLE]

    def test_order_is_uploads_then_picks_then_links(self, alice, alice_asset):
        form = nano(
            alice,
            urls="https://cdn.example.com/z.png",
            assets=[alice_asset.pk],
            files=[image_file("a.png")],
        )
        kinds = [s.kind for s in form.cleaned_data["reference_images"]]
        assert kinds == ["upload", "asset", "url"]

    def test_a_form_without_the_user_fails_loudly(self, alice_asset):
        class Unbound(forms.Form):
            images = ImageSourcesField()

        form = Unbound({"images_assets": [str(alice_asset.pk)]})
        with pytest.raises(ImproperlyConfigured, match="bind_user"):
            form.is_valid()

    def test_bind_user_in_a_form_that_takes_user_itself(self, alice, alice_asset):
        class KeyedForm(forms.Form):
            images = ImageSourcesField()

            def __init__(self, *args, user, **kwargs):
                super().__init__(*args, **kwargs)
                bind_user(self, user)

        form = KeyedForm({"images_assets": [str(alice_asset.pk)]}, user=alice)
        assert form.is_valid()


class TestRendering:
    def test_initial_pick_is_preselected_with_its_thumbnail(self, alice, alice_asset):
        html = str(VideoForm(user=alice, initial={"start_frame": [alice_asset.pk]}))
        assert f'name="start_frame_assets" value="{alice_asset.pk}"' in html
        assert f'src="/a/{alice_asset.pk}/thumb/"' in html
        assert 'aria-label="Remove gallery image: a red fox in snow"' in html
        assert 'data-count hidden aria-live="polite">1 of 1<' in html

    def test_initial_pick_of_someone_else_is_not_shown(self, alice, charlie_asset):
        html = str(VideoForm(user=alice, initial={"start_frame": [str(charlie_asset.pk)]}))
        assert str(charlie_asset.pk) not in html
        assert "charlie" not in html

    def test_group_widgets(self, alice):
        form = VideoForm(user=alice)
        html = str(NanoForm(user=alice)["reference_images"])
        assert form.is_multipart()
        assert 'name="reference_images_files"' in html and " multiple " in html
        assert 'id="id_reference_images"' in html  # the field's <label for> points here
        assert 'name="reference_images_urls"' in html
        assert 'data-max="8"' in html and "required" not in html
        assert " multiple " not in str(form["start_frame"])

    def test_invalid_post_keeps_links_and_picks_and_asks_for_files_again(self, alice, alice_asset):
        form = nano(
            alice,
            urls=links(9),
            assets=[alice_asset.pk],
            files=[image_file("a.png")],
        )
        html = str(form["reference_images"])
        assert "https://cdn.example.com/8.png" in html
        assert f'value="{alice_asset.pk}"' in html
        assert "Choose your 1 file again" in html
        assert 'aria-invalid="true"' in html
