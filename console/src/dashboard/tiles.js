// The live tiles, from the `metrics` push (docs/protocol.md, "Live
// metrics"; docs/operators.md says what each figure means). The longest
// wait is as of the snapshot: the tiles tick it on between pushes.
import { duration, el, fill, num, pct } from "./dom.js";
import { s, sn } from "../strings.js";

const get = (m, path) => path.split(".").reduce((v, k) => (v === null || v === undefined ? v : v[k]), m);

/** key -> label, the value (and its raw number), a line under it, and a tone.
 * The labels are read from strings.js once, when the dashboard loads. */
export const TILES = [
  { key: "queue-length", label: s("tiles.queue_length"), raw: (m) => get(m, "queue.length") ?? 0,
    sub: (m) => (get(m, "queue.length") ? s("tiles.queue_length.waiting") : s("tiles.queue_length.nobody")) },
  { key: "longest-wait", label: s("tiles.longest_wait"), raw: (m, ctx) => ctx.longestWait(m), show: (v) => duration(v),
    sub: () => s("tiles.longest_wait.sub"), tone: (m, ctx) => (ctx.longestWait(m) > ctx.firstResponseS ? "bad" : null) },
  { key: "on-shift", label: s("tiles.on_shift"), raw: (m) => get(m, "agents.on_shift") ?? 0,
    sub: () => s("tiles.on_shift.sub") },
  { key: "available", label: s("tiles.available"), raw: (m) => get(m, "agents.available") ?? 0,
    sub: () => s("tiles.available.sub"), tone: (m) => (get(m, "agents.available") ? "ok" : null) },
  { key: "busy", label: s("tiles.busy"), raw: (m) => get(m, "agents.busy") ?? 0, sub: () => s("tiles.busy.sub") },
  { key: "away", label: s("tiles.away"), raw: (m) => get(m, "agents.away") ?? 0, sub: () => s("tiles.away.sub") },
  { key: "active-chats", label: s("tiles.active_chats"), raw: (m) => m.active_chats ?? 0,
    sub: (m) => sn("tiles.active_chats.handled", get(m, "today.chats") ?? 0) },
  { key: "first-response", label: s("tiles.first_response"), raw: (m) => get(m, "today.first_response.median_s"),
    show: duration,
    sub: (m) => s("tiles.first_response.sub", { ninetieth: duration(get(m, "today.first_response.p90_s")),
      within: pct(get(m, "today.first_response.within_pct")) }) },
  { key: "first-response-breaches", label: s("tiles.first_response_breaches"),
    raw: (m) => get(m, "today.first_response.breaches") ?? 0,
    sub: (m) => sn("tiles.first_response_breaches.of", get(m, "today.first_response.count") ?? 0),
    tone: (m) => (get(m, "today.first_response.breaches") ? "bad" : "ok") },
  { key: "response-gap", label: s("tiles.response_gap"), raw: (m) => get(m, "today.response_gap.median_s"),
    show: duration,
    sub: (m) => sn("tiles.response_gap.sub", get(m, "today.response_gap.breaches") ?? 0,
      { ninetieth: duration(get(m, "today.response_gap.p90_s")) }),
    tone: (m) => (get(m, "today.response_gap.breaches") ? "bad" : null) },
  { key: "handle", label: s("tiles.handle"), raw: (m) => get(m, "today.handle.median_s"), show: duration,
    sub: (m) => sn("tiles.handle.sub", get(m, "today.handle.count") ?? 0,
      { mean: duration(get(m, "today.handle.mean_s")) }) },
  { key: "converted", label: s("tiles.converted"), raw: (m) => get(m, "today.converted") ?? 0,
    sub: () => s("tiles.today") },
  { key: "abandoned", label: s("tiles.abandoned"), raw: (m) => get(m, "today.abandoned") ?? 0,
    sub: () => s("tiles.today"), tone: (m) => (get(m, "today.abandoned") ? "warn" : null) },
  { key: "csat", label: s("tiles.csat"), raw: (m) => get(m, "today.csat.pct"), show: pct,
    sub: (m) => sn("tiles.csat.sub", get(m, "today.csat.count") ?? 0,
      { average: num(get(m, "today.csat.average"), 2) }) },
];

export class Tiles {
  /** ctx: {longestWait(m) -> seconds now, firstResponseS} */
  constructor(host, ctx, tiles = TILES) {
    this.ctx = ctx;
    this.tiles = tiles.map((spec) => {
      const value = el("span", { class: "tile-value", "data-sd": "value" }, "…");
      const sub = el("span", { class: "tile-sub", "data-sd": "sub" });
      const node = el("div", { class: "tile", "data-sd": `tile-${spec.key}` },
        el("span", { class: "tile-label" }, spec.label), value, sub);
      host.append(node);
      return { spec, node, value, sub };
    });
  }

  update(m) {
    for (const { spec, node, value, sub } of this.tiles) {
      const raw = spec.raw(m, this.ctx);
      fill(value, spec.show ? spec.show(raw) : num(raw));
      value.setAttribute("data-value", raw === null || raw === undefined ? "" : String(raw));
      fill(sub, spec.sub ? spec.sub(m, this.ctx) : "");
      const tone = spec.tone ? spec.tone(m, this.ctx) : null;
      if (tone) node.setAttribute("data-tone", tone);
      else node.removeAttribute("data-tone");
    }
  }
}
