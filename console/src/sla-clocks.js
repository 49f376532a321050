// The SLA clocks of one chat, counting down by the desk's clock.
//
// The server decides the colours: `sla:warning` turns a clock amber and
// `sla:breach` red; the console only counts the time left between them. A
// clock starts and stops as protocol.md describes (first response: from the
// chat's start to the first agent reply; reply gap: from the oldest visitor
// message an agent has not answered, once the first answer was given;
// duration: from the assignment), from the `context.sla` of chat:assigned
// and then from the messages that arrive.
import { el } from "../../widget/src/util.js";

export const KINDS = [
  ["first_response", "First response"],
  ["response_gap", "Reply gap"],
  ["duration", "Chat length"],
];
const IDLE_TEXT = { first_response: "Answered", response_gap: "Not waiting", duration: "—" };

/** The desk's time: the browser's clock plus an offset learned from the
 * server's times (session.now, live messages, SLA events). The tests move
 * the server's clock, never the browser's. */
export class ServerTime {
  constructor() {
    this.offset = 0;
  }

  /** The server's `now` (session): the offset from here. */
  reset(serverMs) {
    if (Number.isFinite(serverMs)) this.offset = serverMs - Date.now();
  }

  /** A server time seen on a live event is a lower bound of its clock now. */
  sync(serverMs) {
    if (Number.isFinite(serverMs)) this.offset = Math.max(this.offset, serverMs - Date.now());
  }

  now() {
    return Date.now() + this.offset;
  }
}

/** "1:05", "12:00", "1:02:03" for a number of seconds (0 or more). */
export function clockText(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

export class SlaClocks {
  /**
   * @param {ServerTime} time
   * @param {{first_response?: number, response_gap?: number, duration?: number}} limits seconds (session.sla_limits)
   * @param {(level: string|null) => void} onLevel the worst level of the running clocks changed
   */
  constructor(time, limits, onLevel) {
    this.time = time;
    this.limits = limits || {};
    this.onLevel = onLevel;
    this.clocks = {};
    this.lastSeq = 0; // messages up to here are counted in context.sla
    this.seen = new Set();
    this.lastAgentSeq = 0;
    this.gapSeq = 0;
    this.element = el("div", { class: "sla-clocks", "data-sd": "sla", role: "group", "aria-label": "SLA clocks" });
    this.nodes = {};
    for (const [kind, label] of KINDS) {
      const value = el("span", { class: "sla-value" });
      const node = el("div", { class: "sla-clock", "data-sd": "sla-clock", "data-kind": kind, "data-state": "stopped",
        "data-level": "ok" }, el("span", { class: "sla-label" }, label), value);
      this.nodes[kind] = { node, value };
      this.element.append(node);
    }
    this.render();
  }

  /** The clocks as the server had them at the assignment: `sla` is
   * context.sla ({KIND: {stage, at, since, limit_s}}), `messages` those
   * already counted in it. */
  start(sla, chat, messages) {
    this.clocks = {};
    for (const [kind] of KINDS) {
      const found = sla && sla[kind];
      if (!found) continue;
      const since = Date.parse(found.since);
      if (!Number.isFinite(since)) continue;
      // The next stage tells whether the warning fired already.
      const level = found.stage === "warning" ? "ok" : "warning";
      this.clocks[kind] = { since, limit: Number(found.limit_s) || this.limits[kind] || 0, level, running: true };
    }
    if (!this.clocks.duration && chat && chat.assigned_at && this.limits.duration) {
      this.clocks.duration = { since: Date.parse(chat.assigned_at), limit: this.limits.duration, level: "ok", running: true };
    }
    for (const m of messages || []) {
      this.lastSeq = Math.max(this.lastSeq, Number(m.seq) || 0);
      if (m.author === "agent" && !m.note) this.lastAgentSeq = Math.max(this.lastAgentSeq, Number(m.seq) || 0);
    }
    this.changed();
  }

  /** A message stored after the assignment (an ack and its echo may both
   * tell it; acks and events may come in any order). */
  message(m) {
    const seq = Number(m.seq) || 0;
    if (!seq || seq <= this.lastSeq || this.seen.has(seq)) return;
    this.seen.add(seq);
    if (m.note || m.author === "system") return;
    if (m.author === "agent") {
      this.lastAgentSeq = Math.max(this.lastAgentSeq, seq);
      this.stop("first_response");
      if (this.gapSeq < seq) this.stop("response_gap");
    } else if (m.author === "visitor" && seq > this.lastAgentSeq && !this.isRunning("first_response")
               && !this.isRunning("response_gap")) {
      const since = Date.parse(m.at);
      if (Number.isFinite(since) && this.limits.response_gap) {
        this.clocks.response_gap = { since, limit: this.limits.response_gap, level: "ok", running: true };
        this.gapSeq = seq;
      }
    }
    this.changed();
  }

  /** sla:warning / sla:breach: the server's word on a clock's colour. */
  reached(data, breached) {
    const kind = data.kind;
    let clock = this.clocks[kind];
    if (!clock || !clock.running) {
      // A clock the console did not know of: the event tells its start.
      const since = this.time.now() - (Number(data.elapsed_s) || 0) * 1000;
      clock = this.clocks[kind] = { since, limit: Number(data.limit_s) || 0, level: "ok", running: true };
    }
    if (Number(data.limit_s)) clock.limit = Number(data.limit_s);
    clock.level = breached ? "breach" : "warning";
    this.time.sync(clock.since + (Number(data.elapsed_s) || 0) * 1000);
    this.changed();
  }

  stopAll() {
    for (const [kind] of KINDS) this.stop(kind);
    this.changed();
  }

  stop(kind) {
    const clock = this.clocks[kind];
    if (clock) {
      clock.running = false;
      clock.level = "ok";
    }
  }

  isRunning(kind) {
    return Boolean(this.clocks[kind] && this.clocks[kind].running);
  }

  /** The worst level of the running clocks: "breach", "warning" or null. */
  level() {
    const levels = Object.values(this.clocks).filter((c) => c.running).map((c) => c.level);
    return levels.includes("breach") ? "breach" : levels.includes("warning") ? "warning" : null;
  }

  changed() {
    this.render();
    if (this.onLevel) this.onLevel(this.level());
  }

  /** Redraws the time left (called every second by the console). */
  render() {
    const now = this.time.now();
    for (const [kind, label] of KINDS) {
      const { node, value } = this.nodes[kind];
      const clock = this.clocks[kind];
      const running = Boolean(clock && clock.running);
      node.setAttribute("data-state", running ? "running" : "stopped");
      node.setAttribute("data-level", running ? clock.level : "ok");
      if (!running) {
        value.textContent = IDLE_TEXT[kind];
        node.title = `${label}: not running`;
        continue;
      }
      const left = (clock.since + clock.limit * 1000 - now) / 1000;
      value.textContent = left >= 0 ? `${clockText(left)} left` : `${clockText(-left)} over`;
      node.title = `${label}: limit ${clockText(clock.limit)}`;
    }
  }
}
