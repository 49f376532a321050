// One chat in the agent console: its tab (label, unread count, state) and
// its panel (visitor context, SLA banner, transcript, composer).
import { Outbox } from "../../widget/src/outbox.js";
import { Transcript } from "../../widget/src/transcript.js";
import { el, formatDuration, formatTime, randomId, request, TypingNotifier } from "../../widget/src/util.js";

const HISTORY_PAGE = 50; // a full page means the server may hold more
const TYPING_CLEAR_MS = 8000;
const SLA_KIND = { first_response: "First response", response_gap: "Reply", duration: "Chat length" };

export class ChatPanel {
  /**
   * @param socket the /agent socket.io-client Socket
   * @param {object} chat a CHAT
   * @param {{isReady(): boolean, select(panel: ChatPanel): void,
   *          close(panel: ChatPanel): void, unreadChanged(): void}} desk
   */
  constructor(socket, chat, desk) {
    this.socket = socket;
    this.chat = chat;
    this.id = chat.id;
    this.desk = desk;
    this.visitor = {};
    this.unread = 0;
    this.typingTimer = null;
    this.build();
    this.transcript = new Transcript(this.messages, (m) => this.renderMessage(m), "agent");
    this.outbox = new Outbox(
      (payload) => request(socket, "chat:send", payload),
      this.transcript,
      () => (this.chat.status !== "ended" && desk.isReady() ? this.id : null),
    );
    this.typing = new TypingNotifier((typing) => {
      if (this.chat.status !== "ended" && desk.isReady()) socket.emit("chat:typing", { chat_id: this.id, typing });
    });
    this.update(chat);
  }

