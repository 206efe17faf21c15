"""The page: which widget feeds which `TalkingFacePipeline` argument, and the endpoints.

    app = build_app(TalkingFacePipeline.from_pretrained())
    app.launch(server_name="127.0.0.1")

Endpoints (every event has an explicit api_name, so `gradio_client` can call them):
    generate  portrait + speech + controls -> mp4 with sound, motion plot, [mp4, CSV], status
    live      the same inputs -> the URL of an mp4 that grows as `pipe.stream` draws the
              frames (demo/live.py; the page plays it with player.js), then a status
    speak     text + language -> the eSpeak NG speech as a wav
"""
from __future__ import annotations

from pathlib import Path

import gradio as gr
from PIL import Image

from vasa_core.speech.tts import LANGUAGES
from vasa_core.io.examples import example_portraits, shared_portraits
from vasa_core.speech.song import example_song
from vasa_core.io.media import check_image_file
from vasa_core.pipeline import TalkingFacePipeline
from vasa_core.settings import Control, part_names, table

from .handlers import (MAX_SECONDS, SPEECH_FROM_AUDIO, SPEECH_FROM_TEXT, Demo, endpoint,
                       readable_message)

PLAYER_JS = (Path(__file__).parent / "player.js").read_text()

# Requests waiting for the one pipeline, at most; past that a user is told "the queue is
# full, try again" at once instead of waiting behind a backlog that would take minutes.
MAX_QUEUE = 16
MAX_SHARED_EXAMPLES = 6
EXAMPLE_TEXTS = (
    ("Hello! I am a talking portrait, animated from one photo and this sentence.", "en"),
    ("Bonjour ! Je suis un portrait qui parle, animé à partir d'une seule photo.", "fr"),
    ("¡Hola! Soy un retrato que habla, animado a partir de una sola foto.", "es"),
    ("Hallo! Ich bin ein sprechendes Porträt, aus einem einzigen Foto animiert.", "de"),
    ("你好！我是一张会说话的照片。", "zh"),
)
# English names of the eSpeak NG languages (tts.LANGUAGES); a code missing here shows as is.
LANGUAGE_NAMES = {
    "en": "English", "es": "Spanish", "fr": "French", "de": "German", "it": "Italian",
    "pt": "Portuguese", "nl": "Dutch", "sv": "Swedish", "da": "Danish", "nb": "Norwegian",
    "pl": "Polish", "cs": "Czech", "sk": "Slovak", "ru": "Russian", "uk": "Ukrainian",
    "bg": "Bulgarian", "tr": "Turkish", "ar": "Arabic", "fa": "Persian", "hi": "Hindi",
    "bn": "Bengali", "zh": "Chinese (Mandarin)", "ja": "Japanese", "ko": "Korean",
    "vi": "Vietnamese", "id": "Indonesian", "ms": "Malay", "fi": "Finnish", "el": "Greek",
    "hu": "Hungarian", "ro": "Romanian", "ca": "Catalan", "he": "Hebrew", "lt": "Lithuanian",
}
INTRO = """# vasa_core: a talking portrait from one photo and a voice
Pick a portrait and some speech (typed text, an audio file or the microphone), tick the
consent box and press **Generate video**, or **Live** to watch the video while it is
drawn. Every video is marked as AI-generated (the mp4 always carries the tag; the visible
label is on by default). Only animate faces you have the right to animate."""


def readable_image_errors(image: gr.Image) -> gr.Image:
    """`image`, saying in the page which upload is not a readable picture. Gradio opens
    every image before the callback runs, and on a file it cannot decode (a text file named
    .jpg, a truncated download) the page only showed "Error", without a message. (A wrapper
    on the instance, not a gr.Image subclass: Gradio writes a .pyi file beside the module
    of every component class.)"""
    preprocess = image.preprocess

    def checked(payload):
        name = Path(payload.orig_name or payload.path or "the upload").name if payload else ""
        if payload is not None and payload.path and not (payload.url or "").startswith("data:"):
            try:  # refuse bombs and huge headers before Gradio decodes a pixel
                check_image_file(payload.path)
            except ValueError as err:
                raise gr.Error(readable_message(str(err), {str(payload.path): name}),
                               print_exception=False) from None
        try:
            return preprocess(payload)
        # PIL's errors on undecodable files
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as err:
            raise gr.Error(f"Could not read {name} as an image ({type(err).__name__}); is "
                           "it a complete PNG/JPEG/WebP file? Try re-saving it as PNG or JPEG.",
                           print_exception=False) from None

    image.preprocess = checked
    return image


