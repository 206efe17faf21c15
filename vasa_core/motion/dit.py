"""The motion network: a diffusion transformer over a window of motion frames.

VASA-1 (Xu et al. 2024, Sec. 3.2) generates holistic motion (head pose + facial dynamics)
with a transformer that denoises a window of W frames, conditioned on frame-aligned audio,
the last K frames of the previous window (with their audio) and global controls. Ours
follows it at CPU size (VASA-1: 8 layers, width 512, ~29M parameters; default here:
4 layers, width 256, ~5.1M parameters; the cost of a network call is measured by
benchmarks/motion.py).

Tokens. One token per frame over K history frames then L <= W window frames:

    history token  k = history_in(m_k) + audio_in(a_k) + pos_k     (or null_history_k)
    window token   j = noisy_in(x_j)   + audio_in(a_{K+j}) + pos_{K+j}

so audio enters where it belongs in time. A dropped history replaces its whole token,
previous audio included, by a learned per-position null; dropped audio replaces every
audio_in(a) by one learned null vector. The window length L may be shorter than W
(streaming uses short windows, `windows.stream_motion`); train on random L to support it.
With `audio_lifter` > 0 each audio frame a first passes through a fixed cepstral lifter
(`audio_projection`), which keeps the log-mel envelope and drops the harmonic detail
that tells synthetic training voices from real ones.

Global conditions (noise level, gaze, distance, emotion) are per-window vectors, like the
class label in DiT (Peebles & Xie 2023). They are summed into one vector c that drives
adaLN-Zero modulation of every block, not prepended as tokens: DiT found adaLN-Zero both
the best and the cheapest conditioning (no extra tokens in attention), and a control
then acts on every frame of the window equally. Each dropped control is a learned null
vector in c. Attention is bidirectional over all K + L tokens.

The output is the clean motion window (x0-prediction, as VASA-1 and MDM): in normalised
units, per-dimension mean/std buffers (`motion_mean`, `motion_std`) saved with the weights.

Inspection. `record_attention(model)` makes every block also compute its attention
weights softmax(q k^T / sqrt(d)) (B, H, K+L, K+L) and keep them, for plots (notebook 03);
the outputs are unchanged. Audio is summed into the frame tokens, so these are maps
between frames (history and window), not between motion and audio tokens.
"""
from __future__ import annotations

import contextlib
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np
import scipy.fft
import torch
import torch.nn.functional as F
from torch import nn

from ..grid import FPS
from ..audio.features import MEL_SLOPE, mel_block_map
from ..audio.spectrum import N_MELS
from ..latent import GAZE_SLICE, MOTION_DIM, MOTION_INDEX
from .conditions import CONDITION_INDEX, CONDITION_NAMES, EMOTIONS, Conditions

STD_FLOOR = 1e-3  # data units; keeps (near-)constant dimensions finite once normalised


def default_drop_probs() -> dict[str, float]:
    """VASA-1's condition dropout: 0.1 for audio and each control, 0.5 for the history."""
    return {"audio": 0.1, "history": 0.5, "gaze": 0.1, "distance": 0.1, "emotion": 0.1}


