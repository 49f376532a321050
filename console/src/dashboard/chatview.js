// One chat, read-only (GET /api/chats/{id}): facts, transcript with notes,
// survey, and the supervisor's actions on it.
import { $, accountLink, clock, duration, el, fill, pill, shortId, show, timeEl, visitorLink, when } from "./dom.js";
import { surveyItem } from "./feeds.js";
import { visitSection } from "../visit-view.js";
import { TagBar, TagStore } from "../tag-bar.js";
import { parts, s } from "../strings.js";

/** The dashboard's Api (which throws) as the answers the tag bar reads. */
function answering(api) {
  const answer = (pending) => pending.catch((err) => ({ ok: false, error: err.error }));
  return { get: (path) => answer(api.get(path)), post: (path, body) => answer(api.post(path, body)),
    delete: (path) => answer(api.remove(path)) };
}

// Words by code, in strings.js: "chatview.author.<author>", "chatview.clock.<kind>",
// "chatview.stage.<stage>", "chatview.ended.<reason>".
const AUTHORS = new Set(["visitor", "agent", "system"]);
const CLOCKS = new Set(["first_response", "response_gap", "duration"]);
const STAGES = { warning: "warn", breach: "bad", convert: "bad" }; // the pill's kind
const ENDED = new Set(["visitor", "agent", "converted", "abandoned", "suspended"]);

/** `set`'s word for `code` (`prefix.code`), or the code itself. */
function word(set, prefix, code) {
  return set.has(code) ? s(`${prefix}.${code}`) : code;
}

/** Who wrote a message: an agent's by name (MESSAGE.agent). */
function author(m) {
  const name = m.author === "agent" && m.agent && m.agent.name ? String(m.agent.name)
    : word(AUTHORS, "chatview.author", m.author);
  return m.note ? s("chatview.note_by", { name }) : name;
}

export class ChatView {
  constructor(app) {
    this.app = app;
    this.id = app.root.dataset.chatId;
    this.facts = $(app.root, "chat-facts");
    this.transcript = $(app.root, "transcript");
    this.actionsBox = $(app.root, "chat-actions");
    this.error = $(app.root, "chat-error");
    this.surveyBox = $(app.root, "chat-survey");
    this.visitBox = $(app.root, "chat-visit-body");
    // A lead tags any chat (REST); the `chat:tags` and `tags` events keep the bar fresh.
    const api = answering(app.api);
    const path = `/api/chats/${encodeURIComponent(this.id)}/tags`;
    this.tagStore = new TagStore(api);
    this.tagBar = new TagBar(this.tagStore, { name: "chat", add: (tagId) => api.post(path, { tag_id: tagId }),
      remove: (tagId) => api.delete(`${path}/${encodeURIComponent(tagId)}`) });
    this.facts.after(this.tagBar.element);
    this.tagStore.load();
    api.get(path).then((answer) => answer.ok && this.tagBar.set(answer.tags));
    app.socket.on("tags", (d) => d && this.tagStore.changed(d));
    app.socket.on("chat:tags", (d) => d && d.chat_id === this.id && this.tagBar.set(d.tags));
    this.slaBox = $(app.root, "chat-sla");
    app.socket.on("survey", (s) => s && s.chat_id === this.id && this.load());
    // the visitor moves on while the lead looks: the part follows (chat:context goes to every supervisor)
    app.socket.on("chat:context", (d) => d && d.chat_id === this.id && this.showVisit(d.visit || null));
    this.load();
    app.loadAgents();
  }

  async load() {
    let data;
    try {
      data = await this.app.api.get(`/api/chats/${encodeURIComponent(this.id)}`);
    } catch (err) {
      fill(this.error, err.status === 404 ? s("chatview.no_such") : err.message);
      show(this.error, true);
      return;
    }
    show(this.error, false);
    this.data = data;
    this.showFacts(data);
    this.showActions(data);
    this.showTranscript(data);
    this.showSurvey(data.survey);
    this.showVisit(data.visit || null);
    this.showSla(data.sla);
  }

  showVisit(visit) {
    const section = visitSection(visit);
    section.querySelector("h4").remove(); // the card has the title
    fill(this.visitBox, section);
  }

