"""Regenerate the spoken test clips in this folder (needs the ``emulator`` extra).

The clips are synthesized by the emulator's own speech engine (piper, deterministic settings), so
they are byte-for-byte reproducible: ``python tests/data/make_data.py``.
"""

from __future__ import annotations

from pathlib import Path

from langchain_azure_audio import audio_codecs
from langchain_azure_audio.emulator.engines import OUTPUT_SAMPLE_RATE, default_engines

HERE = Path(__file__).parent

CLIPS = {
    "weather_question": "What is the weather in Paris?",
    "calculator_question": "Please use the calculator. What is 12 times 7?",
    "hello": "Hello there.",
}


def synthesize_pcm16(text: str, voice: str) -> tuple[bytes, int]:
    return default_engines().synthesizer.synthesize(text, voice=voice), OUTPUT_SAMPLE_RATE


def main() -> None:
    for name, text in CLIPS.items():
        pcm, rate = synthesize_pcm16(text, voice="alloy")
        (HERE / f"{name}.wav").write_bytes(audio_codecs.encode_pcm16(pcm, rate, "wav"))
        (HERE / f"{name}.mp3").write_bytes(audio_codecs.encode_pcm16(pcm, rate, "mp3"))
    pcm, rate = synthesize_pcm16(CLIPS["hello"], voice="alloy")
    (HERE / "hello.flac").write_bytes(audio_codecs.encode_pcm16(pcm, rate, "flac"))


if __name__ == "__main__":
    main()
