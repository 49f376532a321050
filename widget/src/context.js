// The visitor's context beside its chat (docs/widget.md, "What the agent
// sees of the page"): the page it is on, again as it navigates, its
// browser's language, time zone and user agent, and the host page's own
// fields (Shiftdesk.setContext). Sent with `chat:context` while a chat is
// open; the server validates and limits it, this only keeps it small.
import { request } from "./util.js";

const SETTLE_MS = 400; // a single-page app sets its title just after pushState: send both together
const RETRY_MS = 15000; // after rate_limited, the latest page is sent again this much later
const LIMITS = { url: 2048, title: 300, referrer: 2048, user_agent: 512 };
const LANGUAGE = /^[A-Za-z0-9-]{1,35}$/;
const TIME_ZONE = /^[A-Za-z0-9_+./-]{1,64}$/;

const clip = (value, max) => (typeof value === "string" && value ? value.slice(0, max) : undefined);

/** What this browser can say of the page and itself, within the server's bounds. */
export function pageFacts(win) {
  const facts = {
    url: clip(String(win.location.href), LIMITS.url),
    title: clip(win.document.title, LIMITS.title) ?? "",
    referrer: clip(win.document.referrer, LIMITS.referrer),
    user_agent: clip(win.navigator.userAgent, LIMITS.user_agent),
    utc_offset_min: -new Date().getTimezoneOffset(),
  };
  const language = win.navigator.language;
  if (typeof language === "string" && LANGUAGE.test(language)) facts.language = language;
  try {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (typeof zone === "string" && TIME_ZONE.test(zone)) facts.time_zone = zone;
  } catch (_) {
    // No Intl time zone: the offset alone still gives the local time.
  }
  return facts;
}

/** `setContext`'s fields merged into `current`: a null or undefined value
 * removes the field. Throws a TypeError for anything but a plain object. */
export function mergeCustom(current, fields) {
  if (!fields || typeof fields !== "object" || Array.isArray(fields)) {
    throw new TypeError("Shiftdesk.setContext takes an object of fields: {name: value}");
  }
  const merged = { ...current };
  for (const [name, value] of Object.entries(fields)) {
    if (value === null || value === undefined) delete merged[name];
    else merged[name] = value;
  }
  return merged;
}

export class ContextReporter {
  /**
   * @param {Window} win the host page's window
   * @param socket the /visitor socket
   * @param {() => string|null} openChat the open chat's id while the socket is ready, else null
   * @param {{pages: boolean}} options pages false (data-context="off"): no page or browser facts
   */
  constructor(win, socket, openChat, options = { pages: true }) {
    this.win = win;
    this.socket = socket;
    this.openChat = openChat;
    this.pages = options.pages !== false;
    this.custom = {}; // the host page's fields, merged
    this.customSentTo = null; // the chat that has `custom` as it is now
    this.sent = null; // "chat url title" last sent
    this.timer = null;
  }

  /** Follows the page: history.pushState/replaceState (wrapped, the host's
   * call still does what it did), back and forward, the hash, the title. */
  watch() {
    if (!this.pages) return;
    const changed = () => this.pageChanged();
    const history = this.win.history;
    for (const name of ["pushState", "replaceState"]) {
      const original = history[name];
      if (typeof original !== "function") continue;
      history[name] = function wrapped(...args) {
        const result = original.apply(this, args);
        changed();
        return result;
      };
    }
    this.win.addEventListener("popstate", changed);
    this.win.addEventListener("hashchange", changed);
    const title = this.win.document.querySelector("head > title");
    if (title && typeof MutationObserver === "function") {
      new MutationObserver(changed).observe(title, { childList: true, characterData: true, subtree: true });
    }
  }

  pageChanged() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.sendPage(), SETTLE_MS);
  }

  /** A chat was adopted (a new one, or the open one on a new page or a
   * reconnect): it gets the page now, and the custom fields if it lacks them. */
  chatOpened() {
    this.sent = null;
    this.sendPage();
    this.sendCustom();
  }

  async sendPage() {
    const chatId = this.openChat();
    if (!chatId || !this.pages) return;
    const facts = pageFacts(this.win);
    const key = `${chatId} ${facts.url} ${facts.title}`;
    if (key === this.sent) return;
    this.sent = key;
    const ack = await request(this.socket, "chat:context", { chat_id: chatId, ...facts });
    if (ack.ok) return;
    this.sent = null;
    if (ack.error && ack.error.code === "rate_limited") {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.sendPage(), RETRY_MS);
    }
  }

  async sendCustom() {
    const chatId = this.openChat();
    if (!chatId || this.customSentTo === chatId || !Object.keys(this.custom).length) return null;
    const custom = this.custom;
    const ack = await request(this.socket, "chat:context", { chat_id: chatId, custom });
    if (ack.ok && custom === this.custom) this.customSentTo = chatId;
    if (!ack.ok && custom === this.custom) {
      this.custom = {}; // refused: not sent again with every chat
      console.warn(`Shiftdesk.setContext: ${ack.error && ack.error.message}`);
    }
    return ack;
  }

  /** Shiftdesk.setContext: resolves to the server's ack, or {ok: true,
   * queued: true} when no chat is open (sent when one opens). */
  async setContext(fields) {
    let merged;
    try {
      merged = mergeCustom(this.custom, fields);
    } catch (err) {
      return { ok: false, error: { code: "bad_request", message: err.message } };
    }
    const before = this.custom;
    const sentBefore = this.customSentTo;
    this.custom = merged;
    this.customSentTo = null;
    const chatId = this.openChat();
    if (!chatId) return { ok: true, queued: true };
    const ack = await request(this.socket, "chat:context", { chat_id: chatId, custom: merged });
    if (ack.ok) {
      if (this.custom === merged) this.customSentTo = chatId;
    } else if (this.custom === merged) {
      this.custom = before; // refused: the fields before stay the ones to merge into
      this.customSentTo = sentBefore;
    }
    return ack;
  }
}
