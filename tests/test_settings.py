"""The controls table (`settings.Settings`) is the one declaration of every generation
control: the pipeline's `__call__`, `motion` and `stream`, `vasa generate`, a batch manifest
row and the web app each accept every control, with the table's default."""
from __future__ import annotations

import argparse
import dataclasses
import inspect
from pathlib import Path

import numpy as np
import pytest

from vasa_core.settings import DEFAULTS, Settings, check, table

NAMES = list(table())


def other_value(name: str):
    """A valid value of `name` that differs from its default."""
    default, spec, kind = table()[name]
    if spec.parts:
        return tuple(float(low + (high - low) / 4) for low, high, _ in spec.ui)
    if kind is bool:
        return not default
    if spec.choices is not None:
        return spec.choices[-1]
    if spec.ui_choices:
        return spec.ui_choices[0]
    if default is None:
        low, high, _ = spec.ui[0]
        return (int if kind is int else float)(low + (high - low) / 4)
    if spec.high is not None:
        return kind(spec.low + (spec.high - spec.low) / 2) if kind is float \
            else kind((spec.low + spec.high) // 2)
    return default + kind(1)


def test_table_lists_every_control_with_a_checked_default():
    assert NAMES == [f.name for f in dataclasses.fields(Settings)]
    assert len(NAMES) >= 16
    for name in NAMES:
        default, spec, _ = table()[name]
        assert spec.help and not spec.help.endswith(".")
        check(name, default)
        check(name, other_value(name))
        assert other_value(name) != default
        if default is None:  # a default of None needs a meaning ("auto"); an auto
            assert spec.auto is not None, name  # control may still default to a value
        if spec.auto is not None:
            check(name, None)


@pytest.mark.parametrize("name, bad", [
    ("lip_reading", 1.5), ("lip_lookahead", 2.5), ("lip_lookahead", 26), ("steps", 0),
    ("head_motion", -0.1), ("blink_rate", 61.0), ("cfg_audio", float("nan")),
    ("emotion", "joyful"), ("crop", "square"), ("gaze", (1.0,)), ("gaze", "up"),
    ("mark", "yes"), ("seed", -1), ("size", 0), ("steps", True),
])
def test_bad_values_are_refused_naming_the_control(name, bad):
    with pytest.raises(ValueError, match=name):
        Settings(**{name: bad})


def test_unknown_options_are_a_type_error_listing_the_controls():
    with pytest.raises(TypeError, match="unknown option.*lip_speed.*the controls are: gaze"):
        Settings.of({"lip_speed": 2})


def test_pipeline_signatures_carry_every_control_with_its_default():
    from vasa_core import TalkingFacePipeline

    params = inspect.signature(TalkingFacePipeline.__call__).parameters
    assert list(params)[:3] == ["self", "image", "audio"]
    for name in NAMES:
        assert params[name].default == getattr(DEFAULTS, name)
        assert name in TalkingFacePipeline.__call__.__doc__
        assert name in TalkingFacePipeline.motion.__doc__


@pytest.fixture(scope="module")
def pipe(tmp_path_factory):
    from tiny_checkpoint import save_tiny_checkpoint
    from vasa_core import TalkingFacePipeline

    return TalkingFacePipeline.from_pretrained(save_tiny_checkpoint(
        tmp_path_factory.mktemp("ckpt")))


class Stop(Exception):
    """Raised by the spy once it has seen the settings of a call."""


@pytest.fixture
def seen(monkeypatch) -> list[Settings]:
    """The `Settings` each pipeline call builds, the call stopped right after."""
    import vasa_core.pipeline as pipeline

    calls: list[Settings] = []

    def spy(options):
        calls.append(Settings(**options))
        raise Stop

    monkeypatch.setattr(pipeline.Settings, "of", staticmethod(spy))
    return calls


@pytest.mark.parametrize("name", NAMES)
def test_every_control_reaches_call_motion_and_stream(pipe, seen, name):
    from tiny_checkpoint import speech_like

    value, wave = other_value(name), (speech_like(0.3), 16000)
    with pytest.raises(Stop):
        pipe("portrait.jpg", wave, **{name: value})
    with pytest.raises(Stop):
        pipe.motion(wave, **{name: value})
    with pytest.raises(Stop):
        pipe.stream("portrait.jpg", iter([]), **{name: value})
    assert [getattr(s, name) for s in seen] == [value] * 3
    untouched = [n for n in NAMES if n != name and n != "steps"]
    assert all(getattr(s, n) == getattr(DEFAULTS, n) for s in seen for n in untouched)
    assert seen[2].steps == (value if name == "steps" else 4)  # a stream's own default


def test_every_control_really_changes_the_motion_it_can_change(pipe):
    """Not only accepted: the controls that shape motion change it (the tiny model). The
    clip is long enough that the two blink rates blink differently."""
    from tiny_checkpoint import speech_like

    wave = (speech_like(3.0), 16000)
    base = pipe.motion(wave).values
    for name in ("gaze", "distance", "emotion", "emotion_strength", "head_motion",
                 "blink_rate", "lip_reading", "cfg_control", "steps", "seed"):
        options = {name: other_value(name)}
        if name in ("emotion_strength", "cfg_control"):
            options["emotion"] = "happy"  # they act on a given emotion / control
        moved = pipe.motion(wave, **options).values
        assert not np.allclose(moved, base), name


def parse_generate(argv: list[str]) -> argparse.Namespace:
    from vasa_core.cli import build_parser

    return build_parser().parse_args(["generate", "--audio", "a.wav", *argv])


def cli_options(args: argparse.Namespace) -> dict:
    from vasa_core.cli.options import generation_options, render_options

    return {**generation_options(args), **render_options(args)}


def test_vasa_generate_has_a_flag_per_control_with_the_tables_default():
    assert cli_options(parse_generate([])) == dataclasses.asdict(DEFAULTS)
    for name in NAMES:
        value = other_value(name)
        flag = "--" + name.replace("_", "-")
        argv = ([flag if value else "--no-" + name.replace("_", "-")]
                if isinstance(value, bool)
                else [flag, *map(str, value if isinstance(value, tuple) else (value,))])
        assert cli_options(parse_generate(argv))[name] == value, argv


def test_a_manifest_row_has_a_column_per_control():
    from vasa_core.cli.batch import OPTION_COLUMNS, Row, row_options

    defaults = dataclasses.asdict(DEFAULTS)
    assert {name for name, _, _ in OPTION_COLUMNS.values()} == set(NAMES)
    for name in NAMES:
        value = other_value(name)
        columns = [c for c, (n, _, _) in OPTION_COLUMNS.items() if n == name]
        cells = value if isinstance(value, tuple) else (value,)
        row = Row(1, Path("a.jpg"), Path("a.wav"), Path("a.mp4"),
                  {column: str(cell) for column, cell in zip(columns, cells)})
        assert row_options(row, defaults) == {**defaults, name: value}


def test_the_app_has_a_widget_per_control_with_the_tables_default():
    import gradio as gr

    from demo.handlers import pipeline_options
    from demo.ui import _control_widgets

    with gr.Blocks():
        widgets = _control_widgets()
    values = {key: widget.value for key, widget in widgets.items()}
    assert pipeline_options(values) == dataclasses.asdict(DEFAULTS)
    for name in NAMES:
        value, (_, spec, _) = other_value(name), table()[name]
        changed = dict(values)
        if spec.parts:
            changed.update({f"{name}_{part}": cell for part, cell in zip(spec.parts, value)})
        else:
            changed[name] = value
        if f"{name}_auto" in changed:
            changed[f"{name}_auto"] = False
        assert pipeline_options(changed)[name] == value, name


def flags(name: str, value) -> list[str]:
    """The `vasa generate` flags that set control `name` to `value`."""
    flag = "--" + name.replace("_", "-")
    if isinstance(value, bool):
        return [flag if value else "--no-" + name.replace("_", "-")]
    return [flag, *map(str, value if isinstance(value, tuple) else (value,))]


@pytest.mark.parametrize("name", NAMES)
def test_every_control_reaches_the_pipeline_from_the_command_line_and_a_manifest(
        tmp_path, seen, name):
    """End to end: `vasa generate` with the control's flag, and a batch manifest with its
    column(s), hand the value to the pipeline's Settings (the call stops right there)."""
    from tiny_checkpoint import save_tiny_checkpoint

    from vasa_core.cli import main
    from vasa_core.cli.batch import OPTION_COLUMNS

    checkpoint = save_tiny_checkpoint(tmp_path / "ckpt")
    value = other_value(name)
    with pytest.raises(Stop):
        main(["generate", "--audio", "speech.wav", "--out", str(tmp_path / "o.mp4"),
              "--checkpoint", str(checkpoint), *flags(name, value)])
    columns = [c for c, (n, _, _) in OPTION_COLUMNS.items() if n == name]
    cells = value if isinstance(value, tuple) else (value,)
    manifest = tmp_path / "jobs.csv"
    manifest.write_text("image,audio," + ",".join(columns) + "\n"
                        + "a.jpg,a.wav," + ",".join(map(str, cells)) + "\n")
    assert main(["generate", "--manifest", str(manifest), "--out-dir", str(tmp_path / "v"),
                 "--checkpoint", str(checkpoint), "--no-progress"]) == 1  # the row stopped
    assert [getattr(s, name) for s in seen] == [value, value]
