// The visitor's context beside a chat: who it is (verified or only claimed),
// account and plan, tickets used, open tickets and earlier chats. Every
// value is the visitor's or the desk's data: rendered as text only.
import { el, formatTime } from "../../widget/src/util.js";
import { statusText } from "./tickets.js";
import { visitSection } from "./visit-view.js";
import { s } from "./strings.js";

// How a previous chat ended, in words (strings.js, "context.end.<reason>").
const END_REASONS = new Set(["visitor", "agent", "converted", "abandoned", "suspended", "transferred"]);

export class ContextView {
  /** @param {(ticketId: string) => void} openTicket shows a ticket in the ticket view */
  constructor(openTicket) {
    this.openTicket = openTicket;
    this.element = el("aside", { class: "context-pane", "data-sd": "context", "aria-label": s("context.label") });
    this.visitor = {};
    this.chat = {};
    this.context = {};
  }

  update({ visitor, chat, context }) {
    if (visitor) this.visitor = visitor;
    if (chat) this.chat = chat;
    if (context) this.context = { ...this.context, ...context };
    this.render();
  }

  /** Whether the open tickets shown name `ticketId` (a `ticket` event about it reads them again). */
  shows(ticketId) {
    return (this.context.open_tickets || []).some((t) => t.id === ticketId);
  }

  render() {
    const v = this.visitor;
    const c = this.context;
    const verified = v.verified === true;
    const facts = [
      ["name", s("context.name"), v.name || s("context.anonymous")],
      ["email", verified ? s("context.email") : s("context.email_claimed"), v.email],
      ["account", s("context.account"), v.account],
      ["plan", s("context.plan"), v.plan],
      ["topic", s("context.topic"), this.chat.topic],
      ["priority", s("context.priority"), this.chat.priority],
      ["started", s("context.started"), this.chat.started_at ? formatTime(this.chat.started_at, true) : null],
    ];
    const list = el("dl", { class: "facts", "data-sd": "visitor" });
    for (const [field, label, value] of facts) {
      if (value === null || value === undefined || value === "") continue;
      list.append(el("dt", {}, label), el("dd", { "data-field": field }, String(value)));
    }
    this.element.replaceChildren(
      el("h3", { class: "pane-title" }, s("context.title")),
      el("p", { class: `identity ${verified ? "is-verified" : "is-unverified"}`, "data-sd": "verified",
        "data-verified": String(verified) },
      verified ? s("context.verified") : s("context.unverified")),
      list,
      this.quota(c.quota),
      visitSection(c.visit || null),
      this.section(s("context.open_tickets"), "open-tickets", c.open_tickets, (t) => this.ticketItem(t),
        s("context.no_open_tickets")),
      this.section(s("context.previous_chats"), "previous-chats", c.previous_chats, (p) => previousItem(p),
        s("context.no_previous_chats")),
    );
  }

  quota(quota) {
    if (!quota) return el("p", { class: "quota muted", "data-sd": "quota", "data-over": "false" }, s("context.quota.none"));
    const text = s(quota.over ? "context.quota.over" : "context.quota.used",
      { used: quota.used, included: quota.included, plan: quota.plan });
    return el("p", { class: "quota", "data-sd": "quota", "data-over": String(Boolean(quota.over)) }, text);
  }

  section(title, name, items, render, emptyText) {
    const rows = Array.isArray(items) ? items : null;
    const body = rows === null ? el("p", { class: "muted" }, s("context.loading"))
      : rows.length ? el("ul", { class: "pane-list" }, ...rows.map(render)) : el("p", { class: "muted" }, emptyText);
    return el("section", { class: "pane-section", "data-sd": name }, el("h4", {}, title), body);
  }

  ticketItem(t) {
    const open = el("button", { type: "button", class: "link", "data-sd": "context-ticket", "data-ticket-id": t.id },
      String(t.number || s("context.ticket")));
    open.addEventListener("click", () => this.openTicket(t.id));
    return el("li", {}, open, " ", el("span", {}, String(t.subject || "")), " ",
      el("span", { class: "chip", "data-status": t.status }, statusText(t.status)));
  }
}

function previousItem(p) {
  const when = p.started_at ? formatTime(p.started_at, true) : "";
  const reason = END_REASONS.has(p.end_reason) ? s(`context.end.${p.end_reason}`) : p.end_reason || "";
  const how = p.agent && p.agent.name ? s("context.previous_with", { name: p.agent.name, reason })
    : s("context.previous_no_agent", { reason });
  return el("li", { "data-sd": "previous-chat", "data-chat-id": p.id },
    el("span", { class: "previous-when" }, when), " ",
    el("span", { class: "previous-topic" }, String(p.topic || s("context.general"))), " ",
    el("span", { class: "muted" }, how));
}
