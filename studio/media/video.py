"""MP4 video from PIL frames, and probing of uploaded/stored videos, all in memory.

Built on PyAV (`av`): its wheels bundle FFmpeg with libx264, so no ffmpeg binary is needed.
We encode H.264 (High profile, yuv420p, BT.709 limited range) in MP4 with the moov atom in
front (`+faststart`): Debian's chromium plays it in a plain `<video>` element
(tests/media/test_browser.py proves it), and so does every other browser.

Every call opens its own FFmpeg contexts on its own buffers and shares no state, so the
functions are safe to call from web threads and worker threads at the same time.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from fractions import Fraction
from numbers import Integral
from typing import TYPE_CHECKING

from PIL import Image

if TYPE_CHECKING:
    import av

__all__ = [
    "MAX_DURATION",
    "MAX_SIDE",
    "VideoError",
    "VideoInfo",
    "encode_mp4",
    "last_frame",
    "poster_frame",
    "probe_video",
]

MAX_SIDE = 4096  # pixels, either side; larger is refused on encode and probe
MAX_DURATION = 30 * 60.0  # seconds
MAX_FPS = 120

# x264's own defaults (CRF 23, preset medium): about 3-5 ms per 480x480 frame on two cores,
# and 10-50 kB for 60 such frames; faster presets saved little time here. High profile is
# what every browser decodes.
_X264_OPTIONS = {"crf": "23", "preset": "medium", "profile": "high"}
# Demuxing and decoding work on bytes in memory, so they always end; this caps the wall
# time anyway, in case a crafted file makes a decoder crawl.
_TIME_BUDGET = 30.0  # seconds per call

# Demuxers we accept (FFmpeg's names). FFmpeg would happily "probe" a PNG or a JPEG as a
# one-frame video through its image pipes; those are not videos for us.
_MP4_FAMILY = "mov,mp4,m4a,3gp,3g2,mj2"
_MATROSKA = "matroska,webm"
_WEBM_CODECS = {"vp8", "vp9", "av1"}


class VideoError(ValueError):
    """The input is not a video we can read or write; `str(error)` says why, for people."""


@dataclass(frozen=True)
class VideoInfo:
    """What `probe_video` found.

    width, height: pixels of the decoded picture. duration: seconds. frames: number of video
    frames (packets) in the first video stream. fps: average frames per second (0.0 if the
    file does not say). codec: FFmpeg's decoder name ("h264", "vp9", "av1", ...).
    content_type: the MIME type to serve it with ("video/mp4", "video/webm", ...).
    """

    width: int
    height: int
    duration: float
    frames: int
    fps: float
    codec: str
    content_type: str


def encode_mp4(frames: list[Image.Image], *, fps: int = 24) -> bytes:
    """Encode `frames` as an H.264 MP4 that browsers play inline; returns the file's bytes.

    frames: one PIL image per video frame, shown 1/fps seconds each, all the same size
    (any mode; converted to RGB, alpha dropped). An odd width or height is padded to even by
    repeating the last column/row (yuv420p needs even sides), so the video can be 1 px wider
    or taller than the frames. fps: frames per second, 1..120.

    The result is yuv420p, BT.709, with the moov atom before the media data (plays while
    downloading). Raises VideoError for no frames, mixed sizes, a side over MAX_SIDE, a
    duration over MAX_DURATION, or a bad fps.
    """
    import av  # PyAV is imported where it is used: ~8 MB in every process that imports it
    from av.video.reformatter import ColorPrimaries, ColorRange, Colorspace, ColorTrc

    if not frames:
        raise VideoError("A video needs at least one frame.")
    if isinstance(fps, bool) or not isinstance(fps, Integral) or not 1 <= fps <= MAX_FPS:
        raise VideoError(f"fps must be a whole number from 1 to {MAX_FPS}, not {fps!r}.")
    if len(frames) / fps > MAX_DURATION:
        raise VideoError(f"The video would last over {MAX_DURATION / 60:.0f} minutes.")
    width, height = frames[0].size
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise VideoError(f"Frames must be 1 to {MAX_SIDE} pixels a side, not {width}x{height}.")
    for index, frame in enumerate(frames):
        if frame.size != (width, height):
            raise VideoError(
                f"Frame {index} is {frame.size[0]}x{frame.size[1]}; "
                f"every frame must be {width}x{height} like the first."
            )
    even_width, even_height = width + width % 2, height + height % 2

    output = io.BytesIO()

    # `+faststart` moves the moov atom to the front after muxing by re-opening the output for
    # reading. With a file object there is no file name to re-open, so hand FFmpeg a copy of
    # what was written: the shift only reads bytes that were flushed before it starts.
    def reopen(url: str, flags: int, options: dict) -> io.BytesIO:
        return io.BytesIO(output.getvalue())

    try:
        with av.open(
            output,
            mode="w",
            format="mp4",
            container_options={"movflags": "+faststart"},
            io_open=reopen,
        ) as container:
            stream = container.add_stream("libx264", rate=int(fps), options=_X264_OPTIONS)
            stream.width, stream.height, stream.pix_fmt = even_width, even_height, "yuv420p"
            # Tag what we convert to (below): untagged video leaves the colours to the player.
            context = stream.codec_context
            context.colorspace = Colorspace.ITU709
            context.color_range = ColorRange.MPEG
            context.color_primaries = ColorPrimaries.BT709
            context.color_trc = ColorTrc.BT709
            for index, image in enumerate(frames):
                frame = av.VideoFrame.from_image(_even_rgb(image, even_width, even_height))
                frame = frame.reformat(
                    format="yuv420p",
                    dst_colorspace=Colorspace.ITU709,
                    dst_color_range=ColorRange.MPEG,
                    dst_color_trc=ColorTrc.BT709,
                    dst_color_primaries=ColorPrimaries.BT709,
                )
                frame.pts = index  # the stream's time base is 1/fps: one tick per frame
                container.mux(stream.encode(frame))
            container.mux(stream.encode(None))  # flush the encoder's delayed frames
    except av.FFmpegError as error:
        raise VideoError(f"Could not encode the video ({_reason(error)}).") from error
    return output.getvalue()


def _even_rgb(image: Image.Image, width: int, height: int) -> Image.Image:
    """`image` as RGB, padded to width x height by repeating its last column and row."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    if rgb.size == (width, height):
        return rgb
    canvas = Image.new("RGB", (width, height))
    canvas.paste(rgb, (0, 0))
    if width > rgb.width:
        canvas.paste(rgb.crop((rgb.width - 1, 0, rgb.width, rgb.height)), (rgb.width, 0))
    if height > rgb.height:
        canvas.paste(canvas.crop((0, rgb.height - 1, width, rgb.height)), (0, rgb.height))
    return canvas


