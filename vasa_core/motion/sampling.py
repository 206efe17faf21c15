"""Sampling motion: few-step samplers, classifier-free guidance, sliding windows, streaming.

Plain functions over a denoiser `model_fn(x_t, t, cond) -> x0` (`diffusion.ModelFn`).

Samplers. All run on the grid t_i = (1 - i/n)^2 (`time_grid`) and share `ddim_step`.
`dpm_solver` (DPM-Solver++(2M), Lu et al. 2022; deterministic) is the default; `ddim`
(Song et al. 2021) is its first-order counterpart for eta = 0 and the stochastic
ancestral sampler for eta = 1. Chosen by measuring the spread of samples of a Gaussian
N(mu, s^2) under its exact denoiser, as a fraction of s, for s = 0.05 / 0.2 / 0.5 / 1 in
normalised units (checked by tests/test_motion.py::test_samplers_match_gaussian):

    8 steps   DPM-Solver++(2M), squared grid   0.82 / 1.06 / 1.04 / 0.94
              DDIM (eta 0),      squared grid   0.69 / 0.81 / 0.84 / 0.81
              DDIM (eta 0),      uniform grid   0.24 / 0.65 / 0.82 / 0.86
    50 steps  DPM-Solver++(2M), squared grid   1.03 / 1.01 / 1.00 / 1.00

Few first-order steps shrink the motion towards its conditional mean (damped head motion,
mumbled lips); the second-order step and the squared grid (denser at low noise) recover
most of it at no extra network calls. DEFAULT_STEPS = 8: one network call on a window
costs about 7 ms on 2 CPU cores (benchmarks/motion.py). 50 steps remain available, and
`sampler="ancestral"` for stochastic sampling.

Guidance. `cfg` implements VASA-1's per-condition classifier-free guidance (Sec. 3.2,
Eq. 2) in its additive form,

    x0 = f(all) + sum_c lambda_c * (f(all) - f(all but c)),

one term per guided condition c, each relative to the full prediction; lambda_c = 0 is the
purely conditional prediction. A lambda_c is a number or a (D,) weight per motion
dimension: the pipeline guides the audio on the articulators only (lips and jaw), because
audio guidance on the whole motion also doubles the head's swing (measured in the model
card). (The nested variant, dropping conditions cumulatively, was not chosen: its terms
depend on the order of the conditions.) The passes run as one batch; a condition absent
from every row is not guided (its term would be zero).

Known lips (`inpaint`). With `lips` (e.g. `lips.LipReader`, which reads them from the
phones a real-speech recogniser hears), each window's denoiser estimate of the clean
motion is pulled onto the given values in the dimensions they set, by `lip_strength`, at
every step (RePaint-style inpainting on x0, Lugmayr et al. 2022): the model samples the
head, brows, gaze and the rest of the face conditioned on that mouth. The lips are what
the audio says: a prediction that hears the audio is pulled onto them, one that does not
(the audio-dropped pass of guidance) onto `lips.silent`, the lips without audio. With
strength 1, guidance then reads
    x0 = known + lambda_audio * (known - silent)
on those dimensions: audio guidance scales the mouth's movement about its silent rest,
other conditions' terms vanish there, and lambda_audio = 0 gives the known lips exactly
(before the window join). Strength 0 is the model's own mouth.

Long audio (VASA-1 Sec. 3.2). Windows of L frames (default W) follow each other without
overlap; each window is conditioned on the last K motion frames generated before it and
on their audio. The first window takes the portrait's own motion (`init_motion`) as its
history when given, its jaw and lips replaced by the model's own for the audio before the
clip (`_settle_mouth`), else its history is dropped. Before the first frame the audio is the
first frame's (edge padding, usually silence), and so is the motion history when fewer
than K frames exist; the last window is padded with its last audio frame and cropped.
Expression coefficients are clipped to [0, 1] (latent.py) before they become history.
`_join` smooths the step where a window meets its history (the head keeps its velocity;
expressions and gaze meet the history's trend half-way).

Streaming. `stream_motion` runs the same windows with L = hop as audio arrives, so its
output is *identical* to `sample_motion(..., window=hop)` whatever the chunking of the
audio (and to the default offline output when hop = W). Each window draws its noise from
a seed derived from (seed, first frame), not from a shared random stream. Latency: the
first motion frames come out once `hop` audio frames have arrived (hop / fps; 80 ms for
the pipeline's hop = 2 at 25 fps) plus one window's compute (benchmarks/motion.py). Short
hops shorten the latency, give each frame less future audio and cost more compute per
second (each window re-reads K history frames); the network must have been trained on
windows as short as the hop (`MotionDiTConfig.min_window`).
"""
from __future__ import annotations

