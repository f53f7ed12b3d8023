"""Probing audio results (WAV, MP3, Ogg) in memory: their content type and duration.

WAV is read with the standard library's `wave`; MP3 and Ogg with PyAV (its wheels bundle
FFmpeg), imported only when needed.
"""

from __future__ import annotations

import io
import wave

MAX_AUDIO_SECONDS = 60 * 60.0  # longer is refused: no voice or music result is an hour


class AudioError(Exception):
    """A file that is not WAV, MP3 or Ogg audio, is unreadable, or lasts too long; `str()`
    says which in plain words."""


def audio_info(data: bytes) -> tuple[str, float]:
    """(content type, duration in seconds) of a WAV, MP3 or Ogg file. Raises AudioError for
    anything else, an unreadable file, or one longer than MAX_AUDIO_SECONDS."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        content_type, duration = "audio/wav", _wav_duration(data)
    elif data[:4] == b"OggS":
        content_type, duration = "audio/ogg", _probe_duration(data)
    elif data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        content_type, duration = "audio/mpeg", _probe_duration(data)
    else:
        raise AudioError("a result file is not WAV, MP3 or Ogg audio")
    if not 0 < duration <= MAX_AUDIO_SECONDS:
        raise AudioError(f"a result file's audio lasts {duration:.1f} s")
    return content_type, duration


def _wav_duration(data: bytes) -> float:
    try:
        with wave.open(io.BytesIO(data)) as reader:
            rate = reader.getframerate()
            return reader.getnframes() / rate if rate else 0.0
    except (wave.Error, EOFError) as exc:
        raise AudioError(f"a result file is not readable WAV audio ({exc})") from exc


def _probe_duration(data: bytes) -> float:
    """Seconds of the first audio stream, by PyAV: the container's duration, else the
    stream's, else the sum of its packets' durations."""
    import av  # here, not at the top: ~8 MB in every process that imports it

    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            streams = container.streams.audio
            if not streams:
                raise AudioError("a result file has no audio")
            stream = streams[0]
            if container.duration:
                return container.duration / av.time_base
            if stream.duration and stream.time_base:
                return float(stream.duration * stream.time_base)
            ticks = sum(packet.duration or 0 for packet in container.demux(stream))
            return float(ticks * stream.time_base) if stream.time_base else 0.0
    except AudioError:
        raise
    except Exception as exc:  # PyAV raises FFmpeg's many error types
        raise AudioError("a result file is not readable audio") from exc
