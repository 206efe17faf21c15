"""The samplers' optional step callback (motion/sampling.py, `StepCallback`): called once
per step with the step's index, noise level, state and x0 estimate, and it changes nothing."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from vasa_core.motion import ddim, dpm_solver, sample_motion, time_grid
from vasa_core.settings import DEFAULT_STEPS

from test_motion import TINY, random_conditions, random_model


def recorder():
    calls = []

    def callback(i, s, x_s, x0):
        calls.append((i, s, x_s.clone(), x0.clone()))

    return calls, callback


@pytest.mark.parametrize("sampler", ["dpm++2m", "ddim", "ancestral"])
@pytest.mark.parametrize("steps", [1, 3, DEFAULT_STEPS])
def test_callback_called_once_per_step_and_changes_nothing(sampler, steps):
    model = random_model()
    cond = random_conditions(2, TINY["window"])
    noise = torch.randn(2, TINY["window"], 40, generator=torch.Generator().manual_seed(1))

    def run(callback=None):
        if sampler == "dpm++2m":
            return dpm_solver(model, noise, cond, steps, callback=callback)
        gen = torch.Generator().manual_seed(2)
        return ddim(model, noise, cond, steps, eta=float(sampler == "ancestral"),
                    generator=gen, callback=callback)

    with torch.no_grad():
        plain = run()
        calls, callback = recorder()
        watched = run(callback)
    assert torch.equal(plain, watched)
    assert [c[0] for c in calls] == list(range(steps))
    assert [c[1] for c in calls] == pytest.approx(time_grid(steps)[1:])
    assert all(c[2].shape == c[3].shape == noise.shape for c in calls)
    assert torch.equal(calls[-1][2], watched)  # the last state is the output (s = 0)


def test_sample_motion_threads_the_callback_through_every_window():
    model = random_model()
    audio = np.random.default_rng(0).normal(size=(2 * TINY["window"] + 3, TINY["audio_dim"]))
    plain = sample_motion(model, audio, steps=4, seed=3)
    calls, callback = recorder()
    watched = sample_motion(model, audio, steps=4, seed=3, callback=callback)
    np.testing.assert_array_equal(plain, watched)
    assert [c[0] for c in calls] == list(range(4)) * 3  # three windows, four steps each
    assert all(c[2].shape == (1, TINY["window"], 40) for c in calls)