import itertools
import math
from typing import Callable, Iterable, Iterator, Protocol, Sequence, Union

import numpy as np
import torch

from ..latent import ARTICULATION, EXPRESSION_SLICE, POSE_SLICE, motion_mask
from .conditions import CONDITION_NAMES, Conditions, Controls, make_conditions
from .diffusion import ModelFn, alpha_sigma
from .dit import MotionDiT

DEFAULT_STEPS = 8
MOUTH = motion_mask(ARTICULATION)  # (D,) bool: the jaw and lip dimensions
PREROLL_START = 2 ** 40  # window_seed's frame index for `_settle_mouth`: no clip reaches it
SAMPLERS: tuple[str, ...] = ("dpm++2m", "ddim", "ancestral")

# Called after each sampler step i (0 .. steps - 1) as callback(i, s, x_s, x0): the step
# went from noise level t_i to s = t_{i+1} (`time_grid`), x_s (B, L, D) is the new state
# (the sampler's output after the last step, s = 0) and x0 (B, L, D) the denoiser's
# estimate of the clean motion at t_i, both in normalised units (`MotionDiT.denormalise`
# gives data units). For watching a sampler work; it must not modify its arguments.
StepCallback = Callable[[int, float, torch.Tensor, torch.Tensor], None]


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
    alpha, sigma = alpha_sigma(torch.tensor(t, dtype=torch.float64))
    return float(alpha), float(sigma)


def _half_log_snr(t: float) -> float:
    """log(alpha / sigma): -inf at t = 1, +inf at t = 0."""
    alpha, sigma = _scales(t)
    return math.inf if sigma == 0 else -math.inf if alpha == 0 else math.log(alpha / sigma)


Scale = Union[float, Sequence[float], np.ndarray]  # a number, or (D,) per motion dimension


class Lips(Protocol):
    """Known lips (e.g. `lips.LipReader`): `lips(start, stop)` -> (stop - start, D) motion in
    data units for clip frames [start, stop), finite where those frames must show it, NaN
    in the dimensions left to the model; `silent` (D,): the same dimensions with no audio
    (the audio-dropped prediction of guidance); `lookahead`: frames of audio past a window
    that its lips are read from, which a stream waits for (lookahead / fps of latency)."""

    silent: np.ndarray
    lookahead: int

    def __call__(self, start: int, stop: int) -> np.ndarray: ...


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


def sample_motion(model: MotionDiT, audio_feats: np.ndarray, controls: Controls | None = None, *,
                  steps: int = DEFAULT_STEPS, cfg_scales: dict[str, Scale] | None = None,
                  seed: int = 0, init_motion: np.ndarray | None = None,
                  window: int | None = None, sampler: str = "dpm++2m",
                  callback: StepCallback | None = None, lips: Lips | None = None,
                  lip_strength: float = 1.0) -> np.ndarray:
    """Motion (T, D) float32 in data units (latent.MOTION_NAMES) for audio features (T, F).

    controls: global controls (None: all dropped). steps: network calls per window (x the
    guidance batch). cfg_scales: {condition: lambda} for `cfg`. seed: noise seed (windows
    derive theirs from it). init_motion (n, D): the portrait's own motion, history of the
    first window. window: frames per window, default W. sampler: one of SAMPLERS.
    callback: called after every step of every window (`StepCallback`; x_s and x0 are
    (1, L, D), normalised, before the window join and the clipping of expressions); the
    step index restarts at 0 with each window, windows come in time order; a last window
    shorter than `window` is sampled padded to full length and cropped afterwards.
    lips: known lips per window (`Lips`, read in time order once per window, the whole
    window at a time), pulled in by lip_strength in [0, 1] (module docstring).
    """
    audio = _check_audio(model, audio_feats)
    if len(audio) == 0:
        raise ValueError("audio_feats has no frames (T = 0)")
    window = model.config.window if window is None else window
    chunks = _generate(model, [audio], controls, window, steps, cfg_scales, seed, init_motion,
                       sampler, callback, lips, lip_strength)
    return np.concatenate(list(chunks))


