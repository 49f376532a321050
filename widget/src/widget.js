// Shiftdesk's embeddable chat widget. A site embeds it with
//   <script src="https://DESK/widget.js" data-site="KEY" async></script>
// and it talks to the server that served it, on the /visitor namespace.
// Optional attributes: data-identity="JWT" (a verified visitor),
// data-prechat (ask name, email and topic before the first message),
// data-topics="general,billing:Billing questions" (the topics offered; "*": all the desk's),
// data-theme="light|dark" (fixed colours; by default the visitor's system's),
// data-context="off" (send no page or browser facts beside a chat),
// data-locale="fr" (the widget's language; by default the browser's).
// docs/widget.md is the integrator's guide.
import { io } from "socket.io-client";
import { WidgetChat } from "./chat.js";
import { ContextReporter } from "./context.js";
import { WidgetView } from "./view.js";
import { fileClient } from "./attachments.js";
import { useFiles } from "./forms.js";
import { chooseLocale, intlLocale } from "./i18n.js";
import { setDateLocale } from "./util.js";

/** Our own <script> tag: currentScript while this file runs (async scripts
 * included), else the first tag that carries a site key. */
function ownScript() {
  const current = document.currentScript;
  if (current && current.dataset && current.dataset.site) return current;
  return document.querySelector("script[data-site]");
}

/** What survives reloads, in localStorage under `shiftdesk:SITE:NAME`;
 * when storage is blocked (privacy modes) it lives as long as the page. */
function memoryFor(site) {
  const memory = new Map();
  const key = (name) => `shiftdesk:${site}:${name}`;
  return {
    get(name) {
      try {
        return window.localStorage.getItem(key(name)) ?? memory.get(name) ?? null;
      } catch (_) {
        return memory.get(name) ?? null;
      }
    },
    set(name, value) {
      memory.set(name, value);
      try {
        if (value === null || value === undefined) window.localStorage.removeItem(key(name));
        else window.localStorage.setItem(key(name), value);
      } catch (_) {
        // Storage refused: the in-memory copy still covers reconnects.
      }
    },
  };
}

/** `data-topics="general,billing:Billing questions"` → [{name, label}]:
 * names as the desk's [topics.NAME], labels default to the name. */
export function parseTopics(attr) {
  return String(attr || "").split(",").map((item) => {
    const [name, ...label] = item.split(":");
    const key = name.trim();
    const text = label.join(":").trim() || key.charAt(0).toUpperCase() + key.slice(1).replace(/_/g, " ");
    return { name: key, label: text };
  }).filter((t) => /^[a-z0-9_-]{1,40}$/.test(t.name));
}

/** `GET /widget/status`: whether the desk is online, for the launcher of a
 * page that has not connected. Resolves to the answer's JSON, or to
 * `{ok: false}` when the desk could not be reached. The browser's cache
 * keeps each answer as long as the desk says (30 s). */
function statusFetcher(origin, site) {
  return async () => {
    try {
      const response = await fetch(`${origin}/widget/status?site=${encodeURIComponent(site)}`, {
        credentials: "omit", mode: "cors",
      });
      return await response.json();
    } catch (_) {
      return { ok: false, error: { code: "network" } };
    }
  };
}

/** `POST /widget/tickets`: the ticket form without a socket (suspended,
 * refused). Resolves to the same ack shape as the socket's events. */
function ticketPoster(origin) {
  return async (body) => {
    try {
      const response = await fetch(`${origin}/widget/tickets`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
        credentials: "omit", mode: "cors",
      });
      return await response.json();
    } catch (_) {
      return { ok: false, error: { code: "network", message: "The desk could not be reached; please try again." } };
    }
  };
}

/** The browser's languages, most preferred first. */
function browserLanguages() {
  const nav = window.navigator || {};
  if (Array.isArray(nav.languages) && nav.languages.length) return nav.languages;
  return nav.language ? [nav.language] : [];
}

