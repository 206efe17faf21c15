"""Frame-aligned audio features at 25 fps, computed by one causal streaming code path.

Layout of a feature frame (FEATURE_DIM = 163, float32, roughly unit scale):

    [0:80)    log-mel mean      the frame's 4 log-mel spectra (25 ms windows, 10 ms hop)
                                averaged, minus the speaker's running per-bin mean; bels
    [80:160)  log-mel slope     least-squares slope of those 4 spectra, bels per 10 ms
    160       level             mean power of the frame's own 640 samples minus the
                                running speech level; bels
    161       voicing           soft voiced/unvoiced decision from YIN periodicity, [0, 1]
    162       pitch             log2 F0 minus the speaker's running mean, in octaves,
                                times voicing (0 when unvoiced)

Why this shape. The motion model runs on the 25 fps video grid and sees neighbouring frames
through its own attention, so each frame only has to summarise its own 40 ms. Stacking
the four 10 ms log-mel frames would cost 320 numbers; their mean and slope are the first
two coefficients of a line fitted through them, which keep the spectral envelope (phone
identity: jaw opening, lip rounding, closures) at full 80-band resolution plus the
direction of change inside the frame (bursts and onsets, which the mouth has to lead).
The curvature left out varies faster than lips can move. Level drives jaw opening and
head motion; voicing separates vowels from fricatives and silence; relative pitch drives
brow raises and nods. All are relative (see normalise.py): the same sentence at another
gain gives the same features, and another speaker's timbre and pitch range are mapped
onto the same scale, which is what lets a model trained on synthetic voices read real ones.

Alignment. Frame t covers samples [640 t, 640 t + 640). It is computed from one block
of 1024 samples, [640 t - 192, 640 t + 832): the four mel windows start at 640 t - 120 +
160 k and are centred 79.5 + 160 k samples into the frame (k = 0..3), symmetric about
its middle, and the pitch window is the whole block, also centred on the frame's middle
(it holds 3.8 periods of the lowest pitch tracked, 60 Hz). Windows are 25 ms
long, so a transient within ~5 ms of a frame boundary also shows in the neighbouring
frame, weighted by its distance to the window centres (the half-sample offset of the
centres gives a tie on the boundary itself to the later frame, as the half-open interval
[t / 25, (t + 1) / 25) says). The level needs no taper, so it is exact: the power of the
frame's own 640 samples. Samples before the start of the audio are zeros, and so is the
padding after its end.

Latency. A frame can be emitted once 192 samples (12 ms) past its end have arrived:
that look-ahead, plus however long the caller waits to fill a chunk, is all the delay.

Streaming equals offline. `features(wave)` is literally a `StreamingFeatures` run over
the whole wave. Every step is per block (FFTs row by row) or a causal recursion over
frames, so any chunking gives the same numbers up to float rounding (< 1e-6).
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..grid import SAMPLE_RATE, SAMPLES_PER_FRAME, num_frames
from .normalise import RunningNormaliser
from .pitch import yin
from .spectrum import N_MELS, WINDOW, log_mel, power_spectrum, to_db

MEL_MEAN = slice(0, N_MELS)
MEL_SLOPE = slice(N_MELS, 2 * N_MELS)
LEVEL = 2 * N_MELS
VOICING = LEVEL + 1
PITCH = LEVEL + 2
FEATURE_DIM = PITCH + 1

BLOCK = 1024  # samples analysed per frame
BLOCK_LEAD = 192  # the block starts this many samples before its frame
LOOKAHEAD_SAMPLES = BLOCK - BLOCK_LEAD - SAMPLES_PER_FRAME  # 192 = 12 ms
MEL_HOP = 160  # 10 ms
SUBFRAMES = SAMPLES_PER_FRAME // MEL_HOP  # 4 mel windows per frame
# First mel window start in the block: 120 samples before the frame, centred 79.5 into it.
MEL_START = BLOCK_LEAD + MEL_HOP // 2 - WINDOW // 2  # 72
BELS = 10.0  # dB per output unit
VOICING_RAMP = (0.5, 0.8)  # YIN periodicity mapped linearly onto voicing 0..1
MAX_BATCH = 256  # blocks per vectorised step, bounding memory for long audio

# Least-squares slope of 4 equally spaced values: sum_k (k - 1.5) y_k / sum_k (k - 1.5)^2.
_CENTRED = np.arange(SUBFRAMES) - (SUBFRAMES - 1) / 2.0
_SLOPE_WEIGHTS = _CENTRED / np.sum(_CENTRED ** 2)


def mel_block_map(mel_map: np.ndarray, dim: int = FEATURE_DIM) -> np.ndarray:
    """(dim, dim) map of whole feature frames (row vectors: frames @ map) that applies the
    (mel, mel) `mel_map` to both log-mel blocks alike and keeps every other feature. Both
    blocks are linear in the log-mel spectra (a mean and a slope of them), so a linear
    change of the spectrum (a lifter, a frequency warp) is the same change of each block."""
    out = np.eye(dim, dtype=np.result_type(mel_map, np.float32))
    for block in (MEL_MEAN, MEL_SLOPE):
        out[block, block] = mel_map
    return out


def features(wave: np.ndarray) -> np.ndarray:
    """(N,) float 16 kHz mono -> (ceil(N / 640), FEATURE_DIM) float32 features."""
    streamer = StreamingFeatures()
    return np.concatenate([streamer.push(wave), streamer.flush()])


class StreamingFeatures:
    """Features of audio arriving in chunks; concatenated outputs equal `features`.

    `push` takes 16 kHz mono float samples, any number at a time, and returns the frames
    completed so far (each needs 12 ms of audio past its end). `flush` ends the stream:
    it pads the last partial frame with silence, returns the remaining frames and resets
    the streamer for a new stream. Work per push is proportional to the chunk.
    """

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        # Samples from the start of the next frame's block on; the first block reaches
        # BLOCK_LEAD samples before the audio starts, which are silence.
        self._pending = np.zeros(BLOCK_LEAD)
        self._received = 0
        self._emitted = 0
        self._normaliser = RunningNormaliser(N_MELS)

    def push(self, chunk: np.ndarray) -> np.ndarray:
        """(n,) samples -> (k, FEATURE_DIM) float32, the k >= 0 newly completed frames."""
        chunk = _as_samples(chunk)
        self._pending = np.concatenate([self._pending, chunk])
        self._received += len(chunk)
        ready = max(0, (len(self._pending) - BLOCK) // SAMPLES_PER_FRAME + 1)
        return self._emit(ready)

    def flush(self) -> np.ndarray:
        """(k, FEATURE_DIM) float32: the frames still owed, up to ceil(samples / 640)."""
        owed = num_frames(self._received) - self._emitted
        if owed > 0:
            # After a push fewer than BLOCK samples are pending, so this is positive.
            short = (owed - 1) * SAMPLES_PER_FRAME + BLOCK - len(self._pending)
            self._pending = np.concatenate([self._pending, np.zeros(short)])
        out = self._emit(owed)
        self._reset()
        return out

    def _emit(self, count: int) -> np.ndarray:
        """Features of the next `count` blocks, which must all be in `_pending`."""
        if count == 0:
            return np.zeros((0, FEATURE_DIM), np.float32)
        blocks = sliding_window_view(self._pending, BLOCK)[::SAMPLES_PER_FRAME][:count]
        out = [self._block_features(blocks[i:i + MAX_BATCH])
               for i in range(0, count, MAX_BATCH)]
        self._pending = self._pending[count * SAMPLES_PER_FRAME:]
        self._emitted += count
        return np.concatenate(out)

    def _block_features(self, blocks: np.ndarray) -> np.ndarray:
        """(B, BLOCK) float64 -> (B, FEATURE_DIM) float32."""
        windows = sliding_window_view(blocks, WINDOW, axis=1)[:, MEL_START::MEL_HOP]
        power = power_spectrum(windows[:, :SUBFRAMES])  # (B, 4, 257)
        mel = log_mel(power)  # (B, 4, 80) dB
        frame = blocks[:, BLOCK_LEAD:BLOCK_LEAD + SAMPLES_PER_FRAME]  # (B, 640) exactly
        level = to_db(np.mean(frame ** 2, axis=1))  # (B,) dB
        f0, periodicity = yin(blocks, SAMPLE_RATE)
        low, high = VOICING_RAMP
        voicing = np.clip((periodicity - low) / (high - low), 0.0, 1.0)
        mel_rel, level_rel, pitch_rel = self._normaliser(mel, level, np.log2(f0), voicing)
        slope = np.tensordot(mel_rel, _SLOPE_WEIGHTS, axes=([1], [0]))  # (B, 80) dB per hop
        out = np.empty((len(blocks), FEATURE_DIM), np.float32)
        out[:, MEL_MEAN] = mel_rel.mean(axis=1) / BELS
        out[:, MEL_SLOPE] = slope / BELS
        out[:, LEVEL] = level_rel / BELS
        out[:, VOICING] = voicing
        out[:, PITCH] = pitch_rel
        return out


def _as_samples(chunk: np.ndarray) -> np.ndarray:
    """A 1-D finite float chunk as float64; ValueError otherwise."""
    chunk = np.asarray(chunk)
    if chunk.ndim != 1 or not (np.issubdtype(chunk.dtype, np.floating) or chunk.size == 0):
        raise ValueError(f"audio chunks must be 1-D float arrays of 16 kHz mono samples, got "
                         f"shape {chunk.shape} dtype {chunk.dtype}; convert with load_audio")
    if not np.all(np.isfinite(chunk)):
        raise ValueError("audio chunk contains NaN or infinite samples; clean the signal "
                         "(e.g. np.nan_to_num) before computing features")
    return chunk.astype(np.float64)