def build_app(pipeline: TalkingFacePipeline, *, max_seconds: float = MAX_SECONDS,
              max_queue: int | None = MAX_QUEUE) -> gr.Blocks:
    """The Blocks of the web app around one loaded pipeline. `max_queue`: the most requests
    waiting at once (None: no limit). Closing the app removes its files."""
    demo = Demo(pipeline, max_seconds)
    with gr.Blocks(title="vasa_core talking portrait", delete_cache=(3600, 3600),
                   analytics_enabled=False) as app:
        gr.Markdown(INTRO)
        with gr.Row():
            with gr.Column():
                inputs = _input_widgets()
                controls = _control_widgets()
            with gr.Column():
                outputs = _output_widgets()
        _examples(inputs, demo.kept.root)
        _wire(demo, inputs, controls, outputs)
    # one pipeline, two CPU cores: one job at a time
    app.queue(default_concurrency_limit=1, max_size=max_queue)
    _serve_live_streams(app, demo)
    _remove_files_on_close(app, demo)
    return app


def _serve_live_streams(app: gr.Blocks, demo: Demo) -> None:
    """`app.launch` serves the live streams' route too: handed to the FastAPI app that
    Gradio creates (its `routes`, ahead of Gradio's own). (Wrapped on the instance, see
    readable_image_errors.)"""
    launch = app.launch

    def launch_with_streams(*args, app_kwargs: dict | None = None, **kwargs):
        app_kwargs = dict(app_kwargs or {})
        app_kwargs["routes"] = [*app_kwargs.get("routes", []), demo.streams.route()]
        return launch(*args, app_kwargs=app_kwargs, **kwargs)

    app.launch = launch_with_streams


def _remove_files_on_close(app: gr.Blocks, demo: Demo) -> None:
    """`app.close()` (also run on Ctrl+C) removes the app's temporary folder right away,
    not only when the process exits. (Wrapped on the instance, see readable_image_errors.)"""
    close = app.close

    def close_and_clean(*args, **kwargs) -> None:
        try:
            close(*args, **kwargs)
        finally:
            demo.streams.stop_all()
            demo.files.cleanup()
            demo.kept.cleanup()

    app.close = close_and_clean


def _input_widgets() -> dict[str, gr.components.Component]:
    """Portrait, speech source, text + language, audio, consent and the two buttons."""
    w: dict[str, gr.components.Component] = {}
    with gr.Row(equal_height=True):
        w["portrait"] = readable_image_errors(gr.Image(
            label="Portrait", type="filepath", height=280, scale=3,
            sources=["upload", "webcam", "clipboard"],
            # the file as uploaded: vasa_core's loader converts every mode (16-bit, alpha
            # onto white, CMYK) correctly; Gradio's convert("RGB") saturates 16-bit, drops
            # alpha
            image_mode=None))
        with gr.Column(scale=2, min_width=160):
            w["preview"] = gr.Image(label="What will be animated", height=200,
                                    interactive=False, format="jpeg")
            w["preview_note"] = gr.Markdown()
    # The speech source is the open tab (one of two, so Generate stays in view); the radio
    # keeps it for the API and follows the tabs.
    w["source"] = gr.Radio([("typed text", SPEECH_FROM_TEXT),
                            ("audio file or microphone", SPEECH_FROM_AUDIO)],
                           value=SPEECH_FROM_TEXT, label="Speech from", visible=False)
    with gr.Tabs(selected=SPEECH_FROM_TEXT) as w["speech_tabs"]:
        with gr.Tab("Typed text", id=SPEECH_FROM_TEXT) as w["text_tab"]:
            w["text"] = gr.Textbox(label="Text to speak", lines=2, value=EXAMPLE_TEXTS[0][0])
            with gr.Row(equal_height=True):
                w["language"] = gr.Dropdown(
                    [(f"{LANGUAGE_NAMES.get(code, code)} ({code})", code)
                     for code in LANGUAGES],
                    value="en", label="Language (eSpeak NG voice)", scale=3)
                w["speak"] = gr.Button("Listen to the text", scale=1)
        with gr.Tab("Audio file or microphone", id=SPEECH_FROM_AUDIO) as w["audio_tab"]:
            w["audio"] = gr.Audio(label="Speech audio", sources=["upload", "microphone"],
                                  type="filepath")
    w["consent"] = gr.Checkbox(label="I have the right to animate this face", value=False)
    with gr.Row():
        w["generate"] = gr.Button("Generate video", variant="primary")
        w["live"] = gr.Button("Live")
    return w


