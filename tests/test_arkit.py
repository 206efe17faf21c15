"""ARKit / Live Link Face CSV export and import."""
import csv

import numpy as np
import pytest

from vasa_core.io.arkit import motion_from_csv, motion_to_csv
from vasa_core.io.arkit_table import (ANGLE_COLUMNS, ARKIT_BLENDSHAPES, COLUMNS,
                                   EXPRESSION_COLUMNS, EXTRA_COLUMNS)
from vasa_core.latent import EXPRESSION_NAMES, MOTION_NAMES, Motion
from vasa_core.io.timecode import format_timecode, infer_fps, parse_timecode


def random_motion(frames: int, fps: float, seed: int = 0) -> Motion:
    rng = np.random.default_rng(seed)
    pose = np.concatenate([rng.uniform(-30, 30, (frames, 3)), rng.uniform(-0.3, 0.3, (frames, 2)),
                           rng.uniform(-2, 0, (frames, 1))], axis=1)
    return Motion.from_parts(pose, rng.uniform(0, 1, (frames, len(EXPRESSION_NAMES))),
                             rng.uniform(-40, 40, (frames, 2)), fps)


def read_table(path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def write_text(path, text: str):
    path.write_text(text)
    return path


@pytest.mark.parametrize("frames, fps", [(60, 30.0), (80, 25.0), (100, 29.97), (7, 25.0)])
def test_round_trip_is_lossless(tmp_path, frames, fps):
    motion = random_motion(frames, fps)
    back = motion_from_csv(motion_to_csv(motion, tmp_path / "m.csv"))
    assert len(back) == frames
    assert back.fps == pytest.approx(fps)
    np.testing.assert_allclose(back.values, motion.values, atol=1e-4)
    np.testing.assert_allclose(back.values, motion.values, rtol=1e-6, atol=1e-6)


def test_explicit_fps_overrides_timecodes(tmp_path):
    path = motion_to_csv(random_motion(10, 25.0), tmp_path / "m.csv")
    assert motion_from_csv(path, fps=50.0).fps == 50.0


def test_column_layout(tmp_path):
    header, rows = read_table(motion_to_csv(random_motion(3, 25.0), tmp_path / "m.csv"))
    assert header == list(COLUMNS)
    assert len(header) == 2 + 52 + 9 + 3
    assert header[:3] == ["Timecode", "BlendShapeCount", "EyeBlinkLeft"]
    assert header[2:9] == ["EyeBlinkLeft", "EyeLookDownLeft", "EyeLookInLeft", "EyeLookOutLeft",
                           "EyeLookUpLeft", "EyeSquintLeft", "EyeWideLeft"]
    assert header[53] == "TongueOut" and header[54:63] == list(ANGLE_COLUMNS)
    assert header[63:] == ["HeadX", "HeadY", "HeadLogScale"] == list(EXTRA_COLUMNS)
    assert len(ARKIT_BLENDSHAPES) == 52 and len(set(ARKIT_BLENDSHAPES)) == 52
    assert all(name[0].isupper() for name in header)
    assert all(row[1] == "61" and len(row) == len(header) for row in rows)
    assert [row[0] for row in rows] == ["00:00:00:00.000", "00:00:00:01.000", "00:00:00:02.000"]


def test_every_latent_expression_has_an_arkit_column():
    assert set(EXPRESSION_COLUMNS) == set(EXPRESSION_NAMES)
    assert set(EXPRESSION_COLUMNS.values()) <= set(ARKIT_BLENDSHAPES)
    assert EXPRESSION_COLUMNS["mouthSmileLeft"] == "MouthSmileLeft"


def test_signs_units_and_eye_look_blendshapes(tmp_path):
    values = dict.fromkeys(MOTION_NAMES, 0.0)
    values.update(yaw=10.0, pitch=5.0, roll=3.0, jawOpen=0.4, gaze_yaw=15.0, gaze_pitch=-45.0)
    motion = Motion(np.array([[values[n] for n in MOTION_NAMES]]))
    header, rows = read_table(motion_to_csv(motion, tmp_path / "m.csv"))
    cell = {name: float(v) for name, v in zip(header[1:], rows[0][1:])}
    assert cell["HeadYaw"] == pytest.approx(np.deg2rad(10.0))
    assert cell["HeadPitch"] == pytest.approx(-np.deg2rad(5.0))
    assert cell["HeadRoll"] == pytest.approx(-np.deg2rad(3.0))
    assert cell["LeftEyeYaw"] == cell["RightEyeYaw"] == pytest.approx(np.deg2rad(15.0))
    assert cell["LeftEyePitch"] == cell["RightEyePitch"] == pytest.approx(np.deg2rad(45.0))
    assert cell["LeftEyeRoll"] == cell["RightEyeRoll"] == 0.0
    assert cell["JawOpen"] == pytest.approx(0.4)
    # Looking towards the image's right (the subject's left): left eye out, right eye in.
    assert cell["EyeLookOutLeft"] == cell["EyeLookInRight"] == pytest.approx(0.5)
    assert cell["EyeLookInLeft"] == cell["EyeLookOutRight"] == 0.0
    assert cell["EyeLookDownLeft"] == cell["EyeLookDownRight"] == 1.0  # 45 deg clips at 1
    assert cell["EyeLookUpLeft"] == cell["EyeLookUpRight"] == 0.0
    assert cell["MouthDimpleLeft"] == cell["TongueOut"] == cell["JawForward"] == 0.0


def test_reads_a_minimal_live_link_face_csv(tmp_path):
    path = write_text(tmp_path / "take.csv", (
        "Timecode,BlendshapeCount,JawOpen,EyeBlinkLeft,MouthDimpleLeft,HeadYaw,HeadPitch,"
        "LeftEyeYaw,LeftEyePitch,RightEyeYaw,RightEyePitch\n"
        "17:46:26:00.000,61,0.5,1.0,0.3,0.1,-0.2,0.2,0.1,0.1,0.1\n"
        "17:46:26:01.000,61,0.25,0.0,0.3,0.0,0.0,0.0,0.0,0.0,0.0\n"
        "17:46:26:02.000,61,0.0,0.0,0.3,0.0,0.0,0.0,0.0,0.0,0.0\n"))
    motion = motion_from_csv(path)
    assert len(motion) == 3 and motion.fps == 25.0  # no second boundary: the default
    np.testing.assert_allclose(motion["jawOpen"], [0.5, 0.25, 0.0])
    np.testing.assert_allclose(motion["eyeBlinkLeft"], [1.0, 0.0, 0.0])
    assert motion["yaw"][0] == pytest.approx(np.rad2deg(0.1), abs=1e-4)
    assert motion["pitch"][0] == pytest.approx(np.rad2deg(0.2), abs=1e-4)
    assert motion["gaze_yaw"][0] == pytest.approx(np.rad2deg(0.15), abs=1e-4)  # mean of eyes
    assert motion["gaze_pitch"][0] == pytest.approx(-np.rad2deg(0.1), abs=1e-4)
    for name in ("x", "y", "log_scale", "roll", "mouthSmileLeft", "browInnerUp"):
        assert np.all(motion[name] == 0.0), name


def test_plain_live_link_file_without_extra_columns(tmp_path):
    motion = random_motion(70, 60.0)
    header, rows = read_table(motion_to_csv(motion, tmp_path / "ours.csv"))
    plain = tmp_path / "plain.csv"
    with open(plain, "w", newline="") as f:
        csv.writer(f).writerows([header[:-3]] + [row[:-3] for row in rows])
    back = motion_from_csv(plain)
    assert back.fps == pytest.approx(60.0)
    for name in ("x", "y", "log_scale"):
        assert np.all(back[name] == 0.0)
    keep = [n for n in MOTION_NAMES if n not in ("x", "y", "log_scale")]
    for name in keep:
        np.testing.assert_allclose(back[name], motion[name], atol=1e-4, err_msg=name)


def test_gaze_falls_back_to_eye_look_blendshapes(tmp_path):
    path = write_text(tmp_path / "look.csv", (
        "Timecode,EyeLookOutLeft,EyeLookInRight,EyeLookUpLeft,EyeLookUpRight\n"
        "00:00:00:00.000,0.5,0.5,0.2,0.2\n"))
    motion = motion_from_csv(path)
    assert motion["gaze_yaw"][0] == pytest.approx(15.0)
    assert motion["gaze_pitch"][0] == pytest.approx(6.0)


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("Timecode,BlendShapeCount,JawOpen\n", "no data rows"),
    ("a,b,c\n1,2,3\n", "no ARKit columns"),
    ("Timecode,JawOpen\n00:00:00:00.000,0.1\n00:00:00:01.000,open\n", r"m\.csv:3: .*'open'"),
    ("Timecode,JawOpen\n00:00:00:00.000,0.1,0.2\n", r":2: 3 fields"),
    ("Timecode,JawOpen\n12 o'clock,0.1\n", "bad timecode"),
    ("Timecode,JawOpen\n00:00:00:00.000,nan\n", "NaN"),
    ("JawOpen,jawopen\n0.1,0.2\n", "twice"),
])
def test_malformed_csv_raises_value_error(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        motion_from_csv(write_text(tmp_path / "m.csv", text))


def test_missing_or_binary_file_raises_value_error(tmp_path):
    with pytest.raises(ValueError, match="not found"):
        motion_from_csv(tmp_path / "nope.csv")
    binary = tmp_path / "bin.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ValueError):
        motion_from_csv(binary)


@pytest.mark.parametrize("frame, fps, text", [
    (0, 25.0, "00:00:00:00.000"), (27, 25.0, "00:00:01:02.000"), (29, 30.0, "00:00:00:29.000"),
    (90000, 25.0, "01:00:00:00.000"), (1, 29.97, "00:00:00:01.000"),
    (30, 29.97, "00:00:01:00.030"),
])
def test_timecodes(frame, fps, text):
    assert format_timecode(frame, fps) == text
    seconds, frames = parse_timecode(text)
    assert seconds + frames / fps == pytest.approx(frame / fps, abs=1e-3 / fps)


def test_infer_fps_needs_a_second_boundary():
    codes = [parse_timecode(format_timecode(t, 30.0)) for t in range(45)]
    assert infer_fps(codes) == 30.0
    assert infer_fps(codes[:20]) is None
