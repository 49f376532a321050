// The tickets inside the console: a list with a status filter and a search,
// and one ticket with its description, transcript, replies, status buttons
// and a reply form. All through the REST API (GET /api/tickets...), as text.
import { el, formatTime } from "../../widget/src/util.js";
import { errorText } from "./api.js";

const FILTERS = [
  ["open,pending,pending_confirmation", "Open and pending"],
  ["open", "Open"], ["pending", "Pending"], ["pending_confirmation", "Awaiting confirmation"],
  ["solved", "Solved"], ["closed", "Closed"], ["", "All"],
];
const SETTABLE = [["open", "Open"], ["pending", "Pending"], ["solved", "Solved"], ["closed", "Closed"]];
const STATUS = { pending_confirmation: "Awaiting confirmation", open: "Open", pending: "Pending", solved: "Solved",
  closed: "Closed" };

/** A ticket status as people say it ("Awaiting confirmation", not pending_confirmation). */
export function statusText(status) {
  return STATUS[status] || String(status || "");
}

export class TicketsView {
  /**
   * @param {HTMLElement} root the tickets view's container
   * @param {import("./api.js").Api} api
   */
  constructor(root, api) {
    this.root = root;
    this.api = api;
    this.filter = el("select", { "data-sd": "ticket-filter", "aria-label": "Status" },
      ...FILTERS.map(([value, label]) => el("option", { value }, label)));
    this.search = el("input", { type: "search", "data-sd": "ticket-search", maxlength: "200",
      placeholder: "Subject or number (SD-000012)", "aria-label": "Search tickets" });
    const searchForm = el("form", { class: "ticket-tools", role: "search" }, this.filter, this.search,
      el("button", { type: "submit" }, "Search"));
    this.list = el("div", { class: "ticket-list", "data-sd": "ticket-list" });
    this.listPane = el("section", { class: "tickets-pane" },
      el("header", { class: "pane-head" }, el("h2", {}, "Tickets"), searchForm), this.list);
    this.detail = el("section", { class: "ticket-detail", "data-sd": "ticket-view", hidden: true });
    root.replaceChildren(this.listPane, this.detail);
    this.filter.addEventListener("change", () => this.loadList());
    searchForm.addEventListener("submit", (e) => {
      e.preventDefault();
      this.loadList();
    });
    this.ticketId = null;
  }

  /** Shows the list, or one ticket when `ticketId` is given. */
  async show(ticketId) {
    this.ticketId = ticketId || null;
    this.listPane.hidden = Boolean(ticketId);
    this.detail.hidden = !ticketId;
    if (ticketId) await this.loadTicket(ticketId);
    else await this.loadList();
  }

  async loadList() {
    const params = new URLSearchParams({ limit: "100" });
    if (this.filter.value) params.set("status", this.filter.value);
    if (this.search.value.trim()) params.set("q", this.search.value.trim());
    this.list.setAttribute("aria-busy", "true");
    const answer = await this.api.get(`/api/tickets?${params}`);
    this.list.removeAttribute("aria-busy");
    if (!answer.ok) {
      this.list.replaceChildren(el("p", { class: "error", role: "alert" }, errorText(answer, "The tickets could not be listed")));
      return;
    }
    const tickets = answer.tickets || [];
    if (!tickets.length) {
      this.list.replaceChildren(el("p", { class: "empty-line" }, "No tickets match."));
      return;
    }
    const head = el("tr", {}, ...["Number", "Subject", "Status", "Priority", "Created", "Response due"].map((h) => el("th", { scope: "col" }, h)));
    const rows = tickets.map((t) => {
      const open = el("a", { href: `#tickets/${encodeURIComponent(t.id)}`, "data-sd": "ticket-link" }, String(t.number));
      return el("tr", { "data-sd": "ticket-row", "data-ticket-id": t.id, "data-status": t.status },
        el("td", {}, open), el("td", { class: "subject" }, String(t.subject)),
        el("td", {}, el("span", { class: "chip", "data-status": t.status }, statusText(t.status))),
        el("td", {}, el("span", { class: "chip", "data-priority": t.priority }, String(t.priority))),
        el("td", {}, formatTime(t.created_at, true)), el("td", {}, t.response_due_at ? formatTime(t.response_due_at, true) : ""));
    });
    this.list.replaceChildren(el("table", { class: "tickets-table" }, el("thead", {}, head), el("tbody", {}, ...rows)));
  }

  async loadTicket(ticketId) {
    this.detail.replaceChildren(el("p", { class: "muted" }, "Loading…"));
    const answer = await this.api.get(`/api/tickets/${encodeURIComponent(ticketId)}`);
    if (this.ticketId !== ticketId) return;
    if (!answer.ok) {
      const why = errorText(answer, "The ticket could not be opened", { not_found: "There is no such ticket." });
      this.detail.replaceChildren(this.back(), el("p", { class: "error", role: "alert" }, why));
      return;
    }
    this.render(answer.ticket, answer.quota);
  }