  build() {
    this.badge = el("span", { class: "badge", hidden: true });
    this.tabLabel = el("span", { class: "tab-label" });
    this.tab = el("button", {
      type: "button", role: "tab", class: "tab", "data-sd": "chat-tab", "data-chat-id": this.id,
      "aria-selected": "false", "aria-controls": `chat-${this.id}`,
    }, this.tabLabel, this.badge);
    this.tab.addEventListener("click", () => this.desk.select(this));

    this.context = el("dl", { class: "context", "data-sd": "visitor" });
    this.sla = el("p", { class: "sla", "data-sd": "sla", role: "alert", hidden: true });
    this.state = el("p", { class: "chat-state", "data-sd": "chat-state" });
    this.messages = el("div", { class: "messages", "data-sd": "messages", role: "log", "aria-live": "polite", "aria-label": "Messages" });
    this.typingLine = el("p", { class: "typing", "aria-live": "polite" });
    this.input = el("textarea", { "data-sd": "input", rows: "3", maxlength: "4000", placeholder: "Reply… (Enter sends, Shift+Enter for a new line)", "aria-label": "Reply" });
    this.note = el("input", { type: "checkbox", "data-sd": "note" });
    this.send = el("button", { type: "submit", class: "primary", "data-sd": "send" }, "Send");
    this.end = el("button", { type: "button", class: "danger", "data-sd": "end" }, "End chat");
    this.closeTab = el("button", { type: "button", "data-sd": "close-tab", hidden: true }, "Close tab");
    const composer = el("form", { class: "composer" },
      this.input,
      el("div", { class: "composer-actions" },
        el("label", { class: "note" }, this.note, " Private note"),
        this.send, this.end, this.closeTab));
    this.panel = el("section", { id: `chat-${this.id}`, class: "chat", role: "tabpanel", "data-sd": "chat-panel", "data-chat-id": this.id, hidden: true },
      el("header", { class: "chat-head" }, this.context, this.state), this.sla, this.messages, this.typingLine, composer);

    composer.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit();
    });
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener("input", () => {
      if (!this.note.checked) this.typing.input();
    });
    this.end.addEventListener("click", () => this.endChat());
    this.closeTab.addEventListener("click", () => this.desk.close(this));
  }

  /** New facts about the chat (a CHAT) and, from chat:assigned, its visitor. */
  update(chat, visitor) {
    this.chat = { ...this.chat, ...chat };
    if (visitor) this.visitor = visitor;
    this.tabLabel.textContent = this.label();
    this.tab.setAttribute("data-state", this.chat.status || "active");
    this.renderContext();
    this.renderState();
  }

  label() {
    const v = this.visitor;
    return v.name || v.email || `Visitor ${String(v.id || this.id).slice(0, 6)}`;
  }

  renderContext() {
    const v = this.visitor;
    const rows = [
      ["Visitor", this.label()],
      ["Email", v.email],
      ["Identity", v.verified === undefined ? null : v.verified ? "verified" : "not verified"],
      ["Account", v.account],
      ["Plan", v.plan],
      ["Topic", this.chat.topic],
      ["Priority", this.chat.priority],
      ["Started", this.chat.started_at ? formatTime(this.chat.started_at, true) : null],
    ];
    const tickets = Array.isArray(v.open_tickets) ? v.open_tickets : [];
    if (tickets.length) {
      rows.push(["Open tickets", tickets.map((t) => `${t.number} ${t.subject || ""} (${t.status || "open"})`).join("; ")]);
    }
    const nodes = [];
    for (const [name, value] of rows) {
      if (value === null || value === undefined || value === "") continue;
      nodes.push(el("dt", {}, name), el("dd", { "data-field": name.toLowerCase() }, String(value)));
    }
    this.context.replaceChildren(...nodes);
  }

  renderState() {
    const ended = this.chat.status === "ended";
    this.input.disabled = ended;
    this.send.disabled = ended;
    this.note.disabled = ended;
    this.end.hidden = ended;
    this.closeTab.hidden = !ended;
    this.state.textContent = ended ? this.endedText || "Chat ended." : this.chat.status === "queued" ? "Queued" : "";
  }

  renderMessage(m) {
    const who = m.note ? "Private note" : { visitor: this.label(), agent: "Agent", system: "" }[m.author] ?? "";
    return el("div", {
      class: "message", "data-sd": "message", "data-author": m.author, "data-note": m.note ? "true" : null, title: m.at || null,
    },
    who ? el("span", { class: "who" }, who) : null,
    el("span", { class: "text" }, String(m.text ?? "")),
    m.at ? el("time", { datetime: m.at }, formatTime(m.at)) : null);
  }

  addMessages(messages) {
    const sorted = [...messages].sort((a, b) => a.seq - b.seq);
    let fresh = 0;
    for (const m of sorted) {
      if (!this.transcript.add(m)) continue;
      if (m.author === "visitor") {
        fresh++;
        this.showTyping(false);
      } else if (m.author === "agent" && !m.note) {
        this.clearSla(); // a reply answers the clock
      }
    }
    if (fresh && (!this.isSelected() || document.hidden)) {
      this.unread += fresh;
      this.renderUnread();
    }
    this.messages.scrollTop = this.messages.scrollHeight;
  }

  async syncHistory() {
    for (let page = 0; page < 100; page++) {
      const ack = await request(this.socket, "chat:history", { chat_id: this.id, after_seq: this.transcript.lastSeq });
      if (!ack.ok) return;
      const messages = Array.isArray(ack.messages) ? ack.messages : [];
      this.addMessages(messages);
      if (messages.length < HISTORY_PAGE) return;
    }
  }

  submit() {
    const text = this.input.value.trim();
    if (!text || this.input.disabled) return;
    this.input.value = "";
    const fields = { text };
    if (this.note.checked) fields.note = true;
    else this.typing.stop();
    this.note.checked = false;
    this.outbox.push(randomId(), fields);
    this.messages.scrollTop = this.messages.scrollHeight;
  }

  async endChat() {
    this.end.disabled = true;
    const ack = await request(this.socket, "chat:end", { chat_id: this.id });
    this.end.disabled = false;
    if (ack.ok) this.ended({ reason: "agent" });
    else this.state.textContent = (ack.error && ack.error.message) || "The chat could not be ended.";
  }

  ended(data) {
    const reasons = {
      visitor: "The visitor ended the chat.",
      agent: "You ended the chat.",
      converted: "The chat became a ticket.",
      abandoned: "The visitor left.",
      suspended: "The account was suspended.",
      transferred: "The chat was transferred.",
    };
    this.endedText = reasons[data.reason] || "Chat closed.";
    if (data.ticket && data.ticket.number) this.endedText += ` Ticket ${data.ticket.number}.`;
    this.chat.status = "ended";
    this.typing.stop();
    this.showTyping(false);
    this.clearSla();
    this.outbox.failAll("The chat ended");
    this.update({});
  }

  showTyping(typing) {
    clearTimeout(this.typingTimer);
    this.typingLine.textContent = typing ? `${this.label()} is typing…` : "";
    if (typing) this.typingTimer = setTimeout(() => { this.typingLine.textContent = ""; }, TYPING_CLEAR_MS);
  }

  showSla(data, breached) {
    const kind = SLA_KIND[data.kind] || data.kind;
    const text = `${kind}: ${formatDuration(data.elapsed_s)} of ${formatDuration(data.limit_s)}${breached ? " — breached" : ""}`;
    this.sla.textContent = text;
    this.sla.hidden = false;
    this.sla.setAttribute("data-level", breached ? "breach" : "warning");
    this.tab.setAttribute("data-sla", breached ? "breach" : "warning");
  }

  clearSla() {
    this.sla.hidden = true;
    this.tab.removeAttribute("data-sla");
  }

  isSelected() {
    return this.tab.getAttribute("aria-selected") === "true";
  }

  setSelected(selected) {
    this.tab.setAttribute("aria-selected", String(selected));
    this.panel.hidden = !selected;
    if (selected) {
      this.unread = 0;
      this.renderUnread();
      this.messages.scrollTop = this.messages.scrollHeight;
      if (!this.input.disabled) this.input.focus();
    }
  }

  renderUnread() {
    this.badge.hidden = this.unread <= 0;
    this.badge.textContent = this.unread > 0 ? String(this.unread) : "";
    if (this.unread > 0) this.tab.setAttribute("aria-label", `${this.label()}, ${this.unread} unread`);
    else this.tab.removeAttribute("aria-label");
    this.desk.unreadChanged();
  }
}