def stream_motion(model: MotionDiT, audio_chunks: Iterable[np.ndarray],
                  controls: Controls | None = None, *, hop: int = 10,
                  steps: int = DEFAULT_STEPS, cfg_scales: dict[str, Scale] | None = None,
                  seed: int = 0, init_motion: np.ndarray | None = None,
                  sampler: str = "dpm++2m", lips: Lips | None = None,
                  lip_strength: float = 1.0) -> Iterator[np.ndarray]:
    """Yield motion (n, D) as audio feature chunks (n_i, F) arrive: `hop` frames at a
    time, then the remainder when the chunks end. Equals `sample_motion(window=hop)`.
    With `lips`, a window is sampled once `lips.lookahead` more frames have arrived after
    it, and `lips` is asked for its frames then."""
    checked = (_check_audio(model, chunk) for chunk in audio_chunks)
    return _generate(model, checked, controls, hop, steps, cfg_scales, seed, init_motion, sampler,
                     None, lips, lip_strength)


def _generate(model: MotionDiT, chunks: Iterable[np.ndarray], controls: Controls | None,
              window: int, steps: int, cfg_scales: dict[str, Scale] | None, seed: int,
              init_motion: np.ndarray | None, sampler: str,
              callback: StepCallback | None = None, lips: Lips | None = None,
              lip_strength: float = 1.0) -> Iterator[np.ndarray]:
    """Check the arguments now, then slide windows lazily over `chunks`."""
    _check_args(model, window, steps, seed, sampler, controls)
    if not 0.0 <= lip_strength <= 1.0:
        raise ValueError(f"lip_strength must be in [0, 1], got {lip_strength!r}")
    if lips is not None and (not _is_int(lips.lookahead) or lips.lookahead < 0):
        raise ValueError(f"lips.lookahead must be a non-negative integer, got "
                         f"{lips.lookahead!r}")
    denoise = _window_sampler(model, cfg_scales or {}, controls, steps, seed, sampler,
                              lip_strength)
    init = None if init_motion is None else _check_init(model, init_motion)
    return _slide(denoise, chunks, window, model.config.context, init, callback,
                  lips if lip_strength > 0 else None)


def _slide(denoise: Callable[..., np.ndarray], chunks: Iterable[np.ndarray], window: int,
           k: int, init: np.ndarray | None, callback: StepCallback | None = None,
           lips: Lips | None = None) -> Iterator[np.ndarray]:
    """Consecutive windows of `window` frames over the audio in `chunks` (module docstring);
    `callback` watches the clip's windows, not the one that settles the first history;
    `lips` gives each window's known lips, and a window waits for its `lips.lookahead`
    frames after it while more audio may come."""
    history = None if init is None else _tail(None, init, k)  # (K, D) motion before `start`
    history_audio = pending = None  # (K, F) audio of the history frames; (n, F) not yet used
    start = 0  # clip frame index of pending[0]
    wait = 0 if lips is None else lips.lookahead

    def known(a: int, b: int) -> tuple[np.ndarray, np.ndarray] | None:
        return None if lips is None else (lips(a, b), lips.silent)

    for chunk in itertools.chain(chunks, [None]):  # None: the audio has ended
        if chunk is not None and len(chunk) == 0:
            continue
        if chunk is not None and pending is None:
            history_audio, pending = _tail(None, chunk[:1], k), chunk[:0]
            if history is not None:
                history = _settle_mouth(denoise, history, history_audio)
        if pending is None:
            raise ValueError("the audio stream had no frames (T = 0)")
        if chunk is not None:
            pending = np.concatenate([pending, chunk])
        while len(pending) >= window + (0 if chunk is None else wait):
            generated = history if start > 0 else None  # not the caller's init_motion
            motion = _join(generated, denoise(np.concatenate([history_audio, pending[:window]]),
                                              history, start, callback,
                                              known(start, start + window)))
            history_audio = _tail(history_audio, pending[:window], k)
            history = _tail(history, motion, k)
            pending, start = pending[window:], start + window
            yield motion
    if len(pending):
        padded = np.concatenate([pending, np.repeat(pending[-1:], window - len(pending), axis=0)])
        generated = history if start > 0 else None
        yield _join(generated, denoise(np.concatenate([history_audio, padded]), history,
                                       start, callback,
                                       _pad(known(start, start + len(pending)), window))
                    )[: len(pending)]


