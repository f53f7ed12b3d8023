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
    dialog.addEventListener("cancel", onCancel);
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
    // A cut-out (remove background) keeps the card's checkerboard behind its transparency.
    if (link.closest(".checkerboard")) image.classList.add("checkerboard");
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
        panelReady();
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
    if (!typing && actionKey(event)) return;
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

  // --- actions in the panel (gallery/_lightbox_actions.html) -----------------------------
  // Presses post over htmx and put the child card at the top of #gallery-grid (the card's own
  // press partial); this says so in the panel, or shows the refusal there instead of the grid.
  // Keys: 1–4 press U1–U4, Shift+1–4 V1–V4, r Reroll, f favourite, ? lists every key.
  const KEYS = [
    ["← →", "Previous / next image"],
    ["1 – 4", "Upscale 1–4 (U1–U4)"],
    ["Shift + 1 – 4", "Vary 1–4 (V1–V4)"],
    ["r", "Reroll"],
    ["f", "Favourite / unstar"],
    ["?", "Show or hide this list"],
    ["Esc", "Close (this list first)"],
  ];
  let help = null;
  let helpReturn = null;

  function panelReady() {
    // Without the gallery's grid (e.g. a detail page) a press is a plain POST to the child.
    if (!document.getElementById("gallery-grid")) {
      panel.querySelectorAll("form.press[hx-post]").forEach((form) => {
        form.removeAttribute("hx-post");
        form.removeAttribute("hx-target");
        form.removeAttribute("hx-swap");
      });
    }
    if (window.htmx) window.htmx.process(panel);
  }

  function confirmBox() {
    return panel && panel.querySelector("[data-lightbox-confirm]");
  }

  function say(text, isError) {
    const box = confirmBox();
    if (!box) return;
    box.textContent = text;
    box.classList.toggle("error", Boolean(isError));
  }

  function pressName(form) {
    const submit = form.querySelector('button[type="submit"]');
    const label = submit ? submit.firstChild.textContent.trim() : "";
    return label || form.querySelector('input[name="button"]').value;
  }

  document.addEventListener("htmx:beforeSwap", (event) => {
    const form = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!panel || !form || !panel.contains(form) || !form.matches("form.press")) return;
    const answer = new DOMParser().parseFromString(event.detail.xhr.responseText, "text/html");
    if (event.detail.xhr.status < 400 && answer.querySelector("article.card")) {
      event.detail.shouldSwap = true;
      say(`${pressName(form)} submitted: the new job is at the top of the gallery.`, false);
      return;
    }
    // A refusal (banned word, rate limit, provider error): here, not on the grid.
    event.detail.shouldSwap = false;
    const text = answer.body.textContent.replace(/\s+/g, " ").trim();
    say(text || `${pressName(form)} could not be sent.`, true);
  });

  document.addEventListener("htmx:beforeRequest", (event) => {
    const form = event.detail.elt;
    if (panel && form && panel.contains(form) && form.matches && form.matches("form.press")) {
      say(`Sending ${pressName(form)}…`, false);
    }
  });

  function pressButton(value) {
    const input = Array.from(panel.querySelectorAll('form.press input[name="button"]')).find(
      (field) => field.value === value,
    );
    if (!input) {
      say(`This image has no ${value} button.`, true);
      return;
    }
    input.form.requestSubmit();
  }

  function actionKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return false;
    if (event.key === "?") {
      event.preventDefault();
      toggleHelp();
      return true;
    }
    const digit = /^Digit([1-4])$/.exec(event.code);
    if (digit) {
      event.preventDefault();
      pressButton(`${event.shiftKey ? "V" : "U"}${digit[1]}`);
      return true;
    }
    if (event.key === "r") {
      event.preventDefault();
      pressButton("\u{1F504}");
      return true;
    }
    if (event.key === "f") {
      const star = panel.querySelector("form.favourite button");
      if (star) {
        event.preventDefault();
        star.click();
        return true;
      }
    }
    return false;
  }

  function toggleHelp() {
    if (!help) {
      help = document.createElement("div");
      help.className = "lightbox-help";
      help.setAttribute("role", "dialog");
      help.setAttribute("aria-label", "Keyboard shortcuts");
      help.hidden = true;
      const title = document.createElement("h2");
      title.textContent = "Keys";
      const list = document.createElement("dl");
      for (const [keys, what] of KEYS) {
        const term = document.createElement("dt");
        term.textContent = keys;
        const meaning = document.createElement("dd");
        meaning.textContent = what;
        list.append(term, meaning);
      }
      const close = document.createElement("button");
      close.type = "button";
      close.className = "secondary small lightbox-help-close";
      close.textContent = "Close";
      close.addEventListener("click", toggleHelp);
      help.append(title, list, close);
      dialog.append(help);
    }
    if (help.hidden) {
      helpReturn = document.activeElement;
      help.hidden = false;
      help.querySelector("button").focus();
    } else {
      help.hidden = true;
      if (helpReturn && helpReturn.isConnected) helpReturn.focus();
    }
  }

  function onCancel(event) {
    // Esc closes the key list first, then the lightbox.
    if (help && !help.hidden) {
      event.preventDefault();
      toggleHelp();
    }
  }

  window.studioLightbox = { open };
})();
