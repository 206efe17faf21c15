"""`vasa generate --manifest` (batch, split across Accelerate processes), `vasa stream`
(a growing fragmented mp4) and `vasa bench`, on the tiny random motion generator."""
from __future__ import annotations

import json
import math
import subprocess
import sys
import types
from pathlib import Path

import av
import pytest

from tiny_checkpoint import save_tiny_checkpoint, speech_like, write_wav
from vasa_core.cli.batch import Row, process_rows, read_manifest, row_options
from vasa_core.cli import main
from vasa_core.io.examples import example_portrait_path
from vasa_core.io.media import read_video

SIZE = 128


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory) -> Path:
    return save_tiny_checkpoint(tmp_path_factory.mktemp("checkpoint"))


@pytest.fixture(scope="module")
def speech_wav(tmp_path_factory) -> Path:
    return write_wav(tmp_path_factory.mktemp("audio") / "hello.wav", speech_like(1.0))


def test_batch_writes_good_rows_reports_the_bad_one_and_exits_1(tmp_path, capsys,
                                                                tiny_checkpoint, speech_wav):
    portrait = example_portrait_path()
    manifest = tmp_path / "jobs.csv"
    manifest.write_text("image,audio,out,emotion,seed\n"
                        f"{portrait},{speech_wav},a.mp4,happy,1\n"
                        f"{portrait},missing.wav,b.mp4,,\n"
                        f"{portrait},{speech_wav},,,2\n")
    out_dir = tmp_path / "videos"
    status = main(["generate", "--manifest", str(manifest), "--out-dir", str(out_dir),
                   "--checkpoint", str(tiny_checkpoint), "--size", str(SIZE), "--steps", "2",
                   "--no-progress"])
    captured = capsys.readouterr()
    assert status == 1
    written = captured.out.split()
    assert written == [str(out_dir / "a.mp4"), str(out_dir / "hello.mp4")]
    for path in written:
        frames, fps = read_video(path)
        assert frames.shape == (25, SIZE, SIZE, 3) and fps == 25.0
    assert not (out_dir / "b.mp4").exists()
    assert "error: row 2 (" in captured.err and "missing.wav" in captured.err
    assert "2 of 3 videos written" in captured.err


