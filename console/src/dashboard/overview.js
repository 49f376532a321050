// The live page: tiles from `metrics`, the queue, active chats and agents
// (re-read whenever a `metrics` push arrives), charts, alerts and surveys
// (read from the server on every visit and after a reconnect, then live).
import { Charts } from "./charts.js";
import { $, addDays, chatLink, clock, duration, el, fill, pill, shortId, show, timeEl, visitorLink, visitorName } from "./dom.js";
import { alertItem, alertKey, surveyItem } from "./feeds.js";
import { Tiles } from "./tiles.js";
import { s } from "../strings.js";

const CHART_REFRESH_MS = 5000; // at most this often: each refresh reads the day's facts
const FEED_MAX = 50;
const FEED_LOAD = 20; // read from the server on each visit

/** Why a queued chat waits, in words (the queue's `waiting`, by the server). */
export function waitText(w) {
  if (!w) return "";
  // A skill that lapses says when, in the same sentence (its own string).
  const skill = { skill: w.skill, time: w.fallback_at ? clock(w.fallback_at) : "" };
  switch (w.reason) {
    case "needs_skill":
      return w.fallback_at ? s("overview.wait.needs_skill_until", skill) : s("overview.wait.needs_skill", skill);
    case "skill_busy":
      return w.fallback_at ? s("overview.wait.skill_busy_until", skill) : s("overview.wait.skill_busy", skill);
    case "needs_tier": return s("overview.wait.needs_tier", { tier: w.min_tier });
    case "nobody_on_shift": return s("overview.wait.nobody_on_shift");
    case "nobody_available": return s("overview.wait.nobody_available");
    case "all_busy": return s("overview.wait.all_busy");
    case "next": return s("overview.wait.next");
    default: return String(w.reason || "");
  }
}

/** Runs `task` now, or once more after the run in flight: never two at once. */
function coalesced(task) {
  let running = null;
  let again = false;
  const run = async () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await task();
        } catch (err) {
          console.warn(err); // eslint-disable-line no-console
        }
      } while (again);
    })();
    await running;
    running = null;
  };
  return run;
}

/** Puts `item` in `list` newest first by `at` (ISO-8601 UTC strings sort as
 * times): what is read again after a reconnect may be older than what is shown. */
function placeByTime(list, item, at) {
  item.setAttribute("data-at", at || "");
  const newer = [...list.children].filter((li) => (li.getAttribute("data-at") || "") > (at || ""));
  const last = newer[newer.length - 1];
  if (last) last.after(item);
  else list.prepend(item);
}

export class Overview {
  constructor(app) {
    this.app = app;
    const root = app.root;
    this.snapshot = null;
    this.snapshotAt = 0;
    this.queueAt = 0;
    this.tiles = new Tiles($(root, "tiles"), {
      longestWait: (m) => {
        const base = (m.queue && m.queue.longest_wait_s) || 0;
        return m.queue && m.queue.length ? base + (Date.now() - this.snapshotAt) / 1000 : 0;
      },
      firstResponseS: app.firstResponseS,
    });
    this.charts = new Charts(root);
    this.queueBody = $(root, "queue");
    this.activeBody = $(root, "active-chats");
    this.agentsBody = $(root, "agents");
    this.alerts = $(root, "alerts");
    this.surveys = $(root, "surveys");
    this.seenAlerts = new Set();
    this.refreshLists = coalesced(() => Promise.all([this.loadQueue(), this.loadActive(), this.loadAgents()]));
    this.refreshCharts = coalesced(() => this.loadCharts());
    this.chartsAt = 0;
    this.chartsTimer = null;
    this.todayKey = "";
    $(root, "open-suspend").addEventListener("click", () => app.actions.suspend());
    $(root, "open-lift").addEventListener("click", () => app.actions.lift());
    const socket = app.socket;
    socket.on("metrics", (m) => m && this.onMetrics(m));
    socket.on("alert", (a) => a && this.addAlert(a, true));
    socket.on("survey", (sv) => sv && this.addSurvey(sv));
    socket.on("people", () => this.refreshLists()); // an agent added, changed or disabled by a lead
    socket.on("connect", () => {
      if (this.connectedBefore) this.afterReconnect(); // what came while the socket was down
      this.connectedBefore = true;
    });
    setInterval(() => this.tick(), 1000);
    this.start();
  }

  async start() {
    await this.refreshLists();
    await Promise.all([this.loadFeeds(), this.refreshCharts(), this.loadCsat()]);
  }

  async afterReconnect() {
    await this.refreshLists();
    await this.loadFeeds();
  }

