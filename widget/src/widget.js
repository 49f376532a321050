// Shiftdesk's embeddable chat widget. A site embeds it with
//   <script src="https://DESK/widget.js" data-site="KEY" async></script>
// and it talks to the server that served it, on the /visitor namespace.
import { io } from "socket.io-client";
import { WidgetChat } from "./chat.js";
import { WidgetView } from "./view.js";

/** Our own <script> tag: currentScript while this file runs (async scripts
 * included), else the first tag that carries a site key. */
function ownScript() {
  const current = document.currentScript;
  if (current && current.dataset && current.dataset.site) return current;
  return document.querySelector("script[data-site]");
}

/** The visitor token survives reloads in localStorage; when storage is
 * blocked (privacy modes) it lives as long as the page. */
function tokenStore(site) {
  const key = `shiftdesk:${site}:token`;
  let memory = null;
  return {
    get() {
      try {
        return window.localStorage.getItem(key) || memory;
      } catch (_) {
        return memory;
      }
    },
    set(token) {
      memory = token;
      try {
        window.localStorage.setItem(key, token);
      } catch (_) {
        // Storage refused: the in-memory copy still covers reconnects.
      }
    },
  };
}

function boot(script) {
  const site = script.dataset.site;
  const origin = new URL(script.src, window.location.href).origin;
  const tokens = tokenStore(site);
  const auth = { site };
  const token = tokens.get();
  if (token) auth.token = token;
  const socket = io(`${origin}/visitor`, {
    auth,
    transports: ["websocket", "polling"],
    tryAllTransports: true, // fall back to polling when websockets are blocked
  });
  const view = new WidgetView(document);
  const chat = new WidgetChat(socket, view, tokens);
  const openKey = `shiftdesk:${site}:open`;
  view.onOpenChange = ((inner) => (open) => {
    inner(open);
    try {
      window.sessionStorage.setItem(openKey, open ? "1" : "");
    } catch (_) {
      // Remembering the panel across reloads is only a nicety.
    }
  })(view.onOpenChange);
  try {
    if (window.sessionStorage.getItem(openKey)) view.setOpen(true);
  } catch (_) {
    // As above.
  }
  return { view, chat, socket };
}

(function main() {
  if (window.Shiftdesk && window.Shiftdesk.version) return; // embedded twice
  const script = ownScript();
  let instance = null;
  let wantOpen = false;
  window.Shiftdesk = {
    version: 1,
    open() {
      if (instance) instance.view.setOpen(true);
      else wantOpen = true;
    },
    close() {
      if (instance) instance.view.setOpen(false);
      else wantOpen = false;
    },
  };
  if (!script || !script.dataset.site) {
    console.warn("Shiftdesk: no <script data-site=...> tag found; the widget is not started.");
    return;
  }
  const start = () => {
    instance = boot(script);
    if (wantOpen) instance.view.setOpen(true);
  };
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start, { once: true });
})();
