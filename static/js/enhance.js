// Enhance beside a prompt (templates/generation/_enhance.html).
// htmx swaps the server's answer into the field's status line; when it carries an enhanced
// prompt, it replaces the textarea's text in place and the text before is kept for Undo
// (several levels, per field, for as long as the page is open).
(() => {
  if (window.studioEnhance) return; // the include may appear more than once on a page
  window.studioEnhance = true;

  const history = new Map(); // textarea id -> earlier texts, newest last

  function parts(el) {
    const box = el.closest("[data-enhance-field]");
    if (!box) return null;
    return {
      id: box.dataset.enhanceField,
      area: document.getElementById(box.dataset.enhanceField),
      undo: box.querySelector("[data-enhance-undo]"),
    };
  }

  function put(area, text) {
    area.value = text;
    // Let the form react as if the person had typed (e.g. the Midjourney preview).
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("htmx:afterSwap", (event) => {
    const carrier = event.target.querySelector("[data-enhanced-prompt]");
    const field = carrier && parts(event.target);
    if (!field || !field.area) return;
    const stack = history.get(field.id) || [];
    stack.push(field.area.value);
    history.set(field.id, stack);
    put(field.area, carrier.dataset.enhancedPrompt);
    carrier.remove();
    field.undo.hidden = false;
  });

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-enhance-undo]");
    const field = button && parts(button);
    if (!field || !field.area) return;
    const stack = history.get(field.id) || [];
    if (stack.length) put(field.area, stack.pop());
    button.hidden = stack.length === 0;
    const status = button.parentElement.querySelector(".enhance-status");
    if (status) status.textContent = stack.length ? "" : "Your text is back.";
  });
})();
