// Messages on their way to the server, sent one at a time in the order they
// were written. A timeout retries with the SAME client_id, which the server
// stores once; an error ack fails that message for good. Shared by the
// widget and the agent console.

import { sendError } from "./errors.js";

const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 15000];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Outbox {
  /**
   * @param {(payload: object) => Promise<object>} send emits `chat:send` and
   *   resolves to its ack (a timeout resolves to error code "timeout")
   * @param {import("./transcript.js").Transcript} transcript
   * @param {() => string|null} target the chat_id to send to now, or null
   *   while sending is impossible (disconnected, no chat)
   */
  constructor(send, transcript, target) {
    this.send = send;
    this.transcript = transcript;
    this.target = target;
    this.items = [];
    this.flushing = false;
  }

  /** Shows `fields.text` as "sending" under a fresh client_id and sends it. */
  push(clientId, fields) {
    this.transcript.addPending(clientId, fields);
    this.items.push({ clientId, fields });
    this.flush();
  }

  /** Sends what is waiting; call again after a reconnect. */
  async flush() {
    if (this.flushing) return;
    this.flushing = true;
    try {
      let attempt = 0;
      for (let chatId = this.target(); this.items.length && chatId; chatId = this.target()) {
        const item = this.items[0];
        const ack = await this.send({ chat_id: chatId, client_id: item.clientId, ...item.fields });
        const code = ack.ok ? null : (ack.error && ack.error.code) || "error";
        if (code === "timeout" || code === "rate_limited") {
          // A disconnect makes target() null and ends the loop; the next
          // flush (after the reconnect) sends the same client_id again.
          this.transcript.retrying(item.clientId);
          await sleep(RETRY_DELAYS_MS[Math.min(attempt++, RETRY_DELAYS_MS.length - 1)]);
          continue;
        }
        if (ack.ok) this.transcript.confirm(item.clientId, Number(ack.seq), ack.at);
        else this.transcript.fail(item.clientId, sendError(ack.error));
        if (this.items[0] === item) this.items.shift();
        attempt = 0;
      }
    } finally {
      this.flushing = false;
    }
  }

  /** The connection dropped: what waits will be resent after the reconnect. */
  stalled() {
    for (const item of this.items) this.transcript.retrying(item.clientId);
  }

  /** The chat is over: nothing waiting can be sent any more. */
  failAll(reason) {
    for (const item of this.items.splice(0)) this.transcript.fail(item.clientId, reason);
  }
}
