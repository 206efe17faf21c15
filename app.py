"""The web app: `python app.py [--host 127.0.0.1] [--port 7860] [--checkpoint DIR]`.

Loads the motion checkpoint once, builds the page with `demo.ui.build_app` and serves it on
127.0.0.1 (this machine only) unless --host says otherwise. The port is --port, else the
GRADIO_SERVER_PORT environment variable, else 7860.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options; the environment only supplies the default port."""
    parser = argparse.ArgumentParser(description="vasa_core talking-portrait web app")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help="address to bind (default: %(default)s; 0.0.0.0 for the network)")
    parser.add_argument("--port", type=int,
                        default=int(os.environ.get("GRADIO_SERVER_PORT", DEFAULT_PORT)),
                        help="port (default: $GRADIO_SERVER_PORT or %d)" % DEFAULT_PORT)
    parser.add_argument("--checkpoint", type=Path, metavar="DIR",
                        help="motion checkpoint directory (default: checkpoints/vasa-motion-s)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Load the pipeline once, build the app and serve it until interrupted."""
    args = parse_args(argv)
    from vasa_core.io.limits import LIMITS
    from vasa_core.pipeline import TalkingFacePipeline

    from demo.ui import build_app

    try:
        pipeline = TalkingFacePipeline.from_pretrained(args.checkpoint)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    # `kill` shuts down like Ctrl+C: Gradio closes its server and the app's temporary
    # files are removed on the way out.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    # Uploads past the limit are refused by Gradio before they reach the handlers.
    build_app(pipeline).launch(server_name=args.host, server_port=args.port,
                               max_file_size=LIMITS.max_upload_bytes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
