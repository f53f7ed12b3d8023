// Select many in the gallery (templates/gallery/gallery.html).
// Each card's checkbox belongs to the selection form (form="gallery-selection"), so the form
// works without this script; here it counts, shows the bar only while something is chosen,
// marks chosen cards, and keeps a card chosen when htmx replaces it (running cards poll).
(() => {
  if (window.studioGallerySelect) return;
  window.studioGallerySelect = true;

  const chosen = new Set(); // generation ids

  function bar() {
    return document.querySelector("[data-selection-bar]");
  }

  function boxes() {
    return Array.from(document.querySelectorAll("input[data-select]"));
  }

  function render() {
    const form = bar();
    if (!form) return;
    const shown = boxes();
    const present = new Set(shown.map((box) => box.value));
    for (const id of Array.from(chosen)) if (!present.has(id)) chosen.delete(id);
    for (const box of shown) {
      box.checked = chosen.has(box.value);
      box.closest("article")?.classList.toggle("selected", box.checked);
    }
    const count = chosen.size;
    form.hidden = count === 0;
    form.querySelector("[data-count]").textContent =
      count === 1 ? "1 selected" : `${count} selected`;
    form.querySelector("[data-select-all]").hidden = count === shown.length;
    form.querySelector("[data-select-none]").hidden = false;
  }

  document.addEventListener("change", (event) => {
    const box = event.target;
    if (!box.matches || !box.matches("input[data-select]")) return;
    if (box.checked) chosen.add(box.value);
    else chosen.delete(box.value);
    render();
  });

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-select-all], [data-select-none]");
    if (!button) return;
    const all = button.matches("[data-select-all]");
    for (const box of boxes()) {
      if (all) chosen.add(box.value);
      else chosen.delete(box.value);
    }
    render();
  });

  document.addEventListener("submit", (event) => {
    if (!event.target.matches("[data-selection-bar]")) return;
    // The filters may have changed the address (hx-push-url): come back to what is shown.
    event.target.querySelector("[data-next]").value = location.pathname + location.search;
    if (chosen.size === 0) event.preventDefault();
  });

  document.addEventListener("htmx:afterSettle", render);
  document.addEventListener("DOMContentLoaded", () => {
    for (const box of boxes()) if (box.checked) chosen.add(box.value); // kept by the browser
    render();
  });
})();
