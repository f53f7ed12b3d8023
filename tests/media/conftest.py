"""Media tests: frame and video factories, and the project's chromium launch args."""

from __future__ import annotations

import io
from fractions import Fraction

import av
from PIL import Image

# The browser test launches Debian's chromium exactly as tests/browser does.
from tests.browser.conftest import CHROMIUM, browser_type_launch_args  # noqa: F401

RED = (255, 0, 0)
BLUE = (0, 0, 255)


# JavaScript: the [r, g, b] of pixel (x, y) of video `v`'s current frame. 'seeked' can come
# before the frame is decoded on a busy machine (drawn as nothing, or black: these videos have
# no black frame), so it draws again until a frame is there, for at most 20 s (the test then
# fails on the colour).
FRAME_PIXEL = """async (v, x, y) => {
    const canvas = document.createElement('canvas');
    canvas.width = v.videoWidth; canvas.height = v.videoHeight;
    const context = canvas.getContext('2d');
    const drawn = p => p[3] === 255 && p[0] + p[1] + p[2] > 0;
    let pixel = [0, 0, 0, 0];
    for (const end = Date.now() + 20000; !drawn(pixel) && Date.now() < end;) {
        context.drawImage(v, 0, 0);
        pixel = Array.from(context.getImageData(x, y, 1, 1).data);
        if (!drawn(pixel)) await new Promise(resolve => setTimeout(resolve, 50));
    }
    return pixel.slice(0, 3);
}"""


def red_to_blue(count: int = 48, size: tuple[int, int] = (160, 120)) -> list[Image.Image]:
    """`count` flat frames fading from pure red (first) to pure blue (last)."""
    frames = []
    for index in range(count):
        t = index / max(count - 1, 1)
        colour = (round(255 * (1 - t)), 0, round(255 * t))
        frames.append(Image.new("RGB", size, colour))
    return frames


def raw_video(
    codec: str,
    container_format: str,
    size: tuple[int, int],
    pts: list[int],
    time_base: Fraction,
) -> bytes:
    """A video written straight with PyAV (no checks of ours), frames at `pts` x `time_base`."""
    output = io.BytesIO()
    with av.open(output, mode="w", format=container_format) as container:
        stream = container.add_stream(codec, rate=int(1 / time_base))
        stream.width, stream.height, stream.pix_fmt = *size, "yuv420p"
        stream.codec_context.time_base = time_base
        for value in pts:
            frame = av.VideoFrame.from_image(Image.new("RGB", size, RED))
            frame.pts = value
            frame.time_base = time_base
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return output.getvalue()
