"""Live in the page, as a person sees it: `python app.py` in a subprocess, Debian's
Chromium (through Playwright) at 1400x1000, a portrait uploaded, ~10 s of typed text, Live
pressed; the <video>'s own events say when the first picture played, how often it
stalled and how long it played. CPU seconds of the app and of Chromium are summed from
/proc over the clip (both share the same cores).

    python -m benchmarks.live_page [--runs 3] [--side 3000]

Rows: the built-in portrait and the same portrait enlarged to --side px (a phone photo),
each --runs times, as a markdown table for benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil
from PIL import Image

from vasa_core.io.examples import example_portrait_path

REPO = Path(__file__).resolve().parents[1]
# Chromium's flags here and in tests/test_browser.py. No GPU process: in containers
# without one, a page can wait on it forever (Playwright issue 4761: new_page never
# returns); /dev/shm in a container may be 64 MB, too small for a renderer's buffers.
CHROMIUM_ARGS = ["--disable-gpu", "--disable-dev-shm-usage"]
TEXT = ("This is a test of the live player. The face should speak in time with the sound, "
        "without stopping, from the first picture to the very last one, for about ten "
        "seconds or so.")
# The page's media events, recorded from the capture phase (they do not bubble), and the
# time of the click on Live; in ms of performance.now(). (tests/test_browser.py too.)
WATCH = """() => {
    window.liveEvents = [];
    for (const kind of ['waiting', 'playing', 'ended', 'error'])
        document.addEventListener(kind, event => {
            if (event.target.tagName === 'VIDEO')
                window.liveEvents.push([kind, performance.now(), event.target.currentTime]);
        }, true);
    document.addEventListener('click', event => {
        const button = event.target.closest('button');
        if (button && button.innerText.trim() === 'Live') window.liveClick = performance.now();
    }, true);
}"""


def launch_chromium(playwright, executable: str | None = None):
    """Headless Chromium through Playwright with CHROMIUM_ARGS: `executable`, else
    Debian's `chromium` on PATH."""
    return playwright.chromium.launch(executable_path=executable or shutil.which("chromium"),
                                      headless=True, args=CHROMIUM_ARGS)


def serve(port: int, log) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=REPO,
                               stdout=log, stderr=subprocess.STDOUT)
    for _ in range(480):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=3)
            return process
        except OSError:
            time.sleep(0.5)
    raise SystemExit("app.py did not start")


def cpu_seconds(app_pid: int) -> dict[str, float]:
    """User + system CPU seconds of the app and of every Chromium process."""
    out = {"app": 0.0, "chromium": 0.0}
    for process in psutil.process_iter(["name"]):
        name = "app" if process.pid == app_pid else (
            "chromium" if "chrom" in (process.info["name"] or "") else None)
        if name:
            try:
                times = process.cpu_times()
                out[name] += times.user + times.system
            except psutil.Error:
                pass
    return out


def one_run(page, portrait: Path, app_pid: int) -> dict:
    page.reload()
    page.get_by_role("button", name="Live", exact=True).wait_for(timeout=120_000)
    page.locator("input[type=file]").nth(0).set_input_files(str(portrait))
    page.get_by_text("The face and the crop that will be animated").wait_for(timeout=120_000)
    page.get_by_label("Text to speak").fill(TEXT)
    page.get_by_label("I have the right to animate this face").check()
    page.evaluate(WATCH)
    before = cpu_seconds(app_pid)
    page.get_by_role("button", name="Live", exact=True).click()
    page.wait_for_function("window.liveEvents.some(e => e[0] === 'ended')", timeout=180_000)
    after = cpu_seconds(app_pid)
    events, clicked = page.evaluate("[window.liveEvents, window.liveClick]")
    duration = page.evaluate("document.querySelector('#live-player video').duration")
    playing = next(t for kind, t, _ in events if kind == "playing")
    ended = next(t for kind, t, _ in events if kind == "ended")
    return {"first_s": (playing - clicked) / 1000, "duration_s": duration,
            "played_s": (ended - playing) / 1000,
            "stalls": sum(kind == "waiting" and at > 0.05 for kind, _, at in events),
            **{f"cpu_{k}": after[k] - before[k] for k in after}}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--side", type=int, default=3000)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="live-page-"))
    image = Image.open(example_portrait_path()).convert("RGB")
    scale = args.side / max(image.size)
    big = folder / "big.jpg"
    image.resize((round(image.width * scale), round(image.height * scale))).save(big)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with open(folder / "app.log", "wb") as log:
        app = serve(port, log)
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"http://127.0.0.1:{port}/")
            print("| photo | run | first picture | stalls | played / clip | CPU s app / "
                  "Chromium |\n|---|---|---|---|---|---|")
            for label, portrait in (("built-in 512x600", example_portrait_path()),
                                    (f"{big.stat().st_size // 1024} KB, {args.side} px", big)):
                for run in range(args.runs):
                    r = one_run(page, portrait, app.pid)
                    print(f"| {label} | {run + 1} | {r['first_s']:.2f} s | {r['stalls']} | "
                          f"{r['played_s']:.2f} / {r['duration_s']:.2f} s | "
                          f"{r['cpu_app']:.1f} / {r['cpu_chromium']:.1f} |", flush=True)
            browser.close()
    finally:
        app.terminate()
        app.wait()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