  onMetrics(m) {
    const dayChanged = this.snapshot && this.snapshot.day !== m.day;
    this.snapshot = m;
    this.snapshotAt = Date.now();
    this.tiles.update(m);
    this.refreshLists();
    const key = JSON.stringify(m.today || {});
    if (key !== this.todayKey) {
      const csatChanged = !this.todayKey || dayChanged ||
        JSON.stringify((m.today || {}).csat) !== JSON.stringify((JSON.parse(this.todayKey || "{}")).csat);
      this.todayKey = key;
      this.scheduleCharts();
      if (csatChanged) this.loadCsat();
    }
  }

  scheduleCharts() {
    if (this.chartsTimer) return;
    const wait = Math.max(0, this.chartsAt + CHART_REFRESH_MS - Date.now());
    this.chartsTimer = setTimeout(() => {
      this.chartsTimer = null;
      this.chartsAt = Date.now();
      this.refreshCharts();
    }, wait);
  }

  tick() {
    if (this.snapshot && this.snapshot.queue && this.snapshot.queue.length) this.tiles.update(this.snapshot);
    const elapsed = (Date.now() - this.queueAt) / 1000;
    for (const cell of this.queueBody.querySelectorAll("[data-wait]")) {
      fill(cell, duration(Number(cell.getAttribute("data-wait")) + elapsed));
    }
  }

  // the lists
  async loadQueue() {
    let queue;
    try {
      queue = (await this.app.api.get("/api/queue")).queue || [];
    } catch (err) {
      fill(this.queueBody, el("tr", {}, el("td", { colspan: 8, class: "muted" },
        s("overview.queue_unavailable", { why: err.message }))));
      show($(this.app.root, "queue-empty"), false);
      return;
    }
    this.queueAt = Date.now();
    fill(this.queueBody, ...queue.map((q) => this.queueRow(q)));
    show($(this.app.root, "queue-empty"), queue.length === 0);
    this.reloadAtFallback(queue);
  }

  /** A chat's skill stops being asked at its `fallback_at`, with no push
   * when nothing else changes: read the queue again then (by the server's
   * clock, which `started_at + waiting_s` gives). */
  reloadAtFallback(queue) {
    clearTimeout(this.fallbackTimer);
    const waits = queue.filter((q) => q.waiting && q.waiting.fallback_at).map((q) =>
      (Date.parse(q.waiting.fallback_at) - Date.parse(q.started_at)) / 1000 - q.waiting_s);
    if (!waits.length) return;
    const ms = Math.max(0, Math.min(...waits)) * 1000 + 1000;
    this.fallbackTimer = setTimeout(() => this.refreshLists(), ms);
  }

  queueRow(q) {
    const chat = { id: q.chat_id, status: "queued" };
    return el("tr", { "data-sd": "queue-row", "data-chat-id": q.chat_id },
      el("td", {}, String(q.position)),
      el("td", {}, chatLink(q.chat_id)),
      el("td", {}, whoLink(q.visitor)),
      el("td", {}, q.topic || "–"),
      el("td", {}, pill(q.priority, q.priority), q.priority_support ? pill(s("overview.priority_support"), "info") : null),
      el("td", { "data-sd": "queue-wait", "data-wait": q.waiting_s }, duration(q.waiting_s)),
      el("td", { "data-sd": "queue-why", "data-reason": (q.waiting && q.waiting.reason) || null }, waitText(q.waiting)),
      el("td", { class: "row-actions" }, this.reassignButton(chat), this.suspendButton(q.visitor)));
  }

  async loadActive() {
    const chats = (await this.app.api.get("/api/chats", { status: "active" })).chats || [];
    fill(this.activeBody, ...chats.map((c) => el("tr", { "data-sd": "chat-row", "data-chat-id": c.id },
      el("td", {}, chatLink(c.id)),
      el("td", {}, whoLink(c.visitor)),
      el("td", { "data-sd": "chat-agent" }, c.agent ? c.agent.name : "–"),
      el("td", {}, c.topic || "–"),
      el("td", {}, pill(c.priority, c.priority)),
      el("td", {}, timeEl(c.assigned_at || c.started_at, clock(c.assigned_at || c.started_at))),
      el("td", { class: "row-actions" }, this.reassignButton(c), this.suspendButton(c.visitor)))));
    show($(this.app.root, "active-empty"), chats.length === 0);
  }