def probe_video(data: bytes) -> VideoInfo:
    """Read the size, length and codec of an MP4/MOV/WebM/Matroska video in `data`.

    Demuxes every packet of the first video stream (cheap: nothing is decoded but the first
    frame, which proves the codec is readable). Raises VideoError for empty input, anything
    that is not such a video (an image, garbage), a truncated file, no decodable frame, a side
    over MAX_SIDE pixels, or a duration over MAX_DURATION seconds.
    """
    return _scan(data, keep_last_gop=False).info


def poster_frame(data: bytes) -> Image.Image:
    """The first frame (in display order) of the video in `data`, as an RGB PIL image of the
    video's width x height. Raises VideoError like `probe_video`."""
    return _scan(data, keep_last_gop=False).first.to_image()


def last_frame(data: bytes) -> Image.Image:
    """The last frame (in display order) of the video in `data`, as an RGB PIL image of the
    video's width x height. Decodes only the last group of pictures (from the last keyframe).
    Raises VideoError like `probe_video`."""
    import av

    scan = _scan(data, keep_last_gop=True)
    deadline = time.monotonic() + _TIME_BUDGET
    context = scan.context
    last: av.VideoFrame | None = None
    try:
        context.flush_buffers()  # forget the first GOP decoded by _scan; decode the last afresh
        for packet in [*scan.last_gop, None]:
            for frame in context.decode(packet):
                if last is None or (frame.pts or 0) >= (last.pts or 0):
                    last = frame
            if time.monotonic() > deadline:
                raise VideoError("Decoding the video took too long.")
    except (av.FFmpegError, ValueError) as error:
        raise VideoError(f"The video cannot be decoded ({_reason(error)}).") from error
    finally:
        scan.container.close()
    if last is None:
        raise VideoError("The video's last frames cannot be decoded.")
    return last.to_image()


