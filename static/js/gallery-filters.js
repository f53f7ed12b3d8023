/* The gallery's filter form (gallery/gallery.html, #gallery-filters) with JavaScript: it sends
 * itself as you type or choose (htmx), so its "Filter" button is hidden; the server sets the
 * address to that of the request (HX-Push-Url, studio/gallery/views/wall.py). Back and
 * Forward restore the cards from htmx's history snapshot of #gallery-wall, but a snapshot
 * keeps attributes, not what was typed or chosen: the fields are set again from the address,
 * which is the one source of truth for what the wall shows. */
(() => {
  "use strict";
  const FORM = "#gallery-filters";

  function hideSubmit(form) {
    const button = form.querySelector("[data-filter-submit]");
    if (button) button.hidden = true;
  }

  function fieldsFromAddress(form) {
    const params = new URLSearchParams(location.search);
    for (const field of form.elements) {
      if (!field.name) continue;
      const values = params.getAll(field.name);
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = values.includes(field.value);
      } else if (field.tagName === "SELECT") {
        const wanted = values.length ? values[0] : null;
        const options = Array.from(field.options);
        const match = options.find((option) => option.value === wanted);
        // Not in the address: the field's empty choice, or its first (page size).
        const fallback = options.find((option) => option.value === "") || options[0];
        const chosen = match || fallback;
        options.forEach((option) => { option.selected = option === chosen; });
      } else if (field.type !== "submit" && field.type !== "button") {
        field.value = values.length ? values[0] : "";
      }
    }
    // Filters beyond the search box in use: show them open, as the server does.
    const more = form.querySelector("details.more-filters");
    if (more) {
      const advanced = Array.from(params.entries()).some(
        ([name, value]) => value && name !== "q" && name !== "page" && form.elements[name],
      );
      if (advanced) more.open = true;
    }
  }

  function setUp() {
    const form = document.querySelector(FORM);
    if (!form) return;
    hideSubmit(form);
    return form;
  }

  document.addEventListener("DOMContentLoaded", setUp);
  // After a restore from the snapshot or, on a miss, from the server (htmx 2 fires it for both).
  document.addEventListener("htmx:historyRestore", () => {
    const form = setUp();
    if (form) fieldsFromAddress(form);
  });
})();
