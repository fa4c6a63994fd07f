// The offline SPARQL page: Oxigraph (WebAssembly, inlined above) holding the built graph.
// Every text from the graph or the user reaches the page through textContent, never as markup.
window.kkg = window.kkg || {};
const KKG = JSON.parse(document.getElementById("kkg-sparql").textContent);
const XSD = "http://www.w3.org/2001/XMLSchema#";
const RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label";
// The project's prefixes, declared before the user's text on its first line (so line numbers in errors stay right).
const PROLOGUE = KKG.prefixes.map(([p, iri]) => "PREFIX " + p + ": <" + iri + "> ").join("");
const $ = id => document.getElementById(id);
const el = (tag, props, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === "text") node.textContent = v; else if (k === "cls") node.className = v; else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
};

function base64Bytes(text) {
  const bin = atob(text.trim());
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// The graph's N-Quads, gzip-compressed in the page: unpacked by the browser itself, no request made.
async function graphText() {
  const packed = new Blob([base64Bytes(KKG.graph)]);
  return await new Response(packed.stream().pipeThrough(new DecompressionStream("gzip"))).text();
}

let store = null;
const ready = (async () => {
  const started = performance.now();
  const module = await WebAssembly.compile(base64Bytes($("kkg-wasm").textContent));
  initSync({module});
  store = new Store();
  store.load(await graphText(), {format: "application/n-quads"});
  // as the CLI's store: named graphs kept, their union materialised in the default graph
  store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }");
  return Math.round(performance.now() - started);
})();

function termJson(t) {
  if (t.termType === "NamedNode") return {type: "uri", value: t.value};
  if (t.termType === "BlankNode") return {type: "bnode", value: t.value};
  const out = {type: "literal", value: t.value};
  if (t.language) out["xml:lang"] = t.language;
  else if (t.datatype && t.datatype.value !== XSD + "string") out.datatype = t.datatype.value;
  return out;
}

