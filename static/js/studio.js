// Small behaviours of every page, declared in the markup with data-* attributes, so that no
// template needs an inline script or an on* handler (the Content-Security-Policy allows only
// scripts from our own origin: studio/settings.py, "Security"). Listeners sit on the document,
// so content htmx swaps in later works without binding anything again.
//
//   <form data-confirm="Delete this key?">      asks before submitting; Cancel keeps the page
//   <select data-autosubmit>                    submits its form when the choice changes
//   <input data-select-on-focus>                selects its text on focus (links to copy)
//   <button data-copy="#input-id">              copies that input's value, then says so
//   <div popover data-open-on-load>             opens the popover once shown
//   <form data-close-popover>                   closes its open popover after an htmx request
//   <div data-reload-on="generation-finished">  reloads the page when htmx triggers the event
//   <output data-per-image="6" data-count-from="id_n">  price = count × per-image price
"use strict";

(() => {
  // Capture phase: the question comes before htmx or anything else acts on the submit.
  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target.closest("form[data-confirm]");
      if (form && !window.confirm(form.dataset.confirm)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true,
  );

  document.addEventListener("change", (event) => {
    const select = event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.submit();
  });

  document.addEventListener("focusin", (event) => {
    if (event.target.matches("input[data-select-on-focus]")) event.target.select();
  });

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-copy]");
    if (!button) return;
    const input = document.querySelector(button.dataset.copy);
    if (!input || !navigator.clipboard) return;
    navigator.clipboard.writeText(input.value).then(() => {
      button.textContent = "Copied";
    });
  });

  document.addEventListener("htmx:afterRequest", (event) => {
    const form = event.target.closest && event.target.closest("form[data-close-popover]");
    const open = form && form.querySelector("[popover]:popover-open");
    if (open) open.hidePopover();
  });

  document.addEventListener("input", (event) => {
    const counter = event.target;
    if (!counter.id) return;
    document.querySelectorAll(`output[data-count-from="${counter.id}"]`).forEach((output) => {
      const n = parseInt(counter.value, 10);
      const max = Number(output.dataset.max || Infinity);
      output.textContent = n >= 1 && n <= max ? n * Number(output.dataset.perImage) : "?";
    });
  });

  function openPopovers(root) {
    root.querySelectorAll("[popover][data-open-on-load]").forEach((popover) => {
      if (!popover.matches(":popover-open")) popover.showPopover();
    });
  }

  function listenForReloads(root) {
    root.querySelectorAll("[data-reload-on]").forEach((element) => {
      if (element.dataset.reloadBound) return;
      element.dataset.reloadBound = "1";
      document.body.addEventListener(element.dataset.reloadOn, () => window.location.reload());
    });
  }

  function setUp(root) {
    openPopovers(root);
    listenForReloads(root);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => setUp(document));
  } else {
    setUp(document);
  }
  document.addEventListener("htmx:load", (event) => setUp(event.target));
})();