def _control_widgets() -> dict[str, gr.components.Component]:
    """One widget per control of the table (`settings.Settings`), named as
    `handlers.pipeline_options` reads them; expert controls folded under "Advanced"."""
    c: dict[str, gr.components.Component] = {}
    controls = table()
    for title, advanced in (("Controls", False), ("Advanced", True)):
        with gr.Accordion(title, open=not advanced):
            names = [n for n, (_, spec, _) in controls.items() if spec.advanced == advanced]
            for row in _rows(names):
                with gr.Row():
                    for name in row:
                        c.update(_widgets(name, *controls[name]))
    order = list(controls)  # the endpoints take the widgets in the table's order
    return dict(sorted(c.items(), key=lambda item: order.index(_control_of(item[0]))))


def _rows(names: list[str], width: int = 3) -> list[list[str]]:
    """Controls laid out in rows: one with an "auto" box and its sliders on a row of its
    own, the others up to `width` a row, in the table's order."""
    rows: list[list[str]] = []
    current: list[str] = []
    for name in names:
        spec = table()[name][1]
        if spec.auto is not None and spec.choices is None:
            rows += [row for row in (current, [name]) if row]
            current = []
            continue
        current.append(name)
        if len(current) == width:
            rows.append(current)
            current = []
    return rows + ([current] if current else [])


def _control_of(widget: str) -> str:
    """The control a widget belongs to: 'gaze_yaw' and 'gaze_auto' -> 'gaze'."""
    return next(name for name in table() if widget in (*part_names(name), f"{name}_auto"))


def _widgets(name: str, default, spec: Control, kind: type) -> dict:
    """The widget(s) of one control: a dropdown or buttons for choices, a checkbox for a
    bool, sliders for numbers (with an "auto" checkbox when None has a meaning)."""
    label, hint = spec.label[0] if spec.label else name, spec.help
    if spec.choices is not None:
        options = [*([spec.auto] if spec.auto else []), *spec.choices]
        widget = gr.Dropdown if len(options) > 3 else gr.Radio
        return {name: widget(options, value=default or spec.auto, label=label)}
    if kind is bool:
        return {name: gr.Checkbox(label=label, value=default, info=hint)}
    if spec.ui_choices:
        return {name: gr.Radio(list(spec.ui_choices), value=default, label=label)}
    out = {}
    auto = spec.auto is not None and default is None  # the "auto" box starts ticked
    if spec.auto is not None:
        out[f"{name}_auto"] = gr.Checkbox(label=spec.auto[:1].upper() + spec.auto[1:],
                                          value=auto)
    for index, key in enumerate(part_names(name)):
        text = spec.label[index] if index < len(spec.label) else key
        if not spec.ui:
            out[key] = gr.Number(default, precision=0 if kind is int else None, label=text)
            continue
        low, high, step = spec.ui[index]
        value = low + (high - low) / 2 if default is None else default
        out[key] = gr.Slider(low, high, value, step=step, label=text, interactive=not auto)
    return out


def _output_widgets() -> dict[str, gr.components.Component]:
    """Video, plot and downloads in one tab; the live player in another; a status line."""
    o: dict[str, gr.components.Component] = {}
    with gr.Tabs() as o["tabs"]:
        with gr.Tab("Video", id="video"):
            o["video"] = gr.Video(label="Talking face", autoplay=True, interactive=False)
            # no label drawn over it: it would hide the first panel's title
            o["plot"] = gr.Plot(label="Generated motion", show_label=False, format="png")
            o["files"] = gr.File(label="Downloads: mp4 and ARKit / Live Link Face CSV",
                                 file_count="multiple", interactive=False)
        with gr.Tab("Live", id="live"):
            # value: the URL of the live mp4; player.js builds the <video> and plays it
            o["live_view"] = gr.HTML("", html_template="", js_on_load=PLAYER_JS,
                                     elem_id="live-player", min_height=200)
    o["status"] = gr.Markdown(label="Status")
    return o


