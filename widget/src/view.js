// The widget's DOM, inside a shadow root on its own container. The view
// knows nothing about sockets: it renders state and reports user actions
// through the `on*` callbacks.
import { CSS } from "./styles.js";
import { el, formatTime } from "./util.js";

export class WidgetView {
  constructor(doc = document) {
    this.onSend = () => {};
    this.onInput = () => {};
    this.onOpenChange = () => {};
    this.onEnd = () => {};
    this.agentName = "";
    this.host = el("div", { id: "shiftdesk-widget" });
    const root = this.host.attachShadow({ mode: "open" });
    adoptStyles(root, CSS);
    this.build();
    root.append(this.root);
    doc.body.append(this.host);
  }

  build() {
    this.badge = el("span", { class: "sd-badge", hidden: true, "aria-hidden": "true" });
    this.launcher = el(
      "button",
      { type: "button", class: "sd-launcher", "data-sd": "launcher", "aria-expanded": "false", "aria-controls": "sd-panel" },
      "Chat with us",
      this.badge,
    );
    this.status = el("span", { class: "sd-status", "data-sd": "status", role: "status" }, "Connecting…");
    this.endButton = el("button", { type: "button", class: "sd-btn", "data-sd": "end", hidden: true }, "End chat");
    const close = el("button", { type: "button", class: "sd-close", "aria-label": "Close chat" }, "×");
    this.messages = el("div", {
      class: "sd-messages", "data-sd": "messages", role: "log", "aria-live": "polite", "aria-label": "Messages",
    });
    this.typing = el("div", { class: "sd-typing", "data-sd": "typing", "aria-live": "polite" });
    this.notice = el("div", { class: "sd-notice", "data-sd": "notice" });
    this.input = el("textarea", {
      class: "sd-input", "data-sd": "input", rows: "2", maxlength: "4000",
      placeholder: "Type your message…", "aria-label": "Your message",
    });
    this.send = el("button", { type: "submit", class: "sd-send", "data-sd": "send" }, "Send");
    const composer = el("form", { class: "sd-composer" }, this.input, this.send);
    this.panel = el(
      "div",
      { id: "sd-panel", class: "sd-panel", role: "dialog", "aria-label": "Support chat", hidden: true },
      el("div", { class: "sd-header" }, el("span", { class: "sd-title" }, "Support"), this.status, this.endButton, close),
      this.messages, this.typing, this.notice, composer,
    );
    this.root = el("div", { class: "sd-root" }, this.panel, this.launcher);

    this.launcher.addEventListener("click", () => this.setOpen(this.panel.hidden));
    close.addEventListener("click", () => this.setOpen(false));
    this.endButton.addEventListener("click", () => this.onEnd());
    this.panel.addEventListener("keydown", (e) => {
      if (e.key === "Escape") this.setOpen(false);
    });
    composer.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit();
    });
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener("input", () => this.onInput());
  }

  submit() {
    const text = this.input.value.trim();
    if (!text || this.input.disabled) return;
    this.input.value = "";
    this.onSend(text);
  }

  isOpen() {
    return !this.panel.hidden;
  }

  setOpen(open) {
    if (open === this.isOpen()) return;
    this.panel.hidden = !open;
    this.launcher.setAttribute("aria-expanded", String(open));
    this.launcher.firstChild.textContent = open ? "Close chat" : "Chat with us";
    if (open) {
      this.setUnread(0);
      this.scrollToEnd();
      this.input.focus();
    }
    this.onOpenChange(open);
  }

  setUnread(count) {
    this.badge.hidden = count <= 0;
    this.badge.textContent = count > 0 ? String(count) : "";
  }

  setStatus(state, text) {
    this.status.setAttribute("data-state", state);
    this.status.textContent = text;
  }

  setTyping(text) {
    this.typing.textContent = text || "";
  }

  setComposerEnabled(enabled) {
    this.input.disabled = !enabled;
    this.send.disabled = !enabled;
  }

  /** Replaces the notice area with `nodes` (none clears it). */
  showNotice(...nodes) {
    this.notice.replaceChildren(...nodes.filter(Boolean));
  }

  /** One message's element (a MESSAGE in, text only). */
  renderMessage(message) {
    const who = { visitor: "You", agent: this.agentName || "Agent", system: "" }[message.author] ?? "";
    return el(
      "div",
      { class: "sd-msg", "data-sd": "message", "data-author": message.author, title: message.at || null },
      who ? el("span", { class: "sd-who" }, who) : null,
      el("span", { class: "sd-text" }, String(message.text ?? "")),
      message.at ? el("span", { class: "sd-meta" }, formatTime(message.at)) : null,
    );
  }

  scrollToEnd() {
    this.messages.scrollTop = this.messages.scrollHeight;
  }
}

/** Constructable stylesheets are not blocked by a host page's CSP
 * `style-src`; older browsers get a <style> element. */
function adoptStyles(root, css) {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } catch (_) {
    root.append(el("style", {}, css));
  }
}
