"""The motion generator: samplers, guidance, sliding windows, streaming, checkpoints, training.

Tiny networks with fixed seeds; the whole file runs in well under a minute on 2 CPU cores.
"""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from vasa_core.latent import EXPRESSION_SLICE, GAZE_SLICE, MOTION_DIM, MOTION_INDEX, POSE_SLICE
from vasa_core.motion import (CONDITION_NAMES, Conditions, Controls, MotionDiT, MotionDiTConfig,
                              alpha_sigma, cfg, controls_from_motion, ddim, dpm_solver,
                              drop_conditions, load_pretrained, make_conditions, sample_motion,
                              save_pretrained, stream_motion, training_loss)
from vasa_core.motion.windows import MOUTH, PREROLL_SEED_FRAME, _join, window_seed

TINY = dict(audio_dim=4, window=8, context=3, min_window=2, width=32, layers=2, heads=2,
            dropout=0.0)


def random_model(seed: int = 0) -> MotionDiT:
    """A tiny network with random (not zero-initialised) weights and normalisation."""
    torch.manual_seed(seed)
    model = MotionDiT(MotionDiTConfig(**TINY))
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 0.3)
        model.set_normalisation(torch.rand(64, MOTION_DIM) * torch.linspace(0.1, 2.0, MOTION_DIM))
    return model.eval()


def random_conditions(batch: int, length: int, seed: int = 0) -> Conditions:
    g = torch.Generator().manual_seed(seed)
    k = TINY["context"]
    audio = torch.randn(batch, k + length, TINY["audio_dim"], generator=g)
    history = torch.rand(batch, k, MOTION_DIM, generator=g)
    controls = [Controls(gaze=(5.0 * i, -3.0), distance=0.1 * i, emotion="happy",
                         emotion_strength=0.5 + i) for i in range(batch)]
    return make_conditions(audio, history, controls, k)


def gaussian_denoiser(mu: torch.Tensor, s: torch.Tensor):
    """The exact E[x0 | x_t] when x0 ~ N(mu, s^2) per dimension."""
    def model_fn(x, t, cond):
        a, sigma = alpha_sigma(t.double()[:, None, None])
        return mu + a * s ** 2 / (a ** 2 * s ** 2 + sigma ** 2) * (x - a * mu)
    return model_fn


# -- (1) samplers ------------------------------------------------------------------------
@pytest.mark.parametrize("sampler, steps, tol", [
    ("dpm++2m", 8, 0.1), ("dpm++2m", 50, 0.03), ("ddim", 50, 0.05), ("ancestral", 200, 0.05)])
def test_samplers_match_gaussian(sampler, steps, tol):
    """With the exact denoiser of a Gaussian, samples have that Gaussian's mean and std."""
    g = torch.Generator().manual_seed(0)
    mu = torch.linspace(-2.0, 3.0, MOTION_DIM, dtype=torch.float64)
    s = torch.linspace(0.2, 1.0, MOTION_DIM, dtype=torch.float64)
    noise = torch.randn(4000, 1, MOTION_DIM, generator=g, dtype=torch.float64)
    noise = (noise - noise.mean(0)) / noise.std(0)  # exact moments: only the sampler errs
    model_fn = gaussian_denoiser(mu, s)
    if sampler == "dpm++2m":
        out = dpm_solver(model_fn, noise, None, steps)
    else:
        out = ddim(model_fn, noise, None, steps, float(sampler == "ancestral"), g)
    out = out[:, 0]
    np.testing.assert_allclose(out.mean(0), mu, atol=0.05 * s.max())
    np.testing.assert_allclose(out.std(0) / s, 1.0, atol=tol)


