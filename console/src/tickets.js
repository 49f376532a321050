// The tickets inside the console: a list with a status filter and a search,
// and one ticket with its description, transcript, replies, status buttons
// and a reply form. All through the REST API (GET /api/tickets...), as text.
// What another agent (or the customer) changes shows at once: the `ticket`
// event names the ticket, and the list or the ticket on show is read again.
import { el, formatTime } from "../../widget/src/util.js";
import { visitorHref } from "./dashboard/dom.js";
import { errorText } from "./api.js";
import { consoleFiles, UPLOAD_WORDS, uploadFile } from "./chat-panel.js";
import { filesOf, sizeText, UploadLines } from "../../widget/src/attachments.js";
import { TagBar } from "./tag-bar.js";
import { tagLabel } from "./tag-chips.js";
import { s } from "./strings.js";
import { evidenceNodes, splitControls, splitNodes } from "./ticket-intake.js";
import { slaBadge, slaFacts } from "./ticket-sla.js";

// The list's filters and the statuses an agent sets; their words are in
// strings.js ("tickets.status.<status>", "tickets.filter.*").
const FILTERS = [
  ["open,pending,pending_confirmation", "tickets.filter.open_pending"],
  ["open", "tickets.status.open"], ["pending", "tickets.status.pending"],
  ["pending_confirmation", "tickets.status.pending_confirmation"],
  ["solved", "tickets.status.solved"], ["closed", "tickets.status.closed"], ["", "tickets.filter.all"],
];
const SETTABLE = ["open", "pending", "solved", "closed"];
const STATUSES = new Set(["pending_confirmation", "open", "pending", "solved", "closed"]);
const LIST_AGAIN_MS = 1000; // changes on a busy desk: the list is read at most this often

/** A ticket status as people say it ("Awaiting confirmation", not pending_confirmation). */
export function statusText(status) {
  return STATUSES.has(status) ? s(`tickets.status.${status}`) : String(status || "");
}

export class TicketsView {
  /**
   * @param {HTMLElement} root the tickets view's container
   * @param {import("./api.js").Api} api
   * @param {() => string|null} selfId the agent using the console
   */
  constructor(root, api, selfId = () => null, tagStore = null) {
    this.root = root;
    this.api = api;
    this.selfId = selfId;
    this.tagStore = tagStore;
    this.tagBar = null;
    this.listTimer = null;
    this.filter = el("select", { "data-sd": "ticket-filter", "aria-label": s("tickets.status_label") },
      ...FILTERS.map(([value, label]) => el("option", { value }, s(label))));
    this.search = el("input", { type: "search", "data-sd": "ticket-search", maxlength: "200",
      placeholder: s("tickets.search_placeholder"), "aria-label": s("tickets.search_label") });
    this.tagFilter = el("select", { "data-sd": "ticket-tag-filter", "aria-label": s("tickets.tag_label") },
      el("option", { value: "" }, s("tickets.any_tag")));
    this.tagFilter.addEventListener("focus", () => this.fillTagFilter());
    this.tagFilter.addEventListener("change", () => this.loadList());
    const searchForm = el("form", { class: "ticket-tools", role: "search" }, this.filter, this.tagFilter, this.search,
      el("button", { type: "submit" }, s("tickets.search")));
    this.list = el("div", { class: "ticket-list", "data-sd": "ticket-list" });
    this.listPane = el("section", { class: "tickets-pane" },
      el("header", { class: "pane-head" }, el("h2", {}, s("tickets.title")), searchForm), this.list);
    this.detail = el("section", { class: "ticket-detail", "data-sd": "ticket-view", hidden: true });
    root.replaceChildren(this.listPane, this.detail);
    this.filter.addEventListener("change", () => this.loadList());
    searchForm.addEventListener("submit", (e) => {
      e.preventDefault();
      this.loadList();
    });
    this.ticketId = null;
    this.staged = { ticketId: null, files: [] }; // files uploaded for the reply being written (ATTACHMENTs)
  }

  /** Shows the list, or one ticket when `ticketId` is given. */
  async show(ticketId) {
    this.ticketId = ticketId || null;
    this.listPane.hidden = Boolean(ticketId);
    this.detail.hidden = !ticketId;
    if (ticketId) await this.loadTicket(ticketId);
    else await this.loadList();
  }

