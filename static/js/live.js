// The live channel (studio/gallery/live.py): one EventSource per page instead of every
// running card polling. When the server says a card moved, the card on this page is fetched
// again; a teammate's new job goes on top of the team's wall (first page, no filters).
// Opened on pages with the gallery's wall or a running card (<meta name="studio-live">).
(function () {
  "use strict";
  const ZERO = "00000000-0000-0000-0000-000000000000";
  let meta = null;
  let source = null;
  const busy = new Map(); // id → true while a fetch runs, "again" when another change came

  function cardUrl(id) {
    return meta.dataset.card.replace(ZERO, id);
  }

  function wanted() {
    return document.getElementById("gallery-grid") || document.querySelector("article.card[data-running]");
  }

  function unfilteredFirstPage() {
    const params = new URLSearchParams(window.location.search);
    params.delete("per_page");
    return window.location.pathname === meta.dataset.gallery && [...params.keys()].length === 0;
  }

  function refresh(id) {
    if (busy.get(id)) {
      busy.set(id, "again");
      return;
    }
    if (!document.getElementById("card-" + id) || !window.htmx) return;
    busy.set(id, true);
    const done = () => {
      const again = busy.get(id) === "again";
      busy.delete(id);
      if (again) refresh(id);
    };
    window.htmx.ajax("GET", cardUrl(id), { target: "#card-" + id, swap: "outerHTML" }).then(done, done);
  }

  function add(id) {
    const grid = document.getElementById("gallery-grid");
    if (!grid || !unfilteredFirstPage() || document.getElementById("card-" + id) || busy.get(id)) return;
    busy.set(id, true);
    fetch(cardUrl(id), { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : ""))
      .then((html) => {
        // The prompt bar or a press may have put it there meanwhile.
        if (html && !document.getElementById("card-" + id) && window.htmx) {
          window.htmx.swap(grid, html, { swapStyle: "afterbegin" });
          const empty = grid.querySelector(":scope > p.empty");
          if (empty) empty.remove();
        }
      })
      .finally(() => busy.delete(id));
  }

  function changed(event) {
    let data;
    try {
      data = JSON.parse(event.data);
    } catch (error) {
      return;
    }
    const fresh = new Set(data.new || []);
    for (const [id, stamp] of Object.entries(data.changed || {})) {
      const card = document.getElementById("card-" + id);
      if (!card) {
        if (fresh.has(id)) add(id);
      } else if (card.dataset.updated !== stamp) {
        refresh(id);
      }
    }
  }

  function open() {
    if (source || !meta || !wanted() || !window.EventSource) return;
    source = new EventSource(meta.dataset.url);
    source.addEventListener("changed", changed);
  }

  function start() {
    meta = document.querySelector("meta[name=studio-live]");
    open();
    // A running card can arrive later (the prompt bar, a press on a detail page).
    document.addEventListener("htmx:load", open);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
