// The matrix's evidence panel: a cell's link opens its evidence beside the table.
// Without this script each cell is a plain link to the evidence page, so nothing is lost.
// Data from the document goes into the page as text (textContent), never as markup.
(function () {
  "use strict";
  const panel = document.getElementById("mx-panel");
  const stringsNode = document.getElementById("mx-strings");
  if (!panel || !stringsNode) return;
  const strings = JSON.parse(stringsNode.textContent);
  let current = null;

  function el(tag, props, children) {
    const node = document.createElement(tag);
    Object.entries(props || {}).forEach(([key, value]) => {
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else node.setAttribute(key, value);
    });
    (children || []).forEach((child) => node.append(child));
    return node;
  }

  function quotes(caption, items) {
    const figure = el("figure", {}, [el("figcaption", { text: caption })]);
    items.forEach((q) => {
      const block = el("blockquote", { lang: "ja" });
      block.append("…" + q.prefix, el("mark", { text: q.text }), q.suffix + "…");
      figure.append(block);
      if (q.href) {
        const text = strings.line + " " + q.line;
        figure.append(el("p", { className: "mx-line" }, [el("a", { href: q.href, text: text })]));
      }
    });
    return figure;
  }

  function evidenceList(items) {
    if (!items.length) return el("p", { text: strings.noEvidence });
    const list = el("ol", { className: "mx-evidence" });
    items.forEach((e) => {
      const item = el("li");
      if (e.basis.length) {
        item.append(el("p", {}, [el("strong", { text: strings.basis + ": " }), e.basis.join("、")]));
      }
      item.append(
        el("div", { className: "mx-quotes" }, [
          quotes(strings.sectionSide, e.section),
          quotes(strings.measureSide, e.measure),
        ]),
      );
      list.append(item);
    });
    return list;
  }

  function fact(term, value) {
    return [el("dt", { text: term }), el("dd", { text: value })];
  }

  // For a signed-in reviewer (the page carries a CSRF token): the same control as on the
  // evidence page, 採用 on a candidate, 却下 on an accepted link; review.js sends it.
  function reviewControl(cell) {
    const token = document.querySelector('meta[name="csrf-token"]');
    if (!token || !cell.links.length) return null;
    const decision = cell.links[0].status === "accepted" ? "reject" : "accept";
    const form = el("form", {
      className: "review-form",
      method: "post",
      action: "/review/decide",
      "data-api": "/api/review",
      novalidate: "",
    });
    const fields = {
      csrf_token: token.getAttribute("content"),
      section: cell.section.iri,
      measure: cell.measure.iri,
      decision: decision,
      replaces: cell.review ? cell.review.version : "",
      next: window.location.pathname + window.location.search,
    };
    Object.entries(fields).forEach(([name, value]) => {
      form.append(el("input", { type: "hidden", name: name, value: value }));
    });
    const label = el("label", { className: "review-note", text: strings.why });
    label.append(el("textarea", { name: "note", rows: "2", maxlength: "2000" }));
    form.append(
      label,
      el("p", { className: "review-actions" }, [el("button", { type: "submit", text: strings[decision + "Do"] })]),
      el("p", { className: "review-message", "aria-live": "polite" }),
    );
    const details = el("details", { className: "review-control review-" + decision }, [
      el("summary", { text: strings[decision] }),
      form,
    ]);
    return details;
  }

  function show(cell, pageHref) {
    panel.replaceChildren();
    const close = el("button", { type: "button", className: "mx-close", text: strings.close });
    close.addEventListener("click", hide);
    const heading = el("h2", { tabindex: "-1" });
    heading.append(
      el("a", { href: cell.section.href, text: cell.section.label }),
      " × ",
      el("a", { href: cell.measure.href, text: cell.measure.label }),
    );
    panel.append(close, heading);
    if (cell.review) {
      const text = document.documentElement.lang === "en" ? cell.review.text.en : cell.review.text.ja;
      panel.append(el("p", { className: "mx-review review-mark", text: text }));
    }
    const control = reviewControl(cell);
    if (control) panel.append(control);
    cell.links.forEach((link) => {
      const score = link.score === null ? "—" : link.score.toFixed(3);
      panel.append(
        el("p", {}, [el("span", { className: "mx-status mx-" + link.status, text: link.statusLabel })]),
        el("dl", { className: "mx-facts" }, [
          ...fact(strings.method, link.method),
          ...fact(strings.score, score),
        ]),
        evidenceList(link.evidence),
      );
    });
    panel.append(el("p", {}, [el("a", { href: pageHref, text: strings.openPage })]));
    panel.hidden = false;
    heading.focus();
  }

  function hide() {
    panel.hidden = true;
    panel.replaceChildren();
    if (current) {
      current.removeAttribute("aria-current");
      current.focus();
    }
    current = null;
  }

  function failed(pageHref) {
    panel.replaceChildren(
      el("p", { text: strings.failed }),
      el("p", {}, [el("a", { href: pageHref, text: strings.openPage })]),
    );
    panel.hidden = false;
  }

  document.querySelector("table.matrix").addEventListener("click", (event) => {
    const link = event.target.closest("a[data-cell]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    if (current) current.removeAttribute("aria-current");
    current = link;
    link.setAttribute("aria-current", "true");
    const href = link.getAttribute("href");
    fetch(href + "&format=json", { headers: { Accept: "application/json" } })
      .then((response) => {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then((cell) => show(cell, href))
      .catch(() => failed(href));
  });

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden) hide();
  });
})();
