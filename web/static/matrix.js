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
