// The live player: `js_on_load` of the "live" gr.HTML (demo/ui.py). Its value is the URL
// of a growing fragmented mp4 (demo/live.py); each fragment is appended to a Media Source
// Extensions buffer as it arrives, so the picture starts ~0.2 s of media after the first
// frame, not after a 1 s segment, and the sound plays in the same <video>.
// Gradio provides `element`, `props` and `watch`.
const START_SECONDS = 0.2;  // media buffered before playback starts
const MIME = 'video/mp4; codecs="avc1.640028, mp4a.40.2"';  // H.264 + AAC-LC
let playing = null;  // AbortController of the stream being played

function video() {
  let v = element.querySelector("video");
  if (!v) {
    v = document.createElement("video");
    v.controls = true;
    v.playsInline = true;
    v.style.width = "100%";
    element.appendChild(v);
  }
  return v;
}

function appended(buffer, bytes) {
  return new Promise((resolve, reject) => {
    buffer.addEventListener("updateend", resolve, { once: true });
    buffer.addEventListener("error", reject, { once: true });
    buffer.appendBuffer(bytes);
  });
}

function ahead(v, buffer) {
  const ranges = buffer.buffered;
  return ranges.length ? ranges.end(ranges.length - 1) - v.currentTime : 0;
}

async function play(url) {
  if (playing) playing.abort();
  const controller = new AbortController();
  playing = controller;
  const v = video();
  if (!window.MediaSource || !MediaSource.isTypeSupported(MIME)) {
    v.src = url;  // no Media Source Extensions: the browser plays the growing file itself
    v.play().catch(() => {});
    return;
  }
  const source = new MediaSource();
  v.src = URL.createObjectURL(source);
  await new Promise((resolve) => source.addEventListener("sourceopen", resolve, { once: true }));
  URL.revokeObjectURL(v.src);  // the element holds the source now
  const buffer = source.addSourceBuffer(MIME);
  let started = false;
  const start = () => { started = true; v.play().catch(() => {}); };
  try {
    const response = await fetch(url, { signal: controller.signal, cache: "no-store" });
    if (!response.ok) throw new Error(await response.text());
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await appended(buffer, value);
      if (!started && ahead(v, buffer) >= START_SECONDS) start();
    }
    if (source.readyState === "open") source.endOfStream();
    if (!started) start();
  } catch (err) {
    if (controller.signal.aborted) return;
    element.dataset.error = String(err.message || err);
    if (source.readyState === "open") source.endOfStream("network");
  }
}

watch("value", () => { if (props.value) play(props.value); });
