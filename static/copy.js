// Copy buttons on the editor's desk. Without JavaScript the text stays selectable.
document.querySelectorAll("button.copy").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", async () => {
    const text = document.getElementById(button.dataset.copy).textContent;
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied";
    } catch (_) {
      const range = document.createRange();
      range.selectNodeContents(document.getElementById(button.dataset.copy));
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      button.textContent = "Selected: press Ctrl+C";
    }
    // A click's confirmation fades; the one after a pick stays until the next click.
    if (!button.dataset.keep) setTimeout(() => { button.textContent = "Copy"; }, 2000);
    delete button.dataset.keep;
  });
});

// Just after a pick the desk opens at the whole section: bring it into view and copy it (a
// browser that will not copy without a click gets it selected, and says so).
const picked = location.hash.startsWith("#section-") && document.getElementById(location.hash.slice(1));
if (picked) {
  picked.scrollIntoView({ block: "center" });
  const button = document.querySelector(`button.copy[data-copy="${picked.id}"]`);
  if (button) {
    button.dataset.keep = "1";
    button.click();
  }
}

// Picking while voting is still open asks first: the remaining votes would no longer decide.
// Without JavaScript the pick goes through (the public still sees it only once the issue is out).
document.querySelectorAll("form[data-confirm]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
});