  async loadAgents() {
    const agents = await this.app.loadAgents();
    fill(this.agentsBody, ...agents.map((a) => {
      const state = a.connected ? a.status : "offline";
      return el("tr", { "data-sd": "agent-row", "data-agent-id": a.id },
        el("td", {}, el("span", { "data-sd": "agent-row-name" }, a.name), a.role === "supervisor" ? pill(s("overview.supervisor"), "info") : null,
          a.on_call ? pill(s("overview.on_call"), "info") : null),
        el("td", {}, (a.skills || []).length ? s("overview.tier_skills", { tier: a.tier ?? 1, skills: a.skills.join(", ") })
          : s("overview.tier", { tier: a.tier ?? 1 })),
        el("td", {}, pill(state, state === "available" ? "ok" : state === "offline" ? "muted" : "warn")),
        el("td", {}, el("span", { class: "muted" }, a.shift || s("overview.desk_hours")), " ",
          pill(a.on_shift ? s("overview.on_shift") : s("overview.off_shift"), a.on_shift ? "ok" : "muted")),
        el("td", { "data-sd": "agent-load" }, ...(a.capacity === 0 && !a.load ? [pill(s("overview.no_chats"), "muted")] : [
          el("meter", { min: 0, max: Math.max(1, a.capacity || 1), value: a.load || 0, high: Math.max(1, a.capacity || 1) - 0.5 }),
          ` ${a.load || 0}/${a.capacity ?? "?"}`])));
    }));
  }

  reassignButton(chat) {
    const button = el("button", { type: "button", class: "small", "data-sd": "reassign" }, s("overview.reassign"));
    button.addEventListener("click", async () => {
      if (await this.app.actions.reassign(chat)) this.refreshLists();
    });
    return button;
  }

  suspendButton(visitor) {
    if (!visitor || !visitor.id) return null;
    const button = el("button", { type: "button", class: "small danger", "data-sd": "suspend-visitor" }, s("overview.suspend"));
    button.addEventListener("click", async () => {
      if (await this.app.actions.suspend({ visitor_id: visitor.id, visitor })) this.refreshLists();
    });
    return button;
  }

  // charts
  async loadCharts() {
    const data = await this.app.api.get("/api/reports/hourly", { day: this.snapshot ? this.snapshot.day : "" });
    this.charts.hourly(data);
    this.charts.spread(data);
  }

  async loadCsat() {
    const last = this.snapshot ? this.snapshot.day : this.app.today;
    try {
      const data = await this.app.api.get("/api/reports/daily", { from: addDays(last, -13), to: last });
      this.charts.csat(data.days || []);
    } catch (err) {
      console.warn(err); // eslint-disable-line no-console
    }
  }

  // feeds: the latest from the server (SLA breaches among the alerts), then the live events
  async loadFeeds() {
    const [alerts, surveys] = await Promise.all([
      this.read("/api/alerts", { sla: "true", limit: FEED_LOAD }, "alerts", "overview.alerts_failed"),
      this.read("/api/surveys", { limit: FEED_LOAD }, "surveys", "overview.surveys_failed"),
    ]);
    for (const a of alerts.reverse()) this.addAlert(a, false); // oldest first: each goes on top
    for (const sv of surveys.reverse()) this.addSurvey(sv);
  }

  /** GET `path`'s list `key`; when it fails, the flash says `failed` (a key of strings.js). */
  async read(path, query, key, failed) {
    try {
      return (await this.app.api.get(path, query))[key] || [];
    } catch (err) {
      this.app.flash(s(failed, { why: err.message }));
      return [];
    }
  }

  addAlert(a, live) {
    const key = alertKey(a);
    if (this.seenAlerts.has(key)) return;
    this.seenAlerts.add(key);
    const item = alertItem(a, {
      agentName: (id) => this.app.agentName(id),
      onSuspend: (who) => this.app.actions.suspend(who),
    });
    if (live) item.setAttribute("data-live", "");
    placeByTime(this.alerts, item, a.at);
    while (this.alerts.children.length > FEED_MAX) this.alerts.lastElementChild.remove();
    show($(this.app.root, "alerts-empty"), false);
  }

  addSurvey(survey) {
    const item = surveyItem(survey, { onExclude: (sv) => this.exclude(sv) });
    const old = this.surveys.querySelector(`[data-survey-id="${CSS.escape(survey.id)}"]`);
    if (old) old.replaceWith(item);
    else placeByTime(this.surveys, item, survey.created_at);
    while (this.surveys.children.length > FEED_MAX) this.surveys.lastElementChild.remove();
    show($(this.app.root, "surveys-empty"), false);
  }

  async exclude(survey) {
    const ack = await this.app.actions.excludeSurvey(survey);
    if (ack && ack.survey) this.addSurvey(ack.survey);
  }
}

/** The visitor's name, opening their page (the accounts view). */
function whoLink(visitor) {
  return visitor && visitor.id ? visitorLink(visitor.id, visitorName(visitor)) : visitorName(visitor);
}
