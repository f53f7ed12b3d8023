/* The gallery's prompt bar: Enter sends (Shift+Enter is a new line), at most N models are
 * chosen, each chosen model's settings are shown (and posted; the others are disabled),
 * and images dropped or pasted onto the bar go to the reference-image field of a model that
 * takes them. Sending and the quote are htmx; without this script the bar still posts. */
(function () {
  "use strict";

  function setup(bar) {
    if (bar.dataset.ready) return;
    bar.dataset.ready = "1";
    var max = parseInt(bar.dataset.maxModels, 10) || 4;
    var prompt = bar.querySelector("textarea[name=prompt]");
    var status = function () { return document.getElementById("prompt-bar-status"); };

    prompt.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        if (prompt.value.trim() && bar.querySelector(".bar-send")) bar.requestSubmit();
      }
    });

    // ImagineLab's types open their own form: take the prompt typed so far along.
    bar.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-carry-prompt]");
      if (!link || !prompt.value.trim()) return;
      var url = new URL(link.href, location.href);
      url.searchParams.set("prompt", prompt.value);
      link.href = url.toString();
    });

    function chosen() {
      return Array.prototype.filter.call(
        bar.querySelectorAll("[data-model-choice]"), function (box) { return box.checked; }
      ).map(function (box) { return box.value; });
    }

    function syncModels() {
      var picked = chosen();
      bar.querySelectorAll("[data-model-choice]").forEach(function (box) {
        box.disabled = !box.checked && picked.length >= max;
      });
      bar.querySelectorAll("[data-model-settings]").forEach(function (set) {
        var on = picked.indexOf(set.dataset.modelSettings) !== -1;
        set.disabled = !on;
        set.hidden = !on;
      });
      bar.classList.toggle("takes-images", !!bar.querySelector(".bar-references:not([disabled])"));
    }
    bar.addEventListener("change", function (event) {
      if (event.target.matches("[data-model-choice]")) syncModels();
    });
    syncModels();

    // Images dropped or pasted anywhere on the bar: handed to the reference field's own
    // drop zone (studio's sources.js validates and previews them as on the form pages).
    function handOver(files) {
      var zone = bar.querySelector(".bar-references:not([disabled]) [data-drop]");
      if (!zone || !files.length) return false;
      var transfer = new DataTransfer();
      Array.prototype.forEach.call(files, function (file) { transfer.items.add(file); });
      zone.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
      return true;
    }
    ["dragenter", "dragover"].forEach(function (type) {
      bar.addEventListener(type, function (event) {
        if (bar.classList.contains("takes-images")) {
          event.preventDefault();
          bar.classList.add("is-over");
        }
      });
    });
    bar.addEventListener("dragleave", function (event) {
      if (!bar.contains(event.relatedTarget)) bar.classList.remove("is-over");
    });
    bar.addEventListener("drop", function (event) {
      bar.classList.remove("is-over");
      if (event.target.closest("[data-drop]")) return; // the zone handles its own drops
      if (event.dataTransfer && handOver(event.dataTransfer.files)) event.preventDefault();
    });
    bar.addEventListener("paste", function (event) {
      var files = event.clipboardData ? event.clipboardData.files : [];
      if (files && files.length && handOver(files)) event.preventDefault();
    });

    bar.addEventListener("htmx:beforeRequest", function (event) {
      if (event.detail.elt === bar) {
        var el = status();
        if (el) el.textContent = "Sending…";
      }
    });
    bar.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.elt === bar && !event.detail.successful) {
        var el = status();
        if (el && el.textContent === "Sending…") el.textContent = "";
      }
    });
  }

  function init(scope) {
    (scope || document).querySelectorAll("[data-prompt-bar]").forEach(setup);
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt.parentNode || document); });
})();