@dataclass
class _Scan:
    info: VideoInfo
    first: av.VideoFrame
    container: av.container.InputContainer | None = None
    context: av.video.codeccontext.VideoCodecContext | None = None
    last_gop: list[av.Packet] | None = None


def _scan(data: bytes, *, keep_last_gop: bool) -> _Scan:
    """Open `data`, check it, count its packets and decode its first frame.

    With keep_last_gop the container stays open (the caller closes it) and the packets from
    the last keyframe on are kept for decoding.
    """
    import av

    if not data:
        raise VideoError("The video is empty.")
    deadline = time.monotonic() + _TIME_BUDGET
    container = None
    try:
        container = av.open(io.BytesIO(data), mode="r")
        format_name = container.format.name
        if format_name not in (_MP4_FAMILY, _MATROSKA):
            raise VideoError("This is not an MP4 or WebM video.")
        if not container.streams.video:
            raise VideoError("The file has no video track.")
        stream = container.streams.video[0]
        context = stream.codec_context
        if context is None:  # FFmpeg has no decoder for it, or the header was cut short
            raise VideoError("This is not a readable video (no codec for it, or a cut-off header).")
        width, height = context.width, context.height
        if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
            raise VideoError(f"Videos must be 1 to {MAX_SIDE} pixels a side, not {width}x{height}.")
        declared = _duration(container, stream)
        if declared > MAX_DURATION:
            raise VideoError(f"The video lasts over {MAX_DURATION / 60:.0f} minutes.")

        count = 0
        first: av.VideoFrame | None = None
        last_gop: list[av.Packet] = []
        end_pts: int | None = None
        for packet in container.demux(stream):
            if packet.size == 0:  # the demuxer's end-of-stream marker
                continue
            count += 1
            if packet.pts is not None:
                end = packet.pts + (packet.duration or 0)
                end_pts = end if end_pts is None else max(end_pts, end)
            if first is None:
                frames = packet.decode()
                first = frames[0] if frames else None
            if keep_last_gop:
                if packet.is_keyframe:
                    last_gop = []
                last_gop.append(packet)
            if time.monotonic() > deadline:
                raise VideoError("Reading the video took too long.")
        if first is None:
            for frame in context.decode(None):  # drain: a one-frame clip may still be inside
                first = frame
                break
        if first is None:
            raise VideoError("The video has no frame that can be decoded.")
        if stream.frames and count < stream.frames:
            # MP4 lists every sample up front; missing ones mean the file was cut short.
            raise VideoError(
                f"The video is truncated: {count} of {stream.frames} frames are present."
            )
        duration = declared
        if not duration and end_pts is not None and stream.time_base:
            duration = float((end_pts - (stream.start_time or 0)) * stream.time_base)
        if duration > MAX_DURATION:
            raise VideoError(f"The video lasts over {MAX_DURATION / 60:.0f} minutes.")
        rate = stream.average_rate or stream.guessed_rate or Fraction(0)
        info = VideoInfo(
            width=width,
            height=height,
            duration=duration,
            frames=count,
            fps=float(rate),
            codec=context.name,
            content_type=_content_type(container, format_name, context.name),
        )
        scan = _Scan(info=info, first=first)
        if keep_last_gop:
            scan.container, scan.context, scan.last_gop = container, context, last_gop
            container = None  # the caller closes it
        return scan
    except VideoError:
        raise
    except (av.FFmpegError, ValueError, OSError, EOFError, MemoryError) as error:
        # ValueError and friends: PyAV or Pillow refusing what a broken file made of a frame.
        raise VideoError(f"This is not a readable video ({_reason(error)}).") from error
    finally:
        if container is not None:
            container.close()


def _reason(error: Exception) -> str:
    """FFmpeg's words for `error`, without the errno and the '<none>' file name PyAV adds."""
    return getattr(error, "strerror", None) or str(error) or type(error).__name__


def _duration(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> float:
    """Seconds the container or stream says the video lasts (0.0 if it does not say)."""
    import av

    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    return 0.0


def _content_type(container: av.container.InputContainer, format_name: str, codec: str) -> str:
    if format_name == _MATROSKA:
        return "video/webm" if codec in _WEBM_CODECS else "video/x-matroska"
    if container.metadata.get("major_brand", "").strip() == "qt":
        return "video/quicktime"
    return "video/mp4"
