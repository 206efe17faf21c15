"""Security of the web app and the package (issue "Hardening").

(a) the app binds 127.0.0.1 unless told otherwise;
(b) no file outside Gradio's upload/cache folders can be read through the app: neither over
    the file routes (path traversal, absolute paths, URL-encoding) nor by naming a server
    path in an endpoint's payload (raw HTTP, as a hostile client would send it: gradio_client
    would upload the file from the client side instead);
(c) weights are only ever read from .safetensors; nothing unpickles, evals or execs;
(d) no shell strings: no shell=True, os.system or os.popen; programs get argument lists.

The server is launched once, in-process, around the tiny random checkpoint: no request here
reaches the model, they are all refused first.
"""
from __future__ import annotations

import ast
import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

import app as app_module
from demo.ui import build_app
from tiny_checkpoint import save_tiny_checkpoint
from vasa_core.io.examples import example_portrait_path
from vasa_core.pipeline import DEFAULT_CHECKPOINT, TalkingFacePipeline

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted([*(ROOT / "vasa_core").rglob("*.py"), *(ROOT / "demo").rglob("*.py"),
                  ROOT / "app.py"])
SECRET = Path("/etc/passwd")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    pipe = TalkingFacePipeline.from_pretrained(
        save_tiny_checkpoint(tmp_path_factory.mktemp("checkpoint")))
    blocks = build_app(pipe, max_seconds=3.0)
    port = free_port()
    blocks.launch(prevent_thread_lock=True, server_name=app_module.DEFAULT_HOST,
                  server_port=port, quiet=True)
    try:
        yield blocks, f"http://127.0.0.1:{port}", port
    finally:
        blocks.close()


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


# (a) ------------------------------------------------------------------------------------

def non_loopback_addresses() -> list[str]:
    """This machine's IPv4 addresses other than 127.x, found without any traffic."""
    found = set()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.add(info[4][0])
    except OSError:
        pass
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("192.0.2.1", 9))  # TEST-NET-1: UDP connect sends nothing
            found.add(sock.getsockname()[0])
        except OSError:
            pass
    return sorted(a for a in found if not a.startswith("127.") and a != "0.0.0.0")


def test_the_app_binds_loopback_by_default(monkeypatch):
    monkeypatch.delenv("GRADIO_SERVER_NAME", raising=False)
    assert app_module.parse_args([]).host == "127.0.0.1"


def test_a_launched_server_listens_on_loopback_only(server):
    blocks, url, port = server
    assert blocks.server_name == "127.0.0.1"
    assert get(url + "/")[0] == 200
    for address in non_loopback_addresses():
        with socket.socket() as sock:
            sock.settimeout(2)
            assert sock.connect_ex((address, port)) != 0, f"reachable on {address}:{port}"


# (b) ------------------------------------------------------------------------------------

def forbidden_targets() -> list[str]:
    """Files the app must never serve: system files and the repository's own."""
    targets = [str(SECRET), str(ROOT / "README.md"), str(ROOT / "app.py"),
               str(DEFAULT_CHECKPOINT / "model.safetensors"), str(ROOT / "pyproject.toml")]
    return targets


def traversal_urls(url: str) -> list[str]:
    """Every file route of Gradio 6 (/gradio_api/file=, its deprecated /gradio_api/file/,
    the pre-4 /file=, /static, /assets, /svelte) with plain, relative, ../ and encoded paths."""
    urls = []
    for target in forbidden_targets():
        relative = "../" * 12 + target.lstrip("/")
        variants = [target, relative, urllib.parse.quote(target, safe=""),
                    urllib.parse.quote(relative, safe=""),
                    urllib.parse.quote(urllib.parse.quote(target, safe=""), safe=""),
                    "/tmp/gradio/../.." + target, "./" + relative]
        for variant in variants:
            urls += [f"{url}/gradio_api/file={variant}", f"{url}/gradio_api/file/{variant}",
                     f"{url}/file={variant}"]
        for route in ("static", "assets", "svelte", "gradio_api/static"):
            urls += [f"{url}/{route}/{relative}",
                     f"{url}/{route}/{urllib.parse.quote(relative, safe='')}"]
    return urls


