// The widget's behaviour: the /visitor protocol (see docs/protocol.md) driven
// by socket events and user actions, rendered through a WidgetView.
import { Transcript } from "./transcript.js";
import { el, formatDuration, formatTime, randomId, request, TypingNotifier } from "./util.js";
import { offlineForm, surveyForm } from "./forms.js";
import { Outbox } from "./outbox.js";

const HISTORY_PAGE = 50; // a full page means the server may hold more
const START_RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 15000];
const TYPING_CLEAR_MS = 8000; // hide "is typing" if the "stopped" event is lost

const ENDED_TEXT = {
  visitor: "You ended the chat.",
  agent: "The agent ended the chat.",
  converted: "This chat became a ticket; we will continue by email.",
  abandoned: "The chat ended because the connection was lost for too long.",
  suspended: "Chat is suspended for this account.",
};

const REFUSED_TEXT = {
  unknown_site: "Chat is not set up for this site.",
  origin_not_allowed: "Chat is not enabled on this page.",
  bad_identity: "We could not verify your sign-in; please reload the page.",
  identity_required: "Please sign in to chat with us.",
  banned: "Chat is not available for this account.",
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class WidgetChat {
  /**
   * @param socket a socket.io-client Socket on /visitor (auth {site, token})
   * @param {import("./view.js").WidgetView} view
   * @param {{get(): string|null, set(token: string): void}} tokens
   */
  constructor(socket, view, tokens) {
    this.socket = socket;
    this.view = view;
    this.tokens = tokens;
    this.ready = false; // true between `session` and the next disconnect
    this.online = null;
    this.nextOpen = null;
    this.chat = null; // the open CHAT (queued or active), or null
    this.position = null;
    this.eta = null;
    this.start = null; // {clientId, text} while chat:start is unresolved
    this.refused = null;
    this.early = []; // [{data, apply}] about a chat not adopted yet
    this.unread = 0;
    this.typingTimer = null;
    this.transcript = new Transcript(view.messages, (m) => view.renderMessage(m), "visitor");
    this.outbox = new Outbox(
      (payload) => request(socket, "chat:send", payload),
      this.transcript,
      () => (this.chat && this.ready ? this.chat.id : null),
    );
    this.typing = new TypingNotifier((typing) => {
      if (this.chat && this.ready) socket.emit("chat:typing", { chat_id: this.chat.id, typing });
    });
    view.onSend = (text) => this.send(text);
    view.onInput = () => this.chat && this.typing.input();
    view.onEnd = () => this.end();
    view.onOpenChange = (open) => {
      if (open) this.unread = 0;
    };
    this.bindSocket();
    this.render();
  }

  bindSocket() {
    const s = this.socket;
    s.on("session", (data) => this.onSession(data || {}));
    s.on("disconnect", (reason) => this.onDisconnect(reason));
    s.on("connect_error", (err) => this.onRefused(err));
    s.on("desk", (d) => {
      this.online = Boolean(d && d.online);
      this.nextOpen = (d && d.next_open) || null;
      this.render();
    });
    s.on("chat:queued", (d) => this.forChat(d, () => {
      this.chat.status = "queued";
      this.position = d.position;
      this.eta = d.eta_s;
    }));
    s.on("chat:assigned", (d) => this.forChat(d, () => {
      this.chat.status = "active";
      this.chat.agent = d.agent || this.chat.agent;
      this.view.agentName = (d.agent && d.agent.name) || "";
    }));
    s.on("chat:message", (m) => this.forChat(m, () => this.addMessages([m])));
    s.on("chat:typing", (d) => this.forChat(d, () => this.showTyping(Boolean(d.typing))));
    s.on("chat:warning", (d) => this.forChat(d, () => {
      const left = d.remaining_s != null ? ` in ${formatDuration(d.remaining_s)}` : " soon";
      this.view.showNotice(el("p", {}, `This chat will become a ticket${left} so we can continue by email.`));
    }));
    s.on("chat:ended", (d) => this.forChat(d, () => this.ended(d)));
    s.on("survey:request", (d) => d && this.view.showNotice(...this.endedNotice(), surveyForm(this.socket, d.chat_id)));
  }

  /** Runs `apply` for events about the open chat, then re-renders. Events
   * that arrive while chat:start awaits its ack (the server may assign the
   * chat before it answers) are kept until we know the chat's id. */
  forChat(data, apply) {
    if (!data) return;
    if (!this.chat && this.start) {
      this.early.push({ data, apply });
      return;
    }
    if (!this.chat || data.chat_id !== this.chat.id) return;
    apply();
    this.render();
  }

  async onSession(data) {
    this.ready = true;
    this.refused = null;
    if (data.visitor_token) {
      this.tokens.set(data.visitor_token);
      // Sent again on every reconnect, so the server knows us.
      this.socket.auth = { ...this.socket.auth, token: data.visitor_token };
    }
    this.online = Boolean(data.online);
    this.nextOpen = data.next_open || null;
    const chat = data.chat && data.chat.status !== "ended" ? data.chat : null;
    if (chat) {
      this.adopt(chat);
      this.render();
      await this.syncHistory();
      if (this.start) await this.settleStart();
    } else if (this.chat) {
      this.ended({ chat_id: this.chat.id, reason: null }); // it ended while we were away
    }
    this.render();
    this.flush();
  }

  onDisconnect(reason) {
    this.ready = false;
    this.showTyping(false);
    this.render();
    // The server dropped us on purpose (socket.io will not retry by itself):
    // come back later; a refusal then explains why.
    if (reason === "io server disconnect") setTimeout(() => this.socket.connect(), 5000);
  }

  onRefused(err) {
    const data = (err && err.data) || {};
    if (!data.code) return; // a transport error: socket.io retries by itself
    this.refused = data;
    if (data.code === "rate_limited") setTimeout(() => this.socket.connect(), 15000);
    this.render();
  }

  /** Makes `chat` the open chat; a different chat starts a fresh transcript.
   * Then applies the events about it that came before we knew its id. */
  adopt(chat, position = null) {
    if (!this.chat || this.chat.id !== chat.id) {
      if (this.transcriptChat !== chat.id) this.transcript.clear();
      this.transcriptChat = chat.id;
      this.position = position;
      this.view.showNotice();
    }
    this.chat = { ...chat };
    this.view.agentName = (chat.agent && chat.agent.name) || "";
    for (const { data, apply } of this.early.splice(0)) {
      if (data.chat_id === chat.id) apply();
    }
  }

  /** Fetches what we have not seen yet of the open chat (after the last seq). */
  async syncHistory() {
    for (let page = 0; page < 100 && this.chat; page++) {
      const chatId = this.chat.id;
      const ack = await request(this.socket, "chat:history", { chat_id: chatId, after_seq: this.transcript.lastSeq });
      if (!ack.ok || !this.chat || this.chat.id !== chatId) return;
      const messages = Array.isArray(ack.messages) ? ack.messages : [];
      this.addMessages(messages);
      if (messages.length < HISTORY_PAGE) return;
    }
  }

  addMessages(messages) {
    const sorted = [...messages].sort((a, b) => a.seq - b.seq);
    for (const m of sorted) {
      if (this.start && m.author === "visitor" && m.text === this.start.text && this.chat) {
        this.dropStart(); // the echo of our chat:start text, now with its seq
      }
      const node = this.transcript.add(m);
      if (!node || m.author === "visitor") continue;
      if (m.author === "agent") this.showTyping(false);
      if (!this.view.isOpen()) this.view.setUnread(++this.unread);
    }
    this.view.scrollToEnd();
  }

  send(text) {
    this.typing.stop();
    if (this.chat || this.start) return this.enqueue(text);
    return this.startChat(text);
  }

  enqueue(text) {
    this.outbox.push(randomId(), { text });
    this.view.scrollToEnd();
  }

  flush() {
    this.outbox.flush();
  }

  async startChat(text) {
    if (!this.ready) {
      this.view.input.value = text; // keep it; nothing can be sent yet
      return;
    }
    this.transcript.clear();
    this.transcriptChat = null;
    this.view.showNotice();
    this.start = { clientId: `start-${randomId()}`, text };
    this.transcript.addPending(this.start.clientId, { text });
    for (let attempt = 0; this.start && !this.chat; attempt++) {
      const ack = await request(this.socket, "chat:start", { text });
      if (!this.start || this.chat) return; // a `session` settled it meanwhile
      const error = ack.error || {};
      if (ack.ok) {
        this.adopt(ack.chat, ack.position);
        this.render();
        await this.syncHistory();
        this.dropStart();
      } else if (error.code === "chat_active" && error.chat) {
        this.adopt(error.chat);
        await this.syncHistory();
        await this.settleStart();
      } else if (error.code === "timeout" && attempt < START_RETRY_DELAYS_MS.length) {
        await sleep(START_RETRY_DELAYS_MS[attempt]);
      } else {
        this.refuseStart(error);
      }
    }
    this.render();
    this.flush();
  }

  /** A chat exists but we do not know if it holds our chat:start text (the
   * ack was lost): send the text unless the history already shows it. */
  async settleStart() {
    const start = this.start;
    if (!start) return;
    this.dropStart();
    const mine = [...this.transcript.bySeq.values()].filter((n) => n.getAttribute("data-author") === "visitor");
    const last = mine[mine.length - 1];
    const shown = last && last.querySelector(".sd-text").textContent === start.text;
    if (!shown) this.enqueue(start.text);
  }

  dropStart() {
    if (!this.start) return;
    const node = this.transcript.pending.get(this.start.clientId);
    this.transcript.pending.delete(this.start.clientId);
    if (node) node.remove();
    this.start = null;
    this.early = [];
  }

  refuseStart(error) {
    const text = this.start.text;
    const code = error.code || "error";
    this.dropStart();
    if (code === "offline") {
      this.online = false;
      this.nextOpen = error.next_open || this.nextOpen;
      const when = this.nextOpen ? ` We open again ${formatTime(this.nextOpen, true)}.` : "";
      this.view.showNotice(offlineForm(this.socket, `Nobody is on shift right now.${when} Leave a message and we will reply by email.`, text));
    } else if (code === "use_ticket") {
      const why = error.reason || error.message || "This request cannot be handled in chat.";
      this.view.showNotice(offlineForm(this.socket, `${why} Please open a ticket instead.`, text));
    } else {
      this.view.input.value = text;
      this.view.showNotice(el("p", { role: "alert" }, error.message || "Your message could not be sent."));
    }
  }

  async end() {
    if (!this.chat) return;
    const chatId = this.chat.id;
    const ack = await request(this.socket, "chat:end", { chat_id: chatId });
    if (ack.ok && this.chat && this.chat.id === chatId) this.ended({ chat_id: chatId, reason: "visitor" });
  }

  ended(data) {
    this.endedInfo = data;
    this.chat = null;
    this.position = null;
    this.typing.stop();
    this.showTyping(false);
    this.outbox.failAll("The chat ended");
    this.view.showNotice(...this.endedNotice());
    this.render();
  }

  endedNotice() {
    const info = this.endedInfo || {};
    const nodes = [el("p", { "data-sd": "ended" }, ENDED_TEXT[info.reason] || "This chat has ended.")];
    if (info.ticket && info.ticket.number) {
      nodes.push(el("p", {}, "Your ticket number is ", el("strong", {}, String(info.ticket.number)), "."));
    }
    const again = el("button", { type: "button", class: "sd-btn", "data-sd": "new-chat" }, "Start a new chat");
    again.addEventListener("click", () => {
      this.transcript.clear();
      this.transcriptChat = null;
      this.view.showNotice();
      this.view.input.focus();
    });
    nodes.push(again);
    return nodes;
  }

  showTyping(typing) {
    clearTimeout(this.typingTimer);
    this.view.setTyping(typing ? `${this.view.agentName || "The agent"} is typing…` : "");
    if (typing) this.typingTimer = setTimeout(() => this.view.setTyping(""), TYPING_CLEAR_MS);
  }

  render() {
    const v = this.view;
    v.endButton.hidden = !this.chat;
    v.setComposerEnabled(!this.refused);
    if (this.refused) {
      const r = this.refused;
      const text = r.code === "suspended"
        ? `Chat is suspended${r.until ? ` until ${formatTime(r.until, true)}` : ""}.`
        : REFUSED_TEXT[r.code] || r.message || "Chat is unavailable.";
      return v.setStatus("offline", text);
    }
    if (!this.ready) return v.setStatus("connecting", this.tokens.get() ? "Reconnecting…" : "Connecting…");
    if (this.chat && this.chat.status === "active") {
      return v.setStatus("active", `Chatting with ${v.agentName || "an agent"}`);
    }
    if (this.chat) {
      const pos = this.position ? ` — position ${this.position}` : "";
      const eta = this.eta ? ` (about ${formatDuration(this.eta)})` : "";
      return v.setStatus("queued", `Queued${pos}${eta}`);
    }
    if (this.online) return v.setStatus("online", "Online");
    const back = this.nextOpen ? ` — back ${formatTime(this.nextOpen, true)}` : "";
    return v.setStatus("offline", `Offline${back}`);
  }
}
