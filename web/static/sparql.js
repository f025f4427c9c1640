// The SPARQL editor page: YASGUI pointed at our own endpoint, with our prefixes,
// the canned queries as examples, and the address bar kept as a permalink.
// Everything it needs comes from the JSON in #sparql-config (written by the server).
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("sparql-config").textContent);
  var holder = document.getElementById("yasgui");
  if (!holder || !window.Yasgui) {
    return;
  }

  // The class and property completers ask Linked Open Vocabularies (lov.linkeddata.es);
  // the page must not call outside, so only the offline completers stay.
  var completers = Yasgui.Yasqe.defaults.autocompleters;
  for (var i = completers.length - 1; i >= 0; i--) {
    if (completers[i] === "class" || completers[i] === "property") {
      completers.splice(i, 1);
    }
  }

  // YASR's results table gives DataTables each literal's raw text, run through
  // DOMPurify, as the cell's search and sort key. Parsing a label such as
  // `<svg onload=…>` as HTML, even in the sanitizer's inert document, makes
  // Chromium block the handler and report a CSP violation; and the key it yields
  // lacks the characters the table shows, so searching for them finds nothing.
  // The key is the text instead: escaped for search (DataTables decodes it back
  // into one text node), as it is for sort (DataTables strips anything tag-like
  // with a regular expression). Neither parses the label as markup.
  var Table = Yasgui.Yasr.plugins.table;
  var tableColumns = Table.prototype.getColumns;
  function escapeText(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  Table.prototype.getColumns = function () {
    return tableColumns.call(this).map(function (column) {
      var render = column.render;
      column.render = function (cell, type, row, meta) {
        if (cell && typeof cell.value === "string") {
          if (type === "filter") {
            return escapeText(cell.value);
          }
          if (type === "sort") {
            return cell.value;
          }
        }
        return render(cell, type, row, meta);
      };
      return column;
    });
  };

  function prefixLines(prefixes) {
    return Object.keys(prefixes).map(function (prefix) {
      return "PREFIX " + prefix + ": <" + prefixes[prefix] + ">";
    }).join("\n");
  }

  var defaultQuery = prefixLines(config.prefixes) +
    "\n\nSELECT ?plan ?title WHERE { ?plan a mkg:Plan ; skos:prefLabel ?title } LIMIT 20\n";
  var catalogue = [{ endpoint: config.endpoint }];

  var yasgui = new Yasgui(holder, {
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    endpointCatalogueOptions: { getData: function () { return catalogue; } },
    copyEndpointOnNewTab: true,
    populateFromUrl: false, // the server hands us ?query= itself
    persistenceId: null, // no tabs from an earlier visit (or an earlier port) in localStorage
    yasqe: { value: config.query || defaultQuery },
    yasr: { prefixes: config.prefixes },
  });

  function tab() {
    var current = yasgui.getTab();
    if (current.getEndpoint() !== config.endpoint) {
      current.setEndpoint(config.endpoint);
    }
    return current;
  }
  tab().setQuery(config.query || defaultQuery);

  // Keep the address bar a permalink to the query that ran: /sparql?query=…
  yasgui.on("query", function (instance, current) {
    var encoded = encodeURIComponent(current.getQuery());
    if (encoded.length < 8000 && window.history && window.history.replaceState) {
      window.history.replaceState(null, "", window.location.pathname + "?query=" + encoded);
    }
  });

  // YASGUI renders a few controls that assistive technology cannot name or reach;
  // repair them whenever YASGUI (re)draws, e.g. on a new tab.
  function repairAccessibility() {
    holder.querySelectorAll(".tabsList button.addTab").forEach(function (button) {
      var wrapper = button.parentNode;
      wrapper.closest(".tabsList").after(wrapper); // a tab list may hold only tabs
    });
    holder.querySelectorAll("input.autocomplete:not([aria-label])").forEach(function (input) {
      input.setAttribute("aria-label", config.labels.endpoint);
    });
    holder.querySelectorAll(".CodeMirror textarea:not([aria-label])").forEach(function (area) {
      area.setAttribute("aria-label", config.labels.query);
    });
    holder.querySelectorAll(".CodeMirror-scroll[tabindex='-1']").forEach(function (scroller) {
      scroller.setAttribute("tabindex", "0");
      scroller.setAttribute("aria-label", config.labels.query);
    });
  }
  repairAccessibility();
  new MutationObserver(repairAccessibility).observe(holder, { childList: true, subtree: true });

  document.querySelectorAll("a.example").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var text = config.examples[Number(link.getAttribute("data-example"))];
      if (typeof text !== "string") {
        return; // fall back to following the link
      }
      event.preventDefault();
      tab().setQuery(text);
      holder.scrollIntoView({ behavior: "smooth", block: "start" });
    });
  });
})();