  /** `ticket` (docs/protocol.md): a ticket was opened or changed. The list
   * on show is read again (at most every LIST_AGAIN_MS); the ticket on show
   * too, keeping the reply being written, saying who changed it when it
   * was not this agent. */
  changed(data) {
    if (!data || !data.ticket || this.root.hidden) return;
    if (!this.ticketId) {
      if (!this.listTimer) this.listTimer = setTimeout(() => { this.listTimer = null; this.loadList(); }, LIST_AGAIN_MS);
      return;
    }
    if (data.ticket.id !== this.ticketId) return;
    const mine = data.by && data.by.id === this.selfId();
    this.refreshTicket(mine ? "" : changeText(data));
  }

  async refreshTicket(note) {
    const ticketId = this.ticketId;
    const answer = await this.api.get(`/api/tickets/${encodeURIComponent(ticketId)}`);
    if (this.ticketId !== ticketId || !answer.ok || !this.replyInput) return;
    const draft = this.replyInput.value;
    const focused = document.activeElement === this.replyInput;
    const said = this.notice.hidden ? null : [this.notice.textContent, this.notice.getAttribute("data-state")];
    this.render(answer.ticket, answer.quota);
    this.replyInput.value = draft;
    if (focused) this.replyInput.focus();
    if (note) this.say(note, "info");
    else if (said) this.say(...said);
  }

  /** `ticket:sla`: a clock of a ticket reached a stage; the list or the ticket on show is read again. */
  slaReached(data) {
    if (!data || !data.ticket_id || this.root.hidden) return;
    if (!this.ticketId) {
      if (!this.listTimer) this.listTimer = setTimeout(() => { this.listTimer = null; this.loadList(); }, LIST_AGAIN_MS);
    } else if (data.ticket_id === this.ticketId) {
      this.refreshTicket("");
    }
  }

  /** The tag filter offers every tag, archived ones too (old tickets carry them). */
  fillTagFilter() {
    if (!this.tagStore) return;
    const chosen = this.tagFilter.value;
    this.tagFilter.replaceChildren(el("option", { value: "" }, s("tickets.any_tag")),
      ...this.tagStore.tags.map((t) => el("option", { value: t.id }, tagLabel(t))));
    this.tagFilter.value = chosen;
  }

  /** `ticket:tags`: the ticket on show follows. */
  tagsChanged(data) {
    if (data && this.tagBar && data.ticket_id === this.ticketId) this.tagBar.set(data.tags);
  }

  async loadList() {
    this.fillTagFilter();
    const params = new URLSearchParams({ limit: "100" });
    if (this.filter.value) params.set("status", this.filter.value);
    if (this.tagFilter.value) params.set("tag", this.tagFilter.value);
    if (this.search.value.trim()) params.set("q", this.search.value.trim());
    this.list.setAttribute("aria-busy", "true");
    const answer = await this.api.get(`/api/tickets?${params}`);
    this.list.removeAttribute("aria-busy");
    if (!answer.ok) {
      this.list.replaceChildren(el("p", { class: "error", role: "alert" }, errorText(answer, s("tickets.list_failed"))));
      return;
    }
    const tickets = answer.tickets || [];
    if (!tickets.length) {
      this.list.replaceChildren(el("p", { class: "empty-line" }, s("tickets.none")));
      return;
    }
    const head = el("tr", {}, ...["number", "subject", "status", "priority", "created", "response_due", "sla"]
      .map((h) => el("th", { scope: "col" }, s(`tickets.col.${h}`))));
    const rows = tickets.map((t) => {
      const open = el("a", { href: `#tickets/${encodeURIComponent(t.id)}`, "data-sd": "ticket-link" }, String(t.number));
      return el("tr", { "data-sd": "ticket-row", "data-ticket-id": t.id, "data-status": t.status },
        el("td", {}, open), el("td", { class: "subject" }, String(t.subject)),
        el("td", {}, el("span", { class: "chip", "data-status": t.status }, statusText(t.status))),
        el("td", {}, el("span", { class: "chip", "data-priority": t.priority }, String(t.priority))),
        el("td", {}, formatTime(t.created_at, true)), el("td", {}, t.response_due_at ? formatTime(t.response_due_at, true) : ""),
        el("td", {}, slaBadge(t.sla)));
    });
    this.list.replaceChildren(el("table", { class: "tickets-table" }, el("thead", {}, head), el("tbody", {}, ...rows)));
  }

