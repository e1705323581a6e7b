"""audio_codecs: every container decodes to mono pcm16, encodes round-trip, failures are clear."""

from __future__ import annotations

import io
import math
import struct

import av
import pytest

from langchain_azure_audio.audio_codecs import (
    codecs_available,
    decode_to_pcm16,
    encode_pcm16,
    resample_pcm16,
)
from langchain_azure_audio.errors import AudioValidationError

RATE = 24000


def tone(seconds: float = 1.0, rate: int = RATE, freq: float = 440.0) -> bytes:
    n = int(seconds * rate)
    return b"".join(
        struct.pack("<h", int(12000 * math.sin(2 * math.pi * freq * i / rate))) for i in range(n)
    )


def _rms(pcm: bytes) -> float:
    samples = struct.unpack(f"<{len(pcm) // 2}h", pcm)
    return math.sqrt(sum(s * s for s in samples) / len(samples))


def test_codecs_available() -> None:
    assert codecs_available() is True


@pytest.mark.parametrize("fmt", ["wav", "mp3", "flac", "opus", "aac"])
def test_encode_decode_round_trip(fmt: str) -> None:
    pcm = tone(1.0)
    encoded = encode_pcm16(pcm, RATE, fmt)
    with av.open(io.BytesIO(encoded)) as container:  # a real file of that codec
        codec = container.streams.audio[0].codec_context.name
    assert (
        codec
        in {
            "wav": {"pcm_s16le"},
            "mp3": {"mp3", "mp3float"},
            "flac": {"flac"},
            "opus": {"opus", "libopus"},
            "aac": {"aac"},
        }[fmt]
    )
    decoded, rate = decode_to_pcm16(encoded, sample_rate=RATE)
    assert rate == RATE
    assert abs(len(decoded) - len(pcm)) < 0.1 * len(pcm)  # codec padding only
    assert _rms(decoded) == pytest.approx(_rms(pcm), rel=0.2)


def test_wav_is_lossless_and_native_rate() -> None:
    pcm = tone(0.3, rate=22050)
    decoded, rate = decode_to_pcm16(encode_pcm16(pcm, 22050, "wav"))
    assert (decoded, rate) == (pcm, 22050)


@pytest.mark.parametrize("fmt", ["pcm", "pcm16"])
def test_pcm_passthrough(fmt: str) -> None:
    pcm = tone(0.1)
    assert encode_pcm16(pcm, RATE, fmt) is pcm


@pytest.mark.parametrize(("container_fmt", "codec"), [("ipod", "aac"), ("webm", "libopus")])
def test_decode_m4a_and_webm_stereo(container_fmt: str, codec: str) -> None:
    out = io.BytesIO()
    with av.open(out, "w", format=container_fmt) as container:
        stream = container.add_stream(codec, rate=48000)
        stream.layout = "stereo"
        frame = av.AudioFrame(format="s16", layout="stereo", samples=48000, align=1)
        mono = tone(1.0, rate=48000)
        interleaved = b"".join(mono[i : i + 2] * 2 for i in range(0, len(mono), 2))
        frame.planes[0].update(interleaved)
        frame.sample_rate = 48000
        frame.pts = 0
        resampler = av.AudioResampler(
            format=stream.format.name,
            layout="stereo",
            rate=48000,
            frame_size=stream.codec_context.frame_size or None,
        )
        for f in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(f):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    pcm, rate = decode_to_pcm16(out.getvalue(), sample_rate=16000)
    assert rate == 16000
    assert abs(len(pcm) / 2 / rate - 1.0) < 0.1
    assert _rms(pcm) > 3000  # downmixed to mono, not silent


def test_resample() -> None:
    pcm = tone(1.0, rate=22050)
    out = resample_pcm16(pcm, 22050, 16000)
    assert abs(len(out) // 2 - 16000) <= 64
    assert resample_pcm16(pcm, 22050, 22050) is pcm
    with pytest.raises(ValueError):  # noqa: PT011 - any refusal of a zero rate
        resample_pcm16(pcm, 0, 16000)


@pytest.mark.parametrize(
    "data",
    [b"", b"not audio at all" * 50, b"RIFF\x00\x00\x00\x00WAVEfmt ", b"ID3\x04" + b"\x00" * 20],
)
def test_undecodable_input_raises_audio_validation_error(data: bytes) -> None:
    with pytest.raises(AudioValidationError):
        decode_to_pcm16(data)


def test_unknown_output_format() -> None:
    with pytest.raises(ValueError, match="Cannot encode"):
        encode_pcm16(tone(0.1), RATE, "ogg-vorbis")
