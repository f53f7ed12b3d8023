// Vary (Region) mask editor (templates/generation/vary_region.html).
//
// The canvas has the image's own pixel size and is shown scaled over it. Painting uses
// Pointer Events (mouse, touch and pen alike). Every stroke is kept in a list, so undo simply
// repaints the list without its last step. When the form is sent, the painted pixels become
// white on black, with no transparency, as the provider asks (docs/provider-contract.md §3.3).
"use strict";

(() => {
  const editor = document.querySelector("[data-mask-editor]");
  if (!editor) return;
  // The stage's proportions come from the image's pixels (data-w/data-h). Set through the
  // CSSOM: a style attribute in the markup would need 'unsafe-inline' in the CSP.
  editor.querySelectorAll(".mask-stage[data-w][data-h]").forEach((stage) => {
    stage.style.setProperty("--w", stage.dataset.w);
    stage.style.setProperty("--h", stage.dataset.h);
  });
  const form = editor.closest("form");
  const canvas = editor.querySelector("[data-mask-canvas]");
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const { width, height } = canvas;
  const sizeInput = editor.querySelector("[data-brush-size]");
  const sizeOutput = editor.querySelector("[data-brush-output]");
  const cursor = editor.querySelector("[data-brush-cursor]");
  const status = editor.querySelector("[data-mask-status]");
  const undoButton = editor.querySelector('[data-action="undo"]');
  const clearButton = editor.querySelector('[data-action="clear"]');
  const fullButton = editor.querySelector('[data-action="fullscreen"]');
  const toolButtons = editor.querySelectorAll("[data-tool]");
  const maskInput = form.querySelector("[data-mask-input]");
  const submitButton = form.querySelector("[data-mask-submit]");
  const PAINT = "#ff2d78"; // what the person sees (at the canvas's CSS opacity); sent as white

  // Brush sizes are in image pixels, scaled to the image so the slider means the same on any.
  const shortest = Math.min(width, height);
  sizeInput.min = String(Math.max(2, Math.round(shortest / 200)));
  sizeInput.max = String(Math.max(8, Math.round(shortest / 3)));
  sizeInput.value = String(Math.round(shortest / 16));

  let tool = "brush";
  // Steps, oldest first: {kind: "stroke", tool, size, points: [[x, y], …]}, {kind: "clear"},
  // or {kind: "image", image} (the drawing kept by the server after a refused mask).
  const steps = [];
  let current = null; // the stroke under the pointer
  let activePointer = null; // one pointer paints at a time (a second finger is ignored)

  const brushSize = () => Number(sizeInput.value);

  function say(text, warning = false) {
    status.textContent = text;
    status.classList.toggle("warning", warning);
  }

  function setStroke(step) {
    ctx.globalCompositeOperation = step.tool === "eraser" ? "destination-out" : "source-over";
    ctx.strokeStyle = PAINT;
    ctx.fillStyle = PAINT;
    ctx.lineWidth = step.size;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
  }

  function paintSegment(step, from, to) {
    ctx.save();
    setStroke(step);
    ctx.beginPath();
    if (from === to) {
      ctx.arc(to[0], to[1], step.size / 2, 0, Math.PI * 2);
      ctx.fill();
    } else {
      ctx.moveTo(from[0], from[1]);
      ctx.lineTo(to[0], to[1]);
      ctx.stroke();
    }
    ctx.restore();
  }

  function paintStep(step) {
    if (step.kind === "clear") {
      ctx.clearRect(0, 0, width, height);
    } else if (step.kind === "image") {
      ctx.drawImage(step.image, 0, 0, width, height);
    } else {
      const [first, ...rest] = step.points;
      paintSegment(step, first, first);
      if (!rest.length) return;
      ctx.save();
      setStroke(step);
      ctx.beginPath();
      ctx.moveTo(first[0], first[1]);
      for (const [x, y] of rest) ctx.lineTo(x, y);
      ctx.stroke();
      ctx.restore();
    }
  }

  function redraw() {
    ctx.clearRect(0, 0, width, height);
    steps.forEach(paintStep);
  }

  function changed() {
    undoButton.disabled = steps.length === 0;
    clearButton.disabled = steps.length === 0 || steps[steps.length - 1].kind === "clear";
  }

  // How many pixels are painted (alpha ≥ 50 %), and the mask as white on black.
  function readMask() {
    const pixels = ctx.getImageData(0, 0, width, height);
    const data = pixels.data;
    let painted = 0;
    for (let i = 0; i < data.length; i += 4) {
      const level = data[i + 3];
      if (level >= 128) painted += 1;
      data[i] = level;
      data[i + 1] = level;
      data[i + 2] = level;
      data[i + 3] = 255;
    }
    return { pixels, painted };
  }

  // The painted share for the status line, measured on a small copy (cheap on big images).
  const sample = document.createElement("canvas");
  const sampleScale = Math.min(1, 256 / Math.max(width, height));
  sample.width = Math.max(1, Math.round(width * sampleScale));
  sample.height = Math.max(1, Math.round(height * sampleScale));
  const sampleCtx = sample.getContext("2d", { willReadFrequently: true });

  function report() {
    sampleCtx.clearRect(0, 0, sample.width, sample.height);
    sampleCtx.drawImage(canvas, 0, 0, sample.width, sample.height);
    const data = sampleCtx.getImageData(0, 0, sample.width, sample.height).data;
    let alpha = 0;
    for (let i = 3; i < data.length; i += 4) alpha += data[i];
    const share = (100 * alpha) / (255 * sample.width * sample.height);
    if (share < 0.05) say("Nothing painted yet."); // eraser leftovers are not a region
    else say(`About ${share < 1 ? share.toFixed(1) : Math.round(share)} % of the image will be redrawn.`);
  }

  function undo() {
    if (current || !steps.length) return;
    steps.pop();
    redraw();
    changed();
    report();
  }

  function clear() {
    if (current || clearButton.disabled) return;
    steps.push({ kind: "clear" });
    redraw();
    changed();
    report();
  }

  function chooseTool(name) {
    tool = name;
    toolButtons.forEach((button) => button.setAttribute("aria-pressed", String(button.dataset.tool === name)));
    cursor.classList.toggle("eraser", name === "eraser");
  }

  // --- painting -----------------------------------------------------------------------------

  function toImage(event) {
    const box = canvas.getBoundingClientRect();
    return [((event.clientX - box.left) * width) / box.width, ((event.clientY - box.top) * height) / box.height];
  }

  function moveCursor(event) {
    if (event.pointerType === "touch") {
      cursor.hidden = true;
      return;
    }
    const box = canvas.getBoundingClientRect();
    const diameter = (brushSize() * box.width) / width;
    cursor.style.width = `${diameter}px`;
    cursor.style.height = `${diameter}px`;
    cursor.style.left = `${event.clientX - box.left}px`;
    cursor.style.top = `${event.clientY - box.top}px`;
    cursor.hidden = false;
  }

  canvas.addEventListener("pointerdown", (event) => {
    if (activePointer !== null || (event.pointerType === "mouse" && event.button !== 0)) return;
    event.preventDefault();
    activePointer = event.pointerId;
    canvas.setPointerCapture(event.pointerId);
    const point = toImage(event);
    current = { kind: "stroke", tool, size: brushSize(), points: [point] };
    steps.push(current);
    paintSegment(current, point, point);
    changed();
  });

  canvas.addEventListener("pointermove", (event) => {
    moveCursor(event);
    if (event.pointerId !== activePointer || !current) return;
    // Coalesced events keep fast strokes smooth (several positions per animation frame).
    const moves = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
    for (const move of moves.length ? moves : [event]) {
      const point = toImage(move);
      const last = current.points[current.points.length - 1];
      current.points.push(point);
      paintSegment(current, last, point);
    }
  });

  function endStroke(event) {
    if (event.pointerId !== activePointer) return;
    activePointer = null;
    current = null;
    report();
  }
  canvas.addEventListener("pointerup", endStroke);
  canvas.addEventListener("pointercancel", endStroke);
  canvas.addEventListener("pointerleave", () => {
    cursor.hidden = true;
  });
  canvas.addEventListener("contextmenu", (event) => event.preventDefault()); // long press

  // --- tools -----------------------------------------------------------------------------------

  toolButtons.forEach((button) => button.addEventListener("click", () => chooseTool(button.dataset.tool)));
  const showSize = () => {
    sizeOutput.textContent = `${brushSize()} px`;
  };
  sizeInput.addEventListener("input", showSize);
  showSize();
  undoButton.addEventListener("click", undo);
  clearButton.addEventListener("click", clear);

  // Text fields keep their own undo and letters; the slider and the buttons do not need them.
  const TEXT = "textarea, select, [contenteditable], input:not([type=range], [type=button], [type=submit], [type=checkbox], [type=radio])";
  const typing = (target) => Boolean(target.closest && target.closest(TEXT));
  document.addEventListener("keydown", (event) => {
    if (typing(event.target)) return;
    const key = event.key.toLowerCase();
    if ((event.ctrlKey || event.metaKey) && !event.shiftKey && !event.altKey && key === "z") {
      event.preventDefault();
      undo();
    } else if (!event.ctrlKey && !event.metaKey && !event.altKey && (key === "b" || key === "e")) {
      chooseTool(key === "b" ? "brush" : "eraser");
    }
  });

  if (document.fullscreenEnabled && editor.requestFullscreen) {
    fullButton.hidden = false;
    fullButton.addEventListener("click", () => {
      if (document.fullscreenElement) document.exitFullscreen();
      else editor.requestFullscreen().catch(() => say("Full screen is not allowed here.", true));
    });
    document.addEventListener("fullscreenchange", () => {
      const on = document.fullscreenElement === editor;
      fullButton.setAttribute("aria-pressed", String(on));
      fullButton.textContent = on ? "Exit full screen" : "Full screen";
    });
  }

  // --- sending -------------------------------------------------------------------------------

  form.addEventListener("submit", (event) => {
    const { pixels, painted } = readMask();
    if (painted === 0) {
      event.preventDefault();
      say("Paint the region to redraw first.", true);
      return;
    }
    if (painted === width * height) {
      event.preventDefault();
      say("The whole image is painted: leave the part to keep unpainted.", true);
      return;
    }
    const out = document.createElement("canvas");
    out.width = width;
    out.height = height;
    out.getContext("2d").putImageData(pixels, 0, 0);
    maskInput.value = out.toDataURL("image/png");
    submitButton.setAttribute("aria-busy", "true");
  });

  // After a refused mask the server sends the drawing back: white becomes paint again.
  if (maskInput.value.startsWith("data:image/png;base64,")) {
    const kept = new Image();
    kept.onload = () => {
      const layer = document.createElement("canvas");
      layer.width = width;
      layer.height = height;
      const layerCtx = layer.getContext("2d");
      layerCtx.drawImage(kept, 0, 0, width, height);
      const pixels = layerCtx.getImageData(0, 0, width, height);
      const data = pixels.data;
      for (let i = 0; i < data.length; i += 4) {
        data[i + 3] = data[i]; // white → opaque paint, black → nothing
        data[i] = 0xff;
        data[i + 1] = 0x2d;
        data[i + 2] = 0x78;
      }
      layerCtx.putImageData(pixels, 0, 0);
      steps.push({ kind: "image", image: layer });
      redraw();
      changed();
      report();
    };
    kept.src = maskInput.value;
  }
  changed();
})();