  async loadTicket(ticketId) {
    this.detail.replaceChildren(el("p", { class: "muted" }, s("tickets.loading")));
    const answer = await this.api.get(`/api/tickets/${encodeURIComponent(ticketId)}`);
    if (this.ticketId !== ticketId) return;
    if (!answer.ok) {
      const why = errorText(answer, s("tickets.open_failed"), { not_found: s("tickets.no_such") });
      this.detail.replaceChildren(this.back(), el("p", { class: "error", role: "alert" }, why));
      return;
    }
    this.render(answer.ticket, answer.quota);
  }

  back() {
    return el("a", { href: "#tickets", class: "back", "data-sd": "ticket-back" }, s("tickets.back"));
  }

  /** A bar of the ticket's tags (REST: any agent tags any ticket). */
  ticketTags(ticketId) {
    if (this.tagBar) this.tagBar.detach();
    this.tagBar = null;
    if (!this.tagStore) return [];
    const path = `/api/tickets/${encodeURIComponent(ticketId)}/tags`;
    const bar = new TagBar(this.tagStore, {
      name: "ticket",
      add: (tagId) => this.api.post(path, { tag_id: tagId }),
      remove: (tagId) => this.api.delete(`${path}/${encodeURIComponent(tagId)}`),
    });
    this.tagBar = bar;
    this.api.get(path).then((answer) => {
      if (answer.ok && this.tagBar === bar) bar.set(answer.tags);
    });
    return [bar.element];
  }

