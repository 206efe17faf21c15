"""TalkingFacePipeline inputs as bytes (an upload) give the same clip as paths; `.to`."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from tiny_checkpoint import save_tiny_checkpoint, speech_like, write_wav
from vasa_core.audio import load_audio
from vasa_core.io.examples import example_portrait_path
from vasa_core.io.media import load_image
from vasa_core.pipeline import TalkingFacePipeline

PORTRAIT = example_portrait_path()


@pytest.fixture(scope="module")
def pipe(tmp_path_factory) -> TalkingFacePipeline:
    return TalkingFacePipeline.from_pretrained(
        save_tiny_checkpoint(tmp_path_factory.mktemp("checkpoint")))


@pytest.fixture(scope="module")
def wav(tmp_path_factory):
    return write_wav(tmp_path_factory.mktemp("audio") / "speech.wav", speech_like(1.0))


def test_bytes_inputs_give_the_same_frames_as_paths(pipe, wav):
    from_paths = pipe(PORTRAIT, wav, size=64, steps=2, seed=1)
    from_bytes = pipe(PORTRAIT.read_bytes(), wav.read_bytes(), size=64, steps=2, seed=1)
    np.testing.assert_array_equal(from_bytes.frames, from_paths.frames)
    np.testing.assert_array_equal(from_bytes.audio, from_paths.audio)


def test_audio_bytes_load_like_the_file(wav):
    np.testing.assert_array_equal(load_audio(wav.read_bytes()), load_audio(wav))
    np.testing.assert_array_equal(load_audio(bytearray(wav.read_bytes())), load_audio(wav))


@pytest.mark.parametrize("garbage, message", [
    (b"", "empty"), (b"\x00\x01 not audio at all" * 50, "could not decode the audio bytes")])
def test_garbage_audio_bytes_are_a_clear_value_error(garbage, message):
    with pytest.raises(ValueError, match=message):
        load_audio(garbage)


def test_garbage_image_bytes_are_a_clear_value_error():
    with pytest.raises(ValueError, match="could not read the image bytes"):
        load_image(b"\xff\xd8\xff\xe0 not a JPEG" * 20)
    np.testing.assert_array_equal(load_image(PORTRAIT.read_bytes()), load_image(PORTRAIT))


def test_garbage_bytes_through_the_pipeline_raise_value_error(pipe, wav):
    with pytest.raises(ValueError, match="audio bytes"):
        pipe(PORTRAIT, b"garbage" * 100, size=64, steps=2)


def test_to_moves_the_model_and_returns_the_pipeline(pipe):
    assert pipe.to("cpu") is pipe
    assert pipe.device == torch.device("cpu")
    assert next(pipe.model.parameters()).device == torch.device("cpu")
