"""The package's rooms follow the data flow, and no room imports a room above it
(docs/design.md, "Rooms"). Imports inside functions count too: a lazy import upwards is
still a dependency upwards."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "vasa_core"

# Rank of each room: a module may import rooms of its own rank or lower.
LAYERS: dict[str, int] = {
    "grid": 0, "latent": 0, "settings": 0,
    "io": 1,
    "audio": 2, "face": 2, "speech": 2,
    "teacher": 3,
    "motion": 4,
    "animate": 5, "render": 5,
    "provenance": 6,
    "pipeline": 7, "notices": 7,
    "cli": 8, "eval": 8, "data": 8, "train": 8, "__main__": 8,
}
MAX_LOOSE_MODULES = 8


def room(module: str) -> str | None:
    """'vasa_core.motion.lips' -> 'motion'; None for the package itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute vasa_core module) of every import in `path`, at any depth."""
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    package = package.removesuffix(".__init__")
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                names = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
            else:
                names = [node.module or ""]
            found += [(node.lineno, name) for name in names if name.startswith("vasa_core")]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names
                      if a.name.startswith("vasa_core")]
    return found


def test_every_room_has_a_rank():
    rooms = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()
             if (p.suffix == ".py" and p.name != "__init__.py")
             or (p.is_dir() and (p / "__init__.py").is_file())}
    assert rooms == set(LAYERS)


def test_no_room_imports_a_room_above_it():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        own = room(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))
        if own in (None, "__init__"):
            continue
        for line, target in imports(path):
            other = room(target)
            if other is not None and other in LAYERS and LAYERS[other] > LAYERS[own]:
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line} ({own}) -> {target}")
    assert not upward, "imports from a lower room up into a higher one:\n" + "\n".join(upward)


def test_the_top_level_is_small_and_exports_the_pipeline():
    loose = [p.name for p in PACKAGE.glob("*.py")]
    assert len(loose) <= MAX_LOOSE_MODULES, loose
    import vasa_core
    from vasa_core import TalkingFacePipeline
    from vasa_core.pipeline import TalkingFacePipeline as direct

    assert TalkingFacePipeline is direct and "TalkingFacePipeline" in vasa_core.__all__


def test_the_layer_check_sees_lazy_and_relative_imports(tmp_path):
    """The check can fail: a relative import inside a function is read as its module."""
    fake = PACKAGE / "io" / "_probe_for_test.py"
    fake.write_text("def f():\n    from ..motion import lips\n", encoding="utf-8")
    try:
        assert imports(fake) == [(2, "vasa_core.motion")]
    finally:
        fake.unlink()
