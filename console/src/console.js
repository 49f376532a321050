// The agent console: the /agent protocol (docs/protocol.md) over the login
// session cookie, with one tab per chat. The page (console.html) provides
// the skeleton; this fills it in.
import { io } from "socket.io-client";
import { ChatPanel } from "./chat-panel.js";
import { el, formatDuration, request } from "../../widget/src/util.js";

class Desk {
  constructor(root, socket) {
    this.socket = socket;
    this.ready = false;
    this.status = null;
    this.panels = new Map(); // chat_id -> ChatPanel
    this.selected = null;
    this.title = document.title;
    this.toggle = root.querySelector('[data-sd="status-toggle"]');
    this.queue = root.querySelector('[data-sd="queue"]');
    this.connection = root.querySelector('[data-sd="connection"]');
    this.agentName = root.querySelector('[data-sd="agent-name"]');
    this.tabs = root.querySelector('[data-sd="tabs"]');
    this.area = root.querySelector('[data-sd="chat-area"]');
    this.empty = root.querySelector('[data-sd="empty"]');
    this.toggle.addEventListener("click", () => this.toggleStatus());
    this.bindSocket();
  }

  bindSocket() {
    const s = this.socket;
    s.on("session", (d) => this.onSession(d || {}));
    s.on("disconnect", (reason) => {
      this.ready = false;
      this.setConnection("Reconnecting…", "down");
      this.toggle.disabled = true;
      if (reason === "io server disconnect") setTimeout(() => s.connect(), 5000);
    });
    s.on("connect_error", (err) => this.onRefused(err));
    s.on("chat:assigned", (d) => d && d.chat && this.onAssigned(d));
    s.on("chat:message", (m) => this.withPanel(m, (p) => p.addMessages([m])));
    s.on("chat:typing", (d) => this.withPanel(d, (p) => p.showTyping(Boolean(d.typing))));
    s.on("chat:ended", (d) => this.withPanel(d, (p) => p.ended(d)));
    s.on("sla:warning", (d) => this.withPanel(d, (p) => p.showSla(d, false)));
    s.on("sla:breach", (d) => this.withPanel(d, (p) => p.showSla(d, true)));
    s.on("queue", (d) => this.showQueue(d || {}));
  }

  withPanel(data, apply) {
    const panel = data && this.panels.get(data.chat_id);
    if (panel) apply(panel);
  }

  isReady() {
    return this.ready;
  }

  async onSession(data) {
    this.ready = true;
    this.setConnection("Connected", "up");
    const agent = data.agent || {};
    if (agent.name && this.agentName) this.agentName.textContent = agent.name;
    this.setStatus(agent.status || "away");
    const chats = Array.isArray(data.chats) ? data.chats : [];
    const open = new Set(chats.map((c) => c.id));
    // Chats that left us while we were away (ended, transferred).
    for (const panel of this.panels.values()) {
      if (!open.has(panel.id) && panel.chat.status !== "ended") panel.ended({ reason: null });
    }
    for (const chat of chats) this.panelFor(chat);
    await Promise.all(chats.map((c) => this.panels.get(c.id).syncHistory()));
    for (const panel of this.panels.values()) panel.outbox.flush();
  }

  onRefused(err) {
    const data = (err && err.data) || {};
    if (data.code === "unauthorized" || data.code === "forbidden") {
      const link = el("a", { href: "/console/login" }, "Sign in again");
      this.connection.replaceChildren(document.createTextNode("Signed out. "), link);
      this.connection.setAttribute("data-state", "down");
    } else if (data.code) {
      this.setConnection(data.message || data.code, "down");
    } else {
      this.setConnection("Reconnecting…", "down");
    }
  }

  onAssigned({ chat, visitor, messages }) {
    const panel = this.panelFor(chat, visitor || {});
    if (Array.isArray(messages)) panel.addMessages(messages);
    if (!this.selected) this.select(panel);
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

  select(panel) {
    if (this.selected && this.selected !== panel) this.selected.setSelected(false);
    this.selected = panel;
    if (panel) panel.setSelected(true);
    this.unreadChanged();
  }

  close(panel) {
    this.panels.delete(panel.id);
    panel.tab.remove();
    panel.panel.remove();
    if (this.selected === panel) {
      this.selected = null;
      const next = this.panels.values().next().value;
      if (next) this.select(next);
    }
    this.empty.hidden = this.panels.size > 0;
    this.unreadChanged();
  }

  unreadChanged() {
    let total = 0;
    for (const p of this.panels.values()) total += p.unread;
    document.title = total ? `(${total}) ${this.title}` : this.title;
  }

  async toggleStatus() {
    const next = this.status === "available" ? "away" : "available";
    this.toggle.disabled = true;
    const ack = await request(this.socket, "agent:status", { status: next });
    this.toggle.disabled = !this.ready;
    if (ack.ok) this.setStatus(ack.status || next);
    else this.setConnection((ack.error && ack.error.message) || "Status not changed", "warn");
  }

  setStatus(status) {
    this.status = status;
    const available = status === "available";
    this.toggle.disabled = !this.ready;
    this.toggle.value = status;
    this.toggle.setAttribute("data-status", status);
    this.toggle.setAttribute("aria-pressed", String(available));
    this.toggle.textContent = available ? "Available" : status === "away" ? "Away" : status;
  }

  showQueue({ length, longest_wait_s: wait }) {
    const n = Number(length) || 0;
    this.queue.textContent = n ? `Queue: ${n} waiting, longest ${formatDuration(wait)}` : "Queue: empty";
    this.queue.setAttribute("data-length", String(n));
  }

  setConnection(text, state) {
    this.connection.textContent = text;
    this.connection.setAttribute("data-state", state);
  }
}

function main() {
  const root = document.querySelector('[data-sd="console"]');
  if (!root) return;
  const socket = io("/agent", { withCredentials: true, transports: ["websocket", "polling"], tryAllTransports: true });
  window.shiftdeskConsole = new Desk(root, socket);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", main, { once: true });
else main();