function boot(script) {
  const site = script.dataset.site;
  const origin = new URL(script.src, window.location.href).origin;
  const memory = memoryFor(site);
  const identity = script.dataset.identity || null;
  // standby: kept out of chat, the socket is still admitted, to hear when it lifts.
  const auth = { site, standby: true };
  // A token a verified visitor left is not reused by an anonymous page:
  // on a shared computer the next person must not get their chats.
  if (identity) auth.identity = identity;
  if (!identity && memory.get("verified")) {
    memory.set("token", null);
    memory.set("prechat", null);
    memory.set("pending", null);
  }
  if (memory.get("token")) auth.token = memory.get("token");
  else memory.set("pending", null); // nothing of ours can be waiting without our token
  // Not connected yet: a socket per page view would size the desk by its
  // sites' page views rather than its chats (WidgetChat.connect says when).
  const socket = io(`${origin}/visitor`, {
    auth,
    autoConnect: false,
    transports: ["websocket", "polling"],
    tryAllTransports: true, // fall back to polling when websockets are blocked
  });
  // The language first: every word of the view comes from its table.
  const lang = chooseLocale(script.dataset.locale, browserLanguages());
  setDateLocale(intlLocale());
  const view = new WidgetView(document, { theme: script.dataset.theme, lang });
  view.fileClient = fileClient(origin, () => ({ site, token: memory.get("token"), identity }));
  useFiles(view.fileClient);
  // data-topics="*": the desk's topics, as /widget/status names them.
  const deskTopics = script.dataset.topics === "*";
  const status = statusFetcher(origin, site);
  const options = {
    prechat: "prechat" in script.dataset && script.dataset.prechat !== "false",
    topics: parseTopics(script.dataset.topics),
    postTicket: ticketPoster(origin),
    fetchStatus: async () => {
      const answer = await status();
      if (deskTopics && Array.isArray(answer.topics)) options.topics = parseTopics(answer.topics.join(","));
      return answer;
    },
  };
  const chat = new WidgetChat(socket, view, memory, options);
  const context = new ContextReporter(window, socket, () => chat.openChatId(),
    { pages: script.dataset.context !== "off" });
  chat.onAdopt = () => context.chatOpened();
  context.watch();
  const inner = view.onOpenChange;
  view.onOpenChange = (open) => {
    inner(open);
    try {
      window.sessionStorage.setItem(`shiftdesk:${site}:open`, open ? "1" : "");
    } catch (_) {
      // Remembering the panel across reloads is only a nicety.
    }
  };
  try {
    if (window.sessionStorage.getItem(`shiftdesk:${site}:open`)) view.setOpen(true); // and connects
  } catch (_) {
    // As above.
  }
  if (memory.get("pending")) chat.connect(); // a chat or a survey waits: its badge and steps need the socket
  if (deskTopics && memory.get("pending")) options.fetchStatus(); // watchStatus will not: the socket is up
  chat.watchStatus(); // the launcher's online/offline while there is no socket
  /** Connects again as someone else: `identity` a JWT, or null (anonymous).
   * A widget that had not connected stays so until the visitor opens it. */
  const relogin = (jwt) => {
    const connected = socket.active;
    socket.disconnect();
    memory.set("token", null);
    memory.set("verified", null);
    memory.set("prechat", null);
    memory.set("pending", null);
    chat.reset(); // after the memory: it must not keep the last visitor's answers
    socket.auth = jwt ? { site, identity: jwt, standby: true } : { site, standby: true };
    if (connected || view.isOpen()) chat.connect();
  };
  return { view, relogin, context };
}

(function main() {
  if (window.Shiftdesk && window.Shiftdesk.version) return; // embedded twice
  const script = ownScript();
  let instance = null;
  const pending = [];
  const later = (action) => (instance ? action(instance) : pending.push(action));
  window.Shiftdesk = {
    version: 1,
    open: () => later((w) => w.view.setOpen(true)),
    close: () => later((w) => w.view.setOpen(false)),
    /** Reconnects as the verified visitor of `jwt` (an identity JWT signed
     * by the site's backend); its chats and tickets come with it. */
    identify: (jwt) => later((w) => w.relogin(typeof jwt === "string" && jwt ? jwt : null)),
    /** Forgets the visitor (its token) and reconnects anonymously: call it
     * when the user signs out of the host site. */
    logout: () => later((w) => w.relogin(null)),
    /** Adds the host page's own fields to the context agents see beside
     * the chat: {name: string | number | boolean}, null removes one.
     * Resolves to the server's answer ({ok: false, error} for a field it
     * refuses), or {ok: true, queued: true} until a chat is open. */
    setContext: (fields) => new Promise((resolve) => {
      later((w) => w.context.setContext(fields).then(resolve));
    }),
  };
  if (!script || !script.dataset.site) {
    console.warn("Shiftdesk: no <script data-site=...> tag found; the widget is not started.");
    return;
  }
  const start = () => {
    instance = boot(script);
    for (const action of pending.splice(0)) action(instance);
  };
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start, { once: true });
})();
