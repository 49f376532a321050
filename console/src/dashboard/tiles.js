// The live tiles, from the `metrics` push (docs/protocol.md, "Live
// metrics"; docs/operators.md says what each figure means). The longest
// wait is as of the snapshot: the tiles tick it on between pushes.
import { duration, el, fill, num, pct } from "./dom.js";

const get = (m, path) => path.split(".").reduce((v, k) => (v === null || v === undefined ? v : v[k]), m);

/** key -> label, the value (and its raw number), a line under it, and a tone. */
export const TILES = [
  { key: "queue-length", label: "In queue", raw: (m) => get(m, "queue.length") ?? 0,
    sub: (m) => (get(m, "queue.length") ? "waiting for an agent" : "nobody waiting") },
  { key: "longest-wait", label: "Longest wait", raw: (m, ctx) => ctx.longestWait(m), show: (v) => duration(v),
    sub: () => "in the queue now", tone: (m, ctx) => (ctx.longestWait(m) > ctx.firstResponseS ? "bad" : null) },
  { key: "on-shift", label: "Agents on shift", raw: (m) => get(m, "agents.on_shift") ?? 0,
    sub: () => "connected or not" },
  { key: "available", label: "Available", raw: (m) => get(m, "agents.available") ?? 0, sub: () => "free to take chats",
    tone: (m) => (get(m, "agents.available") ? "ok" : null) },
  { key: "busy", label: "Busy", raw: (m) => get(m, "agents.busy") ?? 0, sub: () => "holding a chat" },
  { key: "away", label: "Away", raw: (m) => get(m, "agents.away") ?? 0, sub: () => "not taking chats" },
  { key: "active-chats", label: "Active chats", raw: (m) => m.active_chats ?? 0, sub: (m) => `${get(m, "today.chats") ?? 0} handled today` },
  { key: "first-response", label: "First response (median)", raw: (m) => get(m, "today.first_response.median_s"), show: duration,
    sub: (m) => `p90 ${duration(get(m, "today.first_response.p90_s"))} · ${pct(get(m, "today.first_response.within_pct"))} within target` },
  { key: "first-response-breaches", label: "First-response breaches", raw: (m) => get(m, "today.first_response.breaches") ?? 0,
    sub: (m) => `of ${get(m, "today.first_response.count") ?? 0} first responses`, tone: (m) => (get(m, "today.first_response.breaches") ? "bad" : "ok") },
  { key: "response-gap", label: "Response gaps (median)", raw: (m) => get(m, "today.response_gap.median_s"), show: duration,
    sub: (m) => `p90 ${duration(get(m, "today.response_gap.p90_s"))} · ${get(m, "today.response_gap.breaches") ?? 0} breaches`,
    tone: (m) => (get(m, "today.response_gap.breaches") ? "bad" : null) },
  { key: "handle", label: "Handle time (median)", raw: (m) => get(m, "today.handle.median_s"), show: duration,
    sub: (m) => `mean ${duration(get(m, "today.handle.mean_s"))} · ${get(m, "today.handle.count") ?? 0} chats` },
  { key: "converted", label: "Converted to tickets", raw: (m) => get(m, "today.converted") ?? 0, sub: () => "today" },
  { key: "abandoned", label: "Abandoned", raw: (m) => get(m, "today.abandoned") ?? 0, sub: () => "today",
    tone: (m) => (get(m, "today.abandoned") ? "warn" : null) },
  { key: "csat", label: "CSAT", raw: (m) => get(m, "today.csat.pct"), show: pct,
    sub: (m) => `average ${num(get(m, "today.csat.average"), 2)} of ${get(m, "today.csat.count") ?? 0} ratings` },
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
