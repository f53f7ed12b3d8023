/* Lightbox: a click on an image link marked `data-lightbox` opens it full size in a modal
 * <dialog>, with a details panel fetched from the link's `data-panel` URL (a server partial).
 * ← and → move across every such link on the page, in page order (across gallery cards,
 * including cards added later by htmx); Esc closes. Focus stays inside while open and goes
 * back to the link of the image last shown. The link's href stays the full file, so
 * middle-click, ctrl-click and no-JavaScript visitors get the file itself.
 *
 * Links: <a href="FILE" data-lightbox data-panel="PANEL_URL" [data-kind="video" data-poster="URL"]>
 */
(() => {
  "use strict";
  if (window.studioLightbox) return; // loaded twice (base.html and a page): bind once
  const FOCUSABLE = 'a[href], button:not([disabled]), video[controls], input, select, textarea, [tabindex]:not([tabindex="-1"])';

  let dialog, stage, panel, count, prevButton, nextButton;
  let items = [];
  let index = 0;
  let panelRequest = 0;

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "lightbox";
    dialog.setAttribute("aria-label", "Image viewer");
    dialog.innerHTML = `
      <div class="lightbox-body">
        <div class="lightbox-stage">
          <figure class="lightbox-media"></figure>
          <div class="lightbox-nav">
            <button type="button" class="lightbox-prev secondary" aria-label="Previous image">←</button>
            <span class="lightbox-count" aria-live="polite"></span>
            <button type="button" class="lightbox-next secondary" aria-label="Next image">→</button>
          </div>
        </div>
        <aside class="lightbox-panel" aria-live="polite" aria-busy="false"></aside>
      </div>
      <button type="button" class="lightbox-close secondary" aria-label="Close (Esc)">×</button>`;
    document.body.append(dialog);
    stage = dialog.querySelector(".lightbox-media");
    panel = dialog.querySelector(".lightbox-panel");
    count = dialog.querySelector(".lightbox-count");
    prevButton = dialog.querySelector(".lightbox-prev");
    nextButton = dialog.querySelector(".lightbox-next");
    prevButton.addEventListener("click", () => show(index - 1));
    nextButton.addEventListener("click", () => show(index + 1));
    dialog.querySelector(".lightbox-close").addEventListener("click", () => dialog.close());
    dialog.addEventListener("keydown", onKey);
    dialog.addEventListener("close", onClose);
    // A click on the backdrop (the dialog box itself, outside its content) closes.
    dialog.addEventListener("click", (event) => { if (event.target === dialog) dialog.close(); });
  }

  function links() {
    return Array.from(document.querySelectorAll("a[data-lightbox]"));
  }

  function media(link) {
    const full = link.getAttribute("href");
    if (link.dataset.kind === "video") {
      const video = document.createElement("video");
      video.controls = true;
      video.playsInline = true;
      video.preload = "metadata";
      if (link.dataset.poster) video.poster = link.dataset.poster;
      video.src = full;
      return video;
    }
    const image = document.createElement("img");
    const thumb = link.querySelector("img");
    image.alt = thumb ? thumb.alt : "";
    // The thumbnail shows at once; the full file replaces it when it has loaded.
    if (thumb && thumb.currentSrc) image.src = thumb.currentSrc;
    const loader = new Image();
    loader.onload = () => { if (items[index] === link) image.src = full; };
    loader.src = full;
    return image;
  }

  function show(at) {
    if (at < 0 || at >= items.length) return;
    index = at;
    const link = items[index];
    stage.querySelector("video")?.pause();
    stage.replaceChildren(media(link));
    count.textContent = items.length > 1 ? `${index + 1} / ${items.length}` : "";
    prevButton.disabled = index === 0;
    nextButton.disabled = index === items.length - 1;
    loadPanel(link.dataset.panel);
  }

  function loadPanel(url) {
    const request = ++panelRequest;
    if (!url) {
      panel.replaceChildren();
      return;
    }
    panel.setAttribute("aria-busy", "true");
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then((response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return response.text();
      })
      .then((html) => {
        if (request !== panelRequest) return; // an older answer, after a quicker ← or →
        panel.innerHTML = html;
      })
      .catch(() => {
        if (request !== panelRequest) return;
        panel.innerHTML = '<p class="error" role="alert">The details could not be loaded.</p>';
      })
      .finally(() => {
        if (request === panelRequest) panel.setAttribute("aria-busy", "false");
      });
  }

  function onKey(event) {
    const typing = event.target.closest("input, textarea, select, video");
    if (event.key === "ArrowRight" && !typing) {
      event.preventDefault();
      show(index + 1);
    } else if (event.key === "ArrowLeft" && !typing) {
      event.preventDefault();
      show(index - 1);
    } else if (event.key === "Tab") {
      trapTab(event);
    }
    // Esc: the modal dialog's own "cancel" closes it.
  }

  function trapTab(event) {
    const inside = Array.from(dialog.querySelectorAll(FOCUSABLE)).filter(
      (element) => element.offsetParent !== null || element === document.activeElement,
    );
    if (!inside.length) return;
    const first = inside[0];
    const last = inside[inside.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }

  function onClose() {
    stage.querySelector("video")?.pause();
    stage.replaceChildren();
    panelRequest++;
    const back = items[index];
    items = [];
    if (back && back.isConnected) back.focus();
  }

  function open(link) {
    if (!dialog) build();
    items = links();
    const at = items.indexOf(link);
    show(at < 0 ? 0 : at);
    if (!dialog.open) dialog.showModal();
    dialog.querySelector(".lightbox-close").focus();
  }

  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return; // new tab
    const link = event.target.closest("a[data-lightbox]");
    if (!link || (dialog && dialog.contains(link))) return;
    event.preventDefault();
    open(link);
  });

  window.studioLightbox = { open };
})();
