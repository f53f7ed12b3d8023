// The live channel (studio/gallery/live.py): one EventSource per page instead of every
// running card polling. When the server says a card moved (its version differs from the
// card's data-updated), the cards are fetched again, many in one request (GET cards/); a
// new job in the workspace (a teammate's, or one's own from elsewhere) goes on top of the
// wall (first page, no filters).
// Opened on pages with the gallery's wall or a running card (<meta name="studio-live">).
(function () {
  "use strict";
  let meta = null;
  let source = null;
  // Cards to fetch, in two lanes of one request at a time each (a page of 96 running cards
  // would otherwise take every connection the browser allows): cards whose job ended go
  // in their own lane, so a finished image never waits behind a batch of progress updates.
  function newLane() {
    return { pending: new Set(), inFlight: false, timer: null };
  }
  const lanes = { finished: newLane(), moved: newLane() };
  const wantedNew = new Set();

  function wanted() {
    return document.getElementById("gallery-grid") || document.querySelector("article.card[data-running]");
  }

  function unfilteredFirstPage() {
    const params = new URLSearchParams(window.location.search);
    params.delete("per_page");
    return window.location.pathname === meta.dataset.gallery && [...params.keys()].length === 0;
  }

  function schedule(id, ended) {
    const chosen = ended ? lanes.finished : lanes.moved;
    if (ended) lanes.moved.pending.delete(id);
    chosen.pending.add(id);
    // Moved cards wait 30 ms to share a request; finished ones go at once (the ids of one
    // event still share it: they are all scheduled before the timer runs).
    if (!chosen.timer && !chosen.inFlight) chosen.timer = window.setTimeout(() => flush(chosen), ended ? 0 : 30);
  }

  // A card's version (data-updated: microseconds, all of one length for centuries): the two
  // lanes may answer out of order, and a card never goes back to an older version.
  function newer(a, b) {
    return a.length !== b.length ? a.length > b.length : a > b;
  }

  function place(html) {
    const parsed = document.createElement("template");
    parsed.innerHTML = html;
    for (const card of parsed.content.children) {
      if (!card.matches("article.card[id^='card-']")) continue;
      const id = card.id.slice(5);
      const shown = document.getElementById(card.id);
      if (shown) {
        if (newer(card.dataset.updated || "", shown.dataset.updated || "")) {
          window.htmx.swap(shown, card.outerHTML, { swapStyle: "outerHTML" });
        }
      } else if (wantedNew.has(id)) {
        const grid = document.getElementById("gallery-grid");
        if (grid && unfilteredFirstPage()) {
          card.dataset.live = "added";
          window.htmx.swap(grid, card.outerHTML, { swapStyle: "afterbegin" });
          const empty = grid.querySelector(":scope > p.empty");
          if (empty) empty.remove();
        }
      }
      wantedNew.delete(id);
    }
  }

  function announce(trigger) {
    // HX-Trigger as htmx sends it: the header's credits and a detail page listen on <body>.
    let events;
    try {
      events = JSON.parse(trigger);
    } catch (error) {
      events = { [trigger]: {} };
    }
    for (const [name, detail] of Object.entries(events)) window.htmx.trigger(document.body, name, detail);
  }

  function flush(lane) {
    lane.timer = null;
    if (lane.inFlight || !lane.pending.size || !window.htmx) return;
    const ids = [...lane.pending].slice(0, 100);
    ids.forEach((id) => lane.pending.delete(id));
    lane.inFlight = true;
    const query = ids.map((id) => "id=" + encodeURIComponent(id)).join("&");
    fetch(meta.dataset.cards + "?" + query, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then((response) => (response.ok ? Promise.all([response.text(), response.headers.get("HX-Trigger")]) : ["", null]))
      .then(([html, trigger]) => {
        if (html) place(html);
        if (trigger) announce(trigger);
      })
      .then(
        () => 0,
        () => {
          ids.forEach((id) => lane.pending.add(id)); // retried, after a pause: the server may be down
          return 2000;
        },
      )
      .then((pause) => {
        lane.inFlight = false;
        if (lane.pending.size && !lane.timer) lane.timer = window.setTimeout(() => flush(lane), pause);
      });
  }

  function changed(event) {
    let data;
    try {
      data = JSON.parse(event.data);
    } catch (error) {
      return;
    }
    const fresh = new Set(data.new || []);
    const ended = new Set(data.finished || []);
    for (const [id, stamp] of Object.entries(data.changed || {})) {
      const card = document.getElementById("card-" + id);
      if (card ? card.dataset.updated !== stamp : fresh.has(id)) {
        if (!card) wantedNew.add(id);
        schedule(id, ended.has(id));
      }
    }
  }

  // A card this channel added makes way for the same card brought by what the person did
  // (the prompt bar, a press, an import): theirs answers the request, ours was early.
  function dedupe() {
    for (const added of document.querySelectorAll("article.card[data-live=added]")) {
      if (document.querySelectorAll(`article.card[id="${added.id}"]`).length > 1) added.remove();
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
    document.addEventListener("htmx:afterSwap", dedupe);
    document.addEventListener("htmx:oobAfterSwap", dedupe);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
