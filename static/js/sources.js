/* Image sources widget (templates/uploads/_sources.html, studio/uploads/fields.py).
 *
 * Each [data-sources] group gets: files added across several choices and by drag and drop,
 * a preview per file with a Remove button, gallery picks from a <dialog> whose content htmx
 * loads, a live "3 of 8" count, and the group's maximum enforced with a message. The file
 * input's FileList is rebuilt with DataTransfer after every change, so a removed file is
 * not sent. The server checks everything again; this only saves people a round trip.
 */
(function () {
  "use strict";
  if (window.studioSources) return;

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  function urlLines(text) {
    var seen = [];
    text.split(/\r?\n/).forEach(function (line) {
      line = line.trim();
      if (line && seen.indexOf(line) === -1) seen.push(line);
    });
    return seen;
  }

  function fileKey(file) {
    return [file.name, file.size, file.lastModified].join("|");
  }

  function makeItem(kind, src, alt, caption, removeLabel) {
    var li = document.createElement("li");
    li.className = "sources-item";
    li.dataset.kind = kind;
    var img = document.createElement("img");
    img.src = src;
    img.alt = alt;
    var name = document.createElement("span");
    name.className = "sources-name";
    name.textContent = caption;
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "secondary outline small";
    remove.dataset.remove = "";
    remove.textContent = "Remove";
    remove.setAttribute("aria-label", removeLabel);
    li.append(img, name, remove);
    return li;
  }

  function setup(root) {
    if (root.dataset.ready) return;
    root.dataset.ready = "1";

    var max = parseInt(root.dataset.max, 10) || 1;
    var min = parseInt(root.dataset.min, 10) || 0;
    var maxBytes = parseInt(root.dataset.maxBytes, 10) || Infinity;
    var accept = (root.dataset.accept || "").split(",");
    var name = root.dataset.name;
    var input = root.querySelector("[data-files]");
    var drop = root.querySelector("[data-drop]");
    var previews = root.querySelector("[data-previews]");
    var message = root.querySelector("[data-message]");
    var urls = root.querySelector("[data-urls]");
    var dialog = root.querySelector("[data-dialog]");
    var picker = root.querySelector("[data-picker]");
    var pickButton = root.querySelector("[data-pick]");
    var files = []; // [{file, url}] in the order chosen
    var note = ""; // the last action's message, until the next action

    function picks() {
      return Array.prototype.slice.call(previews.querySelectorAll('li[data-kind="asset"]'));
    }

    function pickedIds() {
      return picks().map(function (li) { return li.dataset.assetId; });
    }

    function total() {
      return files.length + picks().length + urlLines(urls.value).length;
    }

    function update() {
      var count = total();
      root.querySelectorAll("[data-count]").forEach(function (el) {
        el.textContent = count + " of " + max;
        el.hidden = false;
      });
      var text = count > max ? "At most " + plural(max, "image") + " (you gave " + count + ")." : note;
      message.textContent = text;
      message.hidden = !text;
      root.classList.toggle("is-over", count > max);
      syncPicker();
    }

    function syncInput() {
      try {
        var transfer = new DataTransfer();
        files.forEach(function (entry) { transfer.items.add(entry.file); });
        input.files = transfer.files;
      } catch (e) {
        // Very old browsers: the input keeps the last native choice only.
      }
    }

    function renderFiles() {
      previews.querySelectorAll('li[data-kind="file"]').forEach(function (li) { li.remove(); });
      var first = previews.firstChild;
      files.forEach(function (entry) {
        var li = makeItem(
          "file", entry.url, "Preview of " + entry.file.name, entry.file.name,
          "Remove " + entry.file.name
        );
        li.sourcesEntry = entry;
        previews.insertBefore(li, first);
      });
    }

    function clearAll() {
      files.forEach(function (entry) { URL.revokeObjectURL(entry.url); });
      files = [];
      picks().forEach(function (li) { li.remove(); });
    }

    function addFiles(list) {
      var problems = [];
      var fresh = [];
      var known = files.map(function (entry) { return fileKey(entry.file); });
      Array.prototype.forEach.call(list, function (file) {
        if (accept.indexOf(file.type) === -1) {
          problems.push("“" + file.name + "” is not a JPEG, PNG or WEBP image.");
        } else if (file.size > maxBytes) {
          problems.push("“" + file.name + "” is larger than " + root.dataset.maxSize + ".");
        } else if (known.indexOf(fileKey(file)) === -1) {
          known.push(fileKey(file));
          fresh.push(file);
        }
      });
      if (max === 1 && fresh.length) {
        clearAll(); // a single image: the new choice replaces the old one
        fresh = fresh.slice(-1);
      }
      var room = Math.max(0, max - total());
      if (fresh.length > room) {
        problems.push(
          "At most " + plural(max, "image") + ": " + plural(fresh.length - room, "file") +
          " not added."
        );
        fresh = fresh.slice(0, room);
      }
      fresh.forEach(function (file) {
        files.push({ file: file, url: URL.createObjectURL(file) });
      });
      note = problems.join(" ");
      syncInput();
      renderFiles();
      update();
    }

    function removeItem(li) {
      var items = Array.prototype.slice.call(previews.querySelectorAll("li"));
      var next = items[items.indexOf(li) + 1] || items[items.indexOf(li) - 1];
      if (li.sourcesEntry) {
        URL.revokeObjectURL(li.sourcesEntry.url);
        files = files.filter(function (entry) { return entry !== li.sourcesEntry; });
        syncInput();
      }
      li.remove();
      note = "";
      update();
      // Keep keyboard focus in the list rather than losing it to <body>.
      (next ? next.querySelector("[data-remove]") : input).focus();
    }

    // Add one gallery image (its asset id, thumbnail URL and caption); false when full.
    function addPick(id, thumb, label) {
      if (picks().some(function (li) { return li.dataset.assetId === id; })) return true;
      if (max === 1) {
        clearAll(); // a single image: the pick replaces the chosen file or pick
        syncInput();
        renderFiles();
      }
      if (total() >= max) {
        note = "At most " + plural(max, "image") + ": remove one first.";
        update();
        return false;
      }
      var li = makeItem(
        "asset", thumb, "Gallery image: " + label, label, "Remove gallery image: " + label
      );
      li.dataset.assetId = id;
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = name + "_assets";
      hidden.value = id;
      li.append(hidden);
      previews.append(li);
      update();
      return true;
    }

    function togglePick(button) {
      var id = button.dataset.assetId;
      var existing = picks().filter(function (li) { return li.dataset.assetId === id; })[0];
      note = "";
      if (existing) {
        existing.remove();
        update();
        return;
      }
      if (addPick(id, button.dataset.thumb, button.dataset.label || "Gallery image") && max === 1) {
        dialog.close();
      }
    }

    // Another script hands over a gallery image (the prompt bar's "Use as"):
    // root.dispatchEvent(new CustomEvent("sources:pick", {detail: {id, thumb, label}})).
    root.addEventListener("sources:pick", function (event) {
      var image = event.detail || {};
      note = "";
      image.added = addPick(image.id, image.thumb, image.label || "Gallery image");
    });

    function syncPicker() {
      var ids = pickedIds();
      picker.querySelectorAll(".picker-item").forEach(function (item) {
        item.setAttribute("aria-pressed", ids.indexOf(item.dataset.assetId) === -1 ? "false" : "true");
      });
    }

    input.addEventListener("change", function () {
      var chosen = Array.prototype.slice.call(input.files);
      if (chosen.length) addFiles(chosen);
      else syncInput(); // a cancelled chooser in some browsers empties the input
    });

    ["dragenter", "dragover"].forEach(function (type) {
      drop.addEventListener(type, function (event) {
        event.preventDefault();
        drop.classList.add("is-over");
      });
    });
    drop.addEventListener("dragleave", function (event) {
      if (!drop.contains(event.relatedTarget)) drop.classList.remove("is-over");
    });
    drop.addEventListener("drop", function (event) {
      event.preventDefault(); // or the browser replaces the input's files (or opens the image)
      drop.classList.remove("is-over");
      if (event.dataTransfer && event.dataTransfer.files.length) addFiles(event.dataTransfer.files);
    });

    previews.addEventListener("click", function (event) {
      var button = event.target.closest("[data-remove]");
      if (button) removeItem(button.closest("li"));
    });

    urls.addEventListener("input", function () {
      note = "";
      update();
    });

    pickButton.hidden = false;
    pickButton.addEventListener("click", function () {
      note = "";
      update();
      if (!window.htmx) {
        // htmx normally loads the picker (hx-get); this keeps the dialog usable without it.
        fetch(pickButton.getAttribute("hx-get"), { credentials: "same-origin" })
          .then(function (response) { return response.text(); })
          .then(function (html) { picker.innerHTML = html; syncPicker(); });
      }
      dialog.showModal();
    });

    dialog.addEventListener("click", function (event) {
      if (event.target.closest("[data-close]")) {
        dialog.close();
        return;
      }
      var item = event.target.closest(".picker-item");
      if (item) togglePick(item);
    });
    dialog.addEventListener("close", function () { pickButton.focus(); });

    var focusAfterMore = -1;
    picker.addEventListener("htmx:beforeRequest", function (event) {
      focusAfterMore = event.target.matches("[data-more]")
        ? picker.querySelectorAll(".picker-item").length
        : -1;
    });
    picker.addEventListener("htmx:afterSettle", function () {
      syncPicker();
      var items = picker.querySelectorAll(".picker-item");
      if (focusAfterMore >= 0 && items[focusAfterMore]) items[focusAfterMore].focus();
      focusAfterMore = -1;
    });

    var form = root.closest("form");
    if (form) {
      form.addEventListener("submit", function (event) {
        var count = total();
        if (count >= min && count <= max) return;
        event.preventDefault();
        note = count < min ? "Add at least " + plural(min, "image") + "." : "";
        update();
        input.focus();
      });
    }

    // Back/forward navigation may restore files into the input: show and keep them.
    if (input.files && input.files.length) addFiles(input.files);
    else update();
  }

  function init(scope) {
    if (scope.matches && scope.matches("[data-sources]")) setup(scope);
    scope.querySelectorAll("[data-sources]").forEach(setup);
  }

  window.studioSources = { init: init };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
  // Forms that arrive through htmx swaps.
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
