// The widget's DOM, inside a shadow root on its own container (the only
// node it adds to the host page). The view knows nothing about sockets: it
// renders state and reports user actions through the `on*` callbacks.
// Every string from the server or the visitor is set as text (util.el,
// textContent), never parsed as HTML, and laid out by its own direction
// (dir="auto": a message in Arabic or Hebrew reads right to left in a
// panel whose words are English). The words are the chosen locale's
// (i18n.js), and `lang` on the root says which.
import { CSS } from "./styles.js";
import { el, formatDate, formatTime } from "./util.js";
import { filesOf, renderFiles, UploadLines } from "./attachments.js";
import { parts, t, tn } from "./i18n.js";

// Languages written right to left: the panel's own words and layout follow.
const RTL_LANGUAGES = new Set(["ar", "he", "fa", "ur"]);

export class WidgetView {
  /** `theme`: "light" or "dark" (the script tag's data-theme) fixes the
   * colours; anything else follows the visitor's prefers-color-scheme.
   * `lang`: the locale chosen (i18n.chooseLocale), for the root's `lang`. */
  constructor(doc = document, { theme = null, lang = "en" } = {}) {
    this.onSend = () => {};
    this.onInput = () => {};
    this.onOpenChange = () => {};
    this.onEnd = () => {};
    this.onChangeTopic = () => {};
    this.onMailTranscript = () => {}; // () => a transcriptForm for the open chat
    this.agentName = "";
    this.host = el("div", { id: "shiftdesk-widget" });
    const root = this.host.attachShadow({ mode: "open" });
    adoptStyles(root, CSS);
    this.build();
    if (theme === "light" || theme === "dark") this.root.setAttribute("data-theme", theme);
    this.root.setAttribute("lang", lang);
    if (RTL_LANGUAGES.has(lang)) this.root.setAttribute("dir", "rtl");
    root.append(this.root);
    doc.body.append(this.host);
  }

