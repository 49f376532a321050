// Small helpers shared by the widget and the agent console.

/** A random id for `client_id`: crypto.randomUUID where the page allows it
 * (it needs a secure context), else 128 random bits from getRandomValues. */
export function randomId() {
  const c = typeof crypto !== "undefined" ? crypto : null;
  if (c && typeof c.randomUUID === "function") {
    try {
      return c.randomUUID();
    } catch (_) {
      // Insecure context: fall through to getRandomValues.
    }
  }
  const bytes = new Uint8Array(16);
  if (c && c.getRandomValues) c.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Creates an element; `attrs` are attributes (never innerHTML), `children`
 * are nodes or strings, and strings become text nodes. */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

/** Emits with an acknowledgement and a timeout; resolves to the ack object,
 * or to a `timeout` error ack so callers handle one shape. */
export function request(socket, event, payload, timeoutMs = 10000) {
  return new Promise((resolve) => {
    socket.timeout(timeoutMs).emit(event, payload, (err, ack) => {
      if (err) resolve({ ok: false, error: { code: "timeout", message: "No answer from the server" } });
      else resolve(ack && typeof ack === "object" ? ack : { ok: false, error: { code: "bad_ack", message: "Malformed answer" } });
    });
  });
}

/** Sends typing state at most once per `intervalMs` while typing, and a
 * `false` after `idleMs` without input (or when `stop()` is called). */
export class TypingNotifier {
  constructor(send, intervalMs = 3000, idleMs = 4000) {
    this.send = send;
    this.intervalMs = intervalMs;
    this.idleMs = idleMs;
    this.lastSent = 0;
    this.idleTimer = null;
  }

  input() {
    const now = Date.now();
    if (now - this.lastSent >= this.intervalMs) {
      this.lastSent = now;
      this.send(true);
    }
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.stop(), this.idleMs);
  }

  stop() {
    clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.lastSent) {
      this.lastSent = 0;
      this.send(false);
    }
  }
}

// The language dates and times are written in: the widget's chosen locale
// (setDateLocale), else the browser's own (the console).
let dateLocale;

/** Dates and times from now on in `tag` (a BCP 47 tag; undefined: the browser's). */
export function setDateLocale(tag) {
  dateLocale = tag || undefined;
}

/** "1m 05s" for a duration in seconds. */
export function formatDuration(seconds) {
  const s = Math.max(0, Math.round(Number(seconds) || 0));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return `${m}m ${String(s % 60).padStart(2, "0")}s`;
}

/** A short local time for an ISO-8601 string ("10:04 AM" in en-US), in the
 * reader's time zone and language (setDateLocale); `withDay` puts the date before it
 * ("Mon, Nov 23, 10:04 AM", with the year when it is not this one), for
 * times that may be days away. "" if invalid. */
export function formatTime(iso, withDay = false) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const opts = { hour: "2-digit", minute: "2-digit" };
  if (withDay) {
    Object.assign(opts, { weekday: "short", month: "short", day: "numeric" });
    if (d.getFullYear() !== new Date().getFullYear()) opts.year = "numeric";
  }
  return d.toLocaleString(dateLocale, opts);
}

/** A local date and time a visitor can act on ("Tue, Nov 24, 9:00 AM" in
 * en-US), in the browser's own time zone and the reader's language
 * (setDateLocale); "" if invalid. */
export function formatDate(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return d.toLocaleString(dateLocale, {
    weekday: "short", year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit",
  });
}

/** `text` with each `{name}` filled from `vars` (a name not in `vars` stays
 * as written). The widget's and the console's string tables use it. */
export function fillIn(text, vars) {
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}

/** `text` as a list of strings and nodes for el(): a `{name}` whose value is
 * a node (a <strong>, a button) is put in as that node, so each language
 * places it where its grammar wants. */
export function textParts(text, vars = {}) {
  return text.split(/\{(\w+)\}/).map((piece, i) => {
    if (i % 2 === 0) return piece;
    if (!(piece in vars)) return `{${piece}}`;
    const value = vars[piece];
    return typeof value === "string" || typeof value === "number" ? String(value) : value;
  }).filter((piece) => piece !== "");
}

/** The plural category of `count` ("one", "other", ...) in language `tag`
 * (the browser's when undefined); "other" without Intl.PluralRules. */
export function pluralCategory(count, tag) {
  try {
    return new Intl.PluralRules(tag).select(count);
  } catch (_) {
    return "other";
  }
}