function usesService(text) {
  const bare = text.replace(/"""[\s\S]*?"""|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|<[^<>"{}|^`\\\s]*>|#[^\n]*/g, " ");
  return /\bSERVICE\b/i.test(bare);
}

function explain(error) {
  let message = String(error && error.message || error);
  const at = message.match(/^error at (\d+):(\d+): ([\s\S]*)$/);
  if (at) {
    const line = Number(at[1]), column = Number(at[2]) - (at[1] === "1" ? PROLOGUE.length : 0);
    message = "SPARQL syntax error at line " + line + ", column " + column + ": " + at[3];
  }
  return message;
}

// window.kkg.query(text): a Promise of the W3C SPARQL 1.1 JSON results object. A CONSTRUCT or
// DESCRIBE answers as a SELECT of ?subject ?predicate ?object, one row per triple.
async function query(text) {
  await ready;
  if (usesService(text)) throw new Error("This query calls a remote endpoint (SERVICE): that needs the internet, and this page runs offline.");
  let answer;
  try {
    answer = store.query(PROLOGUE + text, {results_format: "application/sparql-results+json"});
    return JSON.parse(answer);
  } catch (error) {
    if (!/RDF format/.test(String(error && error.message))) throw new Error(explain(error));
  }
  try { answer = store.query(PROLOGUE + text); } catch (error) { throw new Error(explain(error)); }
  const seen = new Set(), bindings = [];
  for (const q of answer) {
    const key = q.subject.toString() + " " + q.predicate.toString() + " " + q.object.toString();
    if (seen.has(key)) continue;  // a graph is a set: the union default graph may repeat a triple
    seen.add(key);
    bindings.push({subject: termJson(q.subject), predicate: termJson(q.predicate), object: termJson(q.object)});
  }
  return {head: {vars: ["subject", "predicate", "object"]}, results: {bindings}, graph: true};
}

// ---- parameters: bound as a VALUES block opening the WHERE clause, as the CLI binds them
const PREFIX_MAP = new Map(KKG.prefixes);
const ENTITY_BY_NAME = new Map();
for (const e of KKG.entities) for (const name of [e.id, e.label, ...e.synonyms]) ENTITY_BY_NAME.set(name.toLowerCase(), e.iri);
const escapeString = s => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t");

function toIri(value, name) {
  const v = value.trim();
  let iri = null;
  if (v.startsWith("<") && v.endsWith(">")) iri = v.slice(1, -1);
  else if (v.includes(":") && PREFIX_MAP.has(v.split(":", 1)[0])) iri = PREFIX_MAP.get(v.split(":", 1)[0]) + v.slice(v.indexOf(":") + 1);
  else if (/^[a-z0-9]+(_[a-z0-9]+)*$/.test(v)) iri = KKG.entityBase + v;
  else if (/^[a-z][a-z0-9+.-]*:\/\//.test(v)) iri = v;
  else if (ENTITY_BY_NAME.has(v.toLowerCase())) iri = ENTITY_BY_NAME.get(v.toLowerCase());
  if (!iri || /[\s<>"{}|^`\\]/.test(iri)) throw new Error("parameter " + name + ": write an entity id, a label, a CURIE such as kkg:ID or an <IRI>; got " + JSON.stringify(value));
  return iri;
}

function bindTerm(param, value) {
  if (param.kind === "iri") return "<" + toIri(value, param.name) + ">";
  if (param.kind === "integer") {
    if (!/^\s*[+-]?\d+\s*$/.test(value)) throw new Error("parameter " + param.name + " takes an integer, got " + JSON.stringify(value));
    return '"' + String(parseInt(value, 10)) + '"^^<' + XSD + 'integer>';
  }
  return '"' + escapeString(value) + '"';
}

// The text of named query `name` with its parameters bound (`values`: name -> text; defaults otherwise).
function boundText(name, values) {
  const q = KKG.queries.find(x => x.name === name);
  if (!q) throw new Error("no named query " + JSON.stringify(name));
  if (!q.params.length) return q.text;
  const given = values || {};
  const terms = q.params.map(p => bindTerm(p, given[p.name] !== undefined ? given[p.name] : p.default));
  const vars = q.params.map(p => "?" + p.name).join(" ");
  return q.head + " VALUES (" + vars + ") { (" + terms.join(" ") + ") }" + q.tail;
}

// ---- showing answers
function label(iri) {
  if (!store) return null;
  const found = store.match(namedNode(iri), namedNode(RDFS_LABEL), null, defaultGraph());
  const en = found.find(q => q.object.language === "en") || found[0];
  return en ? en.object.value : null;
}
function curie(iri) {
  let best = null;
  for (const [p, ns] of KKG.prefixes) if (iri.startsWith(ns) && iri.length > ns.length && (!best || ns.length > best[1].length)) best = [p, ns];
  return best ? best[0] + ":" + iri.slice(best[1].length) : "<" + iri + ">";
}
function iriCell(iri) {
  const name = label(iri), short = curie(iri), href = KKG.links[iri] || (/^https?:\/\//.test(iri) && !iri.startsWith(KKG.base) ? iri : null);
  const main = href ? el("a", {href, title: iri, text: name || short}) : el("span", {title: iri, text: name || short});
  if (href && !KKG.links[iri]) { main.setAttribute("target", "_blank"); main.setAttribute("rel", "noopener noreferrer"); }
  const box = el("span", {cls: "iri"}, main);
  if (name) box.append(" ", el("small", {text: short}));
  return box;
}
function cellOf(t) {
  if (!t) return document.createTextNode("");
  if (t.type === "uri") return iriCell(t.value);
  if (t.type === "bnode") return el("span", {cls: "bnode", text: "_:" + t.value});
  const span = el("span", {text: t.value});
  if (t["xml:lang"]) span.append(el("small", {text: " @" + t["xml:lang"]}));
  else if (t.datatype) span.append(el("small", {text: " " + curie(t.datatype)}));
  return span;
}

function showTable(data) {
  const box = $("table-view");
  if ("boolean" in data) { box.replaceChildren(el("p", {cls: "boolean", text: "Answer: " + (data.boolean ? "yes (true)" : "no (false)")})); return; }
  const vars = data.head.vars, rows = data.results.bindings;
  const head = el("tr", {}, ...vars.map(v => el("th", {text: v})));
  const body = el("tbody");
  for (const b of rows.slice(0, 2000)) body.append(el("tr", {}, ...vars.map(v => el("td", {}, cellOf(b[v])))));
  const table = el("table", {id: "results"}, el("thead", {}, head), body);
  box.replaceChildren(table);
  if (rows.length > 2000) box.append(el("p", {cls: "note", text: "Showing the first 2000 of " + rows.length + " rows; the downloads hold them all."}));
}

function csvOf(data) {
  const q = s => /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  if ("boolean" in data) return "boolean\r\n" + data.boolean + "\r\n";
  const vars = data.head.vars;
  const lines = [vars.map(q).join(",")];
  for (const b of data.results.bindings) lines.push(vars.map(v => b[v] ? q(b[v].type === "bnode" ? "_:" + b[v].value : b[v].value) : "").join(","));
  return lines.join("\r\n") + "\r\n";
}
function setDownloads(data) {
  const json = JSON.stringify({head: data.head, ...("boolean" in data ? {boolean: data.boolean} : {results: data.results})}, null, 1);
  $("download-csv").href = "data:text/csv;charset=utf-8," + encodeURIComponent(csvOf(data));
  $("download-json").href = "data:application/sparql-results+json;charset=utf-8," + encodeURIComponent(json);
  $("downloads").hidden = false;
}

// The answer as a graph: a CONSTRUCT's triples, or a SELECT's entities (and the parameters bound
// to it) with the statements between them in the graph; a row's entities not linked by any
// statement are joined by a dotted line named after the column.
function graphOf(data, extra) {
  const nodes = new Map(), edges = [];
  const node = (key, t) => { if (!nodes.has(key)) nodes.set(key, {key, term: t, x: 0, y: 0, vx: 0, vy: 0}); return nodes.get(key); };
  const termKey = t => t.type + " " + t.value + " " + (t["xml:lang"] || t.datatype || "");
  if ("boolean" in data) return {nodes: [], edges: [], why: "An ASK answers yes or no: there is nothing to draw."};
  if (data.graph) {
    const naming = [RDFS_LABEL, "http://www.w3.org/2004/02/skos/core#prefLabel"];
    for (const b of data.results.bindings) {
      // a node's label names it in the picture; drawn as a node of its own it would only double it
      if (b.object.type === "literal" && naming.includes(b.predicate.value) && b.subject.type === "uri" && label(b.subject.value)) continue;
      const s = node(termKey(b.subject), b.subject), o = node(termKey(b.object), b.object);
      edges.push({from: s, to: o, label: label(b.predicate.value) || curie(b.predicate.value)});
    }
  } else {
    const iris = new Set(extra);
    for (const b of data.results.bindings) for (const v of data.head.vars) if (b[v] && b[v].type === "uri") iris.add(b[v].value);
    // things, not vocabulary: the ontology's classes, properties and modalities stay out of the picture
    const vocabulary = [KKG.ontologyBase, "http://www.w3.org/", "http://purl.org/dc/", "http://schema.org/", "https://w3id.org/biolink/"];
    const entities = [...iris].filter(i => !vocabulary.some(v => i.startsWith(v))).slice(0, 150);
    if (!entities.length) return {nodes: [], edges: [], why: "The answer names no entity of the graph: see it as a table."};
    for (const i of entities) node("uri " + i + " ", {type: "uri", value: i});
    const values = entities.map(i => "<" + i + ">").join(" ");
    const links = store.query("SELECT DISTINCT ?s ?p ?o WHERE { VALUES ?s { " + values + " } VALUES ?o { " + values + " } ?s ?p ?o FILTER(?s != ?o) }");
    const linked = new Set();
    for (const m of links) {
      const s = nodes.get("uri " + m.get("s").value + " "), o = nodes.get("uri " + m.get("o").value + " ");
      edges.push({from: s, to: o, label: label(m.get("p").value) || curie(m.get("p").value)});
      linked.add(s.key + "|" + o.key); linked.add(o.key + "|" + s.key);
    }
    for (const b of data.results.bindings) {
      const cells = data.head.vars.filter(v => b[v] && nodes.has("uri " + b[v].value + " ")).map(v => [v, nodes.get("uri " + b[v].value + " ")]);
      for (let i = 1; i < cells.length; i++) {
        const a = cells[i - 1][1], c = cells[i][1];
        if (a !== c && !linked.has(a.key + "|" + c.key)) { edges.push({from: a, to: c, label: cells[i][0], row: true}); linked.add(a.key + "|" + c.key); linked.add(c.key + "|" + a.key); }
      }
    }
  }
  return {nodes: [...nodes.values()], edges, why: nodes.size ? "" : "The answer is empty: nothing to draw."};
}

function layout(g, width, height) {
  const n = g.nodes.length;
  g.nodes.forEach((v, i) => { const a = 2 * Math.PI * i / Math.max(n, 1); v.x = width / 2 + width / 3 * Math.cos(a); v.y = height / 2 + height / 3 * Math.sin(a); });
  const k = Math.sqrt(width * height / Math.max(n, 1)) * 0.75;
  for (let step = 0; step < 300; step++) {
    const t = 0.1 * k * (1 - step / 300);
    for (const v of g.nodes) { v.vx = 0; v.vy = 0; }
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
      const a = g.nodes[i], b = g.nodes[j];
      let dx = a.x - b.x, dy = a.y - b.y; const d = Math.max(Math.hypot(dx, dy), 0.01), f = k * k / d / d;
      a.vx += dx * f; a.vy += dy * f; b.vx -= dx * f; b.vy -= dy * f;
    }
    for (const e of g.edges) {
      const dx = e.from.x - e.to.x, dy = e.from.y - e.to.y, d = Math.max(Math.hypot(dx, dy), 0.01), f = d / k;
      e.from.vx -= dx * f; e.from.vy -= dy * f; e.to.vx += dx * f; e.to.vy += dy * f;
    }
    for (const v of g.nodes) {
      v.vx += (width / 2 - v.x) * 0.02; v.vy += (height / 2 - v.y) * 0.02;
      const d = Math.max(Math.hypot(v.vx, v.vy), 0.01);
      v.x = Math.min(width - 40, Math.max(40, v.x + v.vx / d * Math.min(d, t)));
      v.y = Math.min(height - 20, Math.max(20, v.y + v.vy / d * Math.min(d, t)));
    }
  }
  // fit the picture to the box, leaving room on the right for labels
  const xs = g.nodes.map(v => v.x), ys = g.nodes.map(v => v.y);
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  for (const v of g.nodes) {
    v.x = 30 + (x1 > x0 ? (v.x - x0) / (x1 - x0) : 0.5) * (width - 200);
    v.y = 25 + (y1 > y0 ? (v.y - y0) / (y1 - y0) : 0.5) * (height - 50);
  }
}

function showGraph(data, extra) {
  const box = $("graph-view"), NS = "http://www.w3.org/2000/svg";
  const g = graphOf(data, extra);
  if (!g.nodes.length) { box.replaceChildren(el("p", {cls: "note", text: g.why})); return g; }
  const width = Math.max(320, box.clientWidth || 800), height = Math.max(320, Math.min(640, 90 * Math.sqrt(g.nodes.length) + 200));
  layout(g, width, height);
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 " + width + " " + height);
  svg.setAttribute("width", "100%");
  svg.setAttribute("role", "img");
  const add = (parent, tag, attrs, text) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    parent.append(e); return e;
  };
  const defs = add(svg, "defs", {});
  const marker = add(defs, "marker", {id: "arrow", viewBox: "0 0 10 10", refX: "19", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse"});
  add(marker, "path", {d: "M 0 0 L 10 5 L 0 10 z", fill: "#666"});
  for (const e of g.edges) {
    add(svg, "line", {x1: e.from.x, y1: e.from.y, x2: e.to.x, y2: e.to.y, class: e.row ? "edge row" : "edge", "marker-end": e.row ? "" : "url(#arrow)"});
    add(svg, "text", {x: (e.from.x + e.to.x) / 2, y: (e.from.y + e.to.y) / 2 - 3, class: "edge-label"}, e.label);
  }
  for (const v of g.nodes) {
    const t = v.term, isIri = t.type === "uri";
    const group = add(svg, "g", {class: "node " + (isIri ? (KKG.links[t.value] ? "entity" : "iri") : t.type)});
    add(group, "circle", {cx: v.x, cy: v.y, r: isIri ? 8 : 5});
    const text = isIri ? (label(t.value) || curie(t.value)) : (t.type === "bnode" ? "_:" + t.value : t.value);
    add(group, "text", {x: v.x + 10, y: v.y + 4}, text.length > 48 ? text.slice(0, 47) + "…" : text);
    if (isIri && KKG.links[t.value]) {
      group.addEventListener("click", () => { location.href = KKG.links[t.value]; });
      add(group, "title", {}, t.value);
    }
  }
  box.replaceChildren(svg);
  return g;
}

// ---- the page
const editor = $("editor"), statusBox = $("status");
let current = {name: null, iris: []};
kkg.last = null;

async function run(text, fromHash) {
  statusBox.className = "";
  statusBox.textContent = "Running…";
  const started = performance.now();
  try {
    const data = await query(text);
    kkg.last = data;
    const count = "boolean" in data ? "an answer" : data.results.bindings.length + (data.graph ? " triples" : " rows");
    statusBox.textContent = count + " in " + Math.round(performance.now() - started) + " ms";
    showTable(data);
    kkg.drawn = showGraph(data, current.iris);
    setDownloads(data);
    if (!fromHash) history.replaceState(null, "", "#query=" + encodeURIComponent(text));
    $("share").href = "#query=" + encodeURIComponent(text);
    return data;
  } catch (error) {
    statusBox.className = "error";
    statusBox.textContent = String(error.message || error);
    $("table-view").replaceChildren(); $("graph-view").replaceChildren(); $("downloads").hidden = true;
    kkg.last = {error: statusBox.textContent};
    return null;
  }
}

function formValues(form) {
  const values = {};
  for (const input of form.querySelectorAll("input[data-param]")) values[input.dataset.param] = input.value;
  return values;
}

function buildGallery() {
  const list = $("gallery");
  const datalist = el("datalist", {id: "entity-names"});
  for (const e of KKG.entities) datalist.append(el("option", {value: e.label}));
  list.append(datalist);
  for (const q of KKG.queries) {
    const card = el("li", {cls: "card", id: "q-" + q.name, "data-name": q.name});
    card.append(el("h3", {text: q.question}), el("p", {cls: "meta"}, el("code", {text: q.name}), " · " + q.form));
    if (q.description) card.append(el("p", {cls: "desc", text: q.description}));
    if (q.note) { card.append(el("p", {cls: "note", text: q.note})); }
    const form = el("form", {cls: "params"});
    for (const p of q.params) {
      const id = "p-" + q.name + "-" + p.name;
      const input = el("input", {id, "data-param": p.name, value: p.default, autocomplete: "off"});
      if (p.kind === "iri") input.setAttribute("list", "entity-names");
      form.append(el("label", {for: id, text: p.name}), input, el("small", {text: p.description}));
    }
    const buttons = el("div", {cls: "buttons"});
    const show = el("button", {type: "button", text: "Show in editor"});
    buttons.append(show);
    if (q.runnable) buttons.append(el("button", {type: "submit", text: "Run", cls: "run"}));
    form.append(buttons);
    const load = () => {
      try { editor.value = boundText(q.name, formValues(form)); } catch (error) { statusBox.className = "error"; statusBox.textContent = String(error.message); return false; }
      current = {name: q.name, iris: []};
      for (const p of q.params) if (p.kind === "iri") { try { current.iris.push(toIri(formValues(form)[p.name], p.name)); } catch (e) { /* reported by boundText */ } }
      return true;
    };
    show.addEventListener("click", () => { load(); editor.focus(); });
    form.addEventListener("submit", event => { event.preventDefault(); if (load()) run(editor.value); });
    card.append(form);
    list.append(card);
  }
}

function fromHash() {
  const m = location.hash.match(/^#query=([\s\S]*)$/);
  if (!m) return false;
  let text;
  try { text = decodeURIComponent(m[1]); } catch (e) { statusBox.className = "error"; statusBox.textContent = "The link's query is not valid URL encoding."; return true; }
  editor.value = text;
  current = {name: null, iris: []};
  run(text, true);
  return true;
}

function selectTab(name) {
  for (const b of document.querySelectorAll("#tabs button")) b.setAttribute("aria-selected", String(b.dataset.tab === name));
  $("table-view").hidden = name !== "table";
  $("graph-view").hidden = name !== "graph";
  if (name === "graph" && kkg.last && !kkg.last.error) kkg.drawn = showGraph(kkg.last, current.iris);
}

Object.assign(window.kkg, {query, boundText, run, ready, queries: KKG.queries});
buildGallery();
editor.value = KKG.start;
$("run").addEventListener("click", () => { current = {name: null, iris: []}; run(editor.value); });
editor.addEventListener("keydown", e => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $("run").click(); } });
for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => selectTab(b.dataset.tab));
window.addEventListener("hashchange", fromHash);
ready.then(ms => {
  $("engine").textContent = "Oxigraph " + KKG.version + " loaded the graph (" + store.size + " quads) in " + ms + " ms.";
  document.body.setAttribute("data-ready", "1");
  if (!fromHash()) statusBox.textContent = "Ready: write a query, or pick a question below.";
}, error => {
  statusBox.className = "error";
  statusBox.textContent = "The SPARQL engine did not start: " + (error.message || error);
  document.body.setAttribute("data-ready", "error");
});