def test_batch_jsonl_all_good_exits_0(tmp_path, capsys, tiny_checkpoint, speech_wav):
    manifest = tmp_path / "jobs.jsonl"
    manifest.write_text(json.dumps({"image": str(example_portrait_path()),
                                    "audio": str(speech_wav), "seed": 3, "mark": False}) + "\n")
    assert main(["generate", "--manifest", str(manifest), "--out-dir", str(tmp_path / "o"),
                 "--checkpoint", str(tiny_checkpoint), "--size", "64", "--steps", "2",
                 "--no-progress"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "o" / "hello.mp4")


@pytest.mark.parametrize("text, message", [
    ("image,audio,colour\na.jpg,b.wav,red\n", "unknown column"),
    ("image,out\na.jpg,x.mp4\n", "no audio"),
    ("image,audio\n", "no rows"),
    ("image,audio,out\na.jpg,b.wav,x.mp4\nc.jpg,d.wav,x.mp4\n", "as an earlier row"),
])
def test_bad_manifest_exits_2(tmp_path, capsys, text, message):
    manifest = tmp_path / "m.csv"
    manifest.write_text(text)
    assert main(["generate", "--manifest", str(manifest), "--out-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err


def test_batch_usage_errors_exit_2(tmp_path, capsys):
    assert main(["generate", "--manifest", str(tmp_path / "none.csv"),
                 "--out-dir", str(tmp_path)]) == 2
    assert "manifest not found" in capsys.readouterr().err
    assert main(["generate", "--manifest", "m.csv"]) == 2
    assert "--out-dir" in capsys.readouterr().err
    assert main(["generate"]) == 2
    assert "--manifest" in capsys.readouterr().err


def test_manifest_paths_names_and_options(tmp_path):
    manifest = tmp_path / "m.csv"
    manifest.write_text("image,audio,gaze_yaw,gaze_pitch,steps,mark,lip_words\n"
                        "p.jpg,speech/a.wav,5,-2,3,no,off\n"
                        "/abs/q.jpg,other/a.wav,,,,,\n")
    first, second = read_manifest(manifest, tmp_path / "out")
    assert first.image == tmp_path / "p.jpg" and first.audio == tmp_path / "speech" / "a.wav"
    assert second.image == Path("/abs/q.jpg")
    assert (first.out, second.out) == (tmp_path / "out" / "a.mp4", tmp_path / "out" / "a-2.mp4")
    defaults = {"steps": 8, "gaze": None, "seed": 0}
    assert row_options(first, defaults) == {"steps": 3, "gaze": (5.0, -2.0), "seed": 0,
                                            "mark": False, "lip_words": False}
    assert row_options(second, defaults) == defaults
    with pytest.raises(ValueError, match="steps"):
        row_options(Row(1, first.image, first.audio, first.out, {"steps": "many"}), defaults)


@pytest.mark.parametrize("processes", [1, 2, 3])
@pytest.mark.parametrize("count", [0, 1, 2, 5, 7])
def test_every_row_goes_to_exactly_one_process(processes, count):
    shares = [list(process_rows(count, i, processes)) for i in range(processes)]
    assert sorted(sum(shares, [])) == list(range(count))
    assert max(map(len, shares)) - min(map(len, shares)) <= 1
    # the same rule as Accelerate's split_between_processes, which the CLI calls
    from accelerate import PartialState

    split = PartialState.split_between_processes.__wrapped__
    for index, share in enumerate(shares):
        fake = types.SimpleNamespace(num_processes=processes, process_index=index)
        assert next(split(fake, list(range(count)))) == share


def test_python_dash_m_cli_runs(tmp_path):
    result = subprocess.run([sys.executable, "-m", "vasa_core.cli", "--help"],
                            capture_output=True, text=True, check=True)
    assert "exit status" in result.stdout and "stream" in result.stdout


def test_stream_writes_a_growing_fragmented_mp4_with_sound(tmp_path, capsys, tiny_checkpoint,
                                                           speech_wav):
    out, frames_dir = tmp_path / "live.mp4", tmp_path / "frames"
    assert main(["stream", "--audio", str(speech_wav), "--out", str(out), "--frames-dir",
                 str(frames_dir), "--checkpoint", str(tiny_checkpoint), "--size", str(SIZE),
                 "--steps", "2", "--as-fast-as-possible", "--json"]) == 0
    captured = capsys.readouterr()
    stats = json.loads(captured.out)
    assert "first frame after" in captured.err and "real-time factor" in captured.err
    expected = math.ceil(1.0 * 25)
    assert stats["frames"] == expected
    head = out.read_bytes()[:64]
    assert head[4:8] == b"ftyp" and b"moov" in head  # empty_moov: the index comes first
    with av.open(str(out)) as container:
        assert container.metadata.get("comment") == "AI-generated by vasa_core"
        assert len(container.streams.audio) == 1
        decoded = sum(1 for _ in container.decode(video=0))
    with av.open(str(out)) as container:
        samples = sum(f.samples for f in container.decode(audio=0))
    assert decoded == expected
    assert abs(samples / 16000 - 1.0) <= 2048 / 16000  # AAC priming + last-frame padding
    assert b"moof" in out.read_bytes()  # fragmented
    assert len(list(frames_dir.glob("frame_*.png"))) == expected


def test_stream_needs_an_output(capsys, speech_wav):
    assert main(["stream", "--audio", str(speech_wav)]) == 2
    assert "--out" in capsys.readouterr().err


def test_bench_reports_stages_and_realtime_factor(tmp_path, capsys, tiny_checkpoint):
    assert main(["bench", "--seconds", "1", "--size", "64", "--steps", "2", "--checkpoint",
                 str(tiny_checkpoint), "--json", "--out", str(tmp_path / "b.mp4")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["frames"] == 25 and report["size"] == "64x64"
    assert set(report["stages_s"]) == {"load", "write"}
    assert sum(report["stages_s"].values()) == pytest.approx(report["wall_s"], abs=0.01)
    assert set(report["parts_s"]) == {"analysis", "motion", "render", "encode"}
    assert report["realtime_factor"] == pytest.approx(1.0 / report["wall_s"], rel=0.02)
    assert (tmp_path / "b.mp4").is_file()
