// One chat in the agent console: its tab (label, unread count, SLA colour)
// and its panel (header and actions, SLA clocks, transcript, composer with
// canned replies and notes, the visitor's context beside it).
import { HistoryReader } from "../../widget/src/history.js";
import { Outbox } from "../../widget/src/outbox.js";
import { Transcript } from "../../widget/src/transcript.js";
import { el, formatDate, formatTime, randomId, request, TypingNotifier } from "../../widget/src/util.js";
import { CannedMenu } from "./canned.js";
import { ChatActions } from "./chat-actions.js";
import { ContextView } from "./context-view.js";
import { SlaClocks } from "./sla-clocks.js";
import { s } from "./strings.js";
import { TagBar } from "./tag-bar.js";
import { filesOf, postFile, sizeText, UploadLines } from "../../widget/src/attachments.js";

/** The words of the console's upload lines (UploadLines). */
export const UPLOAD_WORDS = {
  uploading: (name, percent) => s("upload.uploading", { name, percent }),
  failed: (name, reason) => s("upload.failed", { name, reason }),
  get dismiss() { return s("upload.dismiss"); },
};

/** Uploads `file` to `url` (an /api route taking a `file` field) with the
 * page's CSRF token; `line` (UploadLines.start) shows how it goes. Resolves
 * to the ATTACHMENT once stored, or null once the line says why not. */
export async function uploadFile(api, url, file, line) {
  const body = new FormData();
  body.append("file", file, file.name || "pasted.png");
  const answer = await postFile(url, body, {
    headers: { "X-CSRF-Token": api.csrf, Accept: "application/json" }, credentials: true, progress: line.progress,
    network: s("upload.network"),
  });
  if (answer.ok && answer.attachment) {
    line.done();
    return answer.attachment;
  }
  line.fail((answer.error && answer.error.message) || s("upload.error"));
  return null;
}

/** A message's files (ATTACHMENTs): same-origin links the session cookie
 * opens; names are text. `known` maps ids (our own unsent message's) to ATTACHMENTs. */
export function consoleFiles(files, known) {
  const list = (Array.isArray(files) ? files : []).map((f) => (typeof f === "string" ? known && known.get(f) : f))
    .filter(Boolean);
  if (!list.length) return null;
  return el("div", { class: "files", "data-sd": "files" }, ...list.map((f) => {
    const href = `/api/attachments/${encodeURIComponent(String(f.id))}`;
    const name = String(f.name ?? "file");
    if (f.image) return el("a", { href, target: "_blank", rel: "noopener", "data-sd": "file" }, el("img", { class: "thumb", src: href, alt: name, title: name }));
    return el("a", { href, download: name, "data-sd": "file" }, name, " ", el("span", { class: "size" }, sizeText(Number(f.size) || 0)));
  }));
}

const TYPING_CLEAR_MS = 8000;
// The reasons of chat:ended with words of their own ("chat.ended.REASON").
const ENDED = new Set(["visitor", "agent", "converted", "abandoned", "suspended", "transferred"]);

export class ChatPanel {
  /**
   * @param socket the /agent socket.io-client Socket
   * @param {object} chat a CHAT
   * @param desk the console: isReady(), select(panel), close(panel),
   *   unreadChanged(), api, time, canned, selfId(), openTicket(id)
   */
  constructor(socket, chat, desk) {
    this.socket = socket;
    this.chat = chat;
    this.id = chat.id;
    this.desk = desk;
    this.visitor = {};
    this.unread = 0;
    this.typingTimer = null;
    this.clocks = new SlaClocks(desk.time, (level) => this.showLevel(level));
    this.context = new ContextView((id) => desk.openTicket(id));
    this.actions = new ChatActions({
      socket, api: desk.api, chatId: this.id, selfId: () => desk.selfId(),
      openTicket: (id) => desk.openTicket(id), onEnded: (data) => this.ended(data),
    });
    this.tagBar = new TagBar(desk.tags, {
      name: "chat",
      add: (tagId) => request(socket, "chat:tag", { chat_id: this.id, tag_id: tagId }),
      remove: (tagId) => request(socket, "chat:untag", { chat_id: this.id, tag_id: tagId }),
    });
    this.build();
    this.transcript = new Transcript(this.messages, (m) => this.renderMessage(m), "agent");
    this.history = new HistoryReader(socket, this.id, (messages) => {
      this.addMessages(messages);
      return true;
    });
    this.outbox = new Outbox(
      (payload) => this.sendNow(payload),
      this.transcript,
      () => (this.chat.status !== "ended" && desk.isReady() ? this.id : null),
    );
    this.typing = new TypingNotifier((typing) => {
      if (this.chat.status !== "ended" && desk.isReady()) socket.emit("chat:typing", { chat_id: this.id, typing });
    });
    this.update(chat);
  }

