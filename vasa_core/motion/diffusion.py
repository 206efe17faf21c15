"""The noise process and the training objective (no network, no sampler here).

Forward process: variance-preserving with the continuous cosine schedule (Nichol &
Dhariwal 2021, without their offset),

    x_t = alpha(t) x0 + sigma(t) eps,   alpha = cos(pi t / 2),  sigma = sin(pi t / 2),

t in [0, 1]: t = 0 is clean data, t = 1 pure noise (alpha = 0 exactly, so samplers start
from N(0, I) with no terminal-SNR mismatch). x0 lives in normalised units (unit variance
per dimension, `MotionDiT.normalise`), which is what this schedule assumes.

Objective (VASA-1 Sec. 3.2 trains the denoiser to predict the clean motion; the
velocity term is the one of MDM, Tevet et al. 2023, for smooth motion):

    loss = mean |x0_hat - x0|^2 + velocity_weight * mean |diff(x0_hat) - diff(x0)|^2

with t ~ U(0, 1), both terms averaged over batch, frames and dimensions; diff is the
first difference along time; velocity_weight defaults to 1 (equal weights). Both terms are
minimised by the same x0_hat = E[x0 | x_t, cond], so the velocity term does not bias the
denoiser: it re-weights its errors towards frame-to-frame jitter (independent per-frame
errors count three times), which a finite network otherwise under-fits.

Condition dropout (for classifier-free guidance) is `conditions.drop_conditions`; the
trainer applies it to `cond` before calling `training_loss`.
"""
from __future__ import annotations

import math
from typing import Callable

import torch

from .conditions import Conditions

# A denoiser: (x_t (B, L, D), t (B,), cond) -> x0 estimate (B, L, D).
ModelFn = Callable[[torch.Tensor, torch.Tensor, Conditions], torch.Tensor]


def alpha_sigma(t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Signal and noise scales at noise level t (any shape); alpha^2 + sigma^2 = 1.

    Both written as sines, which are exact at the ends: alpha(1) = sigma(0) = 0.
    """
    return torch.sin((1 - t) * (math.pi / 2)), torch.sin(t * (math.pi / 2))


def q_sample(x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """Noise clean windows x0 (B, L, D) to levels t (B,) with standard normal noise."""
    alpha, sigma = alpha_sigma(t.to(x0.dtype)[:, None, None])
    return alpha * x0 + sigma * noise


def training_loss(model: ModelFn, x0: torch.Tensor, cond: Conditions,
                  generator: torch.Generator | None = None,
                  velocity_weight: float = 1.0) -> dict[str, torch.Tensor]:
    """Loss terms for one batch of normalised clean windows x0 (B, L, D).

    Returns {"loss": total, "x0": position MSE, "velocity": velocity MSE}; only "loss"
    needs a backward pass.
    """
    batch = x0.shape[0]
    t = torch.rand(batch, generator=generator).to(x0.device, x0.dtype)  # (B,)
    noise = torch.randn(x0.shape, generator=generator).to(x0.device, x0.dtype)
    x0_hat = model(q_sample(x0, t, noise), t, cond)  # (B, L, D)
    position = (x0_hat - x0).pow(2).mean()
    velocity = (x0_hat.diff(dim=1) - x0.diff(dim=1)).pow(2).mean() if x0.shape[1] > 1 \
        else x0_hat.new_zeros(())
    return {"loss": position + velocity_weight * velocity, "x0": position, "velocity": velocity}