def _pad(known: tuple[np.ndarray, np.ndarray] | None, n: int
         ) -> tuple[np.ndarray, np.ndarray] | None:
    """Known lips (m, D) with the last row repeated to n rows, and the silent ones."""
    if known is None:
        return None
    rows, silent = known
    return np.concatenate([rows, np.repeat(rows[-1:], n - len(rows), axis=0)]), silent


def _settle_mouth(denoise: Callable[..., np.ndarray], history: np.ndarray,
                  audio: np.ndarray) -> np.ndarray:
    """The caller's history (K, D) with the mouth the model itself gives the audio before
    the clip (K, F; the first frame's, edge-padded): sampled over those K frames without a
    history. A reference pose's own mouth would be carried on instead; the data's mean is
    a speaking mouth (jaw 0.22), with which a clip starting in silence opened the jaw to
    0.13-0.18 for its first 3-8 frames; a closed mouth cost some lip sync on clips that
    start mid-speech (model card, Limits)."""
    settled = denoise(np.concatenate([audio, audio]), None, PREROLL_START)  # (K, D)
    out = history.copy()
    out[:, MOUTH] = settled[:, MOUTH]
    return out


JOIN_FRAMES = 3.0  # e-folding length (frames) of the correction at a window join
JOIN_SHARE = 0.5  # share of the step at a join that expressions and gaze take back
HEAD_JOIN_FRAMES = 1.5  # the head's: critically damped, position and velocity matched


def _join(history: np.ndarray | None, motion: np.ndarray) -> np.ndarray:
    """Smooth the step at a window join: a window is sampled given its history, but from
    its own noise, so its first frame can jump away from where the history was heading.

    The head is heavy and moves the whole image: a change of its velocity reads as a jerk.
    Its correction is critically damped, c(n) = (dp + (dv + dp / tau) n) exp(-n / tau),
    which continues its position and velocity (c(0) = dp, c'(0) = dv; dp = the history's
    linear extrapolation minus the window's first frame). Expressions and gaze meet the
    extrapolation half-way (JOIN_SHARE of dp, decaying over JOIN_FRAMES): the two are
    estimates of the same frame, and taking the whole step makes the mouth follow its own
    momentum, which lags. Measured on the shared speech (model card, "Window joins"):
    with the whole step, 2-frame streaming windows drew the jaw as a 2-frame sawtooth one
    or two frames behind the offline mouth and moved the head 2.4x as much as offline.
    Applied identically offline and when streaming (both slide through here), and only
    between generated windows: the first window's history (`init_motion`, e.g. a reference
    pose) conditions it but is not a trajectory to continue."""
    if history is None or len(history) < 2:
        return motion
    n = np.arange(len(motion))[:, None]  # (L, 1)
    trend = history[-1] - history[-2]  # (D,) the history's velocity per frame
    step = history[-1] + trend - motion[0]  # (D,) extrapolated minus sampled
    own = motion[1] - motion[0] if len(motion) > 1 else trend  # (D,) the window's velocity
    correction = JOIN_SHARE * np.exp(-n / JOIN_FRAMES) * step  # (L, D)
    head, tau = POSE_SLICE, HEAD_JOIN_FRAMES
    dp, dv = step[head], (trend - own)[head]
    correction[:, head] = (dp + (dv + dp / tau) * n) * np.exp(-n / tau)
    joined = motion + correction
    joined[:, EXPRESSION_SLICE] = joined[:, EXPRESSION_SLICE].clip(0.0, 1.0)
    return joined.astype(motion.dtype)


