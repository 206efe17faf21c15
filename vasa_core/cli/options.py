"""Command-line flags generated from the controls table (`settings.Settings`), and loading
the talking-face pipeline the commands run.

One flag per control: `lip_lookahead` -> `--lip-lookahead N`, a bool -> `--mark/--no-mark`,
a tuple -> one flag taking its parts (`--gaze YAW PITCH`). Values are checked by the API's
own rule (`settings.check`): a bad value is a usage error (exit 2) naming the control.
"""
from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path

from ..settings import Control, check, table

RENDER_OPTIONS = ("size", "crop", "mark")  # the controls of every command that writes video
GENERATION_OPTIONS = tuple(name for name in table() if name not in RENDER_OPTIONS)


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def add_options(p: argparse.ArgumentParser, names: Iterable[str],
                defaults: dict | None = None) -> None:
    """One flag per control in `names`; `defaults` overrides the table's defaults."""
    for name in names:
        default, spec, kind = table()[name]
        default = (defaults or {}).get(name, default)
        text = _help(spec, kind, default)
        if kind is bool:
            p.add_argument(flag(name), action=argparse.BooleanOptionalAction, default=default,
                           help=text)
        elif spec.parts:
            p.add_argument(flag(name), type=_checked(name, kind, False), default=default,
                           help=text, nargs=len(spec.parts),
                           metavar=tuple(part.upper() for part in spec.parts))
        else:
            p.add_argument(flag(name), type=_checked(name, kind, True, spec.auto), default=default,
                           help=text, **({"metavar": spec.metavar} if spec.metavar else {}))


def _help(spec: Control, kind: type, default) -> str:
    """The control's help text with its choices and default, escaped for argparse."""
    text = spec.help.replace("%", "%%")
    if spec.choices is not None:
        text += f"; one of: {', '.join(spec.choices)}"
    if spec.auto is not None and default is None:
        return text + f" (default: {spec.auto})"
    if spec.auto is not None:
        text += f"; 'auto': {spec.auto}"
    if kind is bool:
        return text + f" (default: {'on' if default else 'off'})"
    return text + " (default: %(default)s)"


def _checked(name: str, kind: type, whole: bool, auto: str | None = None):
    """An argparse type: the text as `kind` and, for a `whole` value (not one part of a
    tuple), checked by the API's own rule (`settings.check`), so that a bad value is a
    usage error (exit 2) naming the control; "auto" is None for a control with an `auto`
    meaning."""
    def convert(text: str):
        if auto is not None and text == "auto":
            return None
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a valid {kind.__name__}") from None
        if whole:
            try:
                check(name, value)
            except ValueError as err:
                raise argparse.ArgumentTypeError(str(err)) from None
        return value

    convert.__name__ = kind.__name__  # argparse names the type in its messages
    return convert


def add_generation_options(p: argparse.ArgumentParser, steps: int | None = None) -> None:
    """--checkpoint and the generation controls that `generate`, `motion` and `stream`
    share (`steps`: another --steps default, e.g. the stream's)."""
    p.add_argument("--checkpoint", type=Path, metavar="DIR",
                   help="motion checkpoint directory (default: checkpoints/vasa-motion-s)")
    add_options(p, GENERATION_OPTIONS, None if steps is None else {"steps": steps})


def add_render_options(p: argparse.ArgumentParser) -> None:
    """--size, --crop and --mark/--no-mark, shared by the commands that write video."""
    add_options(p, RENDER_OPTIONS)


def generation_options(args: argparse.Namespace, names: Iterable[str] = GENERATION_OPTIONS
                       ) -> dict:
    """The pipeline's keyword arguments from the parsed flags of `names`."""
    options = {name: getattr(args, name) for name in names}
    if options.get("gaze") is not None:
        options["gaze"] = tuple(options["gaze"])
    return options


def render_options(args: argparse.Namespace) -> dict:
    return generation_options(args, RENDER_OPTIONS)


def load_pipeline(checkpoint: Path | None, device: str = "cpu"):
    from ..pipeline import TalkingFacePipeline

    return TalkingFacePipeline.from_pretrained(checkpoint, device=device)