  /** The chat's SLA record: first response and length, and every stage its clocks fired. */
  showSla(sla) {
    if (!sla) return;
    const fired = (sla.events || []).map((e) => {
      const stage = e.stage in STAGES ? pill(s(`chatview.stage.${e.stage}`), STAGES[e.stage]) : pill(e.stage, null);
      return el("li", { "data-sd": "sla-event", "data-kind": e.kind, "data-stage": e.stage },
        ...parts("chatview.sla_event", { clock: word(CLOCKS, "chatview.clock", e.kind), stage,
          elapsed: duration(e.elapsed_s), limit: duration(e.limit_s), at: timeEl(e.at) }));
    });
    fill(this.slaBox,
      el("dt", {}, s("chatview.clock.first_response")),
      el("dd", { "data-sd": "sla-first-response" }, duration(sla.first_response_s)),
      el("dt", {}, s("chatview.clock.duration")), el("dd", { "data-sd": "sla-duration" }, duration(sla.duration_s)),
      el("dt", {}, s("chatview.clocks_fired")),
      el("dd", {}, fired.length ? el("ul", { class: "plain" }, ...fired) : s("chatview.no_clock_fired")));
  }

  showFacts({ chat, visitor, agents, site }) {
    const v = visitor || {};
    const rows = [
      [s("chatview.fact.status"), [pill(chat.status, chat.status),
        chat.end_reason ? ` ${word(ENDED, "chatview.ended", chat.end_reason)}` : ""]],
      [s("chatview.fact.priority"), [pill(chat.priority, chat.priority)]],
      [s("chatview.fact.topic"), [chat.topic || "–"]],
      [s("chatview.fact.visitor"), [v.id ? visitorLink(v.id, el("span", { "data-sd": "chat-visitor" },
        v.name || s("dom.visitor_id", { id: shortId(v.id) }))) : el("span", { "data-sd": "chat-visitor" }, "–"),
        v.verified ? pill(s("dom.verified"), "ok") : pill(s("chatview.unverified"), "muted"), v.email ? ` ${v.email}` : ""]],
      [s("chatview.fact.visitor_id"), [el("code", {}, v.id || "–")]],
      [s("chatview.fact.account"), [v.account ? (v.verified && site ? accountLink(site, v.account, el("code", {}, v.account))
        : el("code", {}, v.account)) : "–",
        v.plan ? ` · ${s("chatview.plan", { plan: v.plan })}` : ""]],
      [s("chatview.fact.site"), [site || "–"]],
      [s("chatview.fact.agent"), [el("span", { "data-sd": "chat-agent" }, chat.agent ? chat.agent.name : "–")]],
      [s("chatview.fact.handled_by"), [(agents || []).map((a) => a.name || shortId(a.id)).join(", ") || "–"]],
      [s("chatview.fact.started"), [timeEl(chat.started_at)]],
      [s("chatview.fact.ended"), [chat.ended_at ? timeEl(chat.ended_at) : "–"]],
    ];
    fill(this.facts, ...rows.flatMap(([k, v2]) => [el("dt", {}, k), el("dd", {}, ...v2)]));
    this.facts.setAttribute("data-status", chat.status);
  }

  showActions({ chat, visitor, site }) {
    const buttons = [];
    const v = visitor || {};
    if (chat.status !== "ended") {
      buttons.push(this.button(s("chatview.reassign"), "chat-reassign", () => this.app.actions.reassign(chat)));
    }
    if (v.id) {
      const them = { visitor_id: v.id, visitor: v, site };
      buttons.push(this.button(s("chatview.suspend_visitor"), "chat-suspend", () => this.app.actions.suspend(them), "danger"));
      buttons.push(this.button(s("chatview.lift"), "chat-lift", () => this.app.actions.lift(them)));
    }
    if (v.verified && v.account) {
      const target = { account_id: v.account, site };
      buttons.push(this.button(s("chatview.suspend_account"), "chat-suspend-account",
        () => this.app.actions.suspend(target), "danger"));
    }
    fill(this.actionsBox, ...buttons);
  }

  button(text, sd, run, cls = "") {
    const b = el("button", { type: "button", class: cls || null, "data-sd": sd }, text);
    b.addEventListener("click", async () => {
      if (await run()) this.load();
    });
    return b;
  }

  showTranscript({ messages }) {
    if (!messages.length) {
      fill(this.transcript, el("p", { class: "muted" }, s("chatview.no_messages")));
      return;
    }
    fill(this.transcript, ...messages.map((m) => el("div", {
      class: "message", "data-sd": "message", "data-author": m.author, "data-note": m.note ? "true" : null,
      "data-seq": m.seq,
    },
    el("span", { class: "who" }, author(m), " · #", String(m.seq)),
    el("span", { "data-sd": "message-text", dir: "auto" }, m.text),
    el("time", { datetime: m.at, title: when(m.at) }, clock(m.at)))));
  }

  showSurvey(survey) {
    show(this.surveyBox, Boolean(survey));
    if (!survey) return;
    fill($(this.surveyBox, "surveys"), surveyItem(survey, {
      link: false,
      onExclude: async (excluded) => {
        if (await this.app.actions.excludeSurvey(excluded)) this.load();
      },
    }));
  }
}
