/* "What you can run yourself" card: per hardware class, the best open-weight model of each region that fits it
   at q4 on the latest LMArena snapshot (and since when it has led), and the share of each region's tracked
   models that fit a laptop or one GPU. Data: /api/metrics/runnability?by=best and ?by=region. */
"use strict";

(() => {
  const { el, fetchWhenReady, modelHref, orderedRegions, regionLabel } = Atomscope;
  const card = document.getElementById("runnable-card");
  if (!card) return;
  const ORDER = JSON.parse(document.getElementById("runnable-classes").textContent);  // [[key, label]], phone first
  const CLASSES = Object.fromEntries(ORDER);
  const FIT = ["16gb", "24gb", "80gb"];

  async function rows(by) {
    const resp = await fetchWhenReady("/api/metrics/runnability?by=" + by);  // waits out a busy server's 503
    if (!resp.ok) {
      const body = await resp.json().catch(() => ({}));
      throw new Error(typeof body.detail === "string" ? body.detail : `error ${resp.status}`);
    }
    return (await resp.json()).rows;
  }

  function bestTable(best) {
    const latest = best.reduce((d, r) => (r.snapshot_date > d ? r.snapshot_date : d), "");
    const now = best.filter((r) => r.snapshot_date === latest);
    const regions = orderedRegions([...new Set(now.map((r) => r.region))]);
    const head = el("tr", {}, el("th", { text: "Hardware" }), ...regions.map((r) => el("th", { text: regionLabel(r) })));
    const body = ORDER.map(([c]) => c).filter((c) => now.some((r) => r.hardware_class === c)).map((c) => {
      const cells = regions.map((region) => {
        const pick = now.find((r) => r.hardware_class === c && r.region === region);
        if (!pick) return el("td", { text: "–" });
        return el("td", {},
          el("a", { href: modelHref(pick.model_id), text: pick.arena_model }),
          el("span", { class: "muted" }, ` ${Math.round(pick.arena_score)} · ${Math.round(pick.memory_gb)} GB · `,
             el("span", { class: "nowrap", text: `since ${pick.leading_since}` })));  // a date never splits
      });
      return el("tr", {}, el("th", { scope: "row", text: CLASSES[c] }), ...cells);
    });
    return [el("h3", {}, "Best open-weight model that fits, at q4 (LMArena ", el("span", { class: "nowrap", text: latest }), ")"),
            el("div", { class: "data-table-wrap" }, el("table", { class: "table" }, el("thead", {}, head), el("tbody", {}, ...body)))];
  }

  function fitTable(fit) {
    const q4 = fit.filter((r) => r.quantization === "q4" && FIT.includes(r.hardware_class));
    const regions = orderedRegions([...new Set(q4.map((r) => r.region))]);
    const head = el("tr", {}, el("th", { text: "Region" }), ...FIT.map((c) => el("th", { text: CLASSES[c] })));
    const body = regions.map((region) => el("tr", {}, el("th", { scope: "row", text: regionLabel(region) }),
      ...FIT.map((c) => {
        const r = q4.find((x) => x.region === region && x.hardware_class === c);
        return el("td", { text: r ? `${Math.round(100 * r.share_fit)}% (${r.models_fit} of ${r.models_known})` : "–" });
      })));
    return [el("h3", { text: "Share of each region's tracked models that fit, at q4" }),
            el("div", { class: "data-table-wrap" }, el("table", { class: "table" }, el("thead", {}, head), el("tbody", {}, ...body)))];
  }

  (async () => {
    const vis = card.querySelector(".vis");
    try {
      const [best, fit] = await Promise.all([rows("best"), rows("region")]);
      vis.replaceChildren(...(best.length ? bestTable(best) : [el("p", { text: "No mapped LMArena model with known parameters." })]),
                          ...fitTable(fit));
    } catch (err) {
      vis.replaceChildren(el("p", { class: "empty", text: `Runnability unavailable: ${err.message}` }));
    }
  })();
})();
