// Staff review in place and in the queue (/review): loaded on signed-in pages only.
//
// Every review control is a plain HTML form (form.review-form, form.label-form) that
// posts to /review/decide or /review/label without scripts. With this script the form
// sends the JSON call instead (POST /api/review or /api/label, the session's CSRF token
// in X-CSRFToken), shows a refusal beside the form in the page's language, and on a
// 409 (someone decided the pair first) shows their decision with a button that sends
// again, naming it in `replaces`. A decision made, the page reloads (in place) or the
// queue moves on to the next item (/review). Text from the server goes in as text
// (textContent), never as markup.
(function () {
  "use strict";
  const stringsNode = document.getElementById("review-strings");
  const tokenNode = document.querySelector('meta[name="csrf-token"]');
  if (!stringsNode || !tokenNode) return;
  const strings = JSON.parse(stringsNode.textContent);
  const token = tokenNode.getAttribute("content");

  function message(form, text, kind) {
    const box = form.querySelector(".review-message");
    box.textContent = text;
    box.className = "review-message" + (kind ? " " + kind : "");
    return box;
  }

  function earlierText(earlier) {
    const verb = strings.verbs[earlier.decision] || earlier.decision;
    const date = (earlier.decided || "").slice(0, 10);
    if (!earlier.reviewer) return strings.byFile.replace("{verb}", verb).replace("{note}", earlier.note || "");
    return strings.earlier
      .replace("{who}", earlier.reviewer)
      .replace("{date}", date)
      .replace("{verb}", verb)
      .replace("{note}", earlier.note || "");
  }

  function conflict(form, earlier) {
    const box = message(form, earlierText(earlier), "review-conflict");
    box.setAttribute("role", "alert");
    const confirm = document.createElement("button");
    confirm.type = "button";
    confirm.className = "review-confirm";
    confirm.textContent = strings.replace;
    confirm.addEventListener("click", () => {
      form.elements.replaces.value = earlier.version;
      send(form);
    });
    box.append(" ", confirm);
    confirm.focus();
  }

  function body(form) {
    const data = new FormData(form);
    const found = {};
    for (const [key, value] of data.entries()) {
      if (["csrf_token", "next"].includes(key)) continue;
      if (key === "replaces" && !value) continue;
      found[key] = value;
    }
    return found;
  }

  function done(form, answer) {
    const item = form.closest(".rq-item");
    if (item && window.minamiQueue) {
      window.minamiQueue.decided(item, answer);
      return;
    }
    message(form, strings.saved, "review-ok");
    window.setTimeout(() => window.location.reload(), 300);
  }

  function send(form) {
    const note = form.elements.note;
    if (note && !note.value.trim()) {
      message(form, strings.noteRequired, "review-error").setAttribute("role", "alert");
      note.setAttribute("aria-invalid", "true");
      note.focus();
      return;
    }
    if (note) note.removeAttribute("aria-invalid");
    const buttons = form.querySelectorAll("button");
    buttons.forEach((b) => (b.disabled = true));
    message(form, strings.sending, "");
    fetch(form.dataset.api, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body(form)),
    })
      .then((response) => response.json().then((answer) => ({ status: response.status, answer })))
      .then(({ status, answer }) => {
        buttons.forEach((b) => (b.disabled = false));
        if (status === 200 || status === 201) return done(form, answer);
        if (status === 409 && answer.decision) return conflict(form, answer.decision);
        const box = message(form, answer.error || strings.failed, "review-error");
        box.setAttribute("role", "alert");
      })
      .catch(() => {
        buttons.forEach((b) => (b.disabled = false));
        message(form, strings.failed, "review-error").setAttribute("role", "alert");
      });
  }

  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form.review-form, form.label-form");
    if (!form || !form.dataset.api) return;
    event.preventDefault();
    send(form);
  });

  // Ctrl+Enter (or ⌘+Enter) in a note sends its form.
  document.addEventListener("keydown", (event) => {
    const form = event.target.closest && event.target.closest("form.review-form, form.label-form");
    if (form && event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      send(form);
    }
  });

  // A <details> control opened: its note takes the focus.
  document.addEventListener(
    "toggle",
    (event) => {
      const details = event.target;
      if (details.classList && details.classList.contains("review-control") && details.open) {
        const note = details.querySelector("textarea, select");
        if (note) note.focus();
      }
    },
    true,
  );

  window.minamiReview = { send };
})();
