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