def _window_sampler(model: MotionDiT, cfg_scales: dict[str, Scale], controls: Controls | None,
                    steps: int, seed: int, sampler: str,
                    lip_strength: float = 1.0) -> Callable[..., np.ndarray]:
    """A function (audio (K+L, F), history (K, D) | None, start, callback=None, known=None)
    -> motion (L, D) np; `known`: ((L, D), (D,)) the window's lips and the silent lips,
    data units, NaN where free (`Lips`)."""
    like = dict(device=model.motion_mean.device, dtype=model.motion_mean.dtype)
    k, d = model.config.context, model.config.motion_dim
    guided = cfg(model, cfg_scales)  # checks the scales now, before any audio arrives

    @torch.inference_mode()
    def denoise(audio: np.ndarray, history: np.ndarray | None, start: int,
                callback: StepCallback | None = None,
                known: np.ndarray | None = None) -> np.ndarray:
        generator = torch.Generator().manual_seed(window_seed(seed, start))
        noise = torch.randn(1, len(audio) - k, d, generator=generator).to(**like)
        hist = None if history is None else torch.from_numpy(history)[None].to(**like)
        cond = make_conditions(torch.from_numpy(audio)[None].to(**like), hist, [controls], k)
        fn = guided if known is None else cfg(_pull(model, *known, lip_strength), cfg_scales)
        was_training = model.training
        model.eval()
        try:
            if sampler == "dpm++2m":
                x0 = dpm_solver(fn, noise, cond, steps, callback)
            else:
                x0 = ddim(fn, noise, cond, steps, float(sampler == "ancestral"), generator,
                          callback)
        finally:
            model.train(was_training)
        motion = model.denormalise(x0[0]).float().cpu().numpy()  # (L, D)
        motion[:, EXPRESSION_SLICE] = motion[:, EXPRESSION_SLICE].clip(0.0, 1.0)
        return motion

    return denoise


def _pull(model: MotionDiT, known: np.ndarray, silent: np.ndarray, strength: float) -> ModelFn:
    """`inpaint` onto one window's known motion (L, D) and silent lips (D,), data units,
    NaN where free."""
    like = dict(device=model.motion_mean.device, dtype=model.motion_mean.dtype)
    values = torch.from_numpy(np.asarray(known, np.float32))[None].to(**like)  # (1, L, D)
    given = torch.isfinite(values)
    mean = model.motion_mean.to(**like)
    rest = torch.from_numpy(np.asarray(silent, np.float32)).to(**like).expand_as(values)
    return inpaint(model, model.normalise(torch.where(given, values, mean)),
                   model.normalise(torch.where(given, rest, mean)), strength * given.to(**like))


def window_seed(seed: int, start: int) -> int:
    """The noise seed of the window starting at clip frame `start`."""
    return int(np.random.SeedSequence([seed, start]).generate_state(1)[0])


def _tail(previous: np.ndarray | None, new: np.ndarray, k: int) -> np.ndarray:
    """The last k rows of previous + new; with no previous, new's first row is repeated."""
    previous = np.repeat(new[:1], k, axis=0) if previous is None else previous
    return np.concatenate([previous, new])[-k:]


def _check_audio(model: MotionDiT, audio: np.ndarray) -> np.ndarray:
    audio = np.asarray(audio, dtype=np.float32)
    f = model.config.audio_dim
    if audio.ndim != 2 or audio.shape[1] != f:
        raise ValueError(f"audio features must be (T, {f}), got {audio.shape}")
    if not np.all(np.isfinite(audio)):
        raise ValueError("audio features contain NaN or infinite values")
    return audio


def _check_init(model: MotionDiT, init_motion: np.ndarray) -> np.ndarray:
    init = np.asarray(init_motion, dtype=np.float32)
    d = model.config.motion_dim
    if init.ndim != 2 or init.shape[0] < 1 or init.shape[1] != d or not np.all(np.isfinite(init)):
        raise ValueError(f"init_motion must be finite (n >= 1, {d}), got {init.shape}")
    return init


def _check_args(model: MotionDiT, window: int, steps: int, seed: int, sampler: str,
                controls: Controls | None) -> None:
    lo, hi = model.config.min_window, model.config.window
    if not _is_int(window) or not lo <= window <= hi:
        raise ValueError(f"window/hop must be an integer in [{lo}, {hi}] (the trained window "
                         f"lengths), got {window!r}")
    if not _is_int(steps) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    if not _is_int(seed) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; choose from {SAMPLERS}")
    if controls is not None and not isinstance(controls, Controls):
        raise ValueError(f"controls must be a Controls or None, got {type(controls).__name__}")


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)
