// A chat transcript in the DOM: messages kept in `seq` order, each seq shown
// once, and the client's own unsent messages (keyed by client_id) kept at the
// bottom as "sending" until the server's ack or echo gives them their seq.
// Shared by the widget and the agent console; its few words are the
// widget's (i18n.js: English until a page chooses a locale).
import { t } from "./i18n.js";

export class Transcript {
  /**
   * @param {HTMLElement} list the container; it holds only message elements
   * @param {(message: object) => HTMLElement} render builds one message's
   *   element from a MESSAGE (text only: render must use textContent)
   * @param {string} ownAuthor "visitor" or "agent": whose client_id we own
   * @param {{states?: boolean}} options states: mark our own messages
   *   data-state="stored" once acked and "retrying" while a resend waits
   *   (the widget); without it a stored message has no data-state (the console)
   */
  constructor(list, render, ownAuthor, options = {}) {
    this.list = list;
    this.render = render;
    this.ownAuthor = ownAuthor;
    this.states = Boolean(options.states);
    this.bySeq = new Map();
    this.pending = new Map();
    this.drafts = new Map(); // client_id -> the MESSAGE fields of a pending node
    this.lastSeq = 0;
  }

  clear() {
    this.list.replaceChildren();
    this.bySeq.clear();
    this.pending.clear();
    this.drafts.clear();
    this.lastSeq = 0;
  }

  /** Adds a MESSAGE from the server; returns its element, or null when that
   * seq is already shown (a replay, or the echo of our own message). */
  add(message) {
    const seq = Number(message.seq);
    if (!Number.isInteger(seq) || seq < 1 || this.bySeq.has(seq)) return null;
    const mine = message.author === this.ownAuthor && message.client_id && this.pending.get(message.client_id);
    if (mine) {
      this.confirm(message.client_id, seq, message.at);
      return null;
    }
    const node = this.render(message);
    if (this.states && message.author === this.ownAuthor) node.setAttribute("data-state", "stored");
    this.place(node, seq);
    return node;
  }

  /** Shows our own message before the server has stored it. */
  addPending(clientId, message) {
    const draft = { ...message, author: this.ownAuthor, client_id: clientId, own: true };
    const node = this.render(draft);
    node.setAttribute("data-state", "sending");
    node.append(delivery(t("delivery.sending")));
    this.pending.set(clientId, node);
    this.drafts.set(clientId, draft);
    this.list.append(node);
    return node;
  }

  /** The server stored our message as `seq` at `at`: show it as sent, in
   * order, rendered again so that it shows its time like any other. */
  confirm(clientId, seq, at) {
    const node = this.pending.get(clientId);
    if (!node) return;
    const draft = this.drafts.get(clientId);
    this.pending.delete(clientId);
    this.drafts.delete(clientId);
    node.remove();
    if (this.bySeq.has(seq)) return;
    const stored = this.render({ ...draft, seq, at: at || draft.at });
    if (this.states) stored.setAttribute("data-state", "stored");
    this.place(stored, seq);
  }

  /** A send timed out or the connection dropped: it will be sent again
   * with the same client_id (the server stores it once). */
  retrying(clientId) {
    const node = this.states && this.pending.get(clientId);
    if (!node) return;
    node.setAttribute("data-state", "retrying");
    const line = node.querySelector('[data-sd="delivery"]') || node.appendChild(delivery(""));
    line.textContent = t("delivery.retrying");
  }

  /** The send failed for good (an error ack, not a timeout). */
  fail(clientId, reason) {
    const node = this.pending.get(clientId);
    if (!node) return;
    this.pending.delete(clientId);
    this.drafts.delete(clientId);
    node.setAttribute("data-state", "failed");
    const line = node.querySelector('[data-sd="delivery"]') || node.appendChild(delivery(""));
    line.textContent = reason ? t("delivery.failed_because", { reason }) : t("delivery.failed");
  }

  /** Inserts `node` among the seq-numbered messages, before any pending ones. */
  place(node, seq) {
    node.setAttribute("data-seq", String(seq));
    this.bySeq.set(seq, node);
    this.lastSeq = Math.max(this.lastSeq, seq);
    let before = null;
    for (const child of this.list.children) {
      const childSeq = Number(child.getAttribute("data-seq"));
      if (!child.hasAttribute("data-seq") || childSeq > seq) {
        before = child;
        break;
      }
    }
    this.list.insertBefore(node, before);
  }
}

/** The "Sending…" / "Not sent" line under one of our own messages. */
function delivery(text) {
  const line = document.createElement("span");
  line.setAttribute("data-sd", "delivery");
  line.textContent = text;
  return line;
}
