// The agent console: the /agent protocol (docs/protocol.md) over the login
// session cookie, with one tab per chat, the queue, and the tickets. The
// page (console.html) provides the skeleton; this fills it in.
import { io } from "socket.io-client";
import { el, formatDuration, request } from "../../widget/src/util.js";
import { Alerts } from "./alerts.js";
import { Api, errorText } from "./api.js";
import { CannedStore } from "./canned.js";
import { TagStore } from "./tag-bar.js";
import { ChatPanel } from "./chat-panel.js";
import { staffError } from "./errors.js";
import { isSignedOut, Rejoin, signedOut, watchLogout } from "./signed-out.js";
import { bindShortcuts } from "./shortcuts.js";
import { SearchView } from "./search.js";
import { ServerTime } from "./sla-clocks.js";
import { setupTheme } from "./theme.js";
import { TicketsView } from "./tickets.js";
import { slaBanner } from "./ticket-sla.js";
import { parts, s } from "./strings.js";

const TICK_MS = 1000;

class Desk {
  constructor(root, socket) {
    this.root = root;
    this.socket = socket;
    this.ready = false;
    this.status = null;
    this.onShift = null;
    this.agent = null;
    this.panels = new Map(); // chat_id -> ChatPanel
    this.selected = null;
    this.title = document.title;
    this.time = new ServerTime();
    this.api = new Api(root.getAttribute("data-csrf") || "");
    this.canned = new CannedStore(this.api);
    this.tags = new TagStore(this.api);
    const $ = (name) => root.querySelector(`[data-sd="${name}"]`);
    this.toggle = $("status-toggle");
    this.shift = $("shift");
    this.queue = $("queue");
    this.queueList = $("queue-list");
    this.connection = $("connection");
    this.agentName = $("agent-name");
    this.tabs = $("tabs");
    this.area = $("chat-area");
    this.empty = $("empty");
    this.chatsView = $("chat-area");
    this.ticketsView = $("view-tickets");
    this.searchView = $("view-search");
    this.nav = { chats: $("nav-chats"), tickets: $("nav-tickets"), search: $("nav-search") };
    this.tickets = new TicketsView(this.ticketsView, this.api, () => this.selfId(), this.tags);
    this.search = new SearchView(this.searchView, this.api, this.tags);
    this.alerts = new Alerts(root, (chatId) => this.openChat(chatId));
    this.waiting = [];
    this.queueLoading = null;
    this.toggle.addEventListener("click", () => this.toggleStatus());
    this.nav.chats.addEventListener("click", () => { window.location.hash = ""; });
    window.addEventListener("hashchange", () => this.route());
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden && this.selected) this.selected.seen();
    });
    setInterval(() => this.tick(), TICK_MS);
    bindShortcuts(this);
    this.bindSocket();
    this.route();
  }

  bindSocket() {
    const socket = this.socket;
    socket.on("session", (d) => this.onSession(d || {}));
    this.rejoin = new Rejoin(socket);
    watchLogout(this.root);
    socket.on("disconnect", () => {
      this.ready = false;
      this.setConnection(s("console.reconnecting"), "down");
      this.toggle.disabled = true;
    });
    socket.on("connect_error", (err) => this.onRefused(err));
    socket.on("chat:assigned", (d) => d && d.chat && this.onAssigned(d));
    socket.on("chat:message", (m) => this.withPanel(m, (p) => {
      const fresh = p.addMessages([m]);
      if (fresh.length) this.alerts.message(p.id, p.label(), fresh[fresh.length - 1].text, this.away(p));
    }));
    socket.on("chat:typing", (d) => this.withPanel(d, (p) => p.showTyping(Boolean(d.typing))));
    socket.on("chat:context", (d) => this.withPanel(d, (p) => p.context.update({ context: { visit: d.visit || null } })));
    socket.on("chat:ended", (d) => this.withPanel(d, (p) => p.ended(d)));
    socket.on("sla:clocks", (d) => this.withPanel(d, (p) => {
      this.time.reset(Date.parse(d.now));
      p.showClocks(d);
    }));
    socket.on("queue", (d) => this.showQueue(d || {}));
    socket.on("shift", (d) => d && this.setShift(Boolean(d.on_shift)));
    socket.on("agent:status", (d) => d && d.status && this.setStatus(d.status)); // set in another tab
    socket.on("canned", (d) => d && this.canned.changed(d));
    socket.on("tags", (d) => d && this.tags.changed(d));
    socket.on("chat:tags", (d) => this.withPanel(d, (p) => p.tagBar.set(d.tags)));
    socket.on("ticket:tags", (d) => d && this.tickets.tagsChanged(d));
    socket.on("ticket", (d) => this.ticketChanged(d)); // another agent's change, or the customer's
    socket.on("ticket:sla", (d) => this.ticketSla(d));
  }

  /** `ticket:sla`: a banner (until dismissed or replaced), a chime and a
   * notification, and the tickets view follows. */
  ticketSla(data) {
    if (!data || !data.ticket_id) return;
    this.tickets.slaReached(data);
    const banner = this.root.querySelector('[data-sd="ticket-sla-alert"]');
    if (banner) {
      const dismiss = el("button", { type: "button", class: "quiet", "data-sd": "ticket-sla-dismiss",
        "aria-label": s("ticket_sla.dismiss") }, "×");
      dismiss.addEventListener("click", () => { banner.hidden = true; });
      banner.replaceChildren(slaBanner(data), " ", dismiss);
      banner.setAttribute("data-stage", data.stage);
      banner.hidden = false;
    }
    this.alerts.ticketSla(data.ticket_id, s("alerts.ticket_sla"), slaBanner(data).textContent);
  }

  /** `ticket`: the tickets view follows, and so do the visitors' open tickets beside the chats. */
  ticketChanged(data) {
    if (!data || !data.ticket) return;
    this.tickets.changed(data);
    for (const panel of this.panels.values()) {
      if (panel.context.shows(data.ticket.id)) panel.loadContext();
    }
  }

  withPanel(data, apply) {
    const panel = data && this.panels.get(data.chat_id);
    if (panel) apply(panel);
  }

  isReady() {
    return this.ready;
  }

  selfId() {
    return this.agent ? this.agent.id : null;
  }

  async onSession(data) {
    this.ready = true;
    this.setConnection(s("console.connected"), "up");
    this.time.reset(Date.parse(data.now));
    this.agent = data.agent || {};
    this.alerts.setAgent(this.agent.id);
    if (this.agent.name && this.agentName) this.agentName.textContent = this.agent.name;
    this.setShift(Boolean(data.on_shift));
    this.setStatus(this.agent.status || "away");
    this.setCapacity(this.agent.capacity);
    this.canned.load();
    this.tags.load();
    this.loadQueue();
    const chats = Array.isArray(data.chats) ? data.chats : [];
    const open = new Set(chats.map((c) => c.id));
    // Chats that left us while we were away (ended, transferred).
    for (const panel of this.panels.values()) {
      if (!open.has(panel.id) && panel.chat.status !== "ended") panel.ended({ reason: null });
    }
    // A chat shown before this connection reads what it missed; a new one
    // gets its transcript from the `chat:assigned` that follows the session.
    const shown = chats.filter((c) => this.panels.has(c.id));
    for (const chat of chats) this.panelFor(chat);
    await Promise.all(shown.map((c) => this.panels.get(c.id).syncHistory()));
    for (const panel of this.panels.values()) panel.outbox.flush();
  }

  onRefused(err) {
    const data = (err && err.data) || {};
    if (isSignedOut(data)) {
      this.rejoin.stop();
      signedOut();
    } else if (data.code === "forbidden") {
      this.rejoin.stop();
      this.setConnection(staffError(data), "down");
    } else if (data.code) {
      this.setConnection(staffError(data), "down");
    } else {
      this.setConnection(s("console.reconnecting"), "down");
    }
  }

  onAssigned(data) {
    this.time.reset(Date.parse(data.now));
    const isNew = !this.panels.has(data.chat.id);
    const panel = this.panelFor(data.chat, data.visitor || undefined);
    panel.assigned(data);
    if (isNew && data.chat.status !== "ended") this.announce(panel, data.messages);
  }

  /** A new chat: a chime (if the agent keeps sound on), a desktop
   * notification if they are not looking at it, and the tab marked until it is. */
  announce(panel, messages) {
    if (!panel.isSelected() || document.hidden) panel.tab.setAttribute("data-new", "true");
    const said = (Array.isArray(messages) ? messages : []).filter((m) => m.author === "visitor" && !m.note);
    this.alerts.newChat(panel.id, panel.label(), said.length ? said[said.length - 1].text : "", this.away(panel));
    this.unreadChanged();
  }

  /** The agent is not looking at `panel`'s chat: the tab is hidden, the
   * tickets are on show, or another chat is open. */
  away(panel) {
    return document.visibilityState === "hidden" || this.chatsView.hidden || !panel.isSelected();
  }

  /** A click on a notification: that chat, on show. */
  openChat(chatId) {
    const panel = this.panels.get(chatId);
    if (panel) this.select(panel, true);
  }

  /** The panel of `chat`, created (and shown in the tab list) if new. */
  panelFor(chat, visitor) {
    let panel = this.panels.get(chat.id);
    if (panel) {
      panel.update(chat, visitor);
      return panel;
    }
    panel = new ChatPanel(this.socket, chat, this);
    panel.update(chat, visitor);
    this.panels.set(chat.id, panel);
    this.tabs.append(panel.tab);
    this.area.append(panel.panel);
    this.empty.hidden = true;
    if (!this.selected) this.select(panel);
    return panel;
  }

  /** Shows `panel`'s chat; `byAgent` (a click on its tab) also leaves the tickets. */
  select(panel, byAgent = false) {
    if (this.selected && this.selected !== panel) this.selected.setSelected(false);
    this.selected = panel;
    if (panel) panel.setSelected(true);
    if (byAgent && window.location.hash) window.location.hash = "";
    this.unreadChanged();
  }

  close(panel) {
    this.panels.delete(panel.id);
    panel.tagBar.detach();
    panel.tab.remove();
    panel.panel.remove();
    if (this.selected === panel) {
      this.selected = null;
      const next = this.panels.values().next().value;
      if (next) this.select(next);
    }
    this.empty.hidden = this.panels.size > 0;
    this.renderEmpty();
    this.unreadChanged();
  }

  /** document.title: "(N) …" while N messages (or new chats) wait unseen. */
  unreadChanged() {
    let total = 0;
    for (const p of this.panels.values()) total += p.unread || (p.tab.hasAttribute("data-new") ? 1 : 0);
    document.title = total ? `(${total}) ${this.title}` : this.title;
    this.root.setAttribute("data-unread", String(total));
  }

  // views: #tickets, #tickets/<id>, #search, #history/<chat id>, else the chats
  route() {
    const hash = decodeURIComponent(window.location.hash.replace(/^#/, ""));
    const tickets = hash === "tickets" || hash.startsWith("tickets/");
    const search = hash === "search" || hash.startsWith("history/");
    this.chatsView.hidden = tickets || search;
    this.ticketsView.hidden = !tickets;
    this.searchView.hidden = !search;
    this.nav.chats.setAttribute("aria-current", tickets || search ? "false" : "page");
    this.nav.tickets.setAttribute("aria-current", tickets ? "page" : "false");
    this.nav.search.setAttribute("aria-current", search ? "page" : "false");
    if (tickets) this.tickets.show(hash.slice("tickets/".length) || null);
    if (search) this.search.show(hash.startsWith("history/") ? hash.slice("history/".length) : null);
  }

  openTicket(ticketId) {
    window.location.hash = `tickets/${encodeURIComponent(ticketId)}`;
  }

  // status and shift
  async toggleStatus() {
    const next = this.status === "available" ? "away" : "available";
    this.toggle.disabled = true;
    const ack = await request(this.socket, "agent:status", { status: next });
    this.toggle.disabled = !this.ready;
    if (ack.ok) this.setStatus(ack.status || next);
    else this.setConnection(errorText(ack, s("console.status_failed")), "warn");
  }

  setStatus(status) {
    this.status = status;
    const available = status === "available";
    this.toggle.disabled = !this.ready;
    this.toggle.value = status;
    this.toggle.setAttribute("data-status", status);
    this.toggle.setAttribute("aria-pressed", String(available));
    this.toggle.textContent = available ? s("console.status.available") : status === "away" ? s("console.status.away") : status;
    this.renderEmpty();
  }

  /** Capacity 0: this agent takes no chats (a lead who watches); say so
   * where the console would ask for Available. */
  setCapacity(capacity) {
    const none = capacity === 0;
    this.root.setAttribute("data-takes-chats", String(!none));
    if (none) {
      this.empty.textContent = s("console.empty.no_capacity");
    }
    this.toggle.title = none ? s("console.status.no_capacity_title") : s("console.status.title");
  }

  setShift(onShift) {
    this.shift.setAttribute("data-on-shift", String(onShift));
    this.shift.textContent = onShift ? s("console.shift.on") : s("console.shift.off");
    this.shift.title = onShift ? s("console.shift.on_title") : s("console.shift.off_title");
    this.onShift = onShift;
    this.renderEmpty();
  }

  /** What the empty chat area says: what the agent's status and shift mean now. */
  renderEmpty() {
    const available = this.status === "available";
    let text;
    if (this.onShift === false) {
      text = [s(available ? "console.empty.off_shift" : "console.empty.off_shift_away")];
    } else if (available) {
      text = parts("console.empty.available", { status: el("strong", {}, s("console.status.available")) });
    } else {
      text = parts("console.empty.away", { status: el("strong", {}, s("console.status.available")) });
    }
    this.empty.replaceChildren(...text.map((t) => (typeof t === "string" ? document.createTextNode(t) : t)));
    this.empty.setAttribute("data-status", this.status || "");
    this.empty.setAttribute("data-on-shift", String(this.onShift));
  }

  // the queue: the summary from `queue` events, the list from GET /api/queue
  showQueue({ length, longest_wait_s: wait }) {
    const n = Number(length) || 0;
    this.queue.textContent = n ? s("console.queue.summary", { count: n, longest: formatDuration(wait) }) : s("console.queue.empty");
    this.queue.setAttribute("data-length", String(n));
    this.loadQueue();
  }

  /** Fetches the queue; calls while one is on its way fetch once more after it. */
  async loadQueue() {
    if (this.queueLoading) {
      this.queueAgain = true;
      return;
    }
    this.queueLoading = this.api.get("/api/queue");
    const answer = await this.queueLoading;
    this.queueLoading = null;
    if (answer.ok) {
      const fetched = Date.now();
      this.waiting = (answer.queue || []).map((q) => ({ ...q, fetched }));
      this.renderQueue();
    }
    if (this.queueAgain) {
      this.queueAgain = false;
      this.loadQueue();
    }
  }

  renderQueue() {
    const count = this.root.querySelector('[data-sd="queue-count"]');
    if (count) count.textContent = String(this.waiting.length);
    if (!this.waiting.length) {
      this.queueList.replaceChildren(el("li", { class: "empty-line" }, s("console.queue.nobody")));
      return;
    }
    this.queueList.replaceChildren(...this.waiting.map((q) => {
      const name = (q.visitor && q.visitor.name) || s("chat.visitor", { id: String(q.visitor && q.visitor.id || q.chat_id).slice(0, 6) });
      const wait = el("span", { class: "queue-wait", "data-sd": "queue-wait" });
      q.waitNode = wait;
      return el("li", { class: "queue-item", "data-sd": "queue-item", "data-chat-id": q.chat_id, "data-priority": q.priority },
        el("span", { class: "queue-pos" }, String(q.position)),
        el("span", { class: "queue-who" }, el("span", { class: "queue-name" }, name),
          el("span", { class: "queue-meta" }, [q.topic, q.priority, q.priority_support ? s("console.queue.priority_support") : null,
            q.visitor && q.visitor.verified ? s("console.queue.verified") : null].filter(Boolean).join(" · "))),
        wait);
    }));
    this.tickQueue();
  }

  tickQueue() {
    for (const q of this.waiting) {
      if (q.waitNode) q.waitNode.textContent = formatDuration(q.waiting_s + (Date.now() - q.fetched) / 1000);
    }
  }

  tick() {
    for (const panel of this.panels.values()) panel.tick();
    this.tickQueue();
  }

  setConnection(text, state) {
    this.connection.textContent = text;
    this.connection.setAttribute("data-state", state);
  }
}

function main() {
  setupTheme();
  const root = document.querySelector('[data-sd="console"]');
  if (!root) return;
  const socket = io("/agent", { withCredentials: true, transports: ["websocket", "polling"], tryAllTransports: true });
  window.shiftdeskConsole = new Desk(root, socket);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", main, { once: true });
else main();