  build() {
    this.badge = el("span", { class: "sd-badge", "data-sd": "unread", hidden: true });
    this.launcherText = el("span", {}, t("launcher.open"));
    this.presence = el("span", { class: "sd-presence", "data-sd": "presence", hidden: true });
    this.launcher = el(
      "button",
      { type: "button", class: "sd-launcher", "data-sd": "launcher", "aria-expanded": "false", "aria-controls": "sd-panel" },
      this.launcherText, this.presence, this.badge,
    );
    this.status = el("span", { class: "sd-status", "data-sd": "status", role: "status" }, t("status.connecting"));
    this.agent = el("span", { class: "sd-agent", "data-sd": "agent-name", dir: "auto", hidden: true });
    this.endButton = el("button", { type: "button", class: "sd-btn", "data-sd": "end", hidden: true }, t("chat.end"));
    this.mailButton = el("button", { type: "button", class: "sd-btn", "data-sd": "mail-transcript", hidden: true,
      "aria-expanded": "false", "aria-controls": "sd-mail-box" }, t("chat.mail"));
    this.mailButton.title = t("chat.mail_title");
    // The transcript by email during a chat (after it, the end panel offers it).
    this.mailBox = el("div", { id: "sd-mail-box", class: "sd-banner sd-confirm", "data-sd": "mail-box", hidden: true });
    const close = el("button", { type: "button", class: "sd-close", "data-sd": "close", "aria-label": t("panel.close") }, "×");
    this.position = el("strong", { "data-sd": "position" });
    this.eta = el("span", { "data-sd": "eta" });
    this.queued = el("div", { class: "sd-banner", "data-sd": "queued", hidden: true },
      ...parts("chat.queued", { position: this.position, eta: this.eta }));
    this.warning = el("div", { class: "sd-banner sd-warn", "data-sd": "warning", role: "alert", hidden: true });
    this.endYes = el("button", { type: "button", class: "sd-btn sd-btn-primary", "data-sd": "end-yes" }, t("chat.end_yes"));
    this.endNo = el("button", { type: "button", class: "sd-btn", "data-sd": "end-no" }, t("chat.end_no"));
    this.endConfirm = el("div", { class: "sd-banner sd-confirm", "data-sd": "end-confirm", role: "alertdialog",
      "aria-label": t("chat.end_label"), hidden: true },
    el("span", {}, t("chat.end_question")), el("span", { class: "sd-row" }, this.endNo, this.endYes));
    this.tickets = el("div", { class: "sd-section", "data-sd": "open-tickets", hidden: true });
    this.messages = el("div", {
      class: "sd-messages", "data-sd": "messages", role: "log", "aria-live": "polite", "aria-label": t("panel.messages"),
    });
    this.typing = el("div", { class: "sd-typing", "data-sd": "typing", "aria-live": "polite" });
    this.notice = el("div", { class: "sd-section", "data-sd": "notice" });
    this.offline = el("div", { class: "sd-section", "data-sd": "offline", hidden: true });
    this.suspended = el("div", { class: "sd-section", "data-sd": "suspended", role: "alert", hidden: true });
    this.prechat = el("div", { class: "sd-section", hidden: true });
    // The end of a chat, one step at a time (why it ended, the survey, a
    // new chat), below the transcript and outside its scroll, so it stays in view.
    this.after = el("div", { class: "sd-section sd-after", "data-sd": "after-chat", hidden: true });
    this.topicName = el("strong", { "data-sd": "topic-name" });
    this.topicChange = el("button", { type: "button", class: "sd-link", "data-sd": "change-topic" }, t("chat.change_topic"));
    this.topicLine = el("div", { class: "sd-topic", "data-sd": "topic", hidden: true },
      ...parts("chat.topic", { topic: this.topicName, change: this.topicChange }));
    this.input = el("textarea", {
      class: "sd-input", "data-sd": "input", rows: "2", maxlength: "4000",
      placeholder: t("composer.placeholder"), "aria-label": t("composer.label"), dir: "auto",
    });
    this.send = el("button", { type: "submit", class: "sd-send", "data-sd": "send" }, t("composer.send"));
    this.attach = el("button", { type: "button", class: "sd-attach", "data-sd": "attach", title: t("attach.button"),
      "aria-label": t("attach.button") }, "+");
    this.picker = el("input", { type: "file", multiple: true, hidden: true, "data-sd": "file-input" });
    this.uploads = el("div", { class: "sd-uploads", "data-sd": "uploads", "aria-live": "polite" });
    this.uploadLines = new UploadLines(this.uploads, {
      uploading: (name, percent) => t("attach.uploading", { name, percent }),
      failed: (name, reason) => t("attach.failed", { name, reason }),
      dismiss: t("attach.dismiss"),
    });
    this.files = new Map(); // id -> ATTACHMENT of files we sent, shown before the server echoes them
    this.fileClient = null; // set by the widget (attachments.fileClient)
    this.onFiles = () => {};
    this.composer = el("form", { class: "sd-composer" }, this.attach, this.picker, this.input, this.send);
    this.body = el("div", { class: "sd-body" },
      this.tickets, this.messages, this.typing, this.notice, this.offline, this.suspended, this.prechat);
    this.panel = el(
      "div",
      { id: "sd-panel", class: "sd-panel", role: "dialog", "aria-label": t("panel.label"), hidden: true },
      el("div", { class: "sd-header" },
        el("div", { class: "sd-heading" }, el("span", { class: "sd-title" }, t("panel.title")), this.status),
        this.mailButton, this.endButton, close),
      this.queued, this.warning, this.endConfirm, this.mailBox, this.body, this.after, this.topicLine, this.uploads, this.composer,
    );
    this.root = el("div", { class: "sd-root" }, this.panel, this.launcher);
    this.bind(close);
  }