  back() {
    return el("a", { href: "#tickets", class: "back", "data-sd": "ticket-back" }, "← All tickets");
  }

  render(t, quota) {
    this.status = el("span", { class: "chip", "data-sd": "ticket-status", "data-status": t.status }, statusText(t.status));
    this.notice = el("p", { class: "action-result", "data-sd": "ticket-notice", role: "status", hidden: true });
    const buttons = SETTABLE.map(([value, label]) => {
      const b = el("button", { type: "button", "data-sd": "ticket-set-status", "data-status": value,
        disabled: value === t.status }, label);
      b.addEventListener("click", () => this.setStatus(t.id, value));
      return b;
    });
    const facts = [
      ["Priority", t.priority], ["Topic", t.topic], ["Department", t.department], ["Email", t.email],
      ["Account", t.account], ["Created", formatTime(t.created_at, true)],
      ["Response due", t.response_due_at && formatTime(t.response_due_at, true)],
      ["Resolution due", t.resolution_due_at && formatTime(t.resolution_due_at, true)],
      ["Tickets used", quota ? `${quota.used} of ${quota.included} (${quota.plan})${quota.over ? ", over quota" : ""}` : null],
      ["Warranty", t.warranty ? "yes" : null],
    ].filter(([, v]) => v);
    this.replies = el("ol", { class: "replies", "data-sd": "ticket-replies" },
      ...(t.replies || []).map((r) => replyItem(r)));
    this.replyInput = el("textarea", { "data-sd": "ticket-reply-input", rows: "4", maxlength: "4000", required: true,
      placeholder: "Reply to the customer (mailed to the ticket's email)", "aria-label": "Reply" });
    const replyForm = el("form", { class: "reply-form", "data-sd": "ticket-reply-form" }, this.replyInput,
      el("div", { class: "form-row" }, el("button", { type: "submit", class: "primary", "data-sd": "ticket-reply-send" }, "Send reply")));
    replyForm.addEventListener("submit", (e) => {
      e.preventDefault();
      this.reply(t.id);
    });
    this.detail.replaceChildren(
      this.back(),
      el("header", { class: "ticket-head" },
        el("h2", {}, el("span", { class: "ticket-number", "data-sd": "ticket-number" }, String(t.number)), " ",
          el("span", { "data-sd": "ticket-subject" }, String(t.subject))),
        el("div", { class: "ticket-status-row" }, this.status, el("span", { class: "muted" }, "Set status:"), ...buttons)),
      this.notice,
      el("dl", { class: "facts ticket-facts" }, ...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v))])),
      el("h3", {}, "Description"),
      el("p", { class: "ticket-text", "data-sd": "ticket-description" }, String(t.description || "")),
      ...(t.transcript ? [el("h3", {}, "Chat transcript"),
        el("pre", { class: "transcript", "data-sd": "ticket-transcript" }, String(t.transcript))] : []),
      el("h3", {}, "Replies"), this.replies,
      ...(t.replies && t.replies.length ? [] : [el("p", { class: "muted no-replies" }, "No replies yet.")]), replyForm,
    );
  }

  say(text, state) {
    this.notice.textContent = text;
    this.notice.hidden = false;
    this.notice.setAttribute("data-state", state);
  }

  async setStatus(ticketId, status) {
    const answer = await this.api.post(`/api/tickets/${encodeURIComponent(ticketId)}/status`, { status });
    if (!answer.ok) {
      this.say(errorText(answer, "The status was not changed"), "error");
      return;
    }
    this.render(answer.ticket, answer.quota);
    this.say(`Status set to ${statusText(answer.ticket.status)}; the customer is told by email.`, "ok");
  }

  async reply(ticketId) {
    const text = this.replyInput.value.trim();
    if (!text) return;
    const answer = await this.api.post(`/api/tickets/${encodeURIComponent(ticketId)}/replies`, { text });
    if (!answer.ok) {
      this.say(errorText(answer, "The reply was not sent"), "error");
      return;
    }
    this.replyInput.value = "";
    this.replies.append(replyItem(answer.reply));
    this.detail.querySelectorAll(".no-replies").forEach((n) => n.remove());
    this.say("Reply sent to the customer.", "ok");
  }
}

function replyItem(r) {
  return el("li", { class: "reply", "data-sd": "ticket-reply", "data-author": r.author },
    el("span", { class: "who" }, r.author === "agent" ? "Agent" : "Customer"), " ",
    el("time", { datetime: r.at }, formatTime(r.at, true)),
    el("p", { class: "ticket-text" }, String(r.text)));
}
