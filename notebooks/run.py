"""Execute the teaching notebooks: `python notebooks/run.py [--small] [--in-place] [NAMES]`.

Every notebook reads its size from the environment variable VASA_NOTEBOOK_SMALL (set by
--small, and by the tests): "1" runs a few-second version of every cell (CI), unset runs
the full version whose outputs are committed. --in-place writes the executed notebook back
(what `make notebooks` does, so the committed figures match the code).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
SMALL_ENV = "VASA_NOTEBOOK_SMALL"


def notebooks() -> list[Path]:
    """The numbered notebooks, in order."""
    return sorted(HERE.glob("[0-9][0-9]_*.ipynb"))


def execute(path: Path, small: bool, timeout: int = 900) -> nbformat.NotebookNode:
    """Run every cell of `path` in a fresh kernel started in the notebook's folder; a
    failing cell raises nbclient's CellExecutionError."""
    os.environ[SMALL_ENV] = "1" if small else ""
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return notebook


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebook file names (default: all)")
    parser.add_argument("--small", action="store_true", help="CI-sized settings")
    parser.add_argument("--in-place", action="store_true", help="write the outputs back")
    args = parser.parse_args(argv)
    for path in notebooks():
        if args.names and path.name not in args.names and path.stem not in args.names:
            continue
        print(f"running {path.name}", file=sys.stderr)
        notebook = execute(path, args.small)
        if args.in_place:
            nbformat.write(notebook, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
