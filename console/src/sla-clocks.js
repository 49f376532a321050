// The SLA clocks of one chat, as the server has them.
//
// The console reconstructs nothing: each clock's state (running, met or
// stopped), its start, warning and deadline instants and the stage the desk
// recorded (ok, warning, breached) come from the server, with the chat
// (CHAT.sla in chat:assigned and session) and in `sla:clocks` whenever a
// clock changes. Between two of those the console only counts the time left
// to the deadline by the desk's clock: the browser's plus the offset the
// server's `now` gives.
import { el } from "../../widget/src/util.js";
import { s } from "./strings.js";

// Each clock and its label's key in strings.js ("sla.stopped.<kind>" is its text when stopped).
export const KINDS = [
  ["first_response", "sla.first_response"],
  ["response_gap", "sla.response_gap"],
  ["duration", "sla.duration"],
];
const LEVELS = { ok: "ok", warning: "warning", breached: "breach" }; // stage -> data-level

/** The desk's time: the browser's clock plus the offset the server's `now`
 * (session, chat:assigned, sla:clocks) gives. The tests move the server's
 * clock, never the browser's. */
export class ServerTime {
  constructor() {
    this.offset = 0;
  }

  /** The server's `now` at the moment it sent an event. */
  reset(serverMs) {
    if (Number.isFinite(serverMs)) this.offset = serverMs - Date.now();
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
   * @param {(level: string|null) => void} onLevel the worst level of the running clocks changed
   */
  constructor(time, onLevel) {
    this.time = time;
    this.onLevel = onLevel;
    this.clocks = {};
    this.version = -1;
    this.element = el("div", { class: "sla-clocks", "data-sd": "sla", role: "group", "aria-label": s("sla.label") });
    this.nodes = {};
    for (const [kind, labelKey] of KINDS) {
      const label = s(labelKey);
      const value = el("span", { class: "sla-value" });
      const node = el("div", { class: "sla-clock", "data-sd": "sla-clock", "data-kind": kind, "data-state": "stopped",
        "data-stage": "ok", "data-level": "ok" }, el("span", { class: "sla-label" }, label), value);
      this.nodes[kind] = { node, value };
      this.element.append(node);
    }
    this.render();
  }

  /** The server's state of the clocks: {KIND: {state, stage, started_at,
   * warn_at, deadline, limit_s, answered_at}} (CHAT.sla, sla:clocks), and
   * its version: a state older than the one shown (a chat:assigned read
   * before an sla:clocks it crossed on the way) is ignored. */
  set(sla, version) {
    if (!sla || typeof sla !== "object") return;
    const v = Number(version);
    if (Number.isFinite(v)) {
      if (v < this.version) return;
      this.version = v;
    }
    for (const [kind] of KINDS) {
      const c = sla[kind];
      if (!c) continue;
      this.clocks[kind] = {
        state: c.state, stage: c.stage || "ok", limit: Number(c.limit_s) || 0,
        start: Date.parse(c.started_at), deadline: Date.parse(c.deadline), answered: Date.parse(c.answered_at),
      };
    }
    this.changed();
  }

  /** The chat ended (chat:ended): nothing is timed any more. */
  stopAll() {
    for (const clock of Object.values(this.clocks)) if (clock.state === "running") clock.state = "stopped";
    this.changed();
  }

  isRunning(kind) {
    const clock = this.clocks[kind];
    return Boolean(clock && clock.state === "running" && Number.isFinite(clock.deadline));
  }

  /** The worst level of the running clocks: "breach", "warning" or null. */
  level() {
    const levels = KINDS.filter(([kind]) => this.isRunning(kind)).map(([kind]) => LEVELS[this.clocks[kind].stage]);
    return levels.includes("breach") ? "breach" : levels.includes("warning") ? "warning" : null;
  }

  changed() {
    this.render();
    if (this.onLevel) this.onLevel(this.level());
  }

  /** Redraws the time left (called every second by the console). */
  render() {
    const now = this.time.now();
    for (const [kind, labelKey] of KINDS) {
      const label = s(labelKey);
      const { node, value } = this.nodes[kind];
      const clock = this.clocks[kind] || { state: "stopped", stage: "ok" };
      const running = this.isRunning(kind);
      node.setAttribute("data-state", clock.state || "stopped");
      node.setAttribute("data-stage", clock.stage || "ok");
      node.setAttribute("data-level", running ? LEVELS[clock.stage] || "ok" : "ok");
      if (running) {
        const left = (clock.deadline - now) / 1000;
        value.textContent = left >= 0 ? s("sla.left", { time: clockText(left) }) : s("sla.over", { time: clockText(-left) });
        node.title = s("sla.limit_title", { label, limit: clockText(clock.limit) });
      } else if (clock.state === "met") {
        value.textContent = Number.isFinite(clock.answered) && Number.isFinite(clock.start)
          ? s("sla.answered_in", { time: clockText((clock.answered - clock.start) / 1000) }) : s("sla.answered");
        node.title = s(clock.stage === "breached" ? "sla.answered_late_title" : "sla.answered_title", { label });
      } else {
        value.textContent = s(`sla.stopped.${kind}`);
        node.title = s("sla.stopped_title", { label });
      }
    }
  }
}
