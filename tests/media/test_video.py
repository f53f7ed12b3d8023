"""studio.media.video on its own: what it encodes, what probing reads back, what it refuses."""

from __future__ import annotations

import io
import random
import time
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction

import pytest
from PIL import Image

from studio.media.video import (
    MAX_SIDE,
    VideoError,
    VideoInfo,
    encode_mp4,
    last_frame,
    poster_frame,
    probe_video,
)
from tests.media.conftest import raw_video, red_to_blue

READERS = [probe_video, poster_frame, last_frame]


@pytest.fixture(scope="module")
def mp4() -> bytes:
    """48 frames, 160x120, red to blue at 24 fps: two seconds."""
    return encode_mp4(red_to_blue(48, (160, 120)), fps=24)


def is_reddish(rgb: tuple[int, int, int]) -> bool:
    red, green, blue = rgb
    return red > 200 and green < 40 and blue < 40


def is_bluish(rgb: tuple[int, int, int]) -> bool:
    red, green, blue = rgb
    return blue > 200 and red < 40 and green < 40


class TestEncodeAndProbe:
    def test_probe_reads_back_size_length_and_codec(self, mp4):
        info = probe_video(mp4)

        assert info == VideoInfo(
            width=160,
            height=120,
            duration=pytest.approx(2.0),
            frames=48,
            fps=24.0,
            codec="h264",
            content_type="video/mp4",
        )

    def test_file_starts_with_ftyp_then_moov_so_it_plays_while_downloading(self, mp4):
        assert mp4[4:8] == b"ftyp"
        assert 0 < mp4.find(b"moov") < mp4.find(b"mdat")

    def test_flat_frames_make_a_small_file(self, mp4):
        assert len(mp4) < 20_000

    def test_poster_frame_is_the_red_first_frame(self, mp4):
        image = poster_frame(mp4)

        assert image.mode == "RGB"
        assert image.size == (160, 120)
        assert is_reddish(image.getpixel((80, 60)))

    def test_last_frame_is_the_blue_last_frame(self, mp4):
        image = last_frame(mp4)

        assert image.mode == "RGB"
        assert image.size == (160, 120)
        assert is_bluish(image.getpixel((80, 60)))

    def test_odd_sides_are_padded_to_even_by_repeating_the_edge(self):
        frames = red_to_blue(5, (101, 75))
        frames[0].paste((0, 255, 0), (100, 0, 101, 75))  # last column green

        data = encode_mp4(frames, fps=10)

        info = probe_video(data)
        assert (info.width, info.height, info.frames) == (102, 76, 5)
        assert info.duration == pytest.approx(0.5)
        poster = poster_frame(data)
        assert poster.getpixel((101, 40))[1] > 200  # the padding repeats the green column
        assert is_reddish(poster.getpixel((20, 75)))  # and the last row

    def test_a_one_pixel_single_frame_video(self):
        data = encode_mp4([Image.new("RGB", (1, 1), (0, 255, 0))])

        info = probe_video(data)
        assert (info.width, info.height, info.frames) == (2, 2, 1)
        assert last_frame(data).getpixel((1, 1))[1] > 200

    def test_any_image_mode_is_taken(self):
        frames = [Image.new("RGBA", (32, 32), (255, 0, 0, 128)), Image.new("L", (32, 32), 255)]

        data = encode_mp4(frames, fps=2)

        assert is_reddish(poster_frame(data).getpixel((16, 16)))
        assert last_frame(data).getpixel((16, 16))[1] > 240  # white

    def test_webm_is_probed_too(self):
        data = raw_video("libvpx-vp9", "webm", (64, 48), [0, 1, 2], Fraction(1, 24))

        info = probe_video(data)

        assert (info.codec, info.content_type, info.frames) == ("vp9", "video/webm", 3)
        assert is_reddish(poster_frame(data).getpixel((32, 24)))

    def test_threads_encode_and_probe_at_once(self):
        def round_trip(shade: int) -> tuple[int, int]:
            frames = [Image.new("RGB", (96, 64), (shade, 0, 0))] * 12
            data = encode_mp4(frames, fps=12)
            return probe_video(data).frames, poster_frame(data).getpixel((48, 32))[0]

        shades = [60, 120, 180, 240] * 2
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(round_trip, shades))

        for shade, (frames, red) in zip(shades, results, strict=True):
            assert frames == 12
            assert abs(red - shade) < 12


class TestEncodeRefuses:
    @pytest.mark.parametrize(
        ("frames", "fps", "message"),
        [
            ([], 24, "at least one frame"),
            ([Image.new("RGB", (8, 8))] * 2, 0, "fps"),
            ([Image.new("RGB", (8, 8))] * 2, 121, "fps"),
            ([Image.new("RGB", (8, 8))] * 2, 2.5, "fps"),
            ([Image.new("RGB", (8, 8)), Image.new("RGB", (8, 10))], 24, "Frame 1 is 8x10"),
            ([Image.new("RGB", (MAX_SIDE + 1, 2))], 24, "pixels a side"),
            ([Image.new("RGB", (2, 2))] * 1801, 1, "over 30 minutes"),
        ],
    )
    def test_bad_input(self, frames, fps, message):
        with pytest.raises(VideoError, match=message):
            encode_mp4(frames, fps=fps)


def png_bytes() -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (64, 48), (255, 0, 0)).save(output, "PNG")
    return output.getvalue()


class TestReadersRefuse:
    @pytest.mark.parametrize("reader", READERS, ids=lambda f: f.__name__)
    @pytest.mark.parametrize(
        ("make", "message"),
        [
            (lambda mp4: b"", "empty"),
            # Random bytes sometimes sniff as another container: either refusal is right.
            (lambda mp4: random.Random(7).randbytes(200_000), "not a readable video|not an MP4"),
            (lambda mp4: b"\x00" * 100_000, "not a readable video"),
            (lambda mp4: png_bytes(), "not an MP4 or WebM"),
            (lambda mp4: mp4[: len(mp4) // 2], "truncated"),
            (lambda mp4: mp4[:-100], "truncated"),
            (lambda mp4: mp4[:400], "not a readable video"),
        ],
        ids=["empty", "garbage", "zeros", "png", "half_mp4", "mp4_missing_tail", "mp4_head"],
    )
    def test_unreadable_input_quickly(self, mp4, reader, make, message):
        data = make(mp4)
        # CPU time, not wall time: the work done, whatever else keeps the machine busy.
        started = time.process_time()

        with pytest.raises(VideoError, match=message):
            reader(data)

        assert time.process_time() - started < 1.0

    def test_video_error_is_a_value_error(self):
        with pytest.raises(ValueError):
            probe_video(b"not a video")

    def test_over_max_side(self):
        data = raw_video("libx264", "mp4", (MAX_SIDE + 4, 16), [0, 1], Fraction(1, 24))

        with pytest.raises(VideoError, match="pixels a side"):
            probe_video(data)

    def test_over_thirty_minutes(self):
        # Two frames 31 minutes apart: tiny file, absurd length.
        data = raw_video("libx264", "mp4", (64, 48), [0, 24 * 60 * 31], Fraction(1, 24))

        with pytest.raises(VideoError, match="over 30 minutes"):
            probe_video(data)
