/* The graph explorer (/graph): cytoscape.js over /api/graph/node and /api/graph/sections.
 *
 * Two views: a node's neighbourhood, grown by expanding nodes; and the sections
 * of a plan joined by the measures they share. Every piece of text from the
 * data goes into the page with textContent, never as HTML. The cytoscape
 * instance is window.minamiGraph, and #graph-app carries data-state
 * ("loading", "ready", "error") and data-view, for tests and for styling.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("graph-config").textContent);
  const S = config.strings;
  const app = document.getElementById("graph-app");
  const canvas = document.getElementById("graph-canvas");
  const statusLine = document.getElementById("graph-status");
  const selectedPanel = document.getElementById("graph-selected");
  const nodeList = document.getElementById("graph-node-list");
  const searchResults = document.getElementById("graph-search-results");
  const planSelect = document.getElementById("graph-plan");
  const typeBoxes = Array.from(document.querySelectorAll(".graph-types input[name=type]"));
  const typeOrder = new Map(config.types.map((t, i) => [t.key, i]));

  const state = {
    view: config.view,
    focus: config.focus,
    plan: config.plan || (planSelect && planSelect.value) || null,
    expanded: new Set(),
    capped: new Map(), // node id -> {shown, total}
    hiddenTypes: new Set(),
  };

  // --- small helpers ---------------------------------------------------------------------

  function el(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      node.setAttribute(name, value);
    }
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function url(path, params) {
    const query = new URLSearchParams(Object.assign({ lang: config.lang }, params));
    return path + "?" + query.toString();
  }

  async function getJSON(path, params) {
    const response = await fetch(url(path, params), { headers: { Accept: "application/json" } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error || response.status + " " + response.statusText);
    return body;
  }

  function setState(value) {
    app.dataset.state = value;
    canvas.setAttribute("aria-busy", value === "loading" ? "true" : "false");
  }

  function say(text, isError) {
    statusLine.textContent = text;
    statusLine.classList.toggle("error", Boolean(isError));
  }

  // --- cytoscape ---------------------------------------------------------------------------

  function styles() {
    const sheet = [
      {
        selector: "node",
        style: {
          label: "data(label)",
          "font-size": 10,
          color: "#1b1b1b",
          "text-valign": "bottom",
          "text-margin-y": 3,
          "text-wrap": "ellipsis",
          "text-max-width": "140px",
          "text-background-color": "#ffffff",
          "text-background-opacity": 0.75,
          "text-background-padding": "1px",
          "min-zoomed-font-size": 6,
          width: 18,
          height: 18,
          "border-width": 1,
          "border-color": "#ffffff",
        },
      },
      { selector: "node.focus", style: { width: 30, height: 30, "font-weight": "bold" } },
      { selector: "node.expanded", style: { "border-width": 3, "border-color": "#1b1b1b" } },
      {
        // the start and the selected node keep their names at any zoom
        selector: "node.focus, node:selected",
        style: {
          "font-size": 13,
          "min-zoomed-font-size": 0,
          "text-wrap": "wrap",
          "text-max-width": "220px",
          "z-index": 10,
        },
      },
      {
        selector: "node:selected",
        style: { "overlay-color": "#1d4ed8", "overlay-opacity": 0.25, "overlay-padding": 6 },
      },
      {
        selector: "edge",
        style: {
          width: 1.5,
          "curve-style": "bezier",
          "line-color": "#9ca3af",
          "target-arrow-shape": "triangle",
          "target-arrow-color": "#9ca3af",
          "arrow-scale": 0.8,
          label: "data(display)",
          "font-size": 8,
          color: "#374151",
          "text-rotation": "autorotate",
          "text-background-color": "#ffffff",
          "text-background-opacity": 0.8,
          "min-zoomed-font-size": 7,
        },
      },
      {
        selector: "edge[kind = 'contribution'][?accepted]",
        style: { width: 3, "line-color": "#b45309", "target-arrow-color": "#b45309" },
      },
      {
        selector: "edge[kind = 'contribution'][!accepted]",
        style: { "line-style": "dashed", "line-color": "#d6a77a", "target-arrow-color": "#d6a77a" },
      },
      {
        selector: "edge[weight]",
        style: {
          width: "mapData(weight, 0, 2, 1, 8)", // rescaled to the heaviest pair on load
          "line-color": "#b45309",
          "target-arrow-shape": "none",
          "font-size": 16,
          "font-weight": "bold",
          color: "#1b1b1b",
          "text-background-padding": "2px",
          "text-background-shape": "round-rectangle",
          "min-zoomed-font-size": 0,
        },
      },
      {
        selector: "node[measures]",
        style: {
          width: "mapData(measures, 0, 12, 18, 48)",
          height: "mapData(measures, 0, 12, 18, 48)",
          "font-size": 16,
          "min-zoomed-font-size": 0,
        },
      },
      { selector: "edge:selected", style: { "line-color": "#1d4ed8", "target-arrow-color": "#1d4ed8" } },
      { selector: ".filtered", style: { display: "none" } },
    ];
    for (const type of config.types) {
      sheet.splice(1, 0, {
        selector: "node[type = '" + type.key + "']",
        style: { "background-color": type.colour, shape: type.shape },
      });
    }
    return sheet;
  }

  const cy = cytoscape({
    container: canvas,
    style: styles(),
    minZoom: 0.05,
    maxZoom: 4,
    boxSelectionEnabled: false,
    selectionType: "single",
  });
  window.minamiGraph = cy;

  function layout(incremental) {
    const visible = cy.elements().not(".filtered");
    if (visible.nodes().length === 0) return;
    const sections = state.view === "sections";
    visible
      .layout({
        name: "fcose",
        quality: "proof",
        randomize: !incremental,
        animate: false,
        fit: true,
        padding: 30,
        // A few sections: room for their names. Up to a few hundred nodes: names show only
        // when zoomed in, so the nodes themselves must keep apart; the edges of a hub
        // lengthen with its degree, so that its ring of neighbours has room.
        nodeDimensionsIncludeLabels: sections,
        packComponents: true,
        tile: true,
        nodeRepulsion: () => (sections ? 8000 : 20000),
        idealEdgeLength: (edge) =>
          sections
            ? 160 / Math.sqrt(edge.data("weight") || 1)
            : 60 + 2 * Math.max(edge.source().degree(), edge.target().degree()),
        edgeElasticity: () => 0.45,
        gravity: 0.3,
        numIter: 2500,
      })
      .run();
  }

  function edgeText(data) {
    if (data.kind === "contribution") {
      const score = typeof data.score === "number" ? " " + data.score.toFixed(2) : "";
      return data.label + " (" + (data.accepted ? S.accepted : S.candidate) + score + ")";
    }
    return data.label;
  }

  /** Add the nodes and edges not yet drawn; new nodes start beside `near`. */
  function addElements(elements, near) {
    const added = [];
    for (const node of elements.nodes) {
      if (cy.getElementById(node.data.id).nonempty()) continue;
      const position = near
        ? { x: near.x + (Math.random() - 0.5) * 80, y: near.y + (Math.random() - 0.5) * 80 }
        : undefined;
      added.push({ group: "nodes", data: node.data, position: position });
    }
    for (const edge of elements.edges) {
      if (cy.getElementById(edge.data.id).nonempty()) continue;
      const data = Object.assign({}, edge.data, { display: edgeText(edge.data) });
      added.push({ group: "edges", data: data });
    }
    const collection = cy.add(added);
    applyFilter(collection);
    return collection;
  }

  // --- the two views -----------------------------------------------------------------------

  function reset(view) {
    cy.elements().remove();
    state.view = view;
    state.expanded.clear();
    state.capped.clear();
    app.dataset.view = view;
    document.getElementById("graph-view-sections").setAttribute("aria-pressed", String(view === "sections"));
    const nodeButton = document.getElementById("graph-view-node");
    nodeButton.setAttribute("aria-pressed", String(view === "node"));
    nodeButton.disabled = !state.focus;
    for (const part of document.querySelectorAll("[data-view-only]")) {
      part.hidden = part.dataset.viewOnly !== view;
    }
    showSelection(null);
  }

  async function startFrom(iri) {
    state.focus = iri;
    reset("node");
    remember();
    await expand(iri);
  }

  async function expand(iri) {
    if (state.expanded.has(iri)) {
      select(iri);
      return;
    }
    setState("loading");
    say(S.loading);
    try {
      const data = await getJSON(config.api.node, { iri: iri });
      const existing = cy.getElementById(iri);
      const near = existing.nonempty() ? existing.position() : null;
      const incremental = cy.nodes().length > 0;
      addElements(data.elements, near);
      state.expanded.add(iri);
      cy.getElementById(iri).addClass("expanded");
      cy.getElementById(state.focus).addClass("focus");
      if (data.neighbours.capped) state.capped.set(iri, data.neighbours);
      layout(incremental);
      select(iri);
      refresh();
      setState("ready");
    } catch (error) {
      say(S.failed + ": " + error.message, true);
      setState("error");
    }
  }

  async function showSections() {
    reset("sections");
    remember();
    setState("loading");
    say(S.loading);
    try {
      const data = await getJSON(config.api.sections, state.plan ? { plan: state.plan } : {});
      state.plan = data.plan.key;
      const heaviest = Math.max(data.maxWeight, 2);
      cy.style()
        .selector("edge[weight]")
        .style("width", "mapData(weight, 0, " + heaviest + ", 1, 12)")
        .update();
      addElements(data.elements, null);
      layout(false);
      refresh();
      setState("ready");
    } catch (error) {
      say(S.failed + ": " + error.message, true);
      setState("error");
    }
  }

  /** Keep the address shareable: ?focus=… or ?view=sections&plan=… */
  function remember() {
    const params = new URLSearchParams(window.location.search);
    params.delete("focus");
    params.delete("view");
    params.delete("plan");
    if (state.view === "node" && state.focus) {
      params.set("focus", state.focus);
    } else {
      params.set("view", "sections");
      if (state.plan) params.set("plan", state.plan);
    }
    window.history.replaceState(null, "", window.location.pathname + "?" + params.toString());
  }

  // --- filter, status, list, selection -----------------------------------------------------

  function applyFilter(collection) {
    collection.nodes().forEach((node) => {
      node.toggleClass("filtered", state.hiddenTypes.has(node.data("type")));
    });
  }

  function refresh() {
    const visibleNodes = cy.nodes().not(".filtered");
    const visibleEdges = cy.edges().filter((e) => e.source().visible() && e.target().visible());
    const parts = [visibleNodes.length + " " + S.nodes + ", " + visibleEdges.length + " " + S.edges];
    const hidden = cy.nodes(".filtered").length;
    if (hidden) parts.push(hidden + " " + S.hiddenByFilter);
    for (const [iri, counts] of state.capped) {
      const node = cy.getElementById(iri);
      const name = node.nonempty() ? node.data("label") : iri;
      parts.push(name + ": " + counts.shown + " / " + counts.total + " " + S.cappedNote);
    }
    if (state.view === "sections") parts.push(S.sectionsHint);
    say(parts.join(" · "));
    renderList(visibleNodes);
  }

  function byTypeAndLabel(a, b) {
    const order = typeOrder.get(a.data("type")) - typeOrder.get(b.data("type"));
    return order || String(a.data("label")).localeCompare(String(b.data("label")), config.lang);
  }

  function renderList(nodes) {
    clear(nodeList);
    const sorted = nodes.toArray().sort(byTypeAndLabel);
    for (const node of sorted) {
      const data = node.data();
      const item = el("li", { "data-id": data.id });
      const pick = el("button", { type: "button", class: "graph-pick" });
      pick.appendChild(el("span", { class: "swatch type-" + typeKey(data.type), "aria-hidden": "true" }));
      pick.appendChild(el("span", {}, data.label));
      pick.appendChild(el("span", { class: "graph-type-name" }, data.typeLabel));
      if (node.selected()) pick.setAttribute("aria-current", "true");
      pick.addEventListener("click", () => select(data.id));
      item.appendChild(pick);
      if (state.view === "node") {
        const grow = el("button", { type: "button", class: "graph-expand", "aria-label": S.expandNamed + ": " + data.label }, S.expand);
        if (state.expanded.has(data.id)) {
          grow.disabled = true;
          grow.textContent = S.expanded;
        }
        grow.addEventListener("click", () => expand(data.id));
        item.appendChild(grow);
      }
      nodeList.appendChild(item);
    }
  }

  /** The name of a type the search names by key (or anything else, as it is). */
  function typeName(type) {
    const found = config.types.find((t) => t.key === type);
    return found ? found.label : type;
  }

  /** The key whose swatch class (graph.css) colours a type; no inline style, for the CSP. */
  function typeKey(type) {
    return config.types.some((t) => t.key === type) ? type : "other";
  }

  function select(id) {
    const element = cy.getElementById(id);
    if (element.empty()) return;
    cy.elements().unselect();
    element.select();
    showSelection(element);
  }

  function showSelection(element) {
    clear(selectedPanel);
    for (const item of nodeList.querySelectorAll("[aria-current]")) item.removeAttribute("aria-current");
    if (!element) {
      selectedPanel.appendChild(el("p", { class: "muted" }, state.view === "sections" ? S.sectionsHint : S.selectHint));
      return;
    }
    const data = element.data();
    if (element.isNode()) {
      const listed = nodeList.querySelector("li[data-id='" + CSS.escape(data.id) + "'] .graph-pick");
      if (listed) listed.setAttribute("aria-current", "true");
      selectedPanel.appendChild(el("h3", {}, data.label));
      selectedPanel.appendChild(el("p", { class: "muted" }, S.type + ": " + data.typeLabel));
      if (typeof data.measures === "number") {
        selectedPanel.appendChild(el("p", {}, S.measures + ": " + data.measures));
      }
      const actions = el("p", { class: "graph-selected-actions" });
      if (data.href) actions.appendChild(el("a", { href: data.href }, S.openPage));
      if (state.view === "node" && !state.expanded.has(data.id)) {
        const grow = el("button", { type: "button" }, S.expandNamed);
        grow.addEventListener("click", () => expand(data.id));
        actions.appendChild(grow);
      }
      if (state.view === "sections" || data.id !== state.focus) {
        const restart = el("button", { type: "button" }, S.exploreFrom);
        restart.addEventListener("click", () => startFrom(data.id));
        actions.appendChild(restart);
      }
      selectedPanel.appendChild(actions);
      return;
    }
    const source = element.source().data("label");
    const target = element.target().data("label");
    selectedPanel.appendChild(el("h3", {}, source + " — " + target));
    if (Array.isArray(data.measures)) {
      selectedPanel.appendChild(el("p", {}, S.shared + " (" + data.weight + ")"));
      const list = el("ul", {});
      for (const measure of data.measures) {
        const item = el("li", {});
        item.appendChild(measure.href ? el("a", { href: measure.href }, measure.label) : el("span", {}, measure.label));
        list.appendChild(item);
      }
      selectedPanel.appendChild(list);
      return;
    }
    selectedPanel.appendChild(el("p", {}, data.label));
    if (data.kind === "contribution") {
      selectedPanel.appendChild(el("p", {}, (data.accepted ? S.accepted : S.candidate) + " · " + S.score + " " + data.score));
      if (data.method) selectedPanel.appendChild(el("p", { class: "muted" }, S.method + ": " + data.method));
    }
  }

  // --- wiring ------------------------------------------------------------------------------

  cy.on("tap", "node", (event) => {
    const id = event.target.id();
    if (state.view === "node") {
      expand(id);
    } else {
      select(id);
    }
  });
  cy.on("tap", "edge", (event) => select(event.target.id()));
  cy.on("select", "node, edge", (event) => showSelection(event.target));

  canvas.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    const chosen = cy.nodes(":selected");
    const id = chosen.nonempty() ? chosen.first().id() : state.focus;
    if (state.view === "node" && id) {
      event.preventDefault();
      expand(id);
    }
  });

  for (const box of typeBoxes) {
    box.addEventListener("change", () => {
      if (box.checked) state.hiddenTypes.delete(box.value);
      else state.hiddenTypes.add(box.value);
      applyFilter(cy.nodes());
      refresh();
    });
  }

  document.getElementById("graph-relayout").addEventListener("click", () => layout(false));
  document.getElementById("graph-fit").addEventListener("click", () => cy.fit(cy.elements().not(".filtered"), 30));
  document.getElementById("graph-view-sections").addEventListener("click", () => showSections());
  document.getElementById("graph-view-node").addEventListener("click", () => {
    if (state.focus) startFrom(state.focus);
  });
  if (planSelect) {
    planSelect.addEventListener("change", () => {
      state.plan = planSelect.value;
      showSections();
    });
  }

  document.getElementById("graph-search").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = document.getElementById("graph-q").value.trim();
    clear(searchResults);
    if (!text) return;
    try {
      const data = await getJSON(config.api.search, { q: text });
      const results = data.results || [];
      if (results.length === 0) {
        searchResults.appendChild(el("li", { class: "muted" }, S.noResults));
      }
      for (const result of results.slice(0, 10)) {
        const item = el("li", {});
        const button = el("button", { type: "button", class: "graph-pick" });
        button.appendChild(el("span", {}, result.label || result.iri));
        if (result.type) button.appendChild(el("span", { class: "graph-type-name" }, typeName(result.type)));
        button.addEventListener("click", () => startFrom(result.iri));
        item.appendChild(button);
        searchResults.appendChild(item);
      }
    } catch (error) {
      searchResults.appendChild(el("li", { class: "error" }, S.searchFailed + ": " + error.message));
    }
  });

  app.hidden = false;
  cy.resize();
  if (state.view === "node" && state.focus) {
    startFrom(state.focus);
  } else {
    showSections();
  }
})();