def test_sampler_is_not_the_identity():
    """The check above can fail: a denoiser for the wrong std gives the wrong spread."""
    noise = torch.randn(4000, 1, 1, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    out = dpm_solver(gaussian_denoiser(torch.tensor(0.0), torch.tensor(0.3)), noise, None, 8)
    assert abs(float(out.std()) - 1.0) > 0.5


# -- (2) classifier-free guidance -------------------------------------------------------
def test_cfg_zero_scales_is_conditional_prediction():
    model, cond = random_model(), random_conditions(2, 5)
    x, t = torch.randn(2, 5, MOTION_DIM), torch.tensor([0.3, 0.9])
    with torch.no_grad():
        plain = model(x, t, cond)
        assert torch.equal(cfg(model, {})(x, t, cond), plain)
        assert torch.equal(cfg(model, {n: 0.0 for n in CONDITION_NAMES})(x, t, cond), plain)


@pytest.fixture
def float64():
    """Exact equivalence checks in double precision: in float32 a batched pass and separate
    passes round differently (by ~1e-4 here, depending on the CPU's matmul kernels)."""
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(torch.float32)


def test_cfg_matches_formula(float64):
    model, cond = random_model(), random_conditions(2, 5)
    x, t = torch.randn(2, 5, MOTION_DIM), torch.tensor([0.3, 0.9])
    scales = {"audio": 1.5, "gaze": 0.5, "emotion": -0.25}
    with torch.no_grad():
        full = model(x, t, cond)
        expected = full + sum(w * (full - model(x, t, cond.drop(n))) for n, w in scales.items())
        guided = cfg(model, scales)(x, t, cond)
        assert not torch.allclose(guided, full, atol=1e-3)
        torch.testing.assert_close(guided, expected, atol=1e-10, rtol=1e-10)
        # A condition no row carries is not guided.
        no_gaze = cond.drop("gaze")
        torch.testing.assert_close(cfg(model, {"gaze": 2.0})(x, t, no_gaze), model(x, t, no_gaze))
    with pytest.raises(ValueError, match="unknown guidance"):
        cfg(model, {"lips": 1.0})


def test_cfg_per_dimension_scale_guides_only_those_dimensions():
    model, cond = random_model(), random_conditions(2, 5)
    x, t = torch.randn(2, 5, MOTION_DIM), torch.tensor([0.3, 0.9])
    weights = np.zeros(MOTION_DIM)
    weights[[6, 7]] = 2.0  # jawOpen, mouthClose
    with torch.no_grad():
        full, whole = model(x, t, cond), cfg(model, {"audio": 2.0})(x, t, cond)
        lips = cfg(model, {"audio": weights})(x, t, cond)
    torch.testing.assert_close(lips[..., [6, 7]], whole[..., [6, 7]])
    others = [d for d in range(MOTION_DIM) if d not in (6, 7)]
    torch.testing.assert_close(lips[..., others], full[..., others])
    with pytest.raises(ValueError, match="finite number or a \\(D,\\) vector"):
        cfg(model, {"audio": np.ones((2, MOTION_DIM))})


# -- (3) sliding windows --------------------------------------------------------------------
@pytest.mark.parametrize("frames, with_init", [(8, False), (5, True)])
def test_one_window_equals_direct_sampling(frames, with_init):
    """T <= W: one padded window, sampled directly with the same noise and conditions."""
    model, k, w = random_model(), TINY["context"], TINY["window"]
    rng = np.random.default_rng(0)
    audio = rng.standard_normal((frames, TINY["audio_dim"])).astype(np.float32)
    init = rng.random((2, MOTION_DIM)).astype(np.float32) if with_init else None
    controls = Controls(gaze=(10.0, 2.0), emotion="sad")
    out = sample_motion(model, audio, controls, seed=7, init_motion=init, cfg_scales={"audio": 1.0})

    def direct(audio: np.ndarray, history: np.ndarray | None, start: int) -> np.ndarray:
        hist = None if history is None else torch.from_numpy(history)[None]
        cond = make_conditions(torch.from_numpy(audio)[None], hist, [controls], k)
        generator = torch.Generator().manual_seed(window_seed(7, start))
        noise = torch.randn(1, len(audio) - k, MOTION_DIM, generator=generator)
        with torch.no_grad():
            motion = model.denormalise(dpm_solver(cfg(model, {"audio": 1.0}), noise, cond, 8)[0])
        motion = motion.numpy()
        motion[:, EXPRESSION_SLICE] = motion[:, EXPRESSION_SLICE].clip(0, 1)
        return motion

    padded = np.concatenate([audio[:1].repeat(k, 0), audio, audio[-1:].repeat(w - frames, 0)])
    history = None
    if with_init:  # the portrait's motion, its first frame repeated to K frames, with the
        history = np.concatenate([init[:1], init])  # mouth the model gives the first audio
        settled = direct(audio[:1].repeat(2 * k, 0), None, PREROLL_SEED_FRAME)  # frame, unprimed
        history[:, MOUTH] = settled[:, MOUTH]
    np.testing.assert_allclose(out, direct(padded, history, 0)[:frames], rtol=1e-6, atol=1e-6)


def test_the_first_history_takes_its_mouth_from_the_audio_not_from_init_motion():
    """init_motion's jaw and lips do not reach the output (the model's own mouth for the
    audio before the clip replaces them); its pose does."""
    model, rng = random_model(), np.random.default_rng(3)
    audio = rng.standard_normal((12, TINY["audio_dim"])).astype(np.float32)
    init = rng.random((1, MOTION_DIM)).astype(np.float32)
    open_mouth, turned = init.copy(), init.copy()
    open_mouth[:, MOUTH] = 1.0
    turned[:, POSE_SLICE] += 0.5
    out = sample_motion(model, audio, seed=5, init_motion=init)
    np.testing.assert_array_equal(sample_motion(model, audio, seed=5, init_motion=open_mouth), out)
    assert not np.allclose(sample_motion(model, audio, seed=5, init_motion=turned), out)


def test_windows_join_without_a_step():
    """A window that jumps away from its history's trend: the head continues the trend's
    position and velocity, turning at most half as sharply as the other dimensions, which
    meet the trend half-way; a few frames later the window is left alone."""
    t = np.arange(10, dtype=np.float32)[:, None]
    history = np.repeat(0.1 * t, MOTION_DIM, 1)  # (K, D) rising 0.1 per frame
    window = np.full((40, MOTION_DIM), 0.5, np.float32)  # flat, but starting with a jump
    joined = _join(history, window)
    trend = 2 * history[-1] - history[-2]  # 1.0: where the history was heading
    assert np.allclose(joined[0, POSE_SLICE], trend[POSE_SLICE])
    assert np.allclose(joined[0, GAZE_SLICE], 0.5 * (trend + window[0])[GAZE_SLICE])
    assert np.allclose(joined[-1], window[-1])
    turn = np.abs(np.diff(np.concatenate([history, joined]), n=2, axis=0)).max(0)  # (D,)
    assert turn[POSE_SLICE].max() <= 0.5 * turn[GAZE_SLICE].min()
    assert turn.max() < np.abs(trend[0] - window[0, 0])
    assert _join(None, window) is window


def test_long_audio_uses_history():
    """Windows after the first see the previous window: changing it changes them."""
    model = random_model()
    audio = np.random.default_rng(1).standard_normal((20, 4)).astype(np.float32)
    a = sample_motion(model, audio, seed=3)
    b = sample_motion(model, audio, seed=3, init_motion=np.ones((1, MOTION_DIM), np.float32))
    assert a.shape == (20, MOTION_DIM)
    assert not np.allclose(a[8:], b[8:])
    assert not np.allclose(a, sample_motion(model, audio, seed=4))


# -- (4) streaming ------------------------------------------------------------------------
def chunked(audio: np.ndarray, sizes: list[int]):
    cuts = np.cumsum(sizes)
    return [audio[i:j] for i, j in zip(np.r_[0, cuts], np.r_[cuts, len(audio)])]


@pytest.mark.parametrize("hop, sampler", [(8, "dpm++2m"), (2, "dpm++2m"), (5, "ancestral")])
def test_streaming_equals_offline(hop, sampler):
    model = random_model()
    audio = np.random.default_rng(2).standard_normal((23, 4)).astype(np.float32)
    kwargs = dict(seed=11, steps=4, sampler=sampler, cfg_scales={"audio": 0.5, "gaze": 1.0},
                  init_motion=np.full((4, MOTION_DIM), 0.2, np.float32))
    controls = Controls(gaze=(-5.0, 0.0))
    offline = sample_motion(model, audio, controls, window=hop, **kwargs)
    if hop == TINY["window"]:
        np.testing.assert_array_equal(offline, sample_motion(model, audio, controls, **kwargs))
    for sizes in ([1, 6, 0, 9], [23], [4] * 5):
        parts = list(stream_motion(model, chunked(audio, sizes), controls, hop=hop, **kwargs))
        assert [len(p) for p in parts] == [hop] * (23 // hop) + ([23 % hop] if 23 % hop else [])
        np.testing.assert_array_equal(np.concatenate(parts), offline)


def test_streaming_yields_as_soon_as_a_hop_arrives():
    model, consumed = random_model(), []
    audio = np.random.default_rng(3).standard_normal((12, 4)).astype(np.float32)

    def arriving():
        for i in range(0, 12, 2):
            consumed.append(i + 2)
            yield audio[i:i + 2]

    stream = stream_motion(model, arriving(), hop=4, steps=2)
    first = next(stream)
    assert first.shape == (4, MOTION_DIM) and consumed[-1] == 4


# -- (5) known lips (inpainting) ------------------------------------------------------------
LIP_DIMS = [MOTION_INDEX[n] for n in ("jawOpen", "mouthClose", "mouthFunnel")]


class WaveLips:
    """Known lips for frames [start, stop): three slow waves in [0.1, 0.9], NaN elsewhere;
    silent at 0.3; read `lookahead` frames ahead (they need nothing). Records each read.
    `heard`: the frames of audio a test says have arrived (0: a stream waits for the end)."""

    silent = np.full(MOTION_DIM, np.nan, np.float32)
    silent[LIP_DIMS] = 0.3

    def __init__(self, lookahead: int = 0) -> None:
        self.lookahead = lookahead
        self.heard = 0
        self.calls: list[tuple[int, int]] = []

    def __call__(self, start: int, stop: int) -> np.ndarray:
        self.calls.append((start, stop))
        t = np.arange(start, stop)[:, None] + np.arange(3)[None] * 4.0
        out = np.full((stop - start, MOTION_DIM), np.nan, np.float32)
        out[:, LIP_DIMS] = 0.5 + 0.4 * np.sin(t / 3.0)
        return out


def wave_lips(start: int, stop: int) -> np.ndarray:
    return WaveLips()(start, stop)


def test_audio_guidance_scales_the_known_lips_about_silence_and_other_guidance_leaves_them():
    """cfg on the known dimensions: known + lambda_audio * (known - silent); gaze guidance
    alone keeps them exactly (its two passes both hear the audio)."""
    model = random_model()
    audio = np.random.default_rng(6).standard_normal((8, 4)).astype(np.float32)
    target = wave_lips(0, 8)[:, LIP_DIMS]
    kwargs = dict(seed=2, lips=WaveLips(), controls=Controls(gaze=(5.0, 0.0)))
    gaze = sample_motion(model, audio, cfg_scales={"gaze": 2.0}, **kwargs)[:, LIP_DIMS]
    np.testing.assert_allclose(gaze, target, atol=1e-5)
    wide = sample_motion(model, audio, cfg_scales={"audio": 0.5, "gaze": 1.0}, **kwargs)
    expected = np.clip(target + 0.5 * (target - 0.3), 0, 1)  # expressions live in [0, 1]
    np.testing.assert_allclose(wide[:, LIP_DIMS], expected, atol=1e-5)


def test_known_lips_are_taken_and_the_rest_is_sampled_around_them():
    """Strength 1: the first window (no join) shows the known lips exactly and its other
    dimensions change with them (they were sampled given that mouth); strength 0 is the
    model's own motion, without asking for lips; 0.5 lands in between."""
    model = random_model()
    audio = np.random.default_rng(4).standard_normal((20, 4)).astype(np.float32)
    lips = WaveLips()
    own = sample_motion(model, audio, seed=2)
    taken = sample_motion(model, audio, seed=2, lips=lips)
    assert lips.calls == [(0, 8), (8, 16), (16, 20)]  # once a window, in order; the last short
    np.testing.assert_allclose(taken[:8, LIP_DIMS], wave_lips(0, 8)[:, LIP_DIMS], atol=1e-5)
    free = np.setdiff1d(np.arange(MOTION_DIM), LIP_DIMS)
    assert np.abs(taken[:, free] - own[:, free]).max() > 1e-3
    lips.calls.clear()
    np.testing.assert_array_equal(sample_motion(model, audio, seed=2, lips=lips,
                                                lip_strength=0.0), own)
    assert lips.calls == []
    half = sample_motion(model, audio, seed=2, lips=lips, lip_strength=0.5)[:8, LIP_DIMS]
    target = wave_lips(0, 8)[:, LIP_DIMS]
    assert 0 < np.abs(half - target).mean() < np.abs(own[:8, LIP_DIMS] - target).mean()


@pytest.mark.parametrize("hop, lookahead", [(8, 0), (2, 0), (2, 3), (8, 30)])
def test_streaming_with_known_lips_equals_offline(hop, lookahead):
    """Waiting for look-ahead frames (even more than the clip has) changes when windows
    are sampled, not what they are."""
    model = random_model()
    audio = np.random.default_rng(5).standard_normal((21, 4)).astype(np.float32)
    kwargs = dict(seed=1, steps=3, lips=WaveLips(lookahead),
                  init_motion=np.full((1, MOTION_DIM), 0.3, np.float32))
    offline = sample_motion(model, audio, window=hop, **kwargs)
    parts = list(stream_motion(model, chunked(audio, [3, 7, 11]), hop=hop, **kwargs))
    assert [len(p) for p in parts] == [hop] * (21 // hop) + [21 % hop]
    np.testing.assert_array_equal(np.concatenate(parts), offline)


def frame_by_frame(audio: np.ndarray, lips: WaveLips, consumed: list[int]):
    """`audio`'s feature frames one at a time, each after its audio reached `lips`;
    `consumed` gets the number of frames handed over so far."""
    for i in range(len(audio)):
        consumed.append(i + 1)
        lips.heard = i + 1  # the audio of frame i, which its features follow
        yield audio[i:i + 1]


def test_a_window_waits_for_its_look_ahead():
    model, consumed, lips = random_model(), [], WaveLips(3)
    audio = np.random.default_rng(3).standard_normal((12, 4)).astype(np.float32)
    arriving = frame_by_frame(audio, lips, consumed)
    first = next(stream_motion(model, arriving, hop=4, steps=2, lips=lips))
    assert first.shape == (4, MOTION_DIM) and consumed[-1] == 7


def test_a_window_waits_for_the_lips_audio_not_for_its_features():
    """The look-ahead is audio the lips hear: once they have it the window is sampled,
    even when that audio has not yet completed a feature frame (an empty chunk)."""
    model, lips, consumed = random_model(), WaveLips(2), []
    audio = np.random.default_rng(3).standard_normal((8, 4)).astype(np.float32)

    def arriving():
        consumed.append(4)
        yield audio[:4]  # the features of frames 0-3 ...
        consumed.append(0)
        lips.heard = 6  # ... then audio up to frame 6 that completes no feature frame
        yield audio[:0]
        consumed.append(4)
        yield audio[4:]

    first = next(stream_motion(model, arriving(), hop=4, steps=2, lips=lips))
    assert first.shape == (4, MOTION_DIM) and consumed == [4, 0]


@pytest.mark.parametrize("hop, lead, lookahead", [(2, 1, 2), (8, 3, 0), (5, 5, 1)])
def test_a_short_first_window_streams_as_it_samples_offline(hop, lead, lookahead):
    """A first window of `lead` frames, then windows of `hop`: streamed in any chunking it
    equals the offline clip cut the same way, and differs from the clip cut evenly."""
    model = random_model()
    audio = np.random.default_rng(6).standard_normal((19, 4)).astype(np.float32)
    kwargs = dict(seed=4, steps=3, lips=WaveLips(lookahead),
                  init_motion=np.full((1, MOTION_DIM), 0.3, np.float32))
    offline = sample_motion(model, audio, window=hop, lead=lead, **kwargs)
    for sizes in ([1, 6, 0, 12], [19]):
        parts = list(stream_motion(model, chunked(audio, sizes), hop=hop, lead=lead, **kwargs))
        rest = 19 - lead
        assert [len(p) for p in parts] == [lead] + [hop] * (rest // hop) + (
            [rest % hop] if rest % hop else [])
        np.testing.assert_array_equal(np.concatenate(parts), offline)
    even = sample_motion(model, audio, window=hop, **kwargs)
    assert np.array_equal(offline, even) == (lead == hop)


def test_a_one_frame_lead_comes_out_after_one_frame_and_its_look_ahead():
    model, consumed, lips = random_model(), [], WaveLips(2)
    audio = np.random.default_rng(3).standard_normal((12, 4)).astype(np.float32)
    arriving = frame_by_frame(audio, lips, consumed)
    stream = stream_motion(model, arriving, hop=4, lead=1, steps=2, lips=lips)
    first = next(stream)
    assert first.shape == (1, MOTION_DIM) and consumed[-1] == 3  # frame 0 and 2 ahead
    assert next(stream).shape == (4, MOTION_DIM) and consumed[-1] == 7


@pytest.mark.parametrize("lead", [0, 5, 2.5, "1"])
def test_a_lead_outside_the_window_is_refused(lead):
    audio = np.zeros((6, 4), np.float32)
    with pytest.raises(ValueError, match="lead must be an integer in \\[1, 4\\]"):
        sample_motion(random_model(), audio, window=4, lead=lead)


def test_lips_that_do_not_say_what_they_heard_are_refused():
    deaf = WaveLips(1)
    del deaf.heard
    with pytest.raises(ValueError, match="lips.heard must say"):
        sample_motion(random_model(), np.zeros((6, 4), np.float32), lips=deaf)


# -- (6) checkpoints ------------------------------------------------------------------------
def test_save_load_round_trip(tmp_path):
    model = random_model(5)
    save_pretrained(model, tmp_path / "ckpt")
    files = sorted(p.name for p in (tmp_path / "ckpt").iterdir())
    assert files == ["config.json", "model.safetensors"]
    assert json.loads((tmp_path / "ckpt" / "config.json").read_text())["width"] == TINY["width"]
    loaded = load_pretrained(tmp_path / "ckpt")
    assert loaded.config == model.config and not loaded.training
    for (name, a), (_, b) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert torch.equal(a, b), name
    audio = np.random.default_rng(4).standard_normal((13, 4)).astype(np.float32)
    kwargs = dict(seed=2, cfg_scales={"audio": 1.0}, controls=Controls(emotion="angry"))
    np.testing.assert_array_equal(sample_motion(model, audio, **kwargs),
                                  sample_motion(loaded, audio, **kwargs))
    with pytest.raises(FileNotFoundError):
        load_pretrained(tmp_path / "missing")


def test_audio_lifter_keeps_the_envelope_and_drops_the_fine_structure():
    from vasa_core.audio import FEATURE_DIM
    from vasa_core.audio.features import LEVEL, MEL_MEAN, MEL_SLOPE
    from vasa_core.motion.dit import audio_projection

    assert audio_projection(FEATURE_DIM, 0) is None  # off: the features pass untouched
    p = audio_projection(FEATURE_DIM, 13)
    torch.testing.assert_close(p @ p, p, atol=1e-5, rtol=0)  # a projection: idempotent
    torch.testing.assert_close(p, p.T)
    assert torch.equal(p[LEVEL:, LEVEL:], torch.eye(FEATURE_DIM - LEVEL))
    assert torch.count_nonzero(p[MEL_MEAN, MEL_SLOPE]) == 0  # the blocks stay apart
    bins = torch.arange(80.0)
    envelope = torch.exp(-((bins - 20) / 15) ** 2)  # one broad formant
    ripple = 0.3 * torch.cos(np.pi / 80 * (bins + 0.5) * 40)  # harmonics: quefrency 40
    frame = torch.zeros(FEATURE_DIM)
    frame[MEL_MEAN] = envelope
    frame[LEVEL] = 1.5
    out = frame @ p
    assert (out[MEL_MEAN] - envelope).abs().max() < 0.08  # kept (vs the ripple's 0.3)
    assert out[LEVEL] == 1.5
    frame[MEL_MEAN] = ripple
    assert (frame @ p)[MEL_MEAN].abs().max() < 1e-5  # dropped


def test_audio_lifter_is_config_not_weights(tmp_path):
    from vasa_core.audio import FEATURE_DIM

    config = MotionDiTConfig(**{**TINY, "audio_dim": FEATURE_DIM, "audio_lifter": 13})
    model = MotionDiT(config)
    assert "audio_projection" not in model.state_dict()  # old checkpoints load unchanged
    save_pretrained(model, tmp_path / "ckpt")
    assert load_pretrained(tmp_path / "ckpt").config.audio_lifter == 13
    saved = json.loads((tmp_path / "ckpt" / "config.json").read_text())
    del saved["audio_lifter"]  # a checkpoint from before the field
    (tmp_path / "ckpt" / "config.json").write_text(json.dumps(saved))
    assert MotionDiTConfig.load(tmp_path / "ckpt").audio_lifter == 0
    with pytest.raises(ValueError, match="audio_lifter needs"):
        MotionDiTConfig(**{**TINY, "audio_lifter": 13})


# -- (7) training --------------------------------------------------------------------------
def synthetic_clips(n: int, frames: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Smooth random audio features (n, frames, 4); motion with jawOpen = sigmoid(3 f0),
    mouthSmileLeft = sigmoid(-2 f1), yaw = 8 f2 degrees and every other dimension 0."""
    t = np.arange(frames)[None, :, None]
    freq = rng.uniform(0.05, 0.4, (n, 1, 4))
    phase = rng.uniform(0, 2 * np.pi, (n, 1, 4))
    audio = np.sin(freq * t + phase) + 0.3 * np.sin(2.3 * freq * t + 2 * phase)
    motion = np.zeros((n, frames, MOTION_DIM))
    motion[..., MOTION_INDEX["jawOpen"]] = 1 / (1 + np.exp(-3 * audio[..., 0]))
    motion[..., MOTION_INDEX["mouthSmileLeft"]] = 1 / (1 + np.exp(2 * audio[..., 1]))
    motion[..., MOTION_INDEX["yaw"]] = 8 * audio[..., 2]
    return audio.astype(np.float32), motion.astype(np.float32)


def test_training_learns_audio_to_motion():
    torch.manual_seed(0)
    config = MotionDiTConfig(audio_dim=4, window=16, context=4, min_window=4, width=64, layers=2,
                             heads=4, dropout=0.0)
    model, k, w = MotionDiT(config), config.context, config.window
    rng, g = np.random.default_rng(0), torch.Generator().manual_seed(0)
    audio, motion = (torch.from_numpy(a) for a in synthetic_clips(512, k + w, rng))
    model.set_normalisation(motion)
    optimiser = torch.optim.AdamW(model.parameters(), lr=2e-3)
    losses = []
    for step in range(300):
        idx = torch.randint(0, len(audio), (32,), generator=g)
        cond = make_conditions(audio[idx], motion[idx, :k], [None] * 32, k)
        cond = drop_conditions(cond, config.drop_probs, g)
        loss = training_loss(model, model.normalise(motion[idx, k:]), cond, g)["loss"]
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert np.mean(losses[-50:]) < 0.3 * np.mean(losses[:10])

    test_audio, target = synthetic_clips(1, 48, np.random.default_rng(1))
    out = sample_motion(model, test_audio[0], seed=0)
    for name in ("jawOpen", "mouthSmileLeft", "yaw"):
        i = MOTION_INDEX[name]
        assert np.corrcoef(out[:, i], target[0, :, i])[0, 1] > 0.8, name
    jaw = MOTION_INDEX["jawOpen"]
    assert np.abs(out[:, jaw] - target[0, :, jaw]).mean() < 0.1


# -- (8) condition dropout --------------------------------------------------------------
def perturbed(cond: Conditions, name: str) -> Conditions:
    """The same conditions with the values of condition `name` changed."""
    k = TINY["context"]
    if name == "audio":
        return Conditions(**{**vars(cond), "audio": cond.audio + 1.0})
    if name == "history":
        audio = cond.audio.clone()
        audio[:, :k] += 1.0  # the previous window's audio belongs to the history
        return Conditions(**{**vars(cond), "history": cond.history + 0.5, "audio": audio})
    if name == "emotion":
        return Conditions(**{**vars(cond), "emotion": (cond.emotion + 3) % 8,
                             "emotion_strength": cond.emotion_strength * 2})
    return Conditions(**{**vars(cond), name: getattr(cond, name) + 7.0})


@pytest.mark.parametrize("name", CONDITION_NAMES)
def test_dropped_condition_uses_null_embedding(name):
    model, cond = random_model(), random_conditions(2, 4)
    x, t = torch.randn(2, 4, MOTION_DIM), torch.tensor([0.5, 0.5])
    with torch.no_grad():
        assert not torch.allclose(model(x, t, cond), model(x, t, perturbed(cond, name)))
        dropped = cond.drop(name)
        assert torch.equal(model(x, t, dropped), model(x, t, perturbed(dropped, name)))


def test_drop_conditions_probabilities():
    cond = random_conditions(400, 2)
    g = torch.Generator().manual_seed(0)
    assert drop_conditions(cond, {n: 1.0 for n in CONDITION_NAMES}, g).present.sum() == 0
    assert drop_conditions(cond, {}, g).present.all()
    rate = 1 - drop_conditions(cond, {"history": 0.5}, g).present.float().mean(0)
    assert 0.4 < rate[CONDITION_NAMES.index("history")] < 0.6 and rate.sum() == rate.max()
    with pytest.raises(ValueError, match="unknown condition"):
        drop_conditions(cond, {"pitch": 0.1})


# -- (9) shapes, dtypes, bad arguments ----------------------------------------------------
def test_shapes_and_dtypes():
    model = random_model()
    out = sample_motion(model, np.zeros((11, 4)), steps=2)
    assert out.shape == (11, MOTION_DIM) and out.dtype == np.float32
    assert out[:, EXPRESSION_SLICE].min() >= 0 and out[:, EXPRESSION_SLICE].max() <= 1
    with torch.no_grad():
        x0 = model(torch.randn(3, 6, MOTION_DIM), torch.rand(3), random_conditions(3, 6))
    assert x0.shape == (3, 6, MOTION_DIM) and x0.dtype == torch.float32
    assert MotionDiT(MotionDiTConfig(audio_dim=128)).num_params() < 6_000_000


def test_controls_labels():
    values = np.zeros((10, MOTION_DIM), np.float32)
    values[:, MOTION_INDEX["gaze_yaw"]] = np.arange(10)
    values[:, MOTION_INDEX["log_scale"]] = -0.5
    c = controls_from_motion(values, mean_log_scale=-0.7, emotion="happy")
    assert c.gaze == (4.5, 0.0) and c.distance == pytest.approx(0.2) and c.emotion == "happy"


@pytest.mark.parametrize("call, match", [
    (lambda m: sample_motion(m, np.zeros((10, 5))), "audio features must be"),
    (lambda m: sample_motion(m, np.zeros((0, 4))), "no frames"),
    (lambda m: sample_motion(m, np.zeros(4)), "audio features must be"),
    (lambda m: sample_motion(m, np.full((5, 4), np.nan)), "NaN"),
    (lambda m: sample_motion(m, np.zeros((5, 4)), steps=-1), "steps"),
    (lambda m: sample_motion(m, np.zeros((5, 4)), steps=0), "steps"),
    (lambda m: sample_motion(m, np.zeros((5, 4)), window=9), "window"),
    (lambda m: sample_motion(m, np.zeros((5, 4)), window=1), "trained window"),
    (lambda m: sample_motion(m, np.zeros((5, 4)), seed=-1), "seed"),
    (lambda m: sample_motion(m, np.zeros((5, 4)), sampler="euler"), "sampler"),
    (lambda m: sample_motion(m, np.zeros((5, 4)), cfg_scales={"x": 1}), "unknown guidance"),
    (lambda m: sample_motion(m, np.zeros((5, 4)), init_motion=np.zeros((2, 7))), "init_motion"),
    (lambda m: sample_motion(m, np.zeros((5, 4)), controls={"gaze": 1}), "Controls"),
    (lambda m: sample_motion(m, np.zeros((5, 4)), lip_strength=1.5), "lip_strength"),
    (lambda m: stream_motion(m, [np.zeros((5, 4))], hop=0), "hop"),
    (lambda m: stream_motion(m, [np.zeros((5, 4))], hop=4, lips=WaveLips(-1)), "lookahead"),
    (lambda m: list(stream_motion(m, [np.zeros((0, 4))], hop=4)), "no frames"),
    (lambda m: Controls(emotion="bored"), "unknown emotion"),
    (lambda m: Controls(gaze=(1.0, 2.0, 3.0)), "gaze"),
    (lambda m: MotionDiTConfig(audio_dim=4, width=30, heads=4), "divisible"),
    (lambda m: MotionDiTConfig(audio_dim=4, width=33, heads=3), "even"),
    (lambda m: MotionDiTConfig(audio_dim=0), "audio_dim"),
    (lambda m: MotionDiTConfig(audio_dim=4, drop_probs={"audio": 1.5}), "drop probability"),
    (lambda m: m(torch.zeros(1, 4, MOTION_DIM), torch.zeros(1), random_conditions(1, 5)), "audio"),
    (lambda m: m(torch.zeros(1, 9, MOTION_DIM), torch.zeros(1), random_conditions(1, 9)), "x_t"),
])
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call(random_model())