def _examples(inputs: dict, folder: Path) -> None:
    """The built-in portraits, each with typed text in a few languages, and the painting
    singing a song (written into `folder`); they work on a fresh machine: nothing to
    download. Plus the shared portraits of a developer checkout when there are any."""
    portraits, song = example_portraits(), example_song(folder)
    rows = [[str(portraits[i % len(portraits)].path), None, text, language, SPEECH_FROM_TEXT]
            for i, (text, language) in enumerate(EXAMPLE_TEXTS)]
    rows.append([str(portraits[-1].path), str(song.path), None, "en", SPEECH_FROM_AUDIO])
    rows += [[str(path), None, *EXAMPLE_TEXTS[0], SPEECH_FROM_TEXT]
             for path in shared_portraits()[:MAX_SHARED_EXAMPLES]]
    credits = "; ".join(example.credit for example in portraits)
    gr.Examples(rows, [inputs[n] for n in ("portrait", "audio", "text", "language", "source")],
                label=f"Examples (then tick the consent box). Portraits: {credits}. "
                      f"Song: {song.credit}.", cache_examples=False)


def _wire(demo: Demo, w: dict, c: dict, o: dict) -> None:
    """The endpoints, and small private events that keep the page consistent."""
    inputs = [w[n] for n in ("portrait", "audio", "text", "language", "source", "consent")]
    inputs += list(c.values())
    generate, live = (endpoint(method, list(c)) for method in (demo.generate, demo.live))
    w["speak"].click(demo.speak, [w["text"], w["language"]], w["audio"], api_name="speak")
    _private(w["generate"].click, lambda: gr.Tabs(selected="video"), None, o["tabs"])
    w["generate"].click(generate, inputs, [o["video"], o["plot"], o["files"], o["status"]],
                        api_name="generate", concurrency_id="pipeline")
    _private(w["live"].click, lambda: gr.Tabs(selected="live"), None, o["tabs"])
    w["live"].click(live, inputs, [o["live_view"], o["status"]],
                    api_name="live", concurrency_id="pipeline")
    framing = [w["portrait"], *(c[n] for n in ("size", "crop", "full_side", "margin", "mark",
                                               "distance", "distance_auto"))]
    for event in (w["portrait"].change, *(c[n].change for n in (
            "size", "crop", "full_side", "margin", "distance", "distance_auto"))):
        event(demo.preview, framing, [w["preview"], w["preview_note"]],
              api_visibility="private", concurrency_id="pipeline")
    _private(w["text_tab"].select, lambda: SPEECH_FROM_TEXT, None, w["source"])
    _private(w["audio_tab"].select, lambda: SPEECH_FROM_AUDIO, None, w["source"])
    _private(w["source"].change, lambda source: gr.Tabs(selected=source), w["source"],
             w["speech_tabs"])  # an example or the API sets the source: its tab opens
    _private(w["text"].input, lambda: SPEECH_FROM_TEXT, None, w["source"])
    _private(w["language"].input, lambda: SPEECH_FROM_TEXT, None, w["source"])
    for event in (w["audio"].upload, w["audio"].stop_recording):
        _private(event, lambda: SPEECH_FROM_AUDIO, None, w["source"])
    for box in [k for k in c if k.endswith("_auto")]:  # "auto" locks its control's sliders
        control = box[:-len("_auto")]
        sliders = [c[k] for k in c if k != box and (k == control or k.startswith(control + "_"))]
        _private(c[box].change, _unlock(len(sliders)), c[box], sliders)


def _unlock(count: int):
    """An event function: `count` sliders interactive unless the "auto" box is ticked."""
    def unlock(auto: bool):
        updates = [gr.Slider(interactive=not auto) for _ in range(count)]
        return updates[0] if count == 1 else updates

    return unlock


def _private(event, fn, inputs, outputs) -> None:
    """A UI-only event: not part of the API, not queued behind a running generation."""
    event(fn, inputs, outputs, queue=False, api_visibility="private")
