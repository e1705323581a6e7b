"""Pure splitting and stitching logic (no requests)."""

from __future__ import annotations

import pytest

from langchain_azure_audio.pcm import join_wav, wav_to_pcm16
from langchain_azure_audio.subtitles import parse_subtitles, render_srt, render_vtt
from langchain_azure_audio.tools._chunking import ChunkSpan, plan_chunks
from langchain_azure_audio.tools._stitching import ChunkTranscript, merge_text, stitch
from langchain_azure_audio.tools._text_split import SentenceBuffer, split_text

from .conftest import silence, tone, wav_of


def test_split_text_keeps_sentences_whole() -> None:
    sentences = [f"Sentence number {i} ends here." for i in range(400)]
    text = " ".join(sentences)
    pieces = split_text(text, 4096)
    assert len(pieces) > 1
    assert all(len(p) <= 4096 for p in pieces)
    assert all(p.endswith("here.") for p in pieces)
    assert " ".join(pieces).split() == text.split()


def test_split_text_long_sentence_cut_at_clauses_then_words() -> None:
    text = "Intro. " + ", ".join(["word " * 30] * 5) + " end."
    pieces = split_text(text, 200)
    assert pieces[0] == "Intro."
    assert all(len(p) <= 200 for p in pieces)
    assert " ".join(pieces).split() == text.split()
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_split_text_unicode_and_empty() -> None:
    assert split_text("   ") == []
    assert split_text("你好。再见\uff01", 3) == ["你好。", "再见\uff01"]


def test_sentence_buffer_streams_sentences() -> None:
    buf = SentenceBuffer(min_chars=10)
    out: list[str] = []
    for token in ["Hi.", "This", "is", "a", "test.", "And", "another", "one!", "Done"]:
        out += buf.feed(token + " ")
    out += buf.flush()
    assert out == ["Hi. This is a test.", "And another one!", "Done"]


def test_wav_helpers_roundtrip_and_streamed_header() -> None:
    pcm = tone(0.1)
    assert wav_to_pcm16(wav_of(pcm)) == (pcm, 16000)
    streamed = bytearray(wav_of(pcm))
    streamed[4:8] = b"\xff\xff\xff\xff"
    streamed[40:44] = b"\xff\xff\xff\xff"
    assert wav_to_pcm16(bytes(streamed)) == (pcm, 16000)
    joined, rate = join_wav([wav_of(pcm), wav_of(pcm)])
    assert (joined, rate) == (pcm + pcm, 16000)


def test_plan_cuts_at_silence_without_overlap() -> None:
    pcm = tone(8) + silence(1) + tone(8) + silence(1) + tone(8)
    spans = plan_chunks(pcm, 16000, max_seconds=10, overlap_seconds=1)
    assert len(spans) == 3
    for span in spans:
        assert span.end - span.start <= 10 * 16000
        assert span.overlap == 0
    assert 8.0 <= spans[0].end_seconds <= 9.0
    assert spans[-1].end == len(pcm) // 2
    assert [s.start for s in spans[1:]] == [s.end for s in spans[:-1]]


def test_plan_overlaps_when_no_silence() -> None:
    pcm = tone(25)
    spans = plan_chunks(pcm, 16000, max_seconds=10, overlap_seconds=1)
    assert len(spans) == 3
    assert spans[1].overlap == 16000
    assert spans[1].start == spans[0].end - 16000
    assert all(s.end - s.start <= 10 * 16000 for s in spans)
    assert spans[-1].end == len(pcm) // 2


def test_plan_single_chunk() -> None:
    assert plan_chunks(tone(1), 16000, max_seconds=5) == [ChunkSpan(0, 0, 16000, 0, 16000)]


def test_merge_text_drops_overlap_only_with_overlap() -> None:
    assert (
        merge_text("a b the lazy dog", "lazy dog jumps", overlap=True) == "a b the lazy dog jumps"
    )
    assert merge_text("the lazy dog", "og. lazy dog jumps", overlap=True) == "the lazy dog jumps"
    assert merge_text("the lazy dog", "lazy dog jumps", overlap=False) == (
        "the lazy dog lazy dog jumps"
    )
    assert merge_text("", "x", overlap=True) == "x"


def _span(i: int, start: float, end: float, overlap: float) -> ChunkSpan:
    return ChunkSpan(i, int(start * 100), int(end * 100), int(overlap * 100), 100)


def test_stitch_offsets_and_monotonic_timestamps() -> None:
    parts = [
        ChunkTranscript(
            _span(0, 0, 10, 0),
            "one two three four",
            segments=[
                {"start": 0.0, "end": 4.0, "text": " one two"},
                {"start": 4.0, "end": 10.0, "text": " three four"},
            ],
            words=[
                *(
                    {"word": w, "start": 2.0 * i, "end": 2.0 * i + 1.5}
                    for i, w in enumerate(["one", "two", "three", "four"])
                ),
                {"word": "five", "start": 9.0, "end": 9.6},
            ],
        ),
        ChunkTranscript(
            _span(1, 9, 19, 1),
            "four five six",
            segments=[
                {"start": 0.0, "end": 2.0, "text": " four five"},
                {"start": 2.0, "end": 10.0, "text": " six"},
            ],
            words=[
                {"word": "five", "start": 0.1, "end": 0.7},
                {"word": "six", "start": 3.0, "end": 4.0},
            ],
            duration=10.0,
        ),
    ]
    out = stitch(parts)
    assert out.text == "one two three four five six"
    starts = [s["start"] for s in out.segments]
    assert starts == sorted(starts)
    for a, b in zip(out.segments, out.segments[1:], strict=False):
        assert b["start"] >= a["end"]
    assert [s["id"] for s in out.segments] == list(range(len(out.segments)))
    assert out.segments[-1]["end"] == 19.0
    words = [w["word"] for w in out.words]
    assert words == ["one", "two", "three", "four", "five", "six"]
    assert [w["start"] for w in out.words] == sorted(w["start"] for w in out.words)
    assert out.duration == 19.0


def test_subtitles_render_and_parse() -> None:
    segs = [
        {"start": 0.0, "end": 1.5, "text": " Hello."},
        {"start": 3661.25, "end": 3662, "text": "Bye"},
    ]
    srt = render_srt(segs)
    assert "01:01:01,250 --> 01:01:02,000" in srt
    vtt = render_vtt(segs)
    assert vtt.startswith("WEBVTT") and "00:00:01.500" in vtt
    for doc in (srt, vtt):
        parsed = parse_subtitles(doc)
        assert [(p["start"], p["end"], p["text"]) for p in parsed] == [
            (0.0, 1.5, "Hello."),
            (3661.25, 3662.0, "Bye"),
        ]


@pytest.mark.parametrize("bad", [0, -1])
def test_plan_rejects_bad_length(bad: float) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - a non-positive length is refused
        plan_chunks(tone(1), 16000, max_seconds=bad)