  render(t, quota) {
    this.status = el("span", { class: "chip", "data-sd": "ticket-status", "data-status": t.status }, statusText(t.status));
    this.notice = el("p", { class: "action-result", "data-sd": "ticket-notice", role: "status", hidden: true });
    this.closeForm = this.closeConfirm(t.id);
    const buttons = SETTABLE.map((value) => {
      const b = el("button", { type: "button", "data-sd": "ticket-set-status", "data-status": value,
        disabled: value === t.status }, statusText(value));
      // Closing asks first, as ending a chat does: the customer is mailed, and the ticket leaves the open lists.
      b.addEventListener("click", () => (value === "closed" ? this.askClose() : this.setStatus(t.id, value)));
      return b;
    });
    const clocks = slaFacts(t.sla);
    const clocked = new Set(clocks.map(([, , , kind]) => kind)); // a clock shows its due time: not twice
    const facts = [
      [s("tickets.fact.priority"), t.priority], [s("tickets.fact.topic"), t.topic],
      [s("tickets.fact.department"), t.department], [s("tickets.fact.email"), t.email],
      [s("tickets.fact.account"), t.account], [s("tickets.fact.created"), formatTime(t.created_at, true)],
      [s("tickets.fact.response_due"), !clocked.has("response") && t.response_due_at && formatTime(t.response_due_at, true)],
      [s("tickets.fact.resolution_due"), !clocked.has("resolution") && t.resolution_due_at
        && formatTime(t.resolution_due_at, true)],
      [s("tickets.fact.quota"), quota ? s(quota.over ? "tickets.quota_over" : "tickets.quota",
        { used: quota.used, included: quota.included, plan: quota.plan }) : null],
      [s("tickets.fact.warranty"), t.warranty ? s("tickets.yes") : null],
      [s("tickets.fact.assignee"), t.assignee ? String(t.assignee.name) : s("tickets.unassigned")],
    ].filter(([, v]) => v);
    const mine = Boolean(t.assignee && t.assignee.id === this.selfId());
    const take = mine ? null : el("button", { type: "button", "data-sd": "ticket-take" }, s("tickets.take"));
    if (take) take.addEventListener("click", () => this.take(t.id));
    this.replies = el("ol", { class: "replies", "data-sd": "ticket-replies" },
      ...(t.replies || []).map((r) => replyItem(r)));
    this.replyInput = el("textarea", { "data-sd": "ticket-reply-input", rows: "4", maxlength: "4000", required: true,
      placeholder: s("tickets.reply_placeholder"), "aria-label": s("tickets.reply_label") });
    if (this.staged.ticketId !== t.id) this.staged = { ticketId: t.id, files: [] };
    this.stagedList = el("ul", { class: "staged-files", "data-sd": "ticket-staged-files" });
    this.uploads = el("div", { class: "uploads", "data-sd": "uploads", "aria-live": "polite" });
    this.uploadLines = new UploadLines(this.uploads, UPLOAD_WORDS);
    const picker = el("input", { type: "file", multiple: true, hidden: true, "data-sd": "file-input" });
    const attach = el("button", { type: "button", class: "attach", "data-sd": "attach" }, s("upload.attach"));
    attach.addEventListener("click", () => picker.click());
    picker.addEventListener("change", () => {
      const chosen = [...picker.files];
      picker.value = "";
      if (chosen.length) this.stageFiles(t.id, chosen);
    });
    const replyForm = el("form", { class: "reply-form", "data-sd": "ticket-reply-form" }, this.replyInput,
      this.stagedList, this.uploads,
      el("div", { class: "form-row" }, attach, picker,
        el("button", { type: "submit", class: "primary", "data-sd": "ticket-reply-send" }, s("tickets.send_reply"))));
    replyForm.addEventListener("submit", (e) => {
      e.preventDefault();
      this.reply(t.id);
    });
    this.replyInput.addEventListener("paste", (e) => {
      const pasted = filesOf(e.clipboardData);
      if (!pasted.length) return;
      e.preventDefault();
      this.stageFiles(t.id, pasted);
    });
    replyForm.addEventListener("dragover", (e) => e.preventDefault());
    replyForm.addEventListener("drop", (e) => {
      const dropped = filesOf(e.dataTransfer);
      if (!dropped.length) return;
      e.preventDefault();
      this.stageFiles(t.id, dropped);
    });
    this.renderStaged();
    const split = splitControls(this.api, t, (made) => this.refreshTicket(s("intake.split_done", { number: made.number })));
    this.detail.replaceChildren(
      this.back(),
      el("header", { class: "ticket-head" },
        el("h2", {}, el("span", { class: "ticket-number", "data-sd": "ticket-number" }, String(t.number)), " ",
          el("span", { "data-sd": "ticket-subject" }, String(t.subject))),
        el("div", { class: "ticket-status-row" }, this.status, el("span", { class: "muted" }, s("tickets.set_status")), ...buttons,
          split.open, take)),
      ...splitNodes(t),
      ...this.ticketTags(t.id),
      this.closeForm,
      split.form,
      this.notice,
      el("dl", { class: "facts ticket-facts ticket-sla-facts", "data-sd": "ticket-sla-clocks" },
        ...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v))]),
        ...clocks.flatMap(([k, v, level, kind]) => [el("dt", {}, s("ticket_sla.fact_label", { clock: k })),
          el("dd", { "data-kind": kind, "data-level": level }, v)])),
      ...leadsLink(t),
      el("h3", {}, s("tickets.description")),
      el("p", { class: "ticket-text", "data-sd": "ticket-description" }, String(t.description || "")),
      ...evidenceNodes(t),
      ...(t.attachments && t.attachments.length ? [el("h3", {}, s("tickets.files")),
        el("div", { "data-sd": "ticket-files" }, consoleFiles(t.attachments))] : []),
      ...(t.transcript ? [el("h3", {}, s("tickets.transcript")),
        el("pre", { class: "transcript", "data-sd": "ticket-transcript" }, String(t.transcript))] : []),
      el("h3", {}, s("tickets.replies")), this.replies,
      ...(t.replies && t.replies.length ? [] : [el("p", { class: "muted no-replies" }, s("tickets.no_replies"))]), replyForm,
    );
  }

  /** "Close this ticket?", under the status buttons. */
  closeConfirm(ticketId) {
    const confirm = el("button", { type: "submit", class: "danger", "data-sd": "ticket-close-confirm" }, s("tickets.close"));
    const cancel = el("button", { type: "button", class: "quiet" }, s("actions.cancel"));
    const form = el("form", { class: "action-form ticket-confirm", "data-sd": "ticket-close-form", hidden: true },
      el("span", { class: "form-title" }, s("tickets.close_title")),
      confirm, cancel);
    cancel.addEventListener("click", () => { form.hidden = true; });
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      confirm.disabled = true;
      await this.setStatus(ticketId, "closed");
      confirm.disabled = false;
      form.hidden = true;
    });
    return form;
  }

  askClose() {
    this.closeForm.hidden = false;
    this.closeForm.querySelector('[data-sd="ticket-close-confirm"]').focus();
  }

  say(text, state) {
    this.notice.textContent = text;
    this.notice.hidden = false;
    this.notice.setAttribute("data-state", state);
  }

  /** This agent takes the ticket: its SLA clocks are told to them from now on. */
  async take(ticketId) {
    const answer = await this.api.post(`/api/tickets/${encodeURIComponent(ticketId)}/assignee`, { agent_id: this.selfId() });
    if (!answer.ok) {
      this.say(errorText(answer, s("tickets.take_failed")), "error");
      return;
    }
    this.render(answer.ticket, answer.quota);
    this.say(s("tickets.taken"), "ok");
  }

  async setStatus(ticketId, status) {
    const answer = await this.api.post(`/api/tickets/${encodeURIComponent(ticketId)}/status`, { status });
    if (!answer.ok) {
      this.say(errorText(answer, s("tickets.status_failed")), "error");
      return;
    }
    this.render(answer.ticket, answer.quota);
    this.say(s("tickets.status_set", { status: statusText(answer.ticket.status) }), "ok");
  }

  /** Uploads files into the ticket for the reply being written; they go with it. */
  async stageFiles(ticketId, files) {
    for (const file of files) {
      const line = this.uploadLines.start(file.name || "pasted.png");
      const stored = await uploadFile(this.api, `/api/tickets/${encodeURIComponent(ticketId)}/attachments`, file, line);
      if (stored && this.staged.ticketId === ticketId) {
        this.staged.files.push(stored);
        this.renderStaged();
      }
    }
  }

  renderStaged() {
    this.stagedList.replaceChildren(...this.staged.files.map((f) => {
      const remove = el("button", { type: "button", class: "quiet", "data-sd": "staged-remove",
        "aria-label": s("tickets.unstage", { name: String(f.name) }) }, "×");
      remove.addEventListener("click", () => {
        this.staged.files = this.staged.files.filter((staged) => staged !== f);
        this.renderStaged();
      });
      return el("li", { "data-sd": "staged-file" }, String(f.name ?? s("tickets.file")), " ",
        el("span", { class: "size" }, sizeText(Number(f.size) || 0)), " ", remove);
    }));
  }

  async reply(ticketId) {
    const text = this.replyInput.value.trim();
    if (!text) return;
    const attachments = this.staged.ticketId === ticketId ? this.staged.files.map((f) => f.id) : [];
    const answer = await this.api.post(`/api/tickets/${encodeURIComponent(ticketId)}/replies`,
      attachments.length ? { text, attachments } : { text });
    if (!answer.ok) {
      this.say(errorText(answer, s("tickets.reply_failed")), "error");
      return;
    }
    this.replyInput.value = "";
    this.staged = { ticketId, files: [] };
    this.renderStaged();
    // The `ticket` event may have shown it already (the view was read again).
    if (!this.replies.querySelector(`[data-reply-id="${CSS.escape(String(answer.reply.id))}"]`)) {
      this.replies.append(replyItem(answer.reply));
    }
    this.detail.querySelectorAll(".no-replies").forEach((n) => n.remove());
    this.say(s("tickets.reply_sent"), "ok");
  }
}

