/* atomscope dashboard: one card per registered metric; filters re-fetch the JSON API and re-embed. */
"use strict";

(() => {
  const { el, embed, baseConfig, regionColor, regionLabelExpr, fetchWhenReady } = Atomscope;
  const MAX_SERIES = 10;
  const MAX_BARS = 25;
  const form = document.getElementById("filters");

  function filters() {
    const data = new FormData(form);
    const out = {};
    for (const [k, v] of data.entries()) if (v) out[k] = v;
    return out;
  }

  function urlFor(card, withRowFilters) {
    const params = new URLSearchParams();
    const by = card.querySelector("select.by");
    if (by) params.set("by", by.value);
    const f = filters();
    for (const k of ["since", "until"]) if (f[k]) params.set(k, f[k]);
    if (withRowFilters) {
      const allowed = (card.dataset.filters || "").split(",");
      for (const k of ["region", "size_bucket"]) if (f[k] && allowed.includes(k)) params.set(k, f[k]);
    }
    const qs = params.toString();
    return "/api/metrics/" + encodeURIComponent(card.dataset.metric) + (qs ? "?" + qs : "");
  }

  function isShare(name) { return /share|pct$/.test(name); }

  // Honest periods (issue 18), the same rule as the report, driven by the metric's own columns: rows of an
  // unfinished period are left out (which ones is decided in Python, present/periods.py, and sent as the
  // answer's `unfinished_rows`: a NULL `complete` counts as unfinished there, so it is not re-derived here);
  // periods whose `estimated` is true are drawn lighter (bars) or dashed with hollow points (lines), with a
  // legend entry.
  const MEASURED = "measured";
  const ESTIMATED = "estimated";
  const BACKCAST = "back-cast";
  const DASHES = { domain: [MEASURED, ESTIMATED], range: [[1, 0], [5, 4]] };

  // a symbol, not a column: copies made with {...r} keep it, and neither tables nor tooltips show it
  const UNFINISHED = Symbol("unfinished");

  function markUnfinished(doc) {
    for (const i of doc.unfinished_rows || []) if (doc.rows[i]) doc.rows[i][UNFINISHED] = true;
  }

  function finishedRows(rows, x, captions) {
    const unfinished = [...new Set(rows.filter((r) => r[UNFINISHED]).map((r) => String(r[x])))].sort();
    if (!unfinished.length) return rows;
    captions.push(`The unfinished ${x.replaceAll("_", " ")} ${unfinished.join(", ")} (to date) is left out.`);
    return rows.filter((r) => !r[UNFINISHED]);
  }

  function estimatedPeriods(rows, x) {
    return [...new Set(rows.filter((r) => r.estimated === true).map((r) => String(r[x])))].sort();
  }

  function estimateCaption(periods, x, drawn, rows) {
    const unit = x.replaceAll("_", " ");
    const backcast = new Set(rows.filter((r) => r.backcast === true).map((r) => String(r[x])));
    const parts = [];
    if (backcast.size) {
      const b = [...backcast].sort();
      parts.push(`Palest: back-cast ${unit}s (${b[0]} to ${b.at(-1)}), before the first snapshot: all-time totals spread back to release dates, never observed.`);
    }
    const estimated = periods.filter((p) => !backcast.has(p));
    if (!estimated.length) return parts.join(" ");
    if (rows.some((r) => typeof r.measured_share === "number")) {
      // the period's measured share, weighted by downloads when the rows have them
      const shares = estimated.map((p) => {
        const mine = rows.filter((r) => String(r[x]) === p);
        const w = mine.map((r) => (typeof r.downloads === "number" ? r.downloads : 1));
        const total = w.reduce((a, b) => a + b, 0);
        const share = total ? mine.reduce((a, r, i) => a + (r.measured_share ?? 0) * w[i], 0) / total : 0;
        return `${p} ${Math.round(100 * share)}%`;
      });
      parts.push(`${drawn}: estimated ${unit}s, share measured by snapshots: ${shares.join(", ")}.`);
    } else {
      const span = estimated.length === 1 ? estimated[0] : `${estimated[0]} to ${estimated.at(-1)}`;
      parts.push(`${drawn}: estimated ${unit}s (${span}), not measured by a snapshot.`);
    }
    return parts.join(" ");
  }

  function dashEncoding() {
    return { field: "line_kind", type: "nominal", title: null, scale: DASHES,
             legend: { symbolType: "stroke", symbolStrokeColor: "#334155", symbolStrokeWidth: 2, title: null } };
  }

  /** A line spec becomes layers: the whole series dashed, the measured stretches solid over it (the
   * estimated rows' values are null there, which breaks the solid path), filled points on measured
   * periods and hollow ones on estimated periods. The points are layers of their own: a point overlay on
   * a line would turn the dash legend's symbols into filled, invisible ones. */
  function layerEstimates(spec, y) {
    const { y: yEnc, ...shared } = spec.encoding;
    const { point, ...line } = spec.mark;
    delete spec.mark;
    spec.encoding = shared;
    const size = (point && point.size) || 18;
    spec.layer = [
      { transform: [{ calculate: `'${ESTIMATED}'`, as: "line_kind" }],
        mark: line, encoding: { y: yEnc, strokeDash: dashEncoding() } },
      { transform: [{ calculate: `datum.estimated ? null : datum[${JSON.stringify(y)}]`, as: "measured_value" },
                    { calculate: `'${MEASURED}'`, as: "line_kind" }],
        mark: { ...line, invalid: "break-paths-show-domains" },
        encoding: { y: { ...yEnc, field: "measured_value" }, strokeDash: dashEncoding() } },
      { transform: [{ filter: "!datum.estimated" }],
        mark: { type: "point", size, filled: true, opacity: 1, tooltip: true }, encoding: { y: yEnc } },
      { transform: [{ filter: "datum.estimated" }],
        mark: { type: "point", size: size + 4, filled: false, fill: "white", opacity: 1, strokeWidth: 1.5,
                tooltip: true },
        encoding: { y: yEnc } },
    ];
  }

  function lighterEstimates(spec, rows) {
    // back-cast periods (before the first snapshot, shown only with backcast=true) get a paler shade
    const backcast = rows.some((r) => r.backcast === true);
    spec.transform = [...(spec.transform || []),
                      { calculate: `datum.backcast ? '${BACKCAST}' : datum.estimated ? '${ESTIMATED}' : '${MEASURED}'`,
                        as: "period_kind" }];
    spec.encoding.opacity = { field: "period_kind", type: "nominal", title: null,
                              scale: backcast ? { domain: [MEASURED, ESTIMATED, BACKCAST], range: [1, 0.4, 0.15] }
                                              : { domain: [MEASURED, ESTIMATED], range: [1, 0.4] },
                              legend: { symbolType: "square", title: null } };
  }

  function topSeries(rows, colorField, y) {
    const totals = new Map();
    for (const r of rows) totals.set(r[colorField], (totals.get(r[colorField]) || 0) + Math.abs(Number(r[y]) || 0));
    const keep = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, MAX_SERIES).map((e) => e[0]);
    return { keep, total: totals.size };
  }

  /** One point per (x, series): a metric may return several rows there (derivatives per region and
   * relation), and a line through them would zigzag up and down within one period. Counts are summed,
   * saying so under the chart; shares cannot be summed, so each value of the column that splits them
   * (e.g. relation) gets a line of its own (`detail`). */
  function onePointPerSeries(rows, x, color, y, tooltip, captions) {
    const groups = new Map();
    for (const r of rows) {
      const k = JSON.stringify([r[x], color ? r[color] : null]);
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k).push(r);
    }
    if (groups.size === rows.length) return { rows, tooltip };
    const splitting = Object.keys(rows[0]).filter((c) => c !== x && c !== color && c !== y
      && [...groups.values()].some((g) => new Set(g.map((r) => r[c])).size > 1));
    const named = splitting.filter((c) => typeof rows[0][c] === "string");
    if (isShare(y)) return { rows, tooltip, detail: named[0] };
    const summed = [...groups.values()].map((g) => {
      const row = { ...g[0], [y]: g.reduce((total, r) => total + (Number(r[y]) || 0), 0) };
      if ("estimated" in row) row.estimated = g.some((r) => r.estimated === true);
      return row;
    });
    const over = (named.length ? named : splitting).map((c) => c.replaceAll("_", " ")).join(", ");
    captions.push(`${y.replaceAll("_", " ")} summed over ${over || "rows"} for each ${x.replaceAll("_", " ")}`
                  + (color ? ` and ${color.replaceAll("_", " ")}.` : "."));
    return { rows: summed, tooltip: tooltip.filter((t) => !splitting.includes(t.field)) };
  }

  // Long ids keep their start and their end (where "Instruct" and "Thinking" differ); when two still
  // collide, every label is the full id. Vega's own truncation would cut both to the same prefix.
  function uniqueLabelExpr(values) {
    const short = (v) => (v.length <= 30 ? v : `${v.slice(0, 13)}…${v.slice(-16)}`);
    const labels = values.map((v) => short(String(v)));
    const chosen = new Set(labels).size === values.length ? labels : values.map(String);
    const map = Object.fromEntries(values.map((v, i) => [String(v), chosen[i]]));
    return `(${JSON.stringify(map)})[datum.label] || datum.label`;
  }

  function colorEncoding(field, rows) {
    const values = [...new Set(rows.map((r) => r[field]))].sort();
    if (field === "region") return regionColor(field, values);
    return { field, type: "nominal", title: field.replaceAll("_", " "),
             legend: { labelExpr: uniqueLabelExpr(values), labelLimit: 0 } };
  }

  // hint.scale_from: the y scale is set by the points at x >= that value (RAM: the first days after
  // release, ATOM's day-7 checkpoint, would otherwise flatten every other line); larger values are clipped
  function scaleFrom(spec, rows, hint, y, captions) {
    const from = hint.scale_from;
    if (from === undefined || from === null) return;
    const later = rows.filter((r) => Number(r[hint.x]) >= from).map((r) => Number(r[y])).filter(Number.isFinite);
    const all = rows.map((r) => Number(r[y])).filter(Number.isFinite);
    if (!later.length || Math.max(...all) <= Math.max(...later)) return;
    const top = Math.max(...later);
    spec.encoding.y.scale = { ...(spec.encoding.y.scale || {}), domain: [Math.min(0, ...later), top], nice: true };
    spec.mark = { ...spec.mark, clip: true };
    (spec.layer || []).forEach((layer) => { layer.mark = { ...(typeof layer.mark === "string" ? { type: layer.mark } : layer.mark), clip: true }; });
    const early = rows.filter((r) => Number(r[hint.x]) < from && Number(r[y]) > top).length;
    captions.push(`Scale set from ${hint.x.replaceAll("_", " ")} ${from} on: ${early} earlier point(s) above ${top.toPrecision(3)} run off the top (see the table or CSV).`);
  }

  function table(doc) {
    const head = el("tr", {}, ...doc.columns.map((c) => el("th", { text: c.name.replaceAll("_", " "), title: c.description })));
    const body = doc.rows.slice(0, 200).map((r) => el("tr", {}, ...doc.columns.map((c) => {
      const v = r[c.name];
      return el("td", { text: v === null || v === undefined ? "—" : (typeof v === "number" ? v.toLocaleString() : String(v)) });
    })));
    return el("div", { class: "data-table-wrap" }, el("table", { class: "table" }, el("thead", {}, head), el("tbody", {}, ...body)));
  }

  function buildSpec(doc, measure, width) {
    const hint = doc.chart;
    const y = measure || hint.y;
    markUnfinished(doc);
    const notes = [];
    const captions = [];
    // 9 significant digits: float noise (an HHI of 4629.1188851792713 one month, ...722 the next) must not
    // draw a cliff on an axis that does not start at zero
    let rows = doc.rows.filter((r) => r[y] !== null && r[y] !== undefined)
      .map((r) => (typeof r[y] === "number" && Number.isFinite(r[y]) ? { ...r, [y]: Number(r[y].toPrecision(9)) } : r));
    const maxY = Math.max(0, ...rows.map((r) => Math.abs(Number(r[y])) || 0));
    const format = isShare(y) && !/pct$/.test(y) ? ".0%" : (maxY >= 10000 ? "~s" : undefined);
    const yAxis = { field: y, type: "quantitative", title: y.replaceAll("_", " "), axis: format ? { format } : {} };
    let tooltip = doc.columns.slice(0, 8).map((c) => ({ field: c.name, title: c.name }));
    const spec = {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      width: "container", height: 280, autosize: { type: "fit-x", contains: "padding" },
      config: baseConfig(),
    };
    if (hint.mark === "bar" && hint.x) {
      rows = [...rows].sort((a, b) => Number(b[y]) - Number(a[y]));
      if (rows.length > MAX_BARS) { notes.push(`showing the ${MAX_BARS} largest of ${rows.length} rows`); rows = rows.slice(0, MAX_BARS); }
      spec.height = Math.max(120, rows.length * 18);
      spec.mark = { type: "bar", cornerRadiusEnd: 2, tooltip: true };
      spec.encoding = {
        // labels take at most a third of a narrow card, so the bars keep the rest
        y: { field: hint.x, type: "nominal", sort: "-x", title: null,
             axis: { labelLimit: Math.min(220, Math.round(width / 3)),
                     ...(hint.x === "region" ? { labelExpr: regionLabelExpr() } : {}) } },
        x: yAxis, tooltip,
      };
      if (hint.color) spec.encoding.color = colorEncoding(hint.color, rows);
    } else {
      rows = finishedRows(rows, hint.x, captions);
      const color = hint.color;
      let detail;
      if (rows.length) ({ rows, tooltip, detail } = onePointPerSeries(rows, hint.x, color, y, tooltip, captions));
      const estimated = estimatedPeriods(rows, hint.x);
      if (color) {
        const { keep, total } = topSeries(rows, color, y);
        if (total > keep.length) {
          notes.push(`showing the ${keep.length} largest of ${total} ${color} series`);
          const set = new Set(keep);
          rows = rows.filter((r) => set.has(r[color]));
        }
      }
      const distinctX = new Set(rows.map((r) => r[hint.x])).size;
      const temporal = hint.x_type === "temporal";
      // one or two x values make no line: draw them as (grouped) bars
      const continuous = distinctX > 2 && (temporal || hint.x_type === "quantitative");
      spec.mark = continuous
        ? { type: "line", strokeWidth: 2, point: { size: 18 }, tooltip: true }
        : { type: "bar", tooltip: true, ...(distinctX <= 2 ? { width: { band: 0.5 } } : {}) };
      // one label per ~90 px, never drawn over each other (dates ran together: "Jan 2023Jul 2023")
      const ticks = Math.max(2, Math.floor(width / 90));
      spec.encoding = {
        x: continuous ? { field: hint.x, type: hint.x_type, title: hint.x.replaceAll("_", " "),
                          axis: { tickCount: ticks, labelOverlap: "greedy", labelFlush: true } }
                    : { field: hint.x, type: "ordinal", title: hint.x.replaceAll("_", " "),
                        axis: { labelAngle: distinctX > ticks ? -40 : 0, labelOverlap: "greedy" } },
        y: yAxis, tooltip,
      };
      if (detail) spec.encoding.detail = { field: detail };
      // the same axis rule as the report (metrics/base.py axis_from_zero): a score's axis need not hold 0
      if (continuous) spec.encoding.y.scale = { zero: (hint.from_zero || {})[y] !== false };
      if (continuous && temporal && hint.x === "month") {
        Object.assign(spec.encoding.x, { timeUnit: "yearmonth",
                                         axis: { ...spec.encoding.x.axis, format: "%b %Y" } });
      }
      if (color) {
        spec.encoding.color = colorEncoding(color, rows);
        if (!continuous && distinctX <= 2) spec.encoding.xOffset = { field: color };
      }
      scaleFrom(spec, rows, hint, y, captions);
      if (estimated.length) {
        spec.encoding.tooltip = [...tooltip.filter((t) => t.field !== "estimated"), { field: "estimated", title: "estimated" }];
        if (continuous) layerEstimates(spec, y);
        else lighterEstimates(spec, rows);
        captions.push(estimateCaption(estimated, hint.x, continuous ? "Dashed lines, hollow points" : "Lighter bars", rows));
      }
      if (rows.some((r) => typeof r.measured_share === "number")) {
        spec.encoding.tooltip = [...spec.encoding.tooltip.filter((t) => t.field !== "measured_share"),
                                 { field: "measured_share", title: "measured by snapshots", format: ".0%" }];
      }
    }
    const origin = (doc.provenance?.tables || []).map((t) => t.origin).filter(Boolean).map((o) => o.replaceAll("`", ""));
    if (origin.length) captions.push(`Rows from ${origin.join("; ")}.`);
    spec.data = { values: rows };
    return { spec, notes, captions, rows: rows.length };
  }

  function showNotes(card, doc, extra) {
    const list = card.querySelector(".note-list");
    list.replaceChildren(...[...extra, ...doc.notes].map((n) => el("li", { text: n })));
    const p = doc.provenance;
    const tables = p.tables.map((t) => `${t.name} (${t.rows} rows${t.file ? ", " + t.file : ""})`).join("; ");
    card.querySelector(".prov").textContent =
      `Computed from: ${tables || "—"}. Warehouse schema v${p.warehouse_version}, last load run ${p.last_run_id ?? "—"}.`;
  }

  function fillMeasures(card, doc) {
    const select = card.querySelector("select.measure");
    const current = select.value;
    const options = doc.chart.measures;
    select.replaceChildren(...options.map((m) => el("option", { value: m, text: m.replaceAll("_", " ") })));
    if (options.includes(current)) select.value = current;
    select.disabled = options.length < 2;
    select.closest("label").hidden = doc.chart.mark === "table";
  }

  function render(card) {
    const doc = card._doc;
    const vis = card.querySelector(".vis");
    const empty = card.querySelector(".empty");
    card.querySelector(".chart-caption").hidden = true;
    if (!doc.rows.length || !doc.chart.x || (!doc.chart.y && doc.chart.mark !== "table")) {
      vis.hidden = true;
      empty.hidden = false;
      const reason = doc.rows.length ? "nothing numeric to chart in this grouping" : (doc.notes.at(-1) || "no data");
      empty.replaceChildren(el("strong", { text: "No data to chart. " }), el("span", { text: reason }));
      card.dataset.state = "empty";
      return;
    }
    empty.hidden = true;
    vis.hidden = false;
    if (doc.chart.mark === "table") {
      showNotes(card, doc, card._extraNotes || []);
      vis.replaceChildren(table(doc));
      card.dataset.rows = String(doc.rows.length);
      card.dataset.state = "ready";
      return;
    }
    const measure = card.querySelector("select.measure").value;
    const { spec, notes, captions, rows } = buildSpec(doc, measure, vis.clientWidth || 600);
    showNotes(card, doc, [...(card._extraNotes || []), ...notes]);
    const caption = card.querySelector(".chart-caption");
    caption.textContent = captions.join(" ");
    caption.hidden = !captions.length;
    card.dataset.rows = String(rows);
    embed(vis, spec).then(() => { card.dataset.state = "ready"; })
      .catch((err) => { card.dataset.state = "error"; vis.replaceChildren(el("p", { class: "error", text: String(err) })); });
  }

  async function load(card) {
    card.dataset.state = "loading";
    card.classList.add("busy");
    const extra = [];
    let url = urlFor(card, true);
    let resp = await fetchWhenReady(url);
    if (resp.status === 422 && url !== urlFor(card, false)) {
      const body = await resp.json().catch(() => ({}));
      extra.push(`Filter not applied with this grouping: ${typeof body.detail === "string" ? body.detail : "not applicable"}.`);
      url = urlFor(card, false);
      resp = await fetchWhenReady(url);
    }
    card.classList.remove("busy");
    card.dataset.url = url;
    card.querySelector(".json-link").href = url;
    card.querySelector(".csv-link").href = url + (url.includes("?") ? "&" : "?") + "format=csv";
    if (!resp.ok) {
      const body = await resp.json().catch(() => ({}));
      card.dataset.state = "error";
      card.querySelector(".vis").hidden = true;
      const empty = card.querySelector(".empty");
      empty.hidden = false;
      empty.replaceChildren(el("strong", { text: `Error ${resp.status}. ` }),
                            el("span", { text: typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail) }));
      return;
    }
    const doc = await resp.json();
    card._doc = doc;
    card._extraNotes = extra;
    fillMeasures(card, doc);
    showNotes(card, doc, extra);
    render(card);
  }

  const cards = [...document.querySelectorAll("article.metric")];
  for (const card of cards) {
    const by = card.querySelector("select.by");
    if (by) by.addEventListener("change", () => load(card));
    card.querySelector("select.measure").addEventListener("change", () => render(card));
  }
  form.addEventListener("change", () => cards.forEach(load));
  form.addEventListener("reset", () => setTimeout(() => cards.forEach(load), 0));
  form.addEventListener("submit", (e) => e.preventDefault());
  cards.forEach(load);
})();
