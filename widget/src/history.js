// Reading a chat's history (`chat:history`, docs/protocol.md), shared by the
// widget and the agent console. The server cuts each answer by size as
// well as by count and says `more` while there may be more: the reader asks
// again after the last seq it got, until `more` is false. A page's length
// says nothing (a cut page may hold one message).
import { request } from "./util.js";

export class HistoryReader {
  /**
   * @param socket the socket.io-client Socket the chat is on
   * @param {string} chatId
   * @param {(messages: object[]) => boolean} add takes one page's MESSAGEs;
   *   false stops the reading (the chat is not the one on show any more)
   * @param {number} read the seq up to which everything is shown already
   */
  constructor(socket, chatId, add, read = 0) {
    this.socket = socket;
    this.chatId = chatId;
    this.add = add;
    this.read = read;
    this.running = null;
    this.again = false;
  }

  /** Everything up to `seq` is shown (the first page, from `chat:assigned`). */
  had(seq) {
    this.read = Math.max(this.read, Number(seq) || 0);
  }

  /** Reads every page after what is shown. One reading at a time: a call
   * while one runs makes it look once more when it ends (it may have
   * started before a reconnect). Resolves when done. */
  sync() {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.pages();
      } while (this.again);
      this.running = null;
    })();
    return this.running;
  }

  /** Pages on from `read`: the last seq of the page before (or of what
   * `had` said is shown), never what live messages showed meanwhile. A
   * `chat:message` that arrives between two pages is further on, and paging
   * after it would skip the messages between. */
  async pages() {
    for (;;) {
      const after = this.read;
      const ack = await request(this.socket, "chat:history", { chat_id: this.chatId, after_seq: after });
      if (!ack.ok) return;
      const messages = Array.isArray(ack.messages) ? ack.messages : [];
      if (this.add(messages) === false) return;
      const last = messages.reduce((top, m) => Math.max(top, Number(m.seq) || 0), 0);
      if (last <= after) return; // nothing new: the end, whatever `more` says
      this.read = Math.max(this.read, last);
      if (!ack.more) return;
    }
  }
}
