// The widget's behaviour: the /visitor protocol (see docs/protocol.md) driven
// by socket events and user actions, rendered through a WidgetView.
import { HistoryReader } from "./history.js";
import { Transcript } from "./transcript.js";
import { el, randomId, request, TypingNotifier } from "./util.js";
import { suspendedPanel, useTicketPanel } from "./panels.js";
import { Outbox } from "./outbox.js";
import { intake, transcriptForm } from "./forms.js";
import { uploadError, visitorError } from "./errors.js";
import { minutes, render, renderAfter } from "./screens.js";
import { t, tn } from "./i18n.js";

const START_RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 15000];
const TYPING_CLEAR_MS = 8000; // hide "is typing" if the "stopped" event is lost
const RETRY_SUSPENDED_MS = 60000; // the soonest we ask again once a suspension should have lifted
const STANDBY_RECONNECT_MS = 1000; // dropped at a suspension: back on standby, to hear when it lifts
const MAX_TIMER_MS = 2 ** 31 - 1; // setTimeout's limit (about 24.8 days)
const STATUS_POLL_MS = 60000; // how often a page without a socket asks the desk's status again
const PAGE_REFUSALS = new Set(["unknown_site", "origin_not_allowed"]); // what GET /widget/status may refuse

/** The pre-chat answers this browser gave before, or null. */
function remembered(memory) {
  try {
    const given = JSON.parse(memory.get("prechat") || "null");
    return given && typeof given === "object" ? given : null;
  } catch (_) {
    return null;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class WidgetChat {
  /**
   * @param socket a socket.io-client Socket on /visitor (auth {site, token?, identity?})
   * @param {import("./view.js").WidgetView} view
   * @param {{get(name: string): string|null, set(name: string, value: string|null): void}} memory
   *   what survives reloads: "token", "verified" (the token is a verified visitor's), "seen",
   *   "prechat" (the pre-chat answers, JSON: asked once per visitor, not per page), "pending"
   *   ("chat" or "survey": something waits for this visitor, so the next page connects at load)
   * @param {{prechat: boolean, topics: {name: string, label: string}[], postTicket: (body: object) => Promise<object>,
   *   fetchStatus: () => Promise<object>}} options
   */
  constructor(socket, view, memory, options) {
    this.socket = socket;
    this.view = view;
    this.memory = memory;
    this.options = options;
    this.resetState();
    this.transcript = new Transcript(view.messages, (m) => view.renderMessage(m), "visitor", { states: true });
    this.outbox = new Outbox(
      (payload) => request(socket, "chat:send", payload),
      this.transcript,
      () => (this.chat && this.ready ? this.chat.id : null),
    );
    this.typing = new TypingNotifier((typing) => {
      if (this.chat && this.ready) socket.emit("chat:typing", { chat_id: this.chat.id, typing });
    });
    view.onSend = (text) => this.send(text);
    view.onFiles = (files) => this.sendFiles(files);
    view.onInput = () => this.chat && this.typing.input();
    view.onEnd = () => this.end();
    view.onMailTranscript = () => transcriptForm((fields) => this.mailTranscript(this.chat && this.chat.id, fields));
    view.onChangeTopic = () => {
      this.choosingTopic = true;
      this.render();
    };
    view.onOpenChange = (open) => {
      if (open) {
        this.connect();
        this.markSeen();
      }
      view.dispatch(open ? "open" : "close", {});
    };
    this.bindSocket();
    this.render();
  }

  resetState() {
    this.ready = false; // true between `session` and the next disconnect
    this.sessions = 0; // the `session`s this visitor's socket got on this page
    this.verified = false;
    // The desk's, not the visitor's: a new visitor here keeps what the desk said.
    this.online = this.online ?? null;
    this.nextOpen = this.nextOpen ?? null;
    this.account = null;
    this.openTickets = [];
    this.chat = null; // the open CHAT (queued or active), or null
    this.position = null;
    this.eta = null;
    this.warning = "";
    this.start = null; // {clientId, text} while chat:start is unresolved
    this.refused = null; // the last connect refusal (not a suspension)
    this.suspended = null; // {until, ban} while chat is closed to us
    this.early = []; // [{data, apply}] about a chat not adopted yet
    this.unread = new Set(); // seqs of agent messages not seen yet
    this.surveyFor = null;
    this.offlineShown = null; // {when} while the offline section is up
    this.prechat = remembered(this.memory); // the pre-chat answers, once given
    this.after = null; // {reason, ticket, survey?, surveyDone?, rated?} from a chat's end to "Start a new chat"
    this.useTicket = null; // {text} while the use_ticket guidance stands in for the composer
    this.choosingTopic = false; // the topic form is up (from "Change topic" or the guidance)
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
    }));
    s.on("chat:message", (m) => this.forChat(m, () => this.addMessages([m])));
    s.on("chat:typing", (d) => this.forChat(d, () => this.showTyping(Boolean(d.typing))));
    s.on("chat:warning", (d) => this.forChat(d, () => this.warn(d)));
    s.on("chat:ended", (d) => this.forChat(d, () => this.ended(d)));
    s.on("survey:request", (d) => d && d.chat_id && this.askSurvey(d.chat_id));
    s.on("account:suspended", (d) => this.suspend({ until: (d && d.until) || null, ban: Boolean(d && d.ban) }));
    // On standby (docs/protocol.md): connect again, the new session says whether chat is open now.
    s.on("account:lifted", () => this.reconnect());
  }

  reconnect() {
    this.socket.disconnect();
    this.socket.connect();
  }

  /** Opens the socket unless it is open or opening: when the visitor opens
   * the panel, or at load when a chat or a survey waits for them
   * (`pending`). Until then the page costs the desk no connection. */
  connect() {
    if (!this.socket.active) this.socket.connect();
  }

  /** What must bring the next page of this visitor to connect at load:
   * "chat" (one is open: its unread badge and history), "survey" (a
   * rating is asked), or null. */
  remember(pending) {
    this.memory.set("pending", pending);
  }

  /** The launcher's status from `GET /widget/status` while there is no
   * socket to tell it: now (a page opened in a background tab too: the
   * page waits for `shiftdesk:ready`), then every STATUS_POLL_MS while the
   * page is in view. The first answer also tells the page the widget is
   * ready (`visitorId` null: not connected), unless a session came first. */
  watchStatus() {
    const look = async (always = false) => {
      if (this.socket.active || (document.hidden && !always)) return;
      const answer = (await this.options.fetchStatus()) || {};
      if (this.socket.active || this.ready) return; // a connection knows better
      this.applyStatus(answer);
    };
    look(true);
    this.statusTimer = setInterval(look, STATUS_POLL_MS);
  }

  applyStatus(answer) {
    const error = answer.error || {};
    if (answer.ok) {
      this.online = Boolean(answer.online);
      this.nextOpen = answer.next_open || null;
      this.refused = null;
    } else if (PAGE_REFUSALS.has(error.code)) {
      if (!this.refused) this.view.dispatch("error", { code: error.code, message: error.message || "" });
      this.refused = error;
    }
    this.render();
    if (!this.sessions && !this.toldReady && !PAGE_REFUSALS.has(error.code)) {
      this.toldReady = true;
      this.view.dispatch("ready", { visitorId: null, verified: null, online: answer.ok ? this.online : null });
    }
  }

  /** chat:warning, or the session's `warning` after a reload: the chat's length. */
  warn(d) {
    this.warning = tn("chat.warning", minutes(d.remaining_s));
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
    this.sessions += 1;
    this.refused = null;
    const keptOut = data.suspended || null; // admitted on standby while chat is closed to us
    if (this.suspended && !keptOut) this.lifted();
    if (data.visitor_token) {
      this.memory.set("token", data.visitor_token);
      this.memory.set("verified", data.verified ? "1" : null);
      // Sent again on every reconnect, so the server knows us.
      this.socket.auth = { ...this.socket.auth, token: data.visitor_token };
    }
    this.verified = Boolean(data.verified);
    this.online = Boolean(data.online);
    this.nextOpen = data.next_open || null;
    this.account = data.account || null;
    this.openTickets = Array.isArray(data.open_tickets) ? data.open_tickets : [];
    intake.evidence = data.evidence || {};
    intake.receipt = (number) => request(this.socket, "ticket:receipt", { number });
    if (keptOut) {
      this.remember(null);
      this.suspend({ until: keptOut.until || null, ban: Boolean(keptOut.ban) });
      this.view.dispatch("ready", { visitorId: data.visitor_id, verified: this.verified, online: this.online });
      return;
    }
    const chat = data.chat && data.chat.status !== "ended" ? data.chat : null;
    if (chat) {
      this.adopt(chat, data.position ?? null);
      if (data.warning && data.warning.chat_id === chat.id) this.warn(data.warning);
      this.render();
      await this.syncHistory();
      if (this.start) await this.settleStart();
    } else if (this.chat) {
      this.ended({ chat_id: this.chat.id, reason: null }); // it ended while we were away
    }
    if (!chat && data.survey && data.survey.chat_id) this.askSurvey(data.survey.chat_id);
    else if (!chat && !this.start) this.remember(null); // what this page remembered is over
    this.render();
    this.outbox.flush();
    this.view.dispatch("ready", { visitorId: data.visitor_id, verified: this.verified, online: this.online });
  }

  onDisconnect(reason) {
    this.ready = false;
    this.showTyping(false);
    this.outbox.stalled();
    this.render();
    // The server dropped us on purpose (socket.io will not retry by itself):
    // come back later; a refusal then explains why. Dropped at a suspension:
    // back at once on standby, to hear when it lifts.
    if (reason === "io server disconnect") {
      setTimeout(() => this.socket.connect(), this.suspended ? STANDBY_RECONNECT_MS : 5000);
    }
  }

  onRefused(err) {
    const data = (err && err.data) || {};
    if (!data.code) return; // a transport error: socket.io retries by itself
    if (data.code === "suspended" || data.code === "banned") {
      this.suspend({ until: data.until || null, ban: data.code === "banned" });
      return;
    }
    const auth = this.socket.auth || {};
    if (data.code === "bad_identity" && auth.identity && auth.token && this.verified) {
      // The JWT expired during a long visit: this page's token still stands
      // for the same verified visitor (a site that requires identity then
      // answers identity_required, and the page must call identify()).
      this.socket.auth = { site: auth.site, token: auth.token, standby: true };
      this.socket.connect();
      return;
    }
    this.refused = data;
    this.view.dispatch("error", { code: data.code, message: data.message || "" });
    if (data.code === "rate_limited") setTimeout(() => this.socket.connect(), 15000);
    this.render();
  }

  /** Chat is closed to us: end the open chat here, show when it lifts and
   * the ticket form, and try again at that date. */
  suspend({ until, ban }) {
    const first = !this.suspended;
    this.suspended = { until, ban };
    if (this.chat || this.start) this.ended({ chat_id: this.chat && this.chat.id, reason: "suspended" }, false);
    this.start = null;
    this.after = null;
    this.useTicket = null;
    this.choosingTopic = false;
    this.view.fill(this.view.after);
    this.view.showNotice();
    this.view.fill(this.view.suspended, ...suspendedPanel(this.suspended, (fields) => this.sendTicket(fields)));
    if (first) this.view.dispatch("suspended", { until, ban });
    clearTimeout(this.liftTimer);
    if (!ban && until) {
      const wait = Math.min(Math.max(Date.parse(until) - Date.now(), RETRY_SUSPENDED_MS), MAX_TIMER_MS);
      // On standby the server says when it lifts; this covers a server that did not admit us.
      this.liftTimer = setTimeout(() => (this.socket.connected ? this.reconnect() : this.socket.connect()), wait);
    }
    this.render();
  }

  lifted() {
    this.suspended = null;
    clearTimeout(this.liftTimer);
    this.view.fill(this.view.suspended);
  }

  /** Makes `chat` the open chat; a different chat starts a fresh transcript.
   * Then applies the events about it that came before we knew its id. */
  adopt(chat, position = null) {
    if (!this.chat || this.chat.id !== chat.id) {
      if (this.transcriptChat !== chat.id) {
        this.transcript.clear();
        this.history = this.historyOf(chat.id); // a fresh transcript is read from its start
      }
      this.transcriptChat = chat.id;
      this.position = position;
      this.warning = "";
      this.unread.clear();
      this.view.showNotice();
    }
    this.chat = { ...chat };
    this.remember("chat");
    for (const { data, apply } of this.early.splice(0)) {
      if (data.chat_id === chat.id) apply();
    }
    if (this.onAdopt) this.onAdopt(chat.id); // the page and browser go beside it (context.js)
  }

  /** The open chat's id while the socket has its session, else null. */
  openChatId() {
    return this.ready && this.chat && this.chat.status !== "ended" ? this.chat.id : null;
  }

  /** Reads what we have not seen yet of the open chat, every page of it. */
  async syncHistory() {
    if (this.chat) await this.history.sync();
  }

  /** The history of `chatId`, shown while it is the open chat. */
  historyOf(chatId) {
    return new HistoryReader(this.socket, chatId, (messages) => {
      if (!this.chat || this.chat.id !== chatId) return false;
      this.addMessages(messages);
      return true;
    }, this.transcript.lastSeq);
  }

  addMessages(messages) {
    const sorted = [...messages].sort((a, b) => a.seq - b.seq);
    for (const m of sorted) {
      if (this.start && m.author === "visitor" && m.text === this.start.text && this.chat) {
        this.dropStart(); // the echo of our chat:start text, now with its seq
      }
      const node = this.transcript.add(m);
      if (!node || m.author !== "agent") continue;
      this.showTyping(false);
      if (m.seq > this.seenSeq()) this.unread.add(m.seq);
    }
    if (this.view.isOpen()) this.markSeen();
    else this.view.setUnread(this.unread.size);
    this.view.scrollToEnd();
  }

  /** The last seq the visitor has seen of the open chat (kept across reloads). */
  seenSeq() {
    const [chatId, seq] = String(this.memory.get("seen") || "").split(" ");
    return this.chat && chatId === this.chat.id ? Number(seq) || 0 : 0;
  }

  markSeen() {
    this.unread.clear();
    this.view.setUnread(0);
    const seq = this.transcript.lastSeq;
    if (!this.chat || !seq || seq <= this.seenSeq()) return;
    this.memory.set("seen", `${this.chat.id} ${seq}`);
    if (this.ready) this.socket.emit("chat:read", { chat_id: this.chat.id, seq });
  }

  send(text) {
    this.typing.stop();
    if (this.chat || this.start) {
      this.outbox.push(randomId(), { text });
      this.view.scrollToEnd();
      return undefined;
    }
    return this.startChat(text);
  }

  /** Uploads each file, then sends it as a message of its own; says why one failed. */
  async sendFiles(files) {
    for (const file of files) {
      const name = file.name || "pasted.png";
      if (!this.chat || !this.ready || !this.view.fileClient) {
        this.view.uploadLines.say(t("attach.no_chat"));
        return;
      }
      const line = this.view.uploadLines.start(name);
      const ack = await this.view.fileClient.upload(this.chat.id, file, line.progress);
      if (!ack.ok) {
        line.fail(uploadError(ack.error, name));
        continue;
      }
      line.done();
      this.view.files.set(ack.attachment.id, ack.attachment);
      this.outbox.push(randomId(), { text: "", attachments: [ack.attachment.id] });
      this.view.scrollToEnd();
    }
  }

  async startChat(text, extra = {}) {
    if (!this.ready) {
      this.view.input.value = text; // keep it; nothing can be sent yet
      return;
    }
    this.transcript.clear();
    this.transcriptChat = null;
    this.view.showNotice();
    this.view.fill(this.view.offline); // a receipt left from the offline form
    this.view.fill(this.view.after);
    this.offlineShown = null;
    this.surveyFor = null;
    this.after = null;
    this.useTicket = null;
    this.choosingTopic = false;
    this.start = { clientId: `start-${randomId()}`, text };
    this.remember("chat"); // a reload before the ack finds the chat it may have opened
    this.transcript.addPending(this.start.clientId, { text });
    const payload = { text, ...(this.prechat || {}), ...extra };
    for (let attempt = 0; this.start && !this.chat; attempt++) {
      const ack = await request(this.socket, "chat:start", payload);
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
        this.refuseStart(error, payload);
      }
    }
    this.render();
    this.outbox.flush();
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
    if (!shown) this.send(start.text);
  }

  dropStart() {
    if (!this.start) return;
    const node = this.transcript.pending.get(this.start.clientId);
    this.transcript.pending.delete(this.start.clientId);
    if (node) node.remove();
    this.start = null;
    this.early = [];
  }

  refuseStart(error, payload) {
    const { text } = payload;
    const code = error.code || "error";
    this.dropStart();
    this.remember(null);
    if (code === "offline") {
      this.online = false;
      this.nextOpen = error.next_open || this.nextOpen;
      this.offlineDraft = text;
    } else if (code === "suspended" || code === "banned") {
      this.suspend({ until: error.until || null, ban: code === "banned" });
    } else if (code === "use_ticket") {
      this.useTicket = { text, topic: payload.topic || null };
      const newIssue = () => this.startChat(text, { ...payload, new_issue: true });
      const sendTicket = (fields) => this.sendTicket(fields);
      const topics = this.options.topics.length > 1;
      const back = () => this.leaveUseTicket(text, topics);
      const backLabel = t(topics ? "use_ticket.other_topic" : "use_ticket.back");
      this.view.showNotice(useTicketPanel(error, text, payload.topic || null, { sendTicket, newIssue, back, backLabel }));
    } else if (code === "bad_request" && Array.isArray(error.known) && payload.topic) {
      // A topic the desk does not know (the page's data-topics is out of date): another one, or none.
      this.refusedTopic = payload.topic;
      this.choosingTopic = this.options.topics.length > 1;
      if (!this.choosingTopic && this.prechat) this.prechat = { ...this.prechat, topic: undefined }; // the desk's default
      this.view.input.value = text;
      this.view.showNotice(el("p", { role: "alert", class: "sd-error" }, t("chat.topic_refused")));
    } else {
      this.view.input.value = text;
      this.view.showNotice(el("p", { role: "alert", class: "sd-error" }, visitorError(error, t("chat.start_failed"))));
    }
  }

  /** Out of the use_ticket guidance, the text back in the composer; with
   * topics, the topic form first (the same topic would be refused again). */
  leaveUseTicket(text, chooseTopic) {
    this.refusedTopic = this.useTicket && this.useTicket.topic;
    this.useTicket = null;
    this.view.showNotice();
    this.view.input.value = text;
    this.choosingTopic = chooseTopic;
    this.render();
    if (!chooseTopic) this.view.input.focus();
  }

  /** A ticket from one of the forms: on the socket when connected, else
   * (suspended, refused, disconnected) through `POST /widget/tickets`. */
  sendTicket(fields) {
    const body = { ...fields };
    if (this.prechat && this.prechat.name) body.name = this.prechat.name;
    if (this.ready && !this.suspended) return request(this.socket, "ticket:create", body);
    const auth = this.socket.auth || {};
    return this.options.postTicket({ ...body, site: auth.site, token: auth.token, identity: auth.identity });
  }

  async end() {
    if (!this.chat) return;
    const chatId = this.chat.id;
    const ack = await request(this.socket, "chat:end", { chat_id: chatId });
    if (ack.ok && this.chat && this.chat.id === chatId) this.ended({ chat_id: chatId, reason: "visitor" });
  }

  ended(data, notice = true) {
    this.chat = null;
    this.remember(null); // a survey:request, if any, follows and asks to be remembered
    this.position = null;
    this.warning = "";
    this.typing.stop();
    this.showTyping(false);
    this.outbox.failAll(t("delivery.chat_ended"));
    if (notice) {
      this.after = { reason: data.reason, ticket: data.ticket || null, chatId: data.chat_id || null };
      this.renderAfter();
    }
    this.render();
  }

  /** The 1-5 rating of `chatId`, once (a `survey:request`, or a reloaded
   * page whose `session` names a chat still waiting for it): the step
   * after "the chat ended", before "Start a new chat". */
  askSurvey(chatId) {
    if (this.surveyFor === chatId || this.chat || this.start) return;
    this.surveyFor = chatId;
    this.remember("survey");
    this.after = { ...(this.after || { reason: null, ticket: null }), survey: chatId, surveyDone: false };
    this.renderAfter();
    this.render();
  }

  renderAfter() {
    renderAfter(this);
  }

  /** `chat:transcript`: the chat's transcript mailed to the email on file,
   * or to `fields.email`; resolves to the ack. */
  mailTranscript(chatId, fields) {
    return request(this.socket, "chat:transcript", { chat_id: chatId, ...fields });
  }

  /** "Start a new chat": the old transcript goes, the composer comes back. */
  newChat() {
    this.after = null;
    this.transcript.clear();
    this.transcriptChat = null;
    this.view.fill(this.view.after);
    this.view.showNotice();
    this.render();
    if (!this.view.composer.hidden) this.view.input.focus();
  }

  showTyping(typing) {
    clearTimeout(this.typingTimer);
    const name = this.agentName();
    this.view.setTyping(!typing ? "" : name ? t("chat.typing", { name }) : t("chat.typing_anonymous"));
    if (typing) this.typingTimer = setTimeout(() => this.view.setTyping(""), TYPING_CLEAR_MS);
  }

  agentName() {
    return (this.chat && this.chat.agent && this.chat.agent.name) || "";
  }

  render() {
    render(this);
  }

  /** Forget this visitor's chat here (a new identity, or a sign-out). */
  reset() {
    clearTimeout(this.liftTimer);
    this.remember(null);
    this.outbox.failAll(t("delivery.signed_out"));
    this.transcript.clear();
    this.transcriptChat = null;
    this.resetState();
    for (const section of [this.view.notice, this.view.offline, this.view.suspended, this.view.prechat, this.view.after]) {
      this.view.fill(section);
    }
    this.render();
  }
}