  build() {
    this.badge = el("span", { class: "badge", "data-sd": "unread", hidden: true });
    this.tabLabel = el("span", { class: "tab-label" });
    this.tabMeta = el("span", { class: "tab-meta" });
    this.tab = el("button", {
      type: "button", role: "tab", class: "tab", "data-sd": "chat-tab", "data-chat-id": this.id,
      "aria-selected": "false", "aria-controls": `chat-${this.id}`,
    }, el("span", { class: "tab-text" }, this.tabLabel, this.tabMeta), this.badge);
    this.tab.addEventListener("click", () => this.desk.select(this, true));

    this.title = el("h2", { class: "chat-title", "data-sd": "chat-title" });
    this.chips = el("span", { class: "chips" });
    this.state = el("p", { class: "chat-state", "data-sd": "chat-state", role: "status" });
    this.messages = el("div", { class: "messages", "data-sd": "messages", role: "log", "aria-live": "polite", "aria-label": s("chat.messages") });
    this.typingLine = el("p", { class: "typing", "aria-live": "polite" });
    this.input = el("textarea", { "data-sd": "input", rows: "3", maxlength: "4000", dir: "auto",
      placeholder: s("chat.reply_placeholder"), "aria-label": s("chat.reply_label") });
    this.canned = new CannedMenu(this.input, this.desk.canned);
    this.note = el("input", { type: "checkbox", "data-sd": "note" });
    this.send = el("button", { type: "submit", class: "primary", "data-sd": "send" }, s("chat.send"));
    this.attach = el("button", { type: "button", class: "attach", "data-sd": "attach", title: s("upload.attach_title"),
      "aria-label": s("upload.attach_title") }, s("upload.attach"));
    this.picker = el("input", { type: "file", multiple: true, hidden: true, "data-sd": "file-input" });
    this.uploads = el("div", { class: "uploads", "data-sd": "uploads", "aria-live": "polite" });
    this.uploadLines = new UploadLines(this.uploads, UPLOAD_WORDS);
    this.files = new Map(); // id -> ATTACHMENT of files sent from here, shown before the server's echo
    this.closeTab = el("button", { type: "button", "data-sd": "close-tab", hidden: true }, s("chat.close_tab"));
    this.composer = el("form", { class: "composer" },
      el("div", { class: "composer-input" }, this.canned.element, this.input),
      el("div", { class: "composer-actions" },
        el("label", { class: "note" }, this.note, ` ${s("chat.note")}`),
        this.attach, this.picker, this.send, this.closeTab));
    const conversation = el("div", { class: "conversation" },
      el("header", { class: "chat-head" },
        el("div", { class: "chat-heading" }, this.title, this.chips, this.state), this.actions.bar),
      this.tagBar.element, this.actions.area, this.clocks.element, this.messages, this.typingLine, this.uploads,
      this.composer);
    this.panel = el("section", { id: `chat-${this.id}`, class: "chat", role: "tabpanel", "data-sd": "chat-panel",
      "data-chat-id": this.id, hidden: true }, conversation, this.context.element);

    this.composer.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit();
    });
    this.input.addEventListener("keydown", (e) => {
      if (this.canned.keydown(e)) return;
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener("input", () => {
      if (!this.note.checked) this.typing.input();
    });
    this.note.addEventListener("change", () => {
      this.composer.setAttribute("data-note", String(this.note.checked));
      if (this.note.checked) this.typing.stop();
    });
    this.closeTab.addEventListener("click", () => this.desk.close(this));
    this.attach.addEventListener("click", () => this.picker.click());
    this.picker.addEventListener("change", () => {
      const chosen = [...this.picker.files];
      this.picker.value = "";
      if (chosen.length) this.sendFiles(chosen);
    });
    this.input.addEventListener("paste", (e) => {
      const pasted = filesOf(e.clipboardData);
      if (!pasted.length) return;
      e.preventDefault();
      this.sendFiles(pasted);
    });
    conversation.addEventListener("dragover", (e) => {
      if (this.chat.status !== "ended") e.preventDefault();
    });
    conversation.addEventListener("drop", (e) => {
      const dropped = filesOf(e.dataTransfer);
      if (!dropped.length) return;
      e.preventDefault();
      this.sendFiles(dropped);
    });
  }

  /** Uploads each file to the chat, then sends it as a message of its own
   * (never a note: the visitor sees files); a refused file's line says why. */
  async sendFiles(files) {
    for (const file of files) {
      if (this.chat.status === "ended") {
        this.uploadLines.say(s("upload.chat_ended"));
        return;
      }
      const line = this.uploadLines.start(file.name || "pasted.png");
      const stored = await uploadFile(this.desk.api, `/api/chats/${encodeURIComponent(this.id)}/attachments`,
        file, line);
      if (!stored) continue;
      this.files.set(stored.id, stored);
      this.outbox.push(randomId(), { text: "", attachments: [stored.id] });
      this.messages.scrollTop = this.messages.scrollHeight;
    }
  }

  /** chat:assigned: the chat (with its clocks), its visitor, the first
   * page of its messages (`more`: the rest is read page by page) and context. */
  assigned({ chat, visitor, messages, more, context }) {
    const list = Array.isArray(messages) ? messages : [];
    this.update(chat, visitor || undefined);
    this.addMessages(list);
    this.history.had(list.reduce((top, m) => Math.max(top, Number(m.seq) || 0), 0));
    if (more) this.syncHistory();
    this.context.update({ visitor: this.visitor, chat: this.chat, context: context || {} });
    this.loadContext();
    this.loadTags();
  }

  /** The chat's tags (a reload, a reconnect: `chat:tags` keeps them fresh after). */
  async loadTags() {
    const answer = await this.desk.api.get(`/api/chats/${encodeURIComponent(this.id)}/tags`);
    if (answer.ok) this.tagBar.set(answer.tags);
  }

  /** The rest of the context (previous chats; fresh tickets and quota). */
  async loadContext() {
    if (!this.visitor.id) return;
    const answer = await this.desk.api.get(`/api/visitors/${encodeURIComponent(this.visitor.id)}/context`);
    if (answer.ok) {
      this.context.update({ context: { open_tickets: answer.open_tickets, quota: answer.quota,
        previous_chats: answer.previous_chats } });
    }
  }

  /** New facts about the chat (a CHAT) and its visitor. */
  update(chat, visitor) {
    this.chat = { ...this.chat, ...chat };
    if (chat && chat.sla) this.clocks.set(chat.sla, chat.sla_version);
    if (visitor) this.visitor = visitor;
    this.tabLabel.textContent = this.label();
    this.tabMeta.textContent = [this.chat.topic, this.chat.priority].filter(Boolean).join(" · ");
    this.tab.setAttribute("data-state", this.chat.status || "active");
    this.title.textContent = this.label();
    this.chips.replaceChildren(
      el("span", { class: `chip ${this.visitor.verified ? "chip-ok" : "chip-muted"}` },
        this.visitor.verified ? s("chat.verified") : s("chat.not_verified")),
      ...(this.chat.topic ? [el("span", { class: "chip" }, String(this.chat.topic))] : []),
      ...(this.chat.priority ? [el("span", { class: "chip", "data-priority": this.chat.priority }, String(this.chat.priority))] : []),
    );
    this.context.update({ visitor: this.visitor, chat: this.chat });
    this.renderState();
  }

  label() {
    const v = this.visitor;
    return v.name || v.email || s("chat.visitor", { id: String(v.id || this.id).slice(0, 6) });
  }

  renderState() {
    const ended = this.chat.status === "ended";
    this.input.disabled = ended;
    this.send.disabled = ended;
    this.attach.disabled = ended;
    this.note.disabled = ended;
    this.closeTab.hidden = !ended;
    this.actions.setEnded(ended);
    this.state.textContent = ended ? this.endedText || s("chat.state.ended") : this.chat.status === "queued" ? s("chat.state.queued") : "";
  }

  renderMessage(m) {
    const by = m.note && m.agent && m.agent.id !== this.desk.selfId() ? ` · ${m.agent.name}` : "";
    const who = m.note ? s("chat.note_by", { by }) : { visitor: this.label(), agent: this.agentLabel(m), system: "" }[m.author] ?? "";
    return el("div", {
      class: "message", "data-sd": "message", "data-author": m.author, "data-note": m.note ? "true" : null, title: m.at ? formatDate(m.at) : null,
    },
    who ? el("span", { class: "who" }, who) : null,
    // dir="auto": a message in Arabic or Hebrew reads right to left beside English ones.
    el("span", { class: "text", "data-sd": "message-text", dir: "auto" }, String(m.text ?? "")),
    consoleFiles(m.attachments, this.files),
    m.at ? el("time", { datetime: m.at }, formatTime(m.at)) : null);
  }

  /** Who wrote an agent message: "You", or the colleague who had the chat
   * before (MESSAGE.agent); our own unsent ones carry no author yet. */
  agentLabel(m) {
    if (m.own) return s("chat.you"); // written here: pending, or stored and shown again with its time
    if (!m.agent) return s("chat.agent");
    return m.agent.id === this.desk.selfId() ? s("chat.you") : String(m.agent.name || s("chat.agent"));
  }

  /** Messages from the server (the clocks move by `sla:clocks`, not here);
   * returns the visitor's messages among them not shown before. */
  addMessages(messages) {
    const sorted = [...messages].sort((a, b) => a.seq - b.seq);
    const fresh = [];
    for (const m of sorted) {
      if (!this.transcript.add(m)) continue;
      if (m.author === "visitor") {
        fresh.push(m);
        this.showTyping(false);
      }
    }
    if (fresh.length && (!this.isSelected() || document.hidden)) {
      this.unread += fresh.length;
      this.renderUnread();
    }
    this.messages.scrollTop = this.messages.scrollHeight;
    return fresh;
  }

  /** Reads what is not shown yet of the chat, every page of it. */
  syncHistory() {
    return this.history.sync();
  }

  /** chat:send (the server then tells the clocks' new state). */
  sendNow(payload) {
    return request(this.socket, "chat:send", payload);
  }

  submit() {
    const text = this.input.value.trim();
    if (!text || this.input.disabled) return;
    this.input.value = "";
    const fields = { text };
    if (this.note.checked) fields.note = true;
    else this.typing.stop();
    this.note.checked = false;
    this.composer.setAttribute("data-note", "false");
    this.outbox.push(randomId(), fields);
    this.messages.scrollTop = this.messages.scrollHeight;
  }

  ended(data) {
    if (this.chat.status === "ended" && this.endedText) return; // the ack and the event both tell it
    this.endedText = s(ENDED.has(data.reason) ? `chat.ended.${data.reason}` : "chat.ended.other");
    if (data.ticket && data.ticket.number) this.endedText += ` ${s("chat.ended.ticket", { number: data.ticket.number })}`;
    this.chat.status = "ended";
    this.typing.stop();
    this.showTyping(false);
    this.clocks.stopAll();
    this.outbox.failAll(s("chat.failed_ended"));
    this.update({});
  }

  showTyping(typing) {
    clearTimeout(this.typingTimer);
    this.typingLine.textContent = typing ? s("chat.typing", { name: this.label() }) : "";
    if (typing) this.typingTimer = setTimeout(() => { this.typingLine.textContent = ""; }, TYPING_CLEAR_MS);
  }

  /** sla:clocks: the server's new state of the clocks. */
  showClocks(data) {
    this.clocks.set(data.sla, data.version);
  }

  showLevel(level) {
    if (level) this.tab.setAttribute("data-sla", level);
    else this.tab.removeAttribute("data-sla");
  }

  tick() {
    this.clocks.render();
  }

  isSelected() {
    return this.tab.getAttribute("aria-selected") === "true";
  }

  setSelected(selected) {
    this.tab.setAttribute("aria-selected", String(selected));
    this.panel.hidden = !selected;
    if (selected) {
      this.seen();
      this.messages.scrollTop = this.messages.scrollHeight;
      if (!this.input.disabled) this.input.focus();
    }
  }

  /** The agent is looking at this chat: nothing is unread. */
  seen() {
    this.tab.removeAttribute("data-new");
    if (this.unread) {
      this.unread = 0;
      this.renderUnread();
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
