/* The gallery's prompt bar: Enter sends (Shift+Enter is a new line), at most N models are
 * chosen, each chosen model's settings are shown (and posted; the others are disabled),
 * and images dropped or pasted onto the bar go to the reference-image field of a model that
 * takes them; "Use as reference" / "Animate (start frame)" in the lightbox put that image on
 * the bar. Every image on the bar shows as a chip with a remove ×. Sending and the quote
 * are htmx; without this script the bar still posts. */
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

    // What is typed and chosen survives a reload (sessionStorage: this tab only, gone when it
    // closes). Images are not kept (files cannot be; a pick is one click away), nor the CSRF
    // token; an address that carries a prompt (the no-JavaScript bar's error) wins.
    var STORE = "studio.prompt-bar";
    function kept(field) {
      return field.name && field.name !== "csrfmiddlewaretoken" && field.type !== "file" &&
        !/_(assets|urls|files)$/.test(field.name);
    }
    function save() {
      var fields = {};
      Array.prototype.forEach.call(bar.elements, function (field) {
        if (!kept(field)) return;
        var values = fields[field.name] || (fields[field.name] = []);
        if (field.type === "checkbox" || field.type === "radio") {
          if (field.checked) values.push(field.value);
        } else if (field.type !== "submit" && field.type !== "button") {
          values.push(field.value);
        }
      });
      try { sessionStorage.setItem(STORE, JSON.stringify(fields)); } catch (e) { /* full or off */ }
    }
    function restore() {
      var params = new URLSearchParams(location.search);
      if (params.has("prompt") || params.has("models")) return false;
      var fields;
      try { fields = JSON.parse(sessionStorage.getItem(STORE) || "null"); } catch (e) { fields = null; }
      if (!fields) return false;
      var seen = {};
      Array.prototype.forEach.call(bar.elements, function (field) {
        if (!kept(field) || !Object.prototype.hasOwnProperty.call(fields, field.name)) return;
        var values = fields[field.name];
        if (field.type === "checkbox" || field.type === "radio") {
          field.checked = values.indexOf(field.value) !== -1;
        } else if (field.type !== "submit" && field.type !== "button") {
          var at = seen[field.name] || 0;
          seen[field.name] = at + 1;
          if (at < values.length) field.value = values[at];
        }
      });
      return true;
    }
    var restored = restore();
    bar.addEventListener("input", save);
    bar.addEventListener("change", save);

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
    if (restored) bar.dispatchEvent(new Event("change")); // the quote of what came back

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

    // Images on the bar, whichever field holds them: a chip each, with a remove ×.
    var strip = bar.querySelector("[data-bar-images]");
    var WHAT = { reference_images: "Reference", start_frame: "Start frame", end_frame: "End frame" };
    function renderChips() {
      if (!strip) return;
      strip.replaceChildren();
      bar.querySelectorAll("[data-model-settings]:not([disabled]) [data-sources]").forEach(function (group) {
        var what = WHAT[group.dataset.name.split("-").pop()] || "Image";
        group.querySelectorAll("[data-previews] li").forEach(function (item) {
          var source = item.querySelector("img");
          var name = item.querySelector(".sources-name");
          var chip = document.createElement("li");
          chip.className = "bar-image";
          var thumb = document.createElement("img");
          thumb.src = source ? source.src : "";
          thumb.alt = "";
          var caption = document.createElement("span");
          caption.textContent = what;
          var remove = document.createElement("button");
          remove.type = "button";
          remove.className = "bar-image-remove";
          remove.textContent = "×";
          remove.setAttribute("aria-label", "Remove " + what.toLowerCase() + ": " + (name ? name.textContent : ""));
          remove.addEventListener("click", function () {
            var button = item.querySelector("[data-remove]");
            if (button) button.click();
            prompt.focus();
          });
          chip.append(thumb, caption, remove);
          strip.append(chip);
        });
      });
      strip.hidden = !strip.children.length;
    }
    var watch = new MutationObserver(renderChips);
    bar.querySelectorAll("[data-sources] [data-previews]").forEach(function (list) {
      watch.observe(list, { childList: true });
    });
    bar.addEventListener("change", function (event) {
      if (event.target.matches("[data-model-choice]")) renderChips();
    });
    renderChips();

    // "Use as reference" / "Animate (start frame)" from the lightbox (data-bar-use: the
    // model's slug and its field): choose that model and hand the image to its field, as a
    // gallery pick (the same `<field>_assets` input the model's own form posts). False when
    // this bar cannot take it (the link then opens the model's form).
    bar.useImage = function (into, image) {
      var slug = into.split("-")[0];
      var box = bar.querySelector('[data-model-choice][value="' + slug + '"]');
      var group = bar.querySelector('[data-sources][data-name="' + into + '"]');
      if (!box || !group) return false;
      if (!box.checked) {
        // The models chosen so far cannot take it: this one replaces them (a Compare
        // without the image on one side would not compare much).
        bar.querySelectorAll("[data-model-choice]").forEach(function (other) { other.checked = false; });
        box.checked = true;
        box.dispatchEvent(new Event("change", { bubbles: true }));
      }
      group.dispatchEvent(new CustomEvent("sources:pick", { detail: image }));
      // A video needs its other frame too: show the model's settings.
      var settings = group.closest("details");
      if (settings) settings.open = true;
      return true;
    };
    bar.focusPrompt = function () { prompt.focus(); };

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

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-bar-use]");
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return; // a new tab
    var bar = document.querySelector("[data-prompt-bar]");
    if (!bar || !bar.useImage) return;
    var image = { id: link.dataset.asset, thumb: link.dataset.thumb, label: link.dataset.label };
    if (!bar.useImage(link.dataset.barUse, image)) return;
    event.preventDefault();
    var lightbox = link.closest("dialog");
    if (lightbox && lightbox.open) {
      // After the lightbox's own close handler, which gives focus back to the image.
      lightbox.addEventListener("close", bar.focusPrompt, { once: true });
      lightbox.close();
    } else {
      bar.focusPrompt();
    }
  });

  function init(scope) {
    (scope || document).querySelectorAll("[data-prompt-bar]").forEach(setup);
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt.parentNode || document); });
})();
