// The colour theme and the narrow-screen menu of every page.
//
// Loaded in <head> without `defer`, so the chosen theme is on <html> before the first paint
// (no flash of the other theme). No inline script: the Content-Security-Policy allows only
// scripts from our own origin (studio/settings.py, "Security").
//
//   <select data-theme-switch>           system | light | dark, kept in localStorage
//   <button data-menu-toggle aria-controls="id" aria-expanded>   opens/closes that menu
//
// "system" removes data-theme, so Pico CSS and css/theme.css follow prefers-color-scheme.
"use strict";

(() => {
  const STORAGE_KEY = "studio-theme";
  const CHOICES = ["system", "light", "dark"];
  const root = document.documentElement;

  function stored() {
    try {
      const value = window.localStorage.getItem(STORAGE_KEY);
      return CHOICES.includes(value) ? value : "system";
    } catch (error) {
      return "system"; // storage refused (private mode, blocked cookies): follow the system
    }
  }

  function apply(choice) {
    if (choice === "light" || choice === "dark") root.dataset.theme = choice;
    else delete root.dataset.theme;
  }

  apply(stored());
  // CSS collapses the navigation only when this script runs (without it the menu stays open).
  root.classList.add("js");

  document.addEventListener("change", (event) => {
    const select = event.target.closest && event.target.closest("select[data-theme-switch]");
    if (!select) return;
    const choice = CHOICES.includes(select.value) ? select.value : "system";
    try {
      window.localStorage.setItem(STORAGE_KEY, choice);
    } catch (error) {
      // not kept across pages, but applied to this one
    }
    apply(choice);
    document.querySelectorAll("select[data-theme-switch]").forEach((other) => {
      other.value = choice;
    });
  });

  // --- the menu (a disclosure: the button's aria-expanded says whether its list shows) -------
  function menuOf(button) {
    return document.getElementById(button.getAttribute("aria-controls"));
  }

  function setOpen(button, open) {
    const menu = menuOf(button);
    if (!menu) return;
    button.setAttribute("aria-expanded", open ? "true" : "false");
    menu.classList.toggle("is-open", open);
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("button[data-menu-toggle]");
    if (button) setOpen(button, button.getAttribute("aria-expanded") !== "true");
  });

  // Esc closes an open menu and gives focus back to its button.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    document.querySelectorAll('button[data-menu-toggle][aria-expanded="true"]').forEach((button) => {
      const menu = menuOf(button);
      if (!menu || getComputedStyle(button).display === "none") return;
      setOpen(button, false);
      if (menu.contains(document.activeElement)) button.focus();
    });
  });

  function setUp() {
    const choice = stored();
    document.querySelectorAll("select[data-theme-switch]").forEach((select) => {
      select.value = choice;
      select.hidden = false;
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
