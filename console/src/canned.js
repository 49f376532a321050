// Canned replies in the composer: typing "/gre" offers the replies whose
// shortcut starts with "gre" (or whose title has it); Tab or Enter inserts
// the highlighted one in place of "/gre", Escape closes the list. The
// replies come from GET /api/canned (supervisors keep them), and their
// changes from the `canned` event.
import { el } from "../../widget/src/util.js";
import { s } from "./strings.js";

const TOKEN = /(^|\s)\/([a-z0-9_-]*)$/; // "/shortcut" right before the caret
const MAX_SHOWN = 8;

/** The shared list of canned replies, loaded once and on demand. */
export class CannedStore {
  constructor(api) {
    this.api = api;
    this.replies = [];
  }

  async load() {
    const answer = await this.api.get("/api/canned");
    if (answer.ok && Array.isArray(answer.replies)) this.replies = answer.replies;
    return this.replies;
  }

  /** A supervisor changed a reply (the `canned` event): the menu has it at once. */
  changed({ action, reply }) {
    if (!reply || !reply.id) return;
    const others = this.replies.filter((r) => r.id !== reply.id);
    this.replies = action === "remove" ? others
      : [...others, reply].sort((a, b) => String(a.shortcut).localeCompare(String(b.shortcut)));
  }

  /** Replies for a typed query, shortcut prefix matches first. */
  matching(query) {
    const q = query.toLowerCase();
    const byShortcut = this.replies.filter((r) => String(r.shortcut).startsWith(q));
    const byTitle = this.replies.filter((r) => !byShortcut.includes(r) && q && String(r.title).toLowerCase().includes(q));
    return [...byShortcut, ...byTitle].slice(0, MAX_SHOWN);
  }
}

export class CannedMenu {
  /** @param {HTMLTextAreaElement} input @param {CannedStore} store */
  constructor(input, store) {
    this.input = input;
    this.store = store;
    this.items = [];
    this.active = 0;
    this.element = el("ul", { class: "canned-menu", "data-sd": "canned-menu", role: "listbox", hidden: true,
      "aria-label": s("canned.label") });
    input.addEventListener("input", () => this.refresh());
    // A click on an option blurs the input first: close a moment later, and
    // only if the focus has not come back (a stale timer must not close a
    // menu opened since).
    input.addEventListener("blur", () => setTimeout(() => {
      if (document.activeElement !== this.input) this.close();
    }, 150));
  }

  isOpen() {
    return !this.element.hidden;
  }

  /** The "/query" before the caret, or null. */
  token() {
    const before = this.input.value.slice(0, this.input.selectionStart);
    const match = TOKEN.exec(before);
    return match ? { query: match[2], start: before.length - match[2].length - 1 } : null;
  }

  refresh() {
    const token = this.token();
    if (!token) {
      this.close();
      return;
    }
    this.items = this.store.matching(token.query);
    if (!this.items.length) {
      this.close();
      return;
    }
    this.active = Math.min(this.active, this.items.length - 1);
    this.render();
    this.element.hidden = false;
  }

  render() {
    this.element.replaceChildren(...this.items.map((reply, index) => {
      const option = el("li", { role: "option", class: "canned-option", "data-sd": "canned-option",
        "data-shortcut": reply.shortcut, "aria-selected": String(index === this.active) },
      el("span", { class: "canned-shortcut" }, `/${reply.shortcut}`),
      el("span", { class: "canned-title" }, String(reply.title)),
      el("span", { class: "canned-text" }, String(reply.text)));
      option.addEventListener("mousedown", (e) => {
        e.preventDefault(); // keep the focus in the input
        this.insert(reply);
      });
      return option;
    }));
  }

  /** Handles a keydown in the input; true when the menu used it. */
  keydown(e) {
    if (!this.isOpen()) return false;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      const step = e.key === "ArrowDown" ? 1 : -1;
      this.active = (this.active + step + this.items.length) % this.items.length;
      this.render();
    } else if (e.key === "Tab" || (e.key === "Enter" && !e.shiftKey)) {
      this.insert(this.items[this.active]);
    } else if (e.key === "Escape") {
      this.close();
    } else {
      return false;
    }
    e.preventDefault();
    return true;
  }

  insert(reply) {
    const token = this.token();
    if (!reply || !token) return;
    const value = this.input.value;
    const caret = this.input.selectionStart;
    const text = String(reply.text);
    this.input.value = value.slice(0, token.start) + text + value.slice(caret);
    const at = token.start + text.length;
    this.input.setSelectionRange(at, at);
    this.close();
    this.input.focus();
  }

  close() {
    this.element.hidden = true;
    this.active = 0;
  }
}
