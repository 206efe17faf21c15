"""`dit.record_attention`: the attention maps notebook 03 plots are the network's own."""
from __future__ import annotations

from dataclasses import replace

import torch

from vasa_core.latent import MOTION_DIM
from vasa_core.motion import Controls, MotionDiT, MotionDiTConfig, make_conditions
from vasa_core.motion.dit import record_attention

TINY = dict(audio_dim=6, window=8, context=3, min_window=2, width=32, layers=3, heads=4,
            dropout=0.0)


def setup(length: int = 6, batch: int = 2):
    torch.manual_seed(0)
    model = MotionDiT(MotionDiTConfig(**TINY))
    with torch.no_grad():  # leave DiT's zero init, so attention shapes the output
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.3)
    model.eval()
    k = TINY["context"]
    g = torch.Generator().manual_seed(1)
    audio = torch.randn(batch, k + length, TINY["audio_dim"], generator=g)
    history = torch.randn(batch, k, MOTION_DIM, generator=g)
    cond = make_conditions(audio, history, [Controls()] * batch, k)
    x_t = torch.randn(batch, length, MOTION_DIM, generator=g)
    return model, x_t, torch.full((batch,), 0.5), cond


def test_maps_are_row_stochastic_with_one_per_layer_and_call():
    model, x_t, t, cond = setup()
    with record_attention(model) as maps:
        model(x_t, t, cond)
        model(x_t[:, :4], t, replace(cond, audio=cond.audio[:, :TINY["context"] + 4]))
    n = TINY["context"] + x_t.shape[1]
    assert len(maps) == TINY["layers"]
    for layer in maps:
        assert [m.shape for m in layer] == [(2, TINY["heads"], n, n), (2, TINY["heads"], 7, 7)]
        for m in layer:
            assert (m >= 0).all()
            torch.testing.assert_close(m.sum(-1), torch.ones(m.shape[:-1]))
    assert not torch.allclose(maps[0][0], maps[1][0])  # each layer its own map


def test_recording_leaves_outputs_unchanged_and_stops_on_exit():
    model, x_t, t, cond = setup()
    with torch.no_grad():
        plain = model(x_t, t, cond)
        with record_attention(model) as maps:
            recorded = model(x_t, t, cond)
        after = model(x_t, t, cond)
    assert torch.equal(plain, recorded) and torch.equal(plain, after)
    assert all(len(layer) == 1 for layer in maps)  # the call after the context is not kept
    assert all(block.attn.recorded is None for block in model.blocks)


def test_maps_match_a_hand_computed_first_layer():
    """Layer 0's map is softmax(q k^T / sqrt(d)) of its own modulated input."""
    model, x_t, t, cond = setup(batch=1)
    inputs = {}
    hook = model.blocks[0].attn.register_forward_pre_hook(lambda m, a: inputs.update(x=a[0]))
    with torch.no_grad(), record_attention(model) as maps:
        model(x_t, t, cond)
    hook.remove()
    attn, x = model.blocks[0].attn, inputs["x"]
    b, n, c = x.shape
    q, k, _ = attn.qkv(x).view(b, n, 3, attn.heads, c // attn.heads).permute(2, 0, 3, 1, 4)
    expected = torch.softmax(q @ k.transpose(-2, -1) / (c // attn.heads) ** 0.5, dim=-1)
    torch.testing.assert_close(maps[0][0], expected.detach())