  bind(close) {
    this.launcher.addEventListener("click", () => this.setOpen(this.panel.hidden));
    close.addEventListener("click", () => this.setOpen(false));
    this.endButton.addEventListener("click", () => this.confirmEnd(true));
    this.endNo.addEventListener("click", () => this.confirmEnd(false));
    this.mailButton.addEventListener("click", () => this.showMailBox(this.mailBox.hidden));
    this.endYes.addEventListener("click", () => {
      this.confirmEnd(false);
      this.onEnd();
    });
    this.topicChange.addEventListener("click", () => this.onChangeTopic());
    this.root.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this.isOpen()) {
        this.setOpen(false);
        this.launcher.focus();
      }
    });
    this.composer.addEventListener("submit", (e) => {
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
    this.attach.addEventListener("click", () => this.picker.click());
    this.picker.addEventListener("change", () => {
      const chosen = [...this.picker.files];
      this.picker.value = "";
      if (chosen.length) this.onFiles(chosen);
    });
    this.input.addEventListener("paste", (e) => {
      const pasted = filesOf(e.clipboardData);
      if (pasted.length) {
        e.preventDefault();
        this.onFiles(pasted);
      }
    });
    this.panel.addEventListener("dragover", (e) => {
      if (!this.composer.hidden) e.preventDefault();
    });
    this.panel.addEventListener("drop", (e) => {
      const dropped = filesOf(e.dataTransfer);
      if (!dropped.length || this.composer.hidden) return;
      e.preventDefault();
      this.onFiles(dropped);
    });
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
    this.launcherText.textContent = t(open ? "launcher.close" : "launcher.open");
    if (open) {
      this.scrollToEnd();
      if (!this.composer.hidden && !this.input.disabled) this.input.focus();
    }
    this.onOpenChange(open);
  }

  setUnread(count) {
    this.badge.hidden = count <= 0;
    this.badge.textContent = count > 0 ? String(count) : "";
    this.badge.setAttribute("aria-label", tn("launcher.unread", count));
  }

  /** The desk's status on the launcher: `state` "online" or "offline"
   * with its `text` and a `title` (the next opening), or null to hide it. */
  setPresence(state, text = "", title = "") {
    this.presence.hidden = !state;
    this.presence.setAttribute("data-state", state || "");
    this.presence.textContent = text;
    if (title) this.presence.setAttribute("title", title);
    else this.presence.removeAttribute("title");
  }

  /** `parts`: strings and nodes (the agent's name node while chatting). */
  setStatus(state, ...parts) {
    this.status.setAttribute("data-state", state);
    this.status.replaceChildren(...parts);
  }

  setAgent(name) {
    this.agentName = name || "";
    this.agent.hidden = !this.agentName;
    this.agent.textContent = this.agentName;
  }

  /** `position` null hides the queue banner; `etaMinutes` (a whole number
   * of minutes, or null) adds the estimated wait. */
  setQueued(position, etaMinutes) {
    this.queued.hidden = position === null;
    this.position.textContent = position === null ? "" : String(position);
    this.eta.textContent = etaMinutes ? tn("chat.eta", etaMinutes) : "";
  }

  setWarning(text) {
    this.warning.hidden = !text;
    this.warning.textContent = text || "";
  }

  setTyping(text) {
    this.typing.textContent = text || "";
  }

  /** "End this chat?" under the header, or not; the question takes the focus. */
  confirmEnd(asking) {
    this.endConfirm.hidden = !asking;
    this.endButton.setAttribute("aria-expanded", String(asking));
    if (asking) this.endNo.focus();
    else if (!this.composer.hidden && !this.input.disabled) this.input.focus();
  }

  /** The transcript-by-email box under the header (a fresh form each time
   * it opens), or not. */
  showMailBox(open) {
    this.mailBox.hidden = !open;
    this.mailButton.setAttribute("aria-expanded", String(open));
    if (open) {
      this.mailBox.replaceChildren(this.onMailTranscript());
      const first = this.mailBox.querySelector("button");
      if (first) first.focus();
    } else this.mailBox.replaceChildren();
  }

  /** The topic picked before the chat ("" hides the line). */
  setTopic(label) {
    this.topicLine.hidden = !label;
    this.topicName.textContent = label || "";
  }

  setComposer(visible, enabled) {
    this.composer.hidden = !visible;
    this.input.disabled = !enabled;
    this.send.disabled = !enabled;
  }

  /** Fills one of the sections (notice, offline, suspended, prechat,
   * tickets) with `nodes`; none hides it. */
  fill(section, ...nodes) {
    const shown = nodes.filter(Boolean);
    section.replaceChildren(...shown);
    section.hidden = shown.length === 0;
  }

  /** Replaces the notice area with `nodes` (none clears it). */
  showNotice(...nodes) {
    this.fill(this.notice, ...nodes);
  }

  /** One message's element (a MESSAGE in, text only). */
  renderMessage(message) {
    // An agent message is signed by who wrote it (MESSAGE.agent), not by
    // whoever has the chat now: a transfer changes the latter.
    const agent = (message.agent && message.agent.name) || t("chat.agent");
    const who = { visitor: t("chat.you"), agent, system: "" }[message.author] ?? "";
    return el(
      "div",
      { class: "sd-msg", "data-sd": "message", "data-author": message.author, title: message.at ? formatDate(message.at) : null },
      who ? el("span", { class: "sd-who", dir: "auto" }, who) : null,
      message.text ? el("span", { class: "sd-text", "data-sd": "message-text", dir: "auto" }, String(message.text)) : null,
      renderFiles(message.attachments, this.fileClient, this.files),
      message.at ? el("span", { class: "sd-meta" }, formatTime(message.at)) : null,
    );
  }

  scrollToEnd() {
    this.body.scrollTop = this.body.scrollHeight;
  }

  /** A DOM event for the host page (`shiftdesk:*`), from our container. */
  dispatch(name, detail) {
    this.host.dispatchEvent(new CustomEvent(`shiftdesk:${name}`, { detail, bubbles: true, composed: true }));
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
