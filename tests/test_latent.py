"""The latent contract: Motion validation and access, Pose, rotation conventions."""
import numpy as np
import pytest

from vasa_core.latent import (EXPRESSION_NAMES, EXPRESSION_SLICE, GAZE_NAMES, GAZE_SLICE,
                              MOTION_DIM, MOTION_INDEX, MOTION_NAMES, POSE_NAMES, POSE_SLICE,
                              UNITS, FaceLatent, Motion, Pose, angles_from_matrix,
                              rotation_matrix)


def random_motion(frames: int = 10, seed: int = 0, fps: float = 25.0) -> Motion:
    rng = np.random.default_rng(seed)
    return Motion.from_parts(rng.uniform(-20, 20, (frames, 6)),
                             rng.uniform(0, 1, (frames, len(EXPRESSION_NAMES))),
                             rng.uniform(-25, 25, (frames, 2)), fps)


def test_names_and_slices_partition_the_motion_vector():
    assert MOTION_DIM == len(POSE_NAMES) + len(EXPRESSION_NAMES) + len(GAZE_NAMES) == 40
    assert MOTION_NAMES[POSE_SLICE] == POSE_NAMES
    assert MOTION_NAMES[EXPRESSION_SLICE] == EXPRESSION_NAMES
    assert MOTION_NAMES[GAZE_SLICE] == GAZE_NAMES
    assert len(set(MOTION_NAMES)) == MOTION_DIM
    assert set(UNITS) == set(MOTION_NAMES)


@pytest.mark.parametrize("shape", [(5, MOTION_DIM - 1), (5, MOTION_DIM + 1),
                                   (2, 3, MOTION_DIM)])
def test_motion_rejects_wrong_shapes(shape):
    with pytest.raises(ValueError, match="shape"):
        Motion(np.zeros(shape))


def test_motion_rejects_non_finite_values():
    values = np.zeros((3, MOTION_DIM))
    values[1, 4] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        Motion(values)


def test_single_frame_vector_becomes_one_frame_motion():
    motion = Motion(np.arange(MOTION_DIM))
    assert motion.values.shape == (1, MOTION_DIM)
    assert motion.values.dtype == np.float32
    assert len(motion) == 1


def test_named_access_and_parts():
    motion = random_motion(8)
    np.testing.assert_array_equal(motion["jawOpen"], motion.values[:, MOTION_INDEX["jawOpen"]])
    np.testing.assert_array_equal(motion["gaze_pitch"], motion.gaze[:, 1])
    np.testing.assert_array_equal(motion["yaw"], motion.pose[:, 0])
    assert motion.expression.shape == (8, len(EXPRESSION_NAMES))
    sub = motion[2:5]
    assert isinstance(sub, Motion) and len(sub) == 3 and sub.fps == motion.fps
    assert motion.duration == pytest.approx(8 / 25)


def test_set_returns_a_modified_copy():
    motion = random_motion(4)
    before = motion.values.copy()
    changed = motion.set("mouthSmileLeft", [0.0, 0.25, 0.5, 1.0])
    np.testing.assert_array_equal(motion.values, before)
    np.testing.assert_allclose(changed["mouthSmileLeft"], [0.0, 0.25, 0.5, 1.0])
    other = [n for n in MOTION_NAMES if n != "mouthSmileLeft"]
    for name in other:
        np.testing.assert_array_equal(changed[name], motion[name])
    np.testing.assert_array_equal(motion.set("yaw", 7.0)["yaw"], np.full(4, 7.0))


def test_concat_and_repeat():
    a, b = random_motion(3, seed=1), random_motion(5, seed=2)
    joined = Motion.concat([a, b])
    assert len(joined) == 8
    np.testing.assert_array_equal(joined.values[3:], b.values)
    still = b.repeat(6)
    assert len(still) == 6 and np.all(still.values == b.values[0])


def test_from_parts_clips_expressions_to_unit_range():
    motion = Motion.from_parts(np.zeros(6), np.full(len(EXPRESSION_NAMES), 1.7), np.zeros(2))
    assert motion.expression.max() == 1.0


@pytest.mark.parametrize("seed", range(5))
def test_rotation_round_trip(seed):
    rng = np.random.default_rng(seed)
    yaw = rng.uniform(-80, 80, 50)
    pitch, roll = rng.uniform(-170, 170, 50), rng.uniform(-170, 170, 50)
    rot = rotation_matrix(yaw, pitch, roll)
    assert rot.shape == (50, 3, 3)
    identity = np.broadcast_to(np.eye(3), rot.shape)
    np.testing.assert_allclose(rot @ np.swapaxes(rot, -1, -2), identity, atol=1e-12)
    np.testing.assert_allclose(np.linalg.det(rot), 1.0)
    back = angles_from_matrix(rot)
    for want, got in zip((yaw, pitch, roll), back):
        np.testing.assert_allclose(got, want, atol=1e-9)


def test_rotation_sign_conventions():
    nose = np.array([0.0, 0.0, -1.0])  # towards the camera
    assert (rotation_matrix(20, 0, 0) @ nose)[0] > 0.3  # yaw > 0: towards image right
    assert (rotation_matrix(0, 20, 0) @ nose)[1] < -0.3  # pitch > 0: up (y points down)
    right = rotation_matrix(0, 0, 20) @ np.array([1.0, 0.0, 0.0])
    assert right[1] > 0.3  # roll > 0: clockwise on screen, +x swings down


def test_pose_array_round_trip():
    pose = Pose(yaw=10.5, pitch=-3.0, roll=2.25, x=0.1, y=-0.2, log_scale=-1.3)
    arr = pose.to_array()
    assert arr.shape == (6,) and arr.dtype == np.float32
    back = Pose.from_array(arr)
    for name in POSE_NAMES:
        assert getattr(back, name) == pytest.approx(getattr(pose, name), abs=1e-6)


def test_face_latent_motion0_holds_the_portrait_motion():
    expression = np.linspace(0, 1, len(EXPRESSION_NAMES), dtype=np.float32)
    latent = FaceLatent(image=np.zeros((64, 48, 3), np.uint8),
                        mask=np.zeros((64, 48), np.float32),
                        background=np.zeros((64, 48, 3), np.uint8),
                        identity=np.zeros((478, 3), np.float32), pose0=Pose(yaw=5.0, x=0.1),
                        expression0=expression, gaze0=np.array([3.0, -2.0], np.float32),
                        landmarks=np.zeros((478, 3), np.float32), scale_px=100.0)
    assert latent.size == (64, 48)
    motion = latent.motion0(frames=3, fps=30)
    assert len(motion) == 3 and motion.fps == 30
    assert np.all(motion["yaw"] == 5.0) and np.allclose(motion["x"], 0.1)
    np.testing.assert_allclose(motion.expression[2], expression)
    np.testing.assert_allclose(motion.gaze[1], [3.0, -2.0])
