"""Sampling motion: few-step samplers, classifier-free guidance and inpainting.

Plain functions over a denoiser `model_fn(x_t, t, cond) -> x0` (`diffusion.ModelFn`), on
motion x (B, L, D) in normalised units; `windows.py` runs them window by window over a clip.

Samplers. All run on the grid t_i = (1 - i/n)^2 (`time_grid`) and share `ddim_step`.
`dpm_solver` (DPM-Solver++(2M), Lu et al. 2022; deterministic) is the default; `ddim`
(Song et al. 2021) is its first-order counterpart for eta = 0 and the stochastic
ancestral sampler for eta = 1 (`sampler="ancestral"`). Few first-order steps shrink the
motion towards its conditional mean (damped head motion, mumbled lips); the second-order
step and the squared grid (denser at low noise) recover most of the spread at no extra
network calls, so DEFAULT_STEPS (settings.py) is small. How close each sampler comes to
the spread of a Gaussian under its exact denoiser, and what a step costs, are measured by
tests/test_motion.py::test_samplers_match_gaussian and benchmarks/motion.py.

Guidance. `cfg` implements VASA-1's per-condition classifier-free guidance (Sec. 3.2,
Eq. 2) in its additive form,

    x0 = f(all) + sum_c lambda_c * (f(all) - f(all but c)),

one term per guided condition c, each relative to the full prediction; lambda_c = 0 is the
purely conditional prediction. A lambda_c is a number or a (D,) weight per motion
dimension: the pipeline guides the audio on the articulators only (lips and jaw), because
audio guidance on the whole motion also amplifies the head's swing
(docs/experiments.md, "Guidance"). (The nested variant, dropping conditions
cumulatively, was not chosen: its terms depend on the order of the conditions.) The
passes run as one batch; a condition absent from every row is not guided (its term would
be zero).

Inpainting (`inpaint`). The denoiser's estimate of the clean motion is pulled onto given
values in the dimensions they set, by a weight in [0, 1], at every step (RePaint-style
inpainting on x0, Lugmayr et al. 2022): the model samples the other dimensions
conditioned on them. Used for known lips (`windows.Lips`): a prediction that hears the
audio is pulled onto the lips, one that does not (the audio-dropped pass of guidance)
onto the silent lips. With weight 1, guidance then reads

    x0 = known + lambda_audio * (known - silent)

on those dimensions: audio guidance scales the mouth's movement about its silent rest,
other conditions' terms vanish there, and lambda_audio = 0 gives the known values exactly.
Wrap order: `cfg(inpaint(model, ...), scales)`.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence, Union

import numpy as np
import torch

from ..settings import DEFAULT_STEPS
from .conditions import CONDITION_NAMES, Conditions
from .diffusion import ModelFn, alpha_sigma

__all__ = ["DEFAULT_STEPS", "SAMPLERS", "Scale", "StepCallback", "cfg", "ddim", "ddim_step",
           "dpm_solver", "inpaint", "time_grid"]

SAMPLERS: tuple[str, ...] = ("dpm++2m", "ddim", "ancestral")

# Called after each sampler step i (0 .. steps - 1) as callback(i, s, x_s, x0): the step
# went from noise level t_i to s = t_{i+1} (`time_grid`), x_s (B, L, D) is the new state
# (the sampler's output after the last step, s = 0) and x0 (B, L, D) the denoiser's
# estimate of the clean motion at t_i, both in normalised units (`MotionDiT.denormalise`
# gives data units). For watching a sampler work; it must not modify its arguments.
StepCallback = Callable[[int, float, torch.Tensor, torch.Tensor], None]

Scale = Union[float, Sequence[float], np.ndarray]  # a number, or (D,) per motion dimension


def time_grid(steps: int) -> list[float]:
    """Noise levels t_i = (1 - i/steps)^2, i = 0..steps: from pure noise to clean data,
    denser at low noise, where few-step first-order samplers lose the most variance."""
    if not _is_int(steps) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    return [(1.0 - i / steps) ** 2 for i in range(steps + 1)]


def dpm_solver(model_fn: ModelFn, noise: torch.Tensor, cond: Conditions | None,
               steps: int = DEFAULT_STEPS, callback: StepCallback | None = None
               ) -> torch.Tensor:
    """Deterministic DPM-Solver++(2M) (Lu et al. 2022): denoise `noise` (B, L, D) to x0.

    A DDIM step whose x0 estimate is extrapolated linearly in log-SNR from the previous
    step's estimate (second order, one network call per step); first order on the first
    step (from SNR 0) and the last (to clean data). `callback`: see `StepCallback`.
    """
    grid, x, previous = time_grid(steps), noise, None  # previous: (x0, log-SNR gap)
    for i, (t, s) in enumerate(zip(grid[:-1], grid[1:])):
        x0 = model_fn(x, torch.full((x.shape[0],), t, dtype=x.dtype, device=x.device), cond)
        h = _half_log_snr(s) - _half_log_snr(t)
        guess = x0
        if previous is not None and math.isfinite(h) and math.isfinite(previous[1]):
            guess = x0 + (h / (2 * previous[1])) * (x0 - previous[0])
        x, previous = ddim_step(x, guess, t, s, 0.0, None), (x0, h)
        if callback is not None:
            callback(i, s, x, x0)
    return x


def ddim(model_fn: ModelFn, noise: torch.Tensor, cond: Conditions | None,
         steps: int = DEFAULT_STEPS, eta: float = 0.0,
         generator: torch.Generator | None = None,
         callback: StepCallback | None = None) -> torch.Tensor:
    """DDIM (Song et al. 2021): eta = 0 deterministic, eta = 1 ancestral (stochastic).
    `callback`: see `StepCallback`."""
    if not eta >= 0:
        raise ValueError(f"eta must be >= 0, got {eta}")
    grid, x = time_grid(steps), noise
    for i, (t, s) in enumerate(zip(grid[:-1], grid[1:])):
        x0 = model_fn(x, torch.full((x.shape[0],), t, dtype=x.dtype, device=x.device), cond)
        x = ddim_step(x, x0, t, s, eta, generator)
        if callback is not None:
            callback(i, s, x, x0)
    return x


def ddim_step(x_t: torch.Tensor, x0: torch.Tensor, t: float, s: float, eta: float,
              generator: torch.Generator | None) -> torch.Tensor:
    """One DDIM update from level t to s < t given an estimate x0 of the clean data."""
    (a_t, s_t), (a_s, s_s) = _scales(t), _scales(s)
    eps = (x_t - a_t * x0) / s_t  # implied noise
    noise_std = eta * (s_s / s_t) * math.sqrt(max(0.0, 1.0 - (a_t / a_s) ** 2)) if s_s > 0 else 0.0
    x_s = a_s * x0 + math.sqrt(max(0.0, s_s ** 2 - noise_std ** 2)) * eps
    if noise_std > 0:
        x_s = x_s + noise_std * torch.randn(x_t.shape, generator=generator).to(x_t)
    return x_s


def _scales(t: float) -> tuple[float, float]:
    """(alpha, sigma) at noise level t, as floats (computed in float64)."""
    alpha, sigma = alpha_sigma(torch.tensor(t, dtype=torch.float64))
    return float(alpha), float(sigma)


def _half_log_snr(t: float) -> float:
    """log(alpha / sigma): -inf at t = 1, +inf at t = 0."""
    alpha, sigma = _scales(t)
    return math.inf if sigma == 0 else -math.inf if alpha == 0 else math.log(alpha / sigma)


def cfg(model_fn: ModelFn, scales: dict[str, Scale]) -> ModelFn:
    """Wrap a denoiser with per-condition classifier-free guidance (module docstring)."""
    unknown = set(scales) - set(CONDITION_NAMES)
    if unknown:
        raise ValueError(f"unknown guidance conditions {sorted(unknown)}; "
                         f"choose from {CONDITION_NAMES}")
    weights = {name: _scale(name, value) for name, value in scales.items()}
    weights = {name: w for name, w in weights.items() if bool((w != 0).any())}

    def guided(x_t: torch.Tensor, t: torch.Tensor, cond: Conditions) -> torch.Tensor:
        names = [n for n in CONDITION_NAMES if n in weights and cond.has(n)]
        if not names:
            return model_fn(x_t, t, cond)
        n = len(names) + 1
        variants = Conditions.cat([cond] + [cond.drop(name) for name in names])
        full, *dropped = model_fn(x_t.repeat(n, 1, 1), t.repeat(n), variants).chunk(n)
        return full + sum(weights[name].to(full) * (full - d) for name, d in zip(names, dropped))

    return guided


def inpaint(model_fn: ModelFn, known: torch.Tensor, silent: torch.Tensor,
            weight: torch.Tensor) -> ModelFn:
    """Wrap a denoiser so that its clean-motion estimate takes `known` (1, L, D) in the rows
    that hear the audio and `silent` (1, L, D) in the others (normalised), with `weight`
    (1, L, D) in [0, 1] (0: the model's own; module docstring). Goes inside `cfg`."""
    audio = CONDITION_NAMES.index("audio")

    def pulled(x_t: torch.Tensor, t: torch.Tensor, cond: Conditions) -> torch.Tensor:
        x0 = model_fn(x_t, t, cond)
        hears = cond.present[:, audio].to(x0)[:, None, None]  # (B, 1, 1)
        target = hears * known + (1 - hears) * silent
        return x0 + weight * (target - x0)

    return pulled


def _scale(name: str, value: Scale) -> torch.Tensor:
    """A guidance scale as a tensor broadcasting over (B, L, D); all-zero scales are
    dropped by the caller, so lambda = 0 costs no network pass."""
    scale = torch.as_tensor(np.asarray(value, dtype=np.float64))
    if scale.ndim > 1 or not torch.isfinite(scale).all():
        raise ValueError(f"the guidance scale of {name} must be a finite number or a (D,) "
                         f"vector, got {value!r}")
    return scale


def _is_int(value: object) -> bool:
    """An integer, numpy's included, but not a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)
