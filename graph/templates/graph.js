/* ketamine-kg graph page: all data arrives as JSON and is written with textContent only. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("kkg-data").textContent);
  var details = data.details;
  var container = document.getElementById("network");
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var statusEl = document.getElementById("status");
  var detailsEl = document.getElementById("details");
  var hint = detailsEl.innerHTML;  // static text of the template, no data in it
  var network = new vis.Network(container, {nodes: nodes, edges: edges}, data.options);
  var pinned = null;  // {kind: "node"|"edge", id: ...}
  var hiddenTypes = {}, hiddenModalities = {}, hideInferred = false;
  window.kkg = {network: network, nodes: nodes, edges: edges, details: details, ready: false};

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function isWebLink(iri) { return /^https?:\/\//i.test(iri); }
  function link(iri, text) {
    if (!isWebLink(iri)) { return el("span", text); }
    var a = el("a", text);
    a.href = iri; a.target = "_blank"; a.rel = "noopener noreferrer";
    return a;
  }
  function modalityWords(m) { return m === "curator" ? "curator knowledge" : String(m).replace(/_/g, " "); }

  function ready() {
    if (window.kkg.ready) { return; }
    legibleLabels();
    restoreFromHash();
    window.kkg.ready = true;
    document.body.setAttribute("data-ready", "1");
    statusEl.textContent = "Ready";
  }
  if (data.physics) {
    var stop = function () {
      network.setOptions({physics: {enabled: false}});
      network.fit();
      ready();
    };
    network.once("stabilizationIterationsDone", stop);
    network.on("stabilizationProgress", function (p) {
      statusEl.textContent = "Laying out… " + Math.round(100 * p.iterations / p.total) + "%";
    });
    setTimeout(stop, 15000);  // never keep the layout moving
  } else {
    network.once("afterDrawing", ready);
    setTimeout(ready, 3000);
  }
  if (data.nodes.length === 0) {
    container.appendChild(el("div", data.emptyNote || "Nothing to show: this view has no entities.", "empty"));
    ready();
  }
  // Labels: legible at the zoom the page opens at. If fitting the graph shrank node labels
  // below 12 px on screen, they are drawn bigger (up to 2.5 times); edge labels under
  // 10 px are hidden (zoom in to read them) rather than drawn as specks.
  var baseFont = (data.options.nodes && data.options.nodes.font && data.options.nodes.font.size) || 18;
  function legibleLabels() {
    var scale = network.getScale();
    if (!scale || data.nodes.length > 1000) { return; }
    var size = Math.min(baseFont * 2.5, Math.max(baseFont, 12 / scale));
    network.setOptions({nodes: {font: {size: size}}});
  }
  window.kkg.labelSizes = function () {
    var scale = network.getScale();
    var nodeFont = network.body.nodes[data.nodes.length ? data.nodes[0].id : ""];
    var nodePx = nodeFont ? nodeFont.options.font.size * scale : null;
    var edgePx = (data.options.edges.font.size || 13) * scale;
    return {scale: scale, nodePx: nodePx, edgePx: edgePx,
            edgeLabelsShown: edgePx >= data.options.edges.scaling.label.drawThreshold - 1};
  };

  function renderClaim(claim, extraClass) {
    var box = el("div", null, "claim " + (claim.modality || "asserted") + (claim.negated ? " negated" : "") + (extraClass || ""));
    if (claim.polarity && claim.source) { box.appendChild(el("p", claim.source, "source-title")); }
    box.appendChild(el("p", claim.text, "text"));
    var badges = el("div");
    badges.appendChild(el("span", modalityWords(claim.modality || "asserted"), "badge " + (claim.modality || "")));
    if (claim.polarity) {
      badges.appendChild(el("span", claim.polarity === "negative" ? "denies (negative)" : "affirms (positive)",
        "badge polarity " + claim.polarity));
    } else if (claim.negated) { badges.appendChild(el("span", "negated", "badge negated")); }
    if (claim.section) { badges.appendChild(el("span", "§ " + claim.section, "badge")); }
    box.appendChild(badges);
    var quals = claim.qualifiers || {};
    var keys = Object.keys(quals);
    if (keys.length) {
      var ul = el("ul", null, "plain");
      keys.forEach(function (k) { ul.appendChild(el("li", k + ": " + quals[k])); });
      box.appendChild(ul);
    }
    (claim.quotes || []).forEach(function (q) {
      var bq = el("blockquote", "“" + q.text + "”");
      if (q.section) { bq.appendChild(el("span", "— " + q.section, "section")); }
      box.appendChild(bq);
    });
    if (claim.source && !claim.polarity) { box.appendChild(el("p", "Source: " + claim.source, "type")); }
    if (claim.comment) { box.appendChild(el("p", "Curator's note: " + claim.comment, "type")); }
    if (claim.links && claim.links.length) { box.appendChild(renderLinks(claim.links)); }
    return box;
  }
  function renderLinks(links) {
    var ul = el("ul", null, "links");
    links.forEach(function (l) {
      var li = el("li");
      li.appendChild(link(l.iri, l.curie + (l.label ? " — " + l.label : "")));
      li.appendChild(el("span", " (" + l.relation + ")", "type"));
      ul.appendChild(li);
    });
    return ul;
  }
  function clear() { while (detailsEl.firstChild) { detailsEl.removeChild(detailsEl.firstChild); } }

  function showNode(id) {
    var d = details.nodes[id];
    if (!d) { return; }
    clear();
    detailsEl.appendChild(el("h3", d.label));
    detailsEl.appendChild(el("div", d.type, "type"));
    if (d.description) { detailsEl.appendChild(el("p", d.description)); }
    if (d.synonyms.length) { detailsEl.appendChild(el("p", "Also called: " + d.synonyms.join(", "))); }
    if (d.inferred && d.inferred.length) {
      // What the reasoner concluded about this entity, and the claims each conclusion rests on.
      detailsEl.appendChild(el("h4", "Inferred classes (" + d.inferred.length + ", by the reasoner)"));
      var ul = el("ul", null, "inferred-classes");
      d.inferred.forEach(function (c) {
        var li = el("li", null, "inferred-class");
        li.setAttribute("data-class", c.curie);
        li.appendChild(el("span", c.label, "badge inferred"));
        li.appendChild(el("span", " " + c.curie, "type"));
        var why = el("ul", null, "plain rests-on");
        c.claims.forEach(function (claim) {
          var w = el("li", "rests on: " + claim.text + " (" + claim.id + ")");
          w.setAttribute("data-claim", claim.id);
          why.appendChild(w);
        });
        li.appendChild(why);
        ul.appendChild(li);
      });
      detailsEl.appendChild(ul);
    }
    if (d.links.length) {
      detailsEl.appendChild(el("h4", "External ontologies"));
      detailsEl.appendChild(renderLinks(d.links));
    }
    if (d.facts.length) {
      detailsEl.appendChild(el("h4", "Facts"));
      d.facts.forEach(function (f) { detailsEl.appendChild(renderClaim(f)); });
    }
    if (d.curator && d.curator.length) {
      // Outside knowledge, kept apart from what the article says: no modality, no quote, a source each.
      detailsEl.appendChild(el("h4", "Curator knowledge (not from the article)"));
      d.curator.forEach(function (f) { detailsEl.appendChild(renderClaim(f, " curator")); });
    }
    var related = network.getConnectedEdges(id);
    if (related.length) {
      detailsEl.appendChild(el("h4", "Claims (" + related.length + " edges)"));
      related.forEach(function (eid) {
        var e = details.edges[eid];
        if (!e) { return; }
        if (e.claims.length === 0) {
          detailsEl.appendChild(renderClaim({text: e.from + " " + e.label + " " + e.to,
            modality: e.inferred ? "inferred" : e.modality, quotes: []}, e.inferred ? " inferred" : ""));
        }
        e.claims.forEach(function (c) { detailsEl.appendChild(renderClaim(c, e.inferred ? " inferred" : "")); });
      });
    }
    detailsEl.appendChild(el("p", d.iri, "iri"));
  }
  function showEdge(id) {
    var e = details.edges[id];
    if (!e) { return; }
    clear();
    detailsEl.appendChild(el("h3", e.from + " → " + e.label + " → " + e.to));
    var kind = e.inferred ? "inferred by the reasoner (no quote: it follows from the ontology)" : modalityWords(e.modality);
    if (e.sources) {
      kind = "said by " + e.sources + (e.sources === 1 ? " source" : " sources");
      if (e.disputed) { detailsEl.appendChild(el("p", "Disputed: the sources differ in polarity, or one asserts what another only hedges.", "disputed")); }
    }
    detailsEl.appendChild(el("div", kind, "type"));
    e.claims.forEach(function (c) { detailsEl.appendChild(renderClaim(c, e.inferred ? " inferred" : "")); });
  }
  function showPinned() {
    if (pinned && pinned.kind === "node") { showNode(pinned.id); }
    else if (pinned && pinned.kind === "edge") { showEdge(pinned.id); }
    else { detailsEl.innerHTML = hint; }
  }
  // --- the address: #node=ID selects that node, and follows the selection ----------------
  var byLocalId = {};
  Object.keys(details.nodes).forEach(function (id) { byLocalId[details.nodes[id].id] = id; });
  var viewMoved = false;  // the reader zoomed or dragged: the address keeps the view too
  function writeHash() {
    var parts = [];
    if (pinned && pinned.kind === "node" && details.nodes[pinned.id]) { parts.push("node=" + encodeURIComponent(details.nodes[pinned.id].id)); }
    if (viewMoved) {
      var at = network.getViewPosition();
      parts.push("view=" + [Math.round(at.x), Math.round(at.y), network.getScale().toFixed(2)].join(","));
    }
    var hash = parts.length ? "#" + parts.join("&") : "";
    if (window.location.hash !== hash) {
      try { history.replaceState(null, "", hash || window.location.pathname + window.location.search); }
      catch (err) { /* a page opened from a file may refuse: the selection still works */ }
    }
  }
  function hashValue(name) {
    var m = new RegExp("(?:^#|&)" + name + "=([^&]*)").exec(window.location.hash || "");
    return m ? decodeURIComponent(m[1]) : null;
  }
  function restoreFromHash() {
    if (!byLocalId) { return; }
    var node = hashValue("node"), view = hashValue("view");
    var id = node !== null ? byLocalId[node] : null;
    if (id) { go(id, true); }
    var at = view ? view.split(",").map(Number) : [];
    if (at.length === 3 && at.every(isFinite) && at[2] > 0) {
      viewMoved = true;
      network.moveTo({position: {x: at[0], y: at[1]}, scale: at[2], animation: false});
    }
  }
  network.on("zoom", function () { viewMoved = true; writeHash(); });
  network.on("dragEnd", function (p) { if (!p.nodes.length) { viewMoved = true; writeHash(); } });
  window.addEventListener("hashchange", restoreFromHash);
  network.on("click", function (p) {
    if (p.nodes.length) { pinned = {kind: "node", id: p.nodes[0]}; }
    else if (p.edges.length) { pinned = {kind: "edge", id: p.edges[0]}; }
    else { pinned = null; }
    showPinned();
    writeHash();
  });
  network.on("hoverNode", function (p) { showNode(p.node); });
  network.on("hoverEdge", function (p) { showEdge(p.edge); });
  network.on("blurNode", showPinned);
  network.on("blurEdge", showPinned);
  document.getElementById("fit").addEventListener("click", function () { network.fit({animation: true}); });

  // --- search -----------------------------------------------------------------
  var searchEl = document.getElementById("search");
  var resultsEl = document.getElementById("search-results");
  function matches(query) {
    var q = query.trim().toLowerCase();
    if (!q) { return []; }
    var found = [];
    Object.keys(details.nodes).forEach(function (id) {
      var d = details.nodes[id];
      var names = [d.label].concat(d.synonyms);
      if (names.some(function (n) { return n.toLowerCase().indexOf(q) !== -1; })) { found.push(id); }
    });
    found.sort(function (a, b) { return details.nodes[a].label.localeCompare(details.nodes[b].label); });
    return found;
  }
  function go(id, fromHash) {
    pinned = {kind: "node", id: id};
    network.selectNodes([id]);
    network.focus(id, {scale: 1.3, animation: fromHash ? false : {duration: 400}});
    showPinned();
    if (!fromHash) { writeHash(); }
  }
  window.kkg.select = function (localId) { var id = byLocalId[localId]; if (id) { go(id); } return !!id; };
  searchEl.addEventListener("input", function () {
    while (resultsEl.firstChild) { resultsEl.removeChild(resultsEl.firstChild); }
    var found = matches(searchEl.value);
    if (searchEl.value.trim() && !found.length) { resultsEl.appendChild(el("div", "No entity matches.", "none")); }
    found.slice(0, 15).forEach(function (id) {
      var b = el("button", details.nodes[id].label + " — " + details.nodes[id].type);
      b.type = "button";
      b.addEventListener("click", function () { go(id); });
      resultsEl.appendChild(b);
    });
    if (found.length > 15) { resultsEl.appendChild(el("div", "… and " + (found.length - 15) + " more", "none")); }
  });
  searchEl.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") { var found = matches(searchEl.value); if (found.length) { go(found[0]); } }
  });

  // --- legend and filters ---------------------------------------------------------
  function applyFilters() {
    nodes.update(nodes.get().map(function (n) { return {id: n.id, hidden: !!hiddenTypes[n.kkgType]}; }));
    edges.update(edges.get().map(function (e) {
      return {id: e.id, hidden: !!hiddenModalities[e.kkgModality] || (hideInferred && e.kkgInferred)};
    }));
  }
  var glyphs = {dot: "●", triangle: "▲", triangleDown: "▼", diamond: "◆", square: "■", star: "★", hexagon: "⬢", box: "▬"};
  function checkbox(checked, onchange) {
    var c = document.createElement("input");
    c.type = "checkbox"; c.checked = checked;
    c.addEventListener("change", function () { onchange(c.checked); applyFilters(); });
    return c;
  }
  var typesEl = document.getElementById("legend-types");
  data.legend.types.forEach(function (t) {
    var li = el("li");
    var label = document.createElement("label");
    label.appendChild(checkbox(true, function (on) { hiddenTypes[t.type] = !on; }));
    var g = el("span", glyphs[t.shape] || "●", "glyph");
    g.style.color = t.colour;
    label.appendChild(g);
    label.appendChild(document.createTextNode(" " + t.label));
    li.appendChild(label);
    li.setAttribute("data-type", t.type);
    typesEl.appendChild(li);
  });
  function line(colour, dashes, width) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", "44"); svg.setAttribute("height", "10");
    var l = document.createElementNS(ns, "line");
    l.setAttribute("x1", "2"); l.setAttribute("y1", "5"); l.setAttribute("x2", "42"); l.setAttribute("y2", "5");
    l.setAttribute("stroke", colour); l.setAttribute("stroke-width", String(width || 2));
    if (dashes) { l.setAttribute("stroke-dasharray", dashes.map(function (x) { return x / 2; }).join(" ")); }
    svg.appendChild(l);
    return svg;
  }
  var edgesEl = document.getElementById("legend-edges");
  data.legend.edges.forEach(function (m) {
    var li = el("li");
    var label = document.createElement("label");
    label.appendChild(checkbox(true, function (on) { hiddenModalities[m.modality] = !on; }));
    label.appendChild(line(m.colour || data.legend.colours.stated, m.dashes, 2.2));
    label.appendChild(document.createTextNode(" " + m.label));
    li.appendChild(label);
    edgesEl.appendChild(li);
  });
  if (data.legend.negated) {
    var li = el("li");
    li.appendChild(line(data.legend.colours.negated, null));
    li.appendChild(document.createTextNode(" negated claim (“not: …”)"));
    edgesEl.appendChild(li);
  }
  if (data.legend.disputed) {
    var li3 = el("li");
    var label3 = document.createElement("label");
    label3.appendChild(checkbox(true, function (on) { hiddenModalities.disputed = !on; }));
    label3.appendChild(line(data.legend.colours.disputed, data.legend.disputedDashes, 2.5));
    label3.appendChild(document.createTextNode(" disputed: the sources disagree (opposite polarity, or asserted against hedged)"));
    li3.appendChild(label3);
    li3.setAttribute("data-edge", "disputed");
    edgesEl.appendChild(li3);
  }
  if (data.legend.sources) {
    var li4 = el("li");
    li4.appendChild(line(data.legend.colours.stated, null, 5));
    li4.appendChild(document.createTextNode(" one edge per statement: the wider, the more sources make it (“· 3 sources”)"));
    edgesEl.appendChild(li4);
  }
  if (data.legend.inferred) {
    var li2 = el("li");
    var label2 = document.createElement("label");
    label2.appendChild(checkbox(true, function (on) { hideInferred = !on; }));
    label2.appendChild(line(data.legend.colours.inferred, null, 1.2));
    label2.appendChild(document.createTextNode(" inferred by the reasoner (thin, violet); stated claims are dark grey"));
    li2.appendChild(label2);
    edgesEl.appendChild(li2);
  }
})();
