"""Load: N concurrent gradio_client users against the web app, launched in-process.

    python -m benchmarks.load [--users 8] [--rounds 1] [--size 256] [--steps 2]
                              [--max-queue 16] [--checkpoint DIR]

Every user (a thread with its own `gradio_client.Client`) does `rounds` short generations
(the built-in portrait, ~1 s of typed text); every third user also asks for the speech
first ("speak") and every third, from the second on, also asks for a "live" stream (and
waits until it is drawn; nobody fetches its video). The
loop is bounded: each user makes a fixed number of requests, each with a timeout. Prints
one JSON object: latency p50/p95 per endpoint (request sent -> last output received, queue
wait included), throughput (completed requests / wall time), outcomes (completed, refused
with "queue is full", other errors), the peak RSS of this process (server and clients
both: the server runs in it), and whether the server still answers afterwards and its
temporary folder is gone once the app is closed.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import platform
import resource
import socket
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np

TEXT = "Hello there, how are you?"  # ~1.2 s of eSpeak speech
REQUEST_TIMEOUT = 300.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def launch(pipe, max_queue: int | None, max_seconds: float = 10.0):
    """(the launched Blocks, its URL, its Workspace folder) on a free loopback port."""
    from demo.ui import build_app

    before = set(glob.glob(os.path.join(tempfile.gettempdir(), "vasa-demo-*")))
    blocks = build_app(pipe, max_seconds=max_seconds, max_queue=max_queue)
    (workspace,) = set(glob.glob(os.path.join(tempfile.gettempdir(), "vasa-demo-*"))) - before
    port = free_port()
    blocks.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port,
                  quiet=True)
    return blocks, f"http://127.0.0.1:{port}", Path(workspace)


def arguments(size: int, steps: int, seed: int) -> dict:
    from gradio_client import handle_file

    from demo.handlers import FROM_VOICE
    from vasa_core.io.examples import example_portrait_path

    return dict(portrait=handle_file(str(example_portrait_path())), audio=None, text=TEXT,
                language="en", source="text", consent=True, gaze_auto=True, gaze_yaw=0,
                gaze_pitch=0, distance_auto=True, distance=0, emotion=FROM_VOICE,
                emotion_strength=1, head_motion=1, blink_rate=15, lip_reading=1,
                lip_words=True, lip_lookahead_auto=True, lip_lookahead=1, cfg_audio=0.5,
                cfg_control=0.5, steps=steps, seed=seed, size=size, crop="face", mark=True)


def timed(kind: str, fn) -> dict:
    """Run one request: {kind, outcome: completed | queue_full | error, seconds, message}."""
    from gradio_client.exceptions import AppError

    started = time.monotonic()
    try:
        fn()
        outcome, message = "completed", ""
    except Exception as err:  # noqa: BLE001 - every failure is classified and reported
        message = f"{type(err).__name__}: {err}"
        if "queue is full" in str(err).lower():
            outcome = "queue_full"
        elif isinstance(err, AppError):
            outcome = "refused"  # a readable gr.Error (a limit, bad input)
        else:
            outcome = "error"
    return dict(kind=kind, outcome=outcome, seconds=time.monotonic() - started,
                message=message[:300])


def user(url: str, index: int, rounds: int, size: int, steps: int) -> list[dict]:
    """One simulated user: a Client, then its bounded list of requests, one at a time."""
    from gradio_client import Client

    results = []
    try:
        client = Client(url + "/", verbose=False)
    except Exception as err:  # noqa: BLE001
        return [dict(kind="connect", outcome="error", seconds=0.0, message=repr(err)[:300])]
    args = arguments(size, steps, seed=index)
    for _ in range(rounds):
        if index % 3 == 0:
            results.append(timed("speak", lambda: client.predict(TEXT, "en",
                                                                 api_name="/speak")))
        results.append(timed("generate", lambda: client.submit(
            **args, api_name="/generate").result(timeout=REQUEST_TIMEOUT)))
        if index % 3 == 1:
            results.append(timed("live", lambda: live_request(client, args)))
    return results


def live_request(client, args) -> None:
    """Wait for a whole live stream; raises what the job raised. (Not `for _ in job`:
    gradio_client 2.7's Job.__next__ spins forever when the queue refuses the job, since
    its status never becomes FINISHED; polling done() with a deadline always ends.)"""
    job = client.submit(**args, api_name="/live")
    deadline = time.monotonic() + REQUEST_TIMEOUT
    while not job.done():
        if time.monotonic() > deadline:
            job.cancel()
            raise TimeoutError(f"live stream not finished after {REQUEST_TIMEOUT:g} s")
        time.sleep(0.05)
    job.result(timeout=1)


def run_users(url: str, users: int, rounds: int, size: int, steps: int) -> tuple[list, float]:
    """All users at once (threads started together); (every request's result, wall s)."""
    results: list[dict] = []
    lock = threading.Lock()
    barrier = threading.Barrier(users)

    def worker(i: int) -> None:
        barrier.wait()
        out = user(url, i, rounds, size, steps)
        with lock:
            results.extend(out)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(users)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(REQUEST_TIMEOUT * (2 * rounds + 1))
    return results, time.monotonic() - started


def summary(results: list[dict], wall: float) -> dict:
    """Outcome counts, latency percentiles of completed requests per kind, throughput."""
    out: dict = {"requests": len(results), "wall_s": round(wall, 2)}
    for outcome in ("completed", "queue_full", "refused", "error"):
        out[outcome] = sum(r["outcome"] == outcome for r in results)
    latency = {}
    for kind in sorted({r["kind"] for r in results}):
        seconds = [r["seconds"] for r in results if r["kind"] == kind
                   and r["outcome"] == "completed"]
        if seconds:
            latency[kind] = dict(n=len(seconds), p50=round(float(np.percentile(seconds, 50)), 2),
                                 p95=round(float(np.percentile(seconds, 95)), 2),
                                 max=round(max(seconds), 2))
    out["latency_s"] = latency
    out["throughput_per_min"] = round(60.0 * out["completed"] / wall, 2) if wall else 0.0
    out["messages"] = sorted({r["message"] for r in results if r["outcome"] != "completed"})
    return out


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux: ru_maxrss is in KiB)."""
    scale = 1 / 1024 if sys.platform != "darwin" else 1 / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/", timeout=30) as response:
            return response.status == 200
    except OSError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--max-queue", type=int, default=None,
                        help="the app's queue limit (default: demo.ui.MAX_QUEUE)")
    parser.add_argument("--checkpoint", type=Path, default=None)
    args = parser.parse_args(argv)

    import torch

    from demo.ui import MAX_QUEUE
    from vasa_core.pipeline import TalkingFacePipeline

    max_queue = MAX_QUEUE if args.max_queue is None else args.max_queue
    load_before = os.getloadavg()
    pipe = TalkingFacePipeline.from_pretrained(args.checkpoint)
    rss_loaded = peak_rss_mb()
    blocks, url, workspace = launch(pipe, max_queue)
    try:
        results, wall = run_users(url, args.users, args.rounds, args.size, args.steps)
        report = summary(results, wall)
        report["server_answers_after"] = answers(url)
        report["request_folders_kept"] = sum(1 for _ in workspace.iterdir())
    finally:
        blocks.close(verbose=False)  # stdout is the JSON alone
    report.update(
        workspace_removed_on_close=not workspace.exists(),
        peak_rss_mb=round(peak_rss_mb(), 1), rss_after_loading_mb=round(rss_loaded, 1),
        settings=dict(users=args.users, rounds=args.rounds, size=args.size, steps=args.steps,
                      max_queue=max_queue, text=TEXT,
                      checkpoint=str(args.checkpoint or "checkpoints/vasa-motion-s")),
        machine=dict(cpus=os.cpu_count(), torch_threads=torch.get_num_threads(),
                     python=platform.python_version(),
                     load_average_before=load_before))
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
