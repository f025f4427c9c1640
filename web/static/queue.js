// The review queue's keys: a accept, r reject, s or j next, k previous, on the item in focus.
//
// The buttons do the same without keys. Keys count only outside a text field, so a note
// can hold any letter; in a note, Ctrl+Enter sends it (review.js) and Escape goes back to
// the item. A decided item stays in place, marked, and the focus moves on to the next
// one still waiting; the progress line counts it.
(function () {
  "use strict";
  const list = document.getElementById("rq-list");
  const stringsNode = document.getElementById("review-strings");
  if (!list || !stringsNode) return;
  const strings = JSON.parse(stringsNode.textContent);
  const progress = document.getElementById("rq-progress");

  function items() {
    return Array.from(list.querySelectorAll(".rq-item"));
  }

  function waiting() {
    return items().filter((item) => !item.classList.contains("rq-done"));
  }

  function current() {
    const active = document.activeElement;
    return (active && active.closest && active.closest(".rq-item")) || null;
  }

  function focusItem(item) {
    if (!item) return;
    items().forEach((i) => i.removeAttribute("aria-current"));
    item.setAttribute("aria-current", "true");
    item.focus();
    item.scrollIntoView({ block: "nearest" });
  }

  function step(delta) {
    const all = waiting();
    if (!all.length) return;
    const at = all.indexOf(current());
    const next = at < 0 ? 0 : Math.min(all.length - 1, Math.max(0, at + delta));
    focusItem(all[next]);
  }

  function open(item, decision) {
    const control = item.querySelector(".review-control");
    const form = control && control.querySelector("form");
    if (!form) return;
    if (form.elements.decision.value !== decision) {
      const hint = item.querySelector(".rq-hint");
      hint.textContent = decision === "accept" ? strings.notCandidate : strings.notAccepted;
      hint.className = "review-message rq-hint review-error";
      return;
    }
    control.open = true;
    form.elements.note.focus();
  }

  function updateProgress(decided, total) {
    progress.dataset.decided = String(decided);
    progress.textContent = strings.progress
      .replace("{total}", String(total))
      .replace("{decided}", String(decided));
  }

  window.minamiQueue = {
    decided(item, answer) {
      const verb = strings.verbs[answer.decision ? answer.decision.decision : ""] || "";
      item.classList.add("rq-done");
      const control = item.querySelector(".review-control");
      if (control) control.remove();
      const status = item.querySelector(".rq-status");
      status.textContent = strings.doneAs.replace("{verb}", verb);
      updateProgress(Number(progress.dataset.decided) + 1, Number(progress.dataset.total));
      const rest = waiting();
      const after = rest.find((other) => item.compareDocumentPosition(other) & Node.DOCUMENT_POSITION_FOLLOWING);
      if (after || rest.length) focusItem(after || rest[0]);
      else {
        const empty = document.getElementById("rq-empty");
        if (empty) {
          empty.hidden = false;
          empty.focus();
        }
      }
    },
  };

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.key === "Escape" && target.closest && target.closest(".rq-item")) {
      const item = target.closest(".rq-item");
      const control = item.querySelector(".review-control");
      if (control) control.open = false;
      focusItem(item);
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target.matches && target.matches("input, textarea, select, [contenteditable]")) return;
    const key = event.key.toLowerCase();
    if (!["a", "r", "s", "j", "k"].includes(key)) return;
    event.preventDefault();
    if (key === "s" || key === "j") return step(1);
    if (key === "k") return step(-1);
    let item = current();
    if (!item) {
      item = waiting()[0];
      focusItem(item);
    }
    if (item) open(item, key === "a" ? "accept" : "reject");
  });

  list.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-next]");
    if (button) step(1);
  });

  const first = waiting()[0];
  if (first && !window.location.hash) focusItem(first);
})();
