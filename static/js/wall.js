// The gallery's image wall (templates/gallery/gallery.html, css/wall.css).
//
// - Each tile's `data-ar` (width / height) becomes its `--ar` where the browser cannot read
//   it with CSS attr(); new tiles (htmx: polled, pressed, the prompt bar) get theirs on load.
// - The size control (small / medium / large rows) is kept in localStorage.
// - On a touch screen the first tap on an image shows its actions; the next opens it.
// - A grid shows the generation's star on each of its tiles: a click on one updates the others.
"use strict";

(() => {
  if (window.studioWall) return;
  window.studioWall = true;
  const STORAGE_KEY = "studio-wall-size";
  const SIZES = ["small", "medium", "large"];

  function ratios(root) {
    if (!root || !root.querySelectorAll) return;
    const tiles = Array.from(root.querySelectorAll(".wall-tile[data-ar]"));
    if (root.matches && root.matches(".wall-tile[data-ar]")) tiles.push(root);
    for (const tile of tiles) {
      const ratio = parseFloat(tile.dataset.ar);
      if (ratio > 0) tile.style.setProperty("--ar", String(ratio));
    }
  }

  function storedSize() {
    try {
      const value = window.localStorage.getItem(STORAGE_KEY);
      return SIZES.includes(value) ? value : null;
    } catch (error) {
      return null; // storage refused: the page's default
    }
  }

  function applySize(size) {
    const grid = document.getElementById("gallery-grid");
    if (grid) grid.dataset.size = size;
    for (const radio of document.querySelectorAll("[data-wall-size] input[type=radio]")) {
      radio.checked = radio.value === size;
    }
  }

  document.addEventListener("change", (event) => {
    const radio = event.target;
    if (!radio.matches || !radio.matches("[data-wall-size] input[type=radio]")) return;
    applySize(radio.value);
    try {
      window.localStorage.setItem(STORAGE_KEY, radio.value);
    } catch (error) {
      // not remembered, still applied
    }
  });

  // Touch: the actions are invisible until shown, so the first tap only shows them.
  let touched = false;
  document.addEventListener("pointerdown", (event) => { touched = event.pointerType === "touch"; }, true);
  document.addEventListener("click", (event) => {
    if (!touched) return;
    const tile = event.target.closest && event.target.closest(".image-tile");
    if (!tile || tile.classList.contains("show-actions")) return;
    event.preventDefault();
    event.stopPropagation();
    for (const other of document.querySelectorAll(".image-tile.show-actions")) other.classList.remove("show-actions");
    tile.classList.add("show-actions");
  }, true);

  // The star: its form swaps itself; its copies on the generation's other tiles follow.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const form = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!form || !form.matches || !form.matches("form.favourite") || event.detail.xhr.status >= 400) return;
    const card = form.closest("article.card");
    if (!card) return;
    const html = event.detail.xhr.responseText;
    const on = /aria-pressed="true"/.test(html);
    window.setTimeout(() => {
      for (const other of card.querySelectorAll("form.favourite")) {
        const button = other.querySelector("button.star");
        if (!button || (button.getAttribute("aria-pressed") === "true") === on) continue;
        const fresh = document.createRange().createContextualFragment(html).firstElementChild;
        if (!fresh) continue;
        other.replaceWith(fresh);
        if (window.htmx) window.htmx.process(fresh);
      }
    }, 0);
  });

  document.addEventListener("htmx:load", (event) => ratios(event.detail.elt));
  // History snapshots are HTML: a style="" attribute there would be an inline style the
  // Content Security Policy refuses on Back. Leave it out of the snapshot, set it again after.
  document.addEventListener("htmx:beforeHistorySave", (event) => {
    const root = event.detail.historyElt || document;
    for (const tile of root.querySelectorAll(".wall-tile[style]")) tile.removeAttribute("style");
    window.setTimeout(() => ratios(document), 0);
  });
  document.addEventListener("htmx:historyRestore", () => ratios(document));
  function start() {
    ratios(document);
    const size = storedSize();
    if (size) applySize(size);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
