"""The scripted latent tour and the one-dimension sweep."""
import numpy as np
import pytest

from vasa_core.latent import EXPRESSION_NAMES, MOTION_INDEX, MOTION_NAMES, Motion
from vasa_core.animate.tour import TOUR_MOVES, sweep, tour_motion


@pytest.fixture
def start() -> Motion:
    """A portrait that already smiles a little, looks slightly away and is turned."""
    values = np.zeros(len(MOTION_NAMES), np.float32)
    for name, value in {"yaw": 8.0, "pitch": -3.0, "roll": 2.0, "x": 0.05, "log_scale": -1.2,
                        "mouthSmileLeft": 0.3, "gaze_yaw": 4.0, "gaze_pitch": -2.0}.items():
        values[MOTION_INDEX[name]] = value
    return Motion(values)


def test_tour_starts_and_ends_at_the_portrait(start):
    tour = tour_motion(start, fps=25, seconds_per_move=1.2)
    assert tour.fps == 25
    assert len(tour) == len(TOUR_MOVES) * 30 + 1
    np.testing.assert_array_equal(tour.values[0], start.values[0])
    np.testing.assert_array_equal(tour.values[-1], start.values[0])


@pytest.mark.parametrize("name, low, high", [
    ("gaze_yaw", -25, 25), ("gaze_pitch", -20, 20), ("yaw", -20, 20), ("pitch", -12, 12),
    ("roll", -12, 12), ("log_scale", -0.25, 0.25)])
def test_tour_covers_the_required_ranges(start, name, low, high):
    tour = tour_motion(start, fps=25)
    base = start[name][0]
    assert tour[name].min() == pytest.approx(base + low, abs=1e-5)
    assert tour[name].max() == pytest.approx(base + high, abs=1e-5)


def test_every_expression_reaches_one_and_returns(start):
    tour = tour_motion(start, fps=25)
    for name in EXPRESSION_NAMES:
        assert tour[name].max() == pytest.approx(1.0), name
        assert tour[name].min() == pytest.approx(start[name][0]), name  # never below start
    assert tour.expression.max() <= 1.0


def test_one_dimension_moves_at_a_time_and_smoothly(start):
    fps, seconds = 25, 1.2
    tour = tour_motion(start, fps=fps, seconds_per_move=seconds)
    moved = np.abs(tour.values - start.values[0]) > 1e-6
    assert moved.sum(axis=1).max() == 1
    # A cosine ease of amplitude A over F frames moves at most A * pi / F per frame.
    frames = 30
    step = np.abs(np.diff(tour.values, axis=0)).max(axis=0)
    amplitude = np.abs(tour.values - start.values[0]).max(axis=0)
    assert np.all(step <= amplitude * np.pi / frames + 1e-5)


@pytest.mark.parametrize("fps, seconds, frames", [(25, 0.08, 2), (30, 1.0, 30), (25, 0.5, 12)])
def test_move_length_is_even_and_scales_with_fps(start, fps, seconds, frames):
    tour = tour_motion(start, fps=fps, seconds_per_move=seconds)
    assert len(tour) == len(TOUR_MOVES) * frames + 1


def test_tour_uses_the_first_frame_of_a_longer_start(start):
    longer = Motion.concat([start, start.set("yaw", 40.0)])
    np.testing.assert_array_equal(tour_motion(longer).values[0], start.values[0])


def test_tour_rejects_bad_arguments(start):
    with pytest.raises(ValueError):
        tour_motion(start, fps=0)
    with pytest.raises(ValueError):
        tour_motion(Motion(np.zeros((0, len(MOTION_NAMES)))))


def test_sweep_holds_everything_but_one_dimension(start):
    values = [-10.0, 0.0, 10.0, 20.0]
    motion = sweep(start, "yaw", values)
    assert len(motion) == 4
    np.testing.assert_array_equal(motion["yaw"], values)
    others = [i for n, i in MOTION_INDEX.items() if n != "yaw"]
    np.testing.assert_array_equal(motion.values[:, others],
                                  np.repeat(start.values[:1, others], 4, axis=0))
    with pytest.raises(ValueError, match="unknown"):
        sweep(start, "smile", [0.0])