@dataclass
class MotionDiTConfig:
    """Hyper-parameters of `MotionDiT`; stored as config.json next to the weights."""

    audio_dim: int  # F, features per audio frame (from `vasa_core.audio`)
    motion_dim: int = MOTION_DIM  # D
    window: int = 50  # W, frames generated per window (2 s at 25 fps)
    context: int = 10  # K, history frames taken from the previous window
    min_window: int = 10  # shortest window trained on: the smallest streaming hop
    width: int = 256
    layers: int = 4
    heads: int = 4
    mlp_ratio: float = 4.0
    dropout: float = 0.1
    fps: float = FPS
    # Keep only the first `audio_lifter` cepstral coefficients of each log-mel block (the
    # smooth spectral envelope); 0 keeps the spectra whole. See `audio_projection`.
    audio_lifter: int = 0
    drop_probs: dict[str, float] = field(default_factory=default_drop_probs)

    def __post_init__(self) -> None:
        for name in ("audio_dim", "motion_dim", "window", "context", "min_window", "width",
                     "layers", "heads"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if self.motion_dim != MOTION_DIM:
            raise ValueError(f"motion_dim must be {MOTION_DIM} (latent.MOTION_NAMES)")
        if self.width % self.heads or self.width % 2:
            raise ValueError(f"width {self.width} must be even and divisible by heads {self.heads}")
        if not 0 <= self.audio_lifter <= N_MELS:
            raise ValueError(f"audio_lifter must be in [0, {N_MELS}], got {self.audio_lifter}")
        if self.audio_lifter and self.audio_dim < MEL_SLOPE.stop:
            raise ValueError(f"audio_lifter needs the log-mel blocks of vasa_core.audio "
                             f"(audio_dim >= {MEL_SLOPE.stop}), got audio_dim {self.audio_dim}")
        if self.min_window > self.window:
            raise ValueError(f"min_window {self.min_window} > window {self.window}")
        for name, p in self.drop_probs.items():
            if name not in CONDITION_INDEX or not 0.0 <= p <= 1.0:
                raise ValueError(f"bad drop probability {name}={p}; names: {CONDITION_NAMES}")

    def save(self, directory: str | Path) -> None:
        path = Path(directory) / "config.json"
        path.write_text(json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")

    @classmethod
    def load(cls, directory: str | Path) -> "MotionDiTConfig":
        data = json.loads((Path(directory) / "config.json").read_text())
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown config keys {sorted(unknown)}")
        return cls(**data)


def audio_projection(audio_dim: int, lifter: int) -> torch.Tensor | None:
    """(F, F) fixed map applied to each audio feature frame before `audio_in`, or None for
    `lifter` 0: a cepstral lifter on the log-mel mean and slope blocks (orthonormal DCT-II,
    keep quefrencies < lifter, inverse). The envelope (formants: jaw, rounding) stays; the
    harmonic fine structure, which tells formant-synthesised training voices from real
    ones (benchmarks/RESULTS.md, feature transfer), goes. Linear, per frame: streaming and
    chunking are unaffected."""
    if not lifter:
        return None
    dct = scipy.fft.dct(np.eye(N_MELS), norm="ortho", axis=0)[:lifter]  # (lifter, mel)
    # dct.T @ dct: (mel, mel), symmetric and idempotent, so frames @ it is the lifter.
    projection = mel_block_map(dct.T @ dct, audio_dim)
    return torch.as_tensor(projection, dtype=torch.get_default_dtype())


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10_000.0) -> torch.Tensor:
    """Sinusoidal features (B, dim) of noise levels t in [0, 1] (scaled to 0..1000)."""
    half = dim // 2
    steps = torch.arange(half, device=t.device, dtype=t.dtype)
    args = 1000.0 * t[:, None] * torch.exp(-math.log(max_period) * steps / half)  # (B, half)
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


def modulate(x: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """adaLN: x (B, N, C) with per-sample shift, scale (B, C)."""
    return x * (1 + scale[:, None]) + shift[:, None]


class SelfAttention(nn.Module):
    def __init__(self, width: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.heads, self.dropout = heads, dropout
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.recorded: list[torch.Tensor] | None = None  # set by `record_attention`

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, c = x.shape
        q, k, v = self.qkv(x).view(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        dropout = self.dropout if self.training else 0.0
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout)  # (B, H, N, C/H)
        if self.recorded is not None:  # the weights SDPA used (before its dropout)
            scores = q.detach() @ k.detach().transpose(-2, -1) / math.sqrt(c // self.heads)
            self.recorded.append(scores.float().softmax(dim=-1).cpu())  # (B, H, N, N)
        return self.proj(y.transpose(1, 2).reshape(b, n, c))  # (B, N, C)


@contextlib.contextmanager
def record_attention(model: "MotionDiT") -> Iterator[list[list[torch.Tensor]]]:
    """Keep every block's attention weights while the context is open.

    Yields `maps`: maps[layer] is a list with one (B, H, N, N) float32 CPU tensor per
    network call made inside the context, N = K + L tokens (K history frames, then the
    L window frames); row i is how query token i spreads its attention over the keys (each
    row sums to 1). The network's outputs are unchanged (the weights are recomputed from
    the same q and k beside the fused attention); recording costs time and memory, so
    close the context when done.

        with record_attention(model) as maps:
            model(x_t, t, cond)
        maps[0][0].shape          # (B, heads, K + L, K + L), first layer, first call
    """
    maps: list[list[torch.Tensor]] = [[] for _ in model.blocks]
    for block, kept in zip(model.blocks, maps):
        block.attn.recorded = kept
    try:
        yield maps
    finally:
        for block in model.blocks:
            block.attn.recorded = None


class Block(nn.Module):
    """Pre-norm transformer block with adaLN-Zero modulation by the global vector c."""

    def __init__(self, width: int, heads: int, mlp_ratio: float, dropout: float) -> None:
        super().__init__()
        hidden = int(width * mlp_ratio)
        self.norm1 = nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
        self.attn = SelfAttention(width, heads, dropout)
        self.norm2 = nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
        # Exact GELU rather than DiT's tanh approximation: the cheaper of the two on CPU.
        self.mlp = nn.Sequential(nn.Linear(width, hidden), nn.GELU(), nn.Dropout(dropout),
                                 nn.Linear(hidden, width))
        self.modulation = nn.Linear(width, 6 * width)

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        shift1, scale1, gate1, shift2, scale2, gate2 = self.modulation(c).chunk(6, dim=-1)
        x = x + gate1[:, None] * self.attn(modulate(self.norm1(x), shift1, scale1))
        return x + gate2[:, None] * self.mlp(modulate(self.norm2(x), shift2, scale2))


class MotionDiT(nn.Module):
    """x0-predictor: (noisy window, noise level, Conditions) -> clean window, normalised."""

    def __init__(self, config: MotionDiTConfig) -> None:
        super().__init__()
        self.config = config
        width, k, d = config.width, config.context, config.motion_dim
        self.noisy_in = nn.Linear(d, width)
        self.history_in = nn.Linear(d, width)
        self.audio_in = nn.Linear(config.audio_dim, width)
        self.pos = nn.Parameter(torch.randn(k + config.window, width) * 0.02)
        self.time_in = nn.Sequential(nn.Linear(width, width), nn.SiLU(), nn.Linear(width, width))
        self.gaze_in = nn.Linear(2, width)
        self.distance_in = nn.Linear(1, width)
        self.emotion_in = nn.Embedding(len(EMOTIONS), width)
        # Learned stand-ins for dropped conditions: one per history position, else one vector.
        null_shapes = {name: (width,) for name in CONDITION_NAMES} | {"history": (k, width)}
        self.null = nn.ParameterDict({name: nn.Parameter(torch.randn(shape) * 0.02)
                                      for name, shape in null_shapes.items()})
        self.blocks = nn.ModuleList(Block(width, config.heads, config.mlp_ratio, config.dropout)
                                    for _ in range(config.layers))
        self.final_norm = nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
        self.final_modulation = nn.Linear(width, 2 * width)
        self.out = nn.Linear(width, d)
        # Derived from the config, so not saved with the weights; None without a lifter.
        self.register_buffer("audio_projection", audio_projection(config.audio_dim,
                                                                  config.audio_lifter),
                             persistent=False)
        self.register_buffer("motion_mean", torch.zeros(d))
        self.register_buffer("motion_std", torch.ones(d))
        self._init_weights()

    def _init_weights(self) -> None:
        """DiT's init: Xavier linears, zero adaLN modulations and output (starts at the mean)."""
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.xavier_uniform_(module.weight)
                nn.init.zeros_(module.bias)
        nn.init.normal_(self.emotion_in.weight, std=0.02)
        for layer in [b.modulation for b in self.blocks] + [self.final_modulation, self.out]:
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)

    # -- normalisation --------------------------------------------------------------
    @torch.no_grad()
    def set_normalisation(self, motion: torch.Tensor) -> None:
        """Per-dimension mean/std from training motion (..., D) in data units."""
        flat = motion.reshape(-1, self.config.motion_dim).double()
        self.motion_mean.copy_(flat.mean(0))
        self.motion_std.copy_(flat.std(0).clamp_min(STD_FLOOR))

    def normalise(self, motion: torch.Tensor) -> torch.Tensor:
        return (motion - self.motion_mean) / self.motion_std

    def denormalise(self, motion: torch.Tensor) -> torch.Tensor:
        return motion * self.motion_std + self.motion_mean

    # -- forward ----------------------------------------------------------------------
    def forward(self, x_t: torch.Tensor, t: torch.Tensor, cond: Conditions) -> torch.Tensor:
        """x_t (B, L, D) noisy normalised window, t (B,) in [0, 1] -> x0 (B, L, D)."""
        self._check(x_t, t, cond)
        k, length = self.config.context, x_t.shape[1]
        features = cond.audio  # (B, K+L, F)
        if self.audio_projection is not None:
            features = features @ self.audio_projection
        audio = self._choose(cond, "audio", self.audio_in(features))  # (B, K+L, C)
        history = self.history_in(self.normalise(cond.history)) + audio[:, :k]  # (B, K, C)
        history = self._choose(cond, "history", history)
        window = self.noisy_in(x_t) + audio[:, k:]  # (B, L, C)
        h = torch.cat([history, window], dim=1) + self.pos[: k + length]  # (B, K+L, C)
        c = F.silu(self._global_vector(t, cond))  # (B, C)
        for block in self.blocks:
            h = block(h, c)
        shift, scale = self.final_modulation(c).chunk(2, dim=-1)
        return self.out(modulate(self.final_norm(h[:, k:]), shift, scale))  # (B, L, D)

    def _global_vector(self, t: torch.Tensor, cond: Conditions) -> torch.Tensor:
        """Noise level + controls, each control normalised like its motion dimensions."""
        mean, std = self.motion_mean, self.motion_std
        gaze = (cond.gaze - mean[GAZE_SLICE]) / std[GAZE_SLICE]  # (B, 2)
        distance = cond.distance[:, None] / std[MOTION_INDEX["log_scale"]]  # (B, 1)
        emotion = cond.emotion_strength[:, None] * self.emotion_in(cond.emotion)  # (B, C)
        return (self.time_in(timestep_embedding(t, self.config.width))
                + self._choose(cond, "gaze", self.gaze_in(gaze))
                + self._choose(cond, "distance", self.distance_in(distance))
                + self._choose(cond, "emotion", emotion))

    def _choose(self, cond: Conditions, name: str, value: torch.Tensor) -> torch.Tensor:
        """`value` (B, ..., C) where condition `name` is present, its null embedding elsewhere."""
        present = cond.present[:, CONDITION_INDEX[name]]
        present = present.view(-1, *([1] * (value.dim() - 1)))
        return torch.where(present, value, self.null[name].to(value.dtype))

    def _check(self, x_t: torch.Tensor, t: torch.Tensor, cond: Conditions) -> None:
        config = self.config
        if x_t.dim() != 3:
            raise ValueError(f"x_t must be (B, L, {config.motion_dim}), got {tuple(x_t.shape)}")
        b, length, d = x_t.shape
        if d != config.motion_dim or not 1 <= length <= config.window:
            raise ValueError(f"x_t must be (B, L<={config.window}, {config.motion_dim}), "
                             f"got {tuple(x_t.shape)}")
        if t.shape != (b,):
            raise ValueError(f"t must be ({b},), got {tuple(t.shape)}")
        k = config.context
        if cond.audio.shape != (b, k + length, config.audio_dim):
            raise ValueError(f"audio must be ({b}, {k + length}, {config.audio_dim}), "
                             f"got {tuple(cond.audio.shape)}")
        if cond.history.shape != (b, k, d):
            raise ValueError(f"history must be ({b}, {k}, {d}), got {tuple(cond.history.shape)}")

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())
