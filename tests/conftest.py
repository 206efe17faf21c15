"""Shared fixtures: the built-in portrait always; ../shared/assets portraits when present."""
from __future__ import annotations

import functools

import pytest

from vasa_core.io.examples import example_portrait_path, shared_portraits


def portrait_params():
    """The built-in portrait plus every shared portrait (absent in a bare clone)."""
    paths = [example_portrait_path()] + list(shared_portraits())
    return [pytest.param(p, id=p.name) for p in map(__import__("pathlib").Path, paths)]


@functools.lru_cache(maxsize=16)
def cached_latent(path: str):
    from vasa_core.face import analyze_image

    return analyze_image(path)


@functools.lru_cache(maxsize=16)
def cached_renderer(path: str, size: int = 512, crop: str = "face"):
    from vasa_core.render import Renderer

    return Renderer(cached_latent(path), size=size, crop=crop)


def _speak(text: str, sample_rate: int):
    from vasa_core.speech.tts import synthesize

    return synthesize(text, sample_rate=sample_rate).wave


@functools.lru_cache(maxsize=8)
def fresh_speech(text: str, sample_rate: int):
    """(N,) float32 eSpeak speech of `text`, spoken by a fresh process: in-process eSpeak's
    output depends on what it said before, so a test whose bound depends on the audio
    would otherwise depend on which tests ran first."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_speak, (text, sample_rate))
