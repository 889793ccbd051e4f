/* atomscope: helpers shared by the pages. DOM is built with textContent only: never innerHTML with data. */
"use strict";

const Atomscope = (() => {
  // Region order, labels and colours come from the server (domain/regions.py) as a JSON data block in
  // base.html: no copy of them lives in this file.
  const REGION_STYLES = JSON.parse(document.getElementById("region-styles").textContent);
  const EMBED_OPTIONS = {
    actions: { export: true, source: false, compiled: false, editor: false },
    renderer: "svg",
    ast: true, // expressions interpreted, not compiled with Function(): works under a strict CSP
    tooltip: { theme: "light" },
  };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }

  function modelHref(id) {
    return "/models/" + id.split("/").map(encodeURIComponent).join("/");
  }

  function baseConfig() {
    return {
      font: "Inter, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif",
      view: { stroke: null },
      axis: { labelColor: "#475569", titleColor: "#334155", gridColor: "#e2e8f0", domainColor: "#cbd5e1",
              tickColor: "#cbd5e1", labelFontSize: 11, titleFontSize: 11, titleFontWeight: 600 },
      legend: { labelColor: "#334155", titleColor: "#334155", labelFontSize: 11, titleFontSize: 11,
                symbolType: "circle", labelLimit: 180 },
      // series that are not regions (organizations, models...): a palette clear of the region colours
      range: { category: REGION_STYLES.series_palette },
    };
  }

  function regionLabel(key) {
    const region = REGION_STYLES.regions[key];
    return region ? region.label : String(key);
  }

  /** The distinct region keys in the fixed order, unknown ones last (alphabetically). */
  function orderedRegions(values) {
    const present = new Set(values.map(String));
    const known = REGION_STYLES.order.filter((k) => present.has(k));
    return [...known, ...[...present].filter((k) => !REGION_STYLES.order.includes(k)).sort()];
  }

  /** A Vega expression mapping a legend or axis label (a region key) to its display label. Nested
   * conditionals, not an object literal: vega-embed runs with the AST interpreter (strict CSP). */
  function regionLabelExpr() {
    const quote = (s) => "'" + String(s).replaceAll("\\", "\\\\").replaceAll("'", "\\'") + "'";
    return REGION_STYLES.order.reduceRight(
      (rest, k) => `datum.label === ${quote(k)} ? ${quote(regionLabel(k))} : (${rest})`, "datum.label");
  }

  /** Colour encoding for a region field: the fixed palette and order, legend labels instead of keys. */
  function regionColor(field, values, title) {
    const domain = orderedRegions(values);
    const range = domain.map((k) => (REGION_STYLES.regions[k] || {}).color || REGION_STYLES.fallback_color);
    return {
      field, type: "nominal", title: title || "region", sort: domain, scale: { domain, range },
      legend: { labelExpr: regionLabelExpr() },
    };
  }

  const MAX_BUSY_RETRIES = 120;
  const MAX_RETRY_WAIT_S = 10;

  /** fetch, waiting and asking again while the server answers 503 with Retry-After (it is busy computing
   * other answers); a 503 without Retry-After (a damaged warehouse) is returned at once. */
  async function fetchWhenReady(url) {
    for (let attempt = 0; ; attempt++) {
      const resp = await fetch(url);
      const retryAfter = resp.headers.get("Retry-After");
      if (resp.status !== 503 || retryAfter === null || attempt >= MAX_BUSY_RETRIES) return resp;
      const wait = Math.min(Math.max(Number(retryAfter) || 1, 0.2), MAX_RETRY_WAIT_S);
      await new Promise((done) => setTimeout(done, wait * 1000));
    }
  }

  function embed(container, spec) {
    container.replaceChildren();
    // on a narrow card legends go below the plot and wrap into as many columns as the width holds: a legend
    // beside the plot took a phone's whole card (ram: one entry per model)
    const width = container.clientWidth || 600;
    if (width < 600) {
      const config = spec.config || {};
      const columns = Math.max(1, Math.floor(width / 200));
      spec = { ...spec, config: { ...config, legend: { ...(config.legend || {}), orient: "bottom", direction: "horizontal",
                                                        columns, labelLimit: Math.floor(width / columns) - 40 } } };
    }
    // the view stays reachable for the browser tests, which measure each chart's plot area
    return vegaEmbed(container, spec, EMBED_OPTIONS).then((result) => { container._view = result.view; return result; });
  }

  function setupSearch() {
    const input = document.getElementById("model-search");
    const list = document.getElementById("search-results");
    if (!input || !list) return;
    let timer = null;
    let seq = 0;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const q = input.value.trim();
        const mine = ++seq;
        if (!q) { list.hidden = true; list.replaceChildren(); return; }
        const resp = await fetchWhenReady("/api/models?limit=12&search=" + encodeURIComponent(q));
        if (mine !== seq) return;
        list.replaceChildren();
        if (!resp.ok) { list.hidden = true; return; }
        const data = await resp.json();
        for (const m of data.models) {
          const a = el("a", { href: modelHref(m.model_id) });
          a.append(el("span", { class: "id", text: m.model_id }),
                   el("span", { class: "meta", text: [m.region && regionLabel(m.region), m.size_bucket].filter(Boolean).join(" · ") }));
          list.append(el("li", {}, a));
        }
        if (!data.models.length) list.append(el("li", { class: "none", text: "No tracked model matches." }));
        else if (data.total > data.models.length) {
          list.append(el("li", { class: "none", text: `${data.total - data.models.length} more…` }));
        }
        list.hidden = false;
      }, 150);
    });
    input.addEventListener("keydown", (e) => {
      if (e.key === "Escape") { list.hidden = true; input.blur(); }
      if (e.key === "Enter") { const first = list.querySelector("a"); if (first) window.location = first.href; }
    });
    document.addEventListener("click", (e) => { if (!e.target.closest(".search")) list.hidden = true; });
  }

  document.addEventListener("DOMContentLoaded", setupSearch);
  return { el, embed, fetchWhenReady, modelHref, baseConfig, regionColor, regionLabel, regionLabelExpr, orderedRegions,
           REGION_STYLES };
})();
