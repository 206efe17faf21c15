"""Causal speaker and loudness normalisation with running, speech-gated statistics.

Why: the motion model is trained on a few synthetic voices and must then follow any
microphone, recording level and speaker. A gain g shifts every log-mel bin and the level
by the same 20 log10 g dB; a microphone's EQ and a speaker's timbre shift each bin by its
own roughly constant amount. Subtracting a running per-bin mean of the log-mel (cepstral
mean normalisation, done causally) removes both, so what is left is the phonetic change
that drives the mouth. Pitch is made relative to the speaker's own mean, so a bass and a
soprano voice intonate around the same 0.

The exact method, per 40 ms frame t, given its level e_t (dB), its K = 4 log-mel spectra
m_t (K, 80, dB), log2 F0 f_t and voicing v_t in [0, 1]:

1. Peak tracker: P_t = max(e_t, P_{t-1} - 0.04 dB), i.e. the loudest recent frame,
   forgotten at 1 dB/s. P_{-1} = -inf.
2. Dynamic range: values of m_t and e_t under P_t - 80 dB are raised to it. Whatever is
   80 dB under the loudest recent sound is inaudible, but per-bin normalisation would blow
   it up: an empty band (audio from an 8 kHz source, a codec's low-pass) would show its
   -100 dB resampler residue as spectral detail. A floor relative to the peak (like
   Whisper's "max - 80 dB") also keeps gain invariance, which a fixed floor breaks.
3. Forgetting: keep_t = lambda exp(-max(0, e_t - P_{t-1} - 6 dB) / 6 dB), with
   lambda = exp(-1 / (25 fps * 4 s)) (a 4 s memory). A frame more than 6 dB louder than
   anything recent (the first frame, speech after silence, a new speaker or gain) discounts
   the old statistics, so they re-centre at once instead of over 4 s.
4. Speech gate: w_t = sigmoid((e_t - P_t + 30 dB) / 3 dB). Pauses more than 30 dB under
   the recent peak barely count, so silence and room noise do not drag the means down. The
   gate is soft so that rounding differences can never flip a decision.
5. Weighted running means, bias-corrected (the exact weighted mean while few frames have
   been seen, an exponential average later), of the frame's mean spectrum and level:
       S_t = keep_t S_{t-1} + w_t [mean_k m_t, e_t],  W_t = keep_t W_{t-1} + w_t,
       mu_t = S_t / W_t
   and likewise of log2 F0 with weights w_t v_t (a mean over voiced speech only).
6. Output: m_t - mu_m (each of the K spectra), e_t - mu_e (dB) and v_t (f_t - mu_f)
   (octaves; 0 when unvoiced).

The statistics include frame t itself, so the first frame is normalised against itself
(all zeros), and a frame that resets them by a large jump comes out near 0 too: outputs
stay bounded whatever the jump. Every quantity the gate, floor and forgetting look at is a
level difference, so a gain change leaves the output unchanged from the first frame on,
as long as the recent peak is above -120 dBFS (80 dB over spectrum.FLOOR_DB). Speaker and
channel normalisation need the statistics to warm up: they settle over ~1 s of speech.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..grid import FPS

TIME_CONSTANT_S = 4.0
PEAK_RELEASE_DB_PER_S = 1.0
JUMP_MARGIN_DB = 6.0
JUMP_SCALE_DB = 6.0
GATE_DB = 30.0
GATE_WIDTH_DB = 3.0
DYNAMIC_RANGE_DB = 80.0

_DECAY = math.exp(-1.0 / (FPS * TIME_CONSTANT_S))
_RELEASE_DB = PEAK_RELEASE_DB_PER_S / FPS


@dataclass
class _RunningMean:
    """Decayed weighted sums; their ratio is the bias-corrected running mean."""

    sums: np.ndarray
    weight: float = 0.0

    def update(self, keep: float, weight: float, value: np.ndarray) -> np.ndarray:
        """Add `value` with `weight` after scaling the past by `keep`; the new mean (or
        `value` itself while nothing has any weight)."""
        self.sums = keep * self.sums + weight * value
        self.weight = keep * self.weight + weight
        return self.sums / self.weight if self.weight > 0.0 else value


class RunningNormaliser:
    """Stateful, causal: feed frames in order, in batches of any size."""

    def __init__(self, n_bins: int) -> None:
        self._peak = -math.inf
        self._spectrum = _RunningMean(np.zeros(n_bins + 1))  # n_bins log-mel + level
        self._pitch = _RunningMean(np.zeros(1))

    def __call__(self, log_mel: np.ndarray, level: np.ndarray, log_f0: np.ndarray,
                 voicing: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Normalise B frames of K sub-frame spectra each.

        (B, K, n_bins) dB, (B,) dB, (B,) log2 Hz, (B,) in [0, 1] -> relative log-mel
        (B, K, n_bins) dB, relative level (B,) dB, relative pitch (B,) octaves.
        """
        relative = np.empty_like(log_mel)
        level_rel = np.empty(len(level))
        pitch = np.empty(len(level))
        for t in range(len(level)):
            keep, gate, floor = self._track(float(level[t]))
            mel = np.maximum(log_mel[t], floor)  # (K, n_bins)
            frame = np.append(mel.mean(axis=0), max(level[t], floor))  # (n_bins + 1,)
            mean = self._spectrum.update(keep, gate, frame)
            relative[t] = mel - mean[:-1]
            level_rel[t] = frame[-1] - mean[-1]
            f0_mean = self._pitch.update(keep, gate * voicing[t], log_f0[t:t + 1])
            pitch[t] = voicing[t] * (log_f0[t] - f0_mean[0])
        return relative, level_rel, pitch

    def _track(self, level: float) -> tuple[float, float, float]:
        """(keep, gate, floor dB) for a frame at `level` dB; updates the peak tracker."""
        excess = level - self._peak - JUMP_MARGIN_DB  # +inf on the first frame
        keep = _DECAY * math.exp(-max(excess, 0.0) / JUMP_SCALE_DB)
        self._peak = max(level, self._peak - _RELEASE_DB)
        gate = 1.0 / (1.0 + math.exp((self._peak - GATE_DB - level) / GATE_WIDTH_DB))
        return keep, gate, self._peak - DYNAMIC_RANGE_DB