/** What changed, for an agent looking at the ticket someone else changed. */
function changeText(data) {
  const who = data.by ? String(data.by.name || s("tickets.another_agent")) : s("tickets.the_customer");
  if (data.action === "reply") return s("tickets.change.reply", { who });
  if (data.action === "status") return s("tickets.change.status", { who, status: statusText(data.ticket.status) });
  return s("tickets.change.other", { who });
}

function replyItem(r) {
  const who = r.author === "agent" ? String((r.agent && r.agent.name) || s("chat.agent")) : s("tickets.customer");
  return el("li", { class: "reply", "data-sd": "ticket-reply", "data-author": r.author, "data-reply-id": r.id },
    el("span", { class: "who" }, who), " ",
    el("time", { datetime: r.at }, formatTime(r.at, true)),
    el("p", { class: "ticket-text" }, String(r.text)),
    consoleFiles(r.attachments));
}

/** For a lead (the console shows them the dashboard link): the ticket's
 * visitor on the dashboard's accounts view, their account a click away. */
function leadsLink(t) {
  if (!t.visitor_id || !document.querySelector('[data-sd="nav-dashboard"]')) return [];
  return [el("p", { class: "muted" }, el("a", { href: visitorHref(t.visitor_id),
    "data-sd": "ticket-visitor-page", target: "_blank", rel: "noopener" }, s("tickets.visitor_page")))];
}
