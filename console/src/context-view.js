// The visitor's context beside a chat: who it is (verified or only claimed),
// account and plan, tickets used, open tickets and earlier chats. Every
// value is the visitor's or the desk's data: rendered as text only.
import { el, formatTime } from "../../widget/src/util.js";
import { statusText } from "./tickets.js";
import { visitSection } from "./visit-view.js";

const END_REASONS = {
  visitor: "ended by the visitor", agent: "ended by the agent", converted: "became a ticket",
  abandoned: "abandoned", suspended: "suspended", transferred: "transferred",
};

export class ContextView {
  /** @param {(ticketId: string) => void} openTicket shows a ticket in the ticket view */
  constructor(openTicket) {
    this.openTicket = openTicket;
    this.element = el("aside", { class: "context-pane", "data-sd": "context", "aria-label": "Visitor" });
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
      ["name", "Name", v.name || "Anonymous visitor"],
      ["email", verified ? "Email" : "Email (claimed)", v.email],
      ["account", "Account", v.account],
      ["plan", "Plan", v.plan],
      ["topic", "Topic", this.chat.topic],
      ["priority", "Priority", this.chat.priority],
      ["started", "Started", this.chat.started_at ? formatTime(this.chat.started_at, true) : null],
    ];
    const list = el("dl", { class: "facts", "data-sd": "visitor" });
    for (const [field, label, value] of facts) {
      if (value === null || value === undefined || value === "") continue;
      list.append(el("dt", {}, label), el("dd", { "data-field": field }, String(value)));
    }
    this.element.replaceChildren(
      el("h3", { class: "pane-title" }, "Visitor"),
      el("p", { class: `identity ${verified ? "is-verified" : "is-unverified"}`, "data-sd": "verified",
        "data-verified": String(verified) },
      verified ? "Verified identity" : "Not verified: name and email are the visitor's claims"),
      list,
      this.quota(c.quota),
      visitSection(c.visit || null),
      this.section("Open tickets", "open-tickets", c.open_tickets, (t) => this.ticketItem(t), "No open tickets."),
      this.section("Previous chats", "previous-chats", c.previous_chats, (p) => previousItem(p), "No earlier chats."),
    );
  }

  quota(quota) {
    if (!quota) return el("p", { class: "quota muted", "data-sd": "quota", "data-over": "false" }, "Tickets: no plan quota");
    const text = `Tickets used: ${quota.used} of ${quota.included} (${quota.plan})${quota.over ? " — over quota" : ""}`;
    return el("p", { class: "quota", "data-sd": "quota", "data-over": String(Boolean(quota.over)) }, text);
  }

  section(title, name, items, render, emptyText) {
    const rows = Array.isArray(items) ? items : null;
    const body = rows === null ? el("p", { class: "muted" }, "Loading…")
      : rows.length ? el("ul", { class: "pane-list" }, ...rows.map(render)) : el("p", { class: "muted" }, emptyText);
    return el("section", { class: "pane-section", "data-sd": name }, el("h4", {}, title), body);
  }

  ticketItem(t) {
    const open = el("button", { type: "button", class: "link", "data-sd": "context-ticket", "data-ticket-id": t.id },
      String(t.number || "Ticket"));
    open.addEventListener("click", () => this.openTicket(t.id));
    return el("li", {}, open, " ", el("span", {}, String(t.subject || "")), " ",
      el("span", { class: "chip", "data-status": t.status }, statusText(t.status)));
  }
}

function previousItem(p) {
  const when = p.started_at ? formatTime(p.started_at, true) : "";
  const who = p.agent && p.agent.name ? `with ${p.agent.name}` : "no agent";
  const reason = END_REASONS[p.end_reason] || p.end_reason || "";
  return el("li", { "data-sd": "previous-chat", "data-chat-id": p.id },
    el("span", { class: "previous-when" }, when), " ",
    el("span", { class: "previous-topic" }, String(p.topic || "general")), " ",
    el("span", { class: "muted" }, `${who}, ${reason}`));
}
