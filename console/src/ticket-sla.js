// A ticket's SLA clocks in the console: a badge for the ticket list (the
// clock that needs the agent first), the clocks beside one ticket, and the
// banner a `ticket:sla` event raises. The server says where each clock
// stands (`level`, at the time of its answer); the console only shows it,
// with the due time, so a browser whose own clock is off shows no wrong
// countdown. Words are in strings.js ("ticket_sla.*").
import { el, formatTime } from "../../widget/src/util.js";
import { s } from "./strings.js";

const KINDS = ["response", "resolution", "update"];
const URGENCY = { breached: 0, warning: 1, ok: 2 };

/** The running clock to show first: breached before warned before on time, then the nearest due. */
export function urgentClock(sla) {
  const running = KINDS.filter((k) => sla && sla[k] && sla[k].state === "running").map((k) => [k, sla[k]]);
  running.sort(([, a], [, b]) => (URGENCY[a.level] ?? 3) - (URGENCY[b.level] ?? 3) || Date.parse(a.due_at) - Date.parse(b.due_at));
  return running[0] || null;
}

/** The list's badge: the most urgent running clock, or how the resolution went. */
export function slaBadge(sla) {
  const urgent = urgentClock(sla);
  if (urgent) {
    const [kind, clock] = urgent;
    return el("span", { class: "chip sla-badge", "data-sd": "ticket-sla", "data-kind": kind, "data-level": clock.level,
      title: s(`ticket_sla.title.${clock.level}`, { clock: s(`ticket_sla.clock.${kind}`), due: formatTime(clock.due_at, true) }) },
    s(`ticket_sla.badge.${clock.level}`, { clock: s(`ticket_sla.clock.${kind}`), due: formatTime(clock.due_at, false) }));
  }
  const done = sla && sla.resolution;
  if (!done || (done.state !== "met" && done.state !== "missed")) return el("span", { "data-sd": "ticket-sla", "data-level": "none" });
  return el("span", { class: "chip sla-badge", "data-sd": "ticket-sla", "data-kind": "resolution", "data-state": done.state,
    "data-level": done.level }, s(`ticket_sla.done.${done.state}`));
}

/** The clocks beside one ticket, as facts: [label, text, level] each. */
export function slaFacts(sla) {
  return KINDS.filter((k) => sla && sla[k] && sla[k].state !== "stopped").map((k) => {
    const c = sla[k];
    const vars = { due: formatTime(c.due_at, true), done: c.done_at ? formatTime(c.done_at, true) : "" };
    const text = c.state === "running" ? s(`ticket_sla.fact.${c.level}`, vars) : s(`ticket_sla.fact.${c.state}`, vars);
    return [s(`ticket_sla.clock.${k}`), text, c.level, k];
  });
}

/** The banner of a `ticket:sla` event (TICKET_SLA of protocol.md): a link to the ticket. */
export function slaBanner(data) {
  const text = s(`ticket_sla.event.${data.stage === "breach" ? "breach" : "warning"}.${KINDS.includes(data.sla) ? data.sla : "other"}`,
    { number: String(data.number || ""), due: formatTime(data.due_at, false) });
  return el("a", { href: `#tickets/${encodeURIComponent(data.ticket_id)}`, "data-sd": "ticket-sla-banner",
    "data-stage": data.stage, "data-kind": data.sla, "data-ticket-id": data.ticket_id }, text);
}
