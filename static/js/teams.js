// Team page: "Copy" puts an invitation link on the clipboard (the input stays selectable
// where the clipboard API is unavailable, e.g. plain http on another host).
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const input = button.parentElement.querySelector("[data-copy-source]");
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
    button.textContent = "Copied";
  } catch {
    button.textContent = "Select and copy";
  }
});