def test_no_file_route_serves_files_outside_the_app(server):
    _, url, _ = server
    contents = [Path(t).read_bytes()[:64] for t in forbidden_targets() if Path(t).is_file()]
    assert contents
    for target in traversal_urls(url):
        status, body = get(target)
        assert status in (400, 403, 404), (target, status)
        assert not any(secret in body for secret in contents if secret), target


def test_the_examples_portrait_is_served_from_the_cache_not_its_own_folder(server):
    blocks, url, _ = server
    dataset = next(c for c in blocks.config["components"] if c["type"] == "dataset")
    portrait = dataset["props"]["samples"][0][0]
    assert get(url + portrait["url"])[0] == 200
    assert get(f"{url}/gradio_api/file={example_portrait_path()}")[0] == 403
    assert not blocks.allowed_paths  # nothing outside Gradio's own folders is whitelisted


def call(url: str, api_name: str, data: list) -> tuple[str, str]:
    """Raw Gradio 6 REST call, as any HTTP client could make it: (last event, its data)."""
    body = json.dumps({"data": data}).encode()
    post = urllib.request.Request(f"{url}/gradio_api/call/{api_name}", data=body,
                                  headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(post, timeout=30) as response:
            event_id = json.loads(response.read())["event_id"]
    except urllib.error.HTTPError as err:
        return "rejected", err.read().decode(errors="replace")
    with urllib.request.urlopen(f"{url}/gradio_api/call/{api_name}/{event_id}",
                                timeout=120) as response:
        text = response.read().decode(errors="replace")
    events = [line[len("event: "):] for line in text.splitlines() if line.startswith("event:")]
    return (events[-1] if events else ""), text


def file_data(path: str) -> dict:
    return {"path": path, "meta": {"_type": "gradio.FileData"}}


@pytest.fixture(scope="module")
def uploaded_portrait(server) -> dict:
    """The built-in portrait uploaded the way the page does it: its path on the server."""
    import httpx

    _, url, _ = server
    with open(example_portrait_path(), "rb") as f:
        response = httpx.post(f"{url}/gradio_api/upload", files={"files": f}, timeout=30)
    return file_data(response.json()[0])


def test_raw_calls_work_with_an_uploaded_portrait(server, uploaded_portrait):
    """The control for the next test: the same raw call, with a real upload, completes."""
    event, text = call(server[1], "generate", payload(uploaded_portrait))
    assert event == "complete", text[:300]


def payload(portrait=None, audio=None, source="text") -> list:
    """The endpoint's inputs in order: the request's six, then the controls' widgets in
    the table's order (settings.Settings; lip_words after lip_reading)."""
    return [portrait, audio, "Hello there.", "en", source, True, True, 0, 0, True, 0,
            "from the voice", 1, 1, 15, 1, True, True, 1, 0.5, 0.5, 2, 0, 256, "face", 1.0, 1080,
            True]


@pytest.mark.parametrize("target", forbidden_targets() + ["../../../../etc/passwd"])
@pytest.mark.parametrize("where", ["portrait", "audio"])
@pytest.mark.parametrize("shape", ["file_data", "string", "url"])
def test_a_server_path_in_the_payload_is_refused_unread(server, uploaded_portrait, target,
                                                        where, shape):
    _, url, _ = server
    value = {"file_data": file_data(target), "string": target,
             "url": {**file_data(target), "url": f"{url}/gradio_api/file={target}"}}[shape]
    portrait = value if where == "portrait" else uploaded_portrait
    audio = value if where == "audio" else None
    event, text = call(url, "generate", payload(portrait, audio, source="audio"))
    assert event in ("error", "rejected"), text[:300]
    assert "Could not" not in text and "decode" not in text, text[:300]  # never opened
    for secret in (SECRET.read_text().splitlines()[0], "[project]"):
        assert secret not in text


def test_the_speak_endpoint_takes_no_paths(server):
    _, url, _ = server
    event, text = call(url, "speak", [str(SECRET), "en"])  # spoken as text, never opened
    assert event == "complete"
    assert "passwd" not in text.replace(str(SECRET), "")


# (c) ------------------------------------------------------------------------------------

def calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node, ast.unparse(node.func)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_unpickles_evals_or_execs(source):
    tree = ast.parse(source.read_text(), str(source))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            assert not {"pickle", "cPickle", "dill", "joblib", "marshal", "shelve"} & {
                n.split(".")[0] for n in names}, f"{source}:{node.lineno}"
    for node, name in calls(tree):
        where = f"{source.relative_to(ROOT)}:{node.lineno}: {name}"
        assert name not in ("eval", "exec", "compile", "__import__"), where
        assert not name.endswith(("pickle.load", "pickle.loads", "torch.load", "joblib.load",
                                  "Unpickler")), where
        if name in ("load", "np.load", "numpy.load", "torch.load"):
            for keyword in node.keywords:
                assert not (keyword.arg == "allow_pickle" and not (
                    isinstance(keyword.value, ast.Constant) and keyword.value.value is False)
                    ), where
            assert name != "torch.load", where


def test_weights_are_read_only_with_safetensors():
    text = (ROOT / "vasa_core/motion/checkpoint.py").read_text()
    assert 'WEIGHTS_NAME = "model.safetensors"' in text
    assert "from safetensors.torch import load_file" in text


def test_a_checkpoint_of_pickled_weights_is_refused(tmp_path):
    import torch

    pickled = tmp_path / "pickled"
    pickled.mkdir()
    (tmp_path / "good").mkdir()
    save_tiny_checkpoint(tmp_path / "good")
    (pickled / "config.json").write_bytes((tmp_path / "good/config.json").read_bytes())
    marker = tmp_path / "unpickled"

    class Bomb:  # unpickling this would create `marker`
        def __reduce__(self):
            return (Path.touch, (marker,))

    for name in ("model.bin", "pytorch_model.bin", "model.pt", "model.pkl", "model.ckpt"):
        torch.save({"bomb": Bomb()}, pickled / name)
    with pytest.raises(ValueError, match="model.safetensors"):
        TalkingFacePipeline.from_pretrained(pickled)
    # a pickle renamed .safetensors is not unpickled either: safetensors rejects it
    (pickled / "model.safetensors").write_bytes((pickled / "model.bin").read_bytes())
    with pytest.raises(Exception):
        TalkingFacePipeline.from_pretrained(pickled)
    assert not marker.exists()


# (d) ------------------------------------------------------------------------------------

@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_shell_strings(source):
    tree = ast.parse(source.read_text(), str(source))
    for node, name in calls(tree):
        where = f"{source.relative_to(ROOT)}:{node.lineno}: {name}"
        assert name not in ("os.system", "os.popen", "system", "popen", "os.spawnl",
                            "os.execl", "commands.getoutput"), where
        if name.startswith("subprocess.") or name in ("run", "Popen", "call", "check_output",
                                                       "check_call"):
            for keyword in node.keywords:
                assert not (keyword.arg == "shell" and not (
                    isinstance(keyword.value, ast.Constant) and keyword.value.value is False)
                    ), where
            if name.startswith("subprocess.") and node.args:
                assert isinstance(node.args[0], (ast.List, ast.Tuple)), \
                    f"{where}: pass the program and its arguments as a list"


def test_festival_text_cannot_escape_its_scheme_string(tmp_path):
    """Festival runs a Scheme script holding the text; quotes and backslashes in the text
    must not end the string literal (a `(system ...)` call would run a shell command)."""
    from vasa_core.speech.festival import FestivalVoice, _script

    hostile = 'hi") (system "touch /tmp/owned") ("\\" x'
    script = _script(hostile, FestivalVoice(), tmp_path / "out.wav")
    line = next(l for l in script.splitlines() if "Utterance Text" in l)
    assert line.count('"') == 2 and "\\" not in line
