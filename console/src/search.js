// Search and history in the console (#search, #history/<chat id>): full-text
// search over the agent's own past chats and tickets (GET /api/search), and
// one past chat read-only with its transcript, survey and SLA record
// (GET /api/history/chats/{id}). A search narrows to a tag; results and
// the past chat show their tags. Everything shown is text; highlights are
// <mark> nodes built by snippet.js, tags chips built by tag-chips.js.
import { el, formatTime } from "../../widget/src/util.js";
import { errorText } from "./api.js";
import { resultPeople, resultTitle, snippetNode } from "./snippet.js";
import { fillTagSelect, tagChips } from "./tag-chips.js";

const PAGE = 20;
const AUTHORS = { visitor: "Visitor", agent: "Agent", system: "Desk" };
const ENDED = { visitor: "ended by the visitor", agent: "ended by the agent", converted: "became a ticket",
  abandoned: "the visitor left", suspended: "ended by a suspension", transferred: "transferred" };
const CLOCKS = { first_response: "First response", response_gap: "Response gap", duration: "Chat length" };

function seconds(s) {
  if (s === null || s === undefined) return "–";
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

export class SearchView {
  /**
   * @param {HTMLElement} root @param {import("./api.js").Api} api
   * @param {import("./tag-bar.js").TagStore | null} tagStore the tag list the console keeps
   */
  constructor(root, api, tagStore = null) {
    this.root = root;
    this.api = api;
    this.tagStore = tagStore;
    this.offset = 0;
    this.query = "";
    this.input = el("input", { type: "search", "data-sd": "search-input", maxlength: "200", required: true,
      placeholder: "A word from a chat, a note or a ticket", "aria-label": "Search your chats and tickets" });
    this.tag = el("select", { "data-sd": "search-tag", "aria-label": "Only chats and tickets with this tag" },
      el("option", { value: "" }, "Any tag"));
    this.tag.addEventListener("focus", () => this.fillTags());
    // the list loads once and follows the `tags` event: the filter with it
    if (tagStore) tagStore.bars.add({ draw: () => this.fillTags(), renamed: () => {} });
    const form = el("form", { class: "ticket-tools", role: "search", "data-sd": "search-form" }, this.input,
      this.tag, el("button", { type: "submit" }, "Search"));
    this.status = el("p", { class: "muted", "data-sd": "search-status", role: "status" });
    this.list = el("ol", { class: "search-results", "data-sd": "search-results" });
    this.more = el("button", { type: "button", "data-sd": "search-more", hidden: true }, "More results");
    this.listPane = el("section", { class: "tickets-pane" },
      el("header", { class: "pane-head" }, el("h2", {}, "Search"), form), this.status, this.list, this.more);
    this.detail = el("section", { class: "ticket-detail past-chat", "data-sd": "past-chat", hidden: true });
    root.replaceChildren(this.listPane, this.detail);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.run(this.input.value.trim(), 0);
    });
    this.more.addEventListener("click", () => this.run(this.query, this.offset + PAGE));
  }

  /** Shows the results, or one past chat when `chatId` is given. */
  async show(chatId) {
    this.listPane.hidden = Boolean(chatId);
    this.detail.hidden = !chatId;
    if (chatId) await this.loadChat(chatId);
    else {
      this.fillTags();
      this.input.focus();
    }
  }

  /** The tag filter offers every tag, archived ones too (old chats and tickets carry them). */
  fillTags() {
    if (this.tagStore) fillTagSelect(this.tag, this.tagStore.tags, "Any tag");
  }

  async run(query, offset) {
    if (!query) return;
    this.query = query;
    this.offset = offset;
    this.status.textContent = "Searching…";
    if (offset === 0) this.list.replaceChildren(); // at once: no result of the last query stands meanwhile
    this.more.hidden = true;
    const params = new URLSearchParams({ q: query, limit: PAGE, offset });
    if (this.tag.value) params.set("tag", this.tag.value);
    const answer = await this.api.get(`/api/search?${params}`);
    if (!answer.ok) {
      this.status.textContent = errorText(answer, "The search did not run");
      return;
    }
    this.list.append(...answer.results.map((r) => this.item(r)));
    const count = this.list.children.length;
    this.status.textContent = count ? `${count} found${answer.more ? " so far" : ""}` : "Nothing found.";
    this.more.hidden = !answer.more;
  }

  item(result) {
    const href = result.kind === "chat" ? `#history/${encodeURIComponent(result.id)}` : result.link;
    return el("li", { class: "search-result", "data-sd": "search-result", "data-kind": result.kind,
      "data-id": result.id },
    el("a", { href, "data-sd": "search-open" }, resultTitle(result)),
    " ", el("span", { class: "muted" }, formatTime(result.at, true)),
    " ", el("span", { class: "who", "data-sd": "search-who" }, resultPeople(result)),
    result.note ? el("span", { class: "muted" }, " · note") : null,
    result.tags && result.tags.length ? " " : null, tagChips(result.tags),
    el("div", {}, snippetNode(result.snippet)));
  }

  async loadChat(chatId) {
    this.detail.replaceChildren(el("p", { class: "muted" }, "Loading…"));
    const answer = await this.api.get(`/api/history/chats/${encodeURIComponent(chatId)}`);
    if (!answer.ok) {
      this.detail.replaceChildren(el("a", { href: "#search" }, "← Search"),
        el("p", { class: "error", role: "alert" }, errorText(answer, "The chat did not open")));
      return;
    }
    const { chat, visitor, messages, survey, sla, tags } = answer;
    const who = (visitor && visitor.name) || "Visitor";
    const facts = [
      ["Visitor", who], ["Topic", chat.topic || "–"], ["Agent", chat.agent ? chat.agent.name : "–"],
      ["Started", formatTime(chat.started_at, true)],
      ["Ended", chat.ended_at ? `${formatTime(chat.ended_at, true)}, ${ENDED[chat.end_reason] || chat.end_reason}` : "not yet"],
      ["Survey", survey ? `${survey.rating}/5${survey.comment ? `: ${survey.comment}` : ""}` : "–"],
      ["First response", seconds(sla && sla.first_response_s)], ["Chat length", seconds(sla && sla.duration_s)],
      ["SLA", sla && sla.events.length
        ? sla.events.map((e) => `${CLOCKS[e.kind] || e.kind} ${e.stage} at ${seconds(e.elapsed_s)}`).join("; ")
        : "no warning or breach"],
      ["Tags", tagChips(tags, "past-chat-tags") || "–"],
    ];
    this.detail.replaceChildren(
      el("a", { href: "#search", "data-sd": "past-chat-back" }, "← Search"),
      el("h2", {}, `Past chat with ${who}`, el("span", { class: "muted" }, " (read-only)")),
      el("dl", { class: "facts", "data-sd": "past-chat-facts" },
        ...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])),
      el("div", { class: "transcript", "data-sd": "past-transcript" },
        ...messages.map((m) => el("div", { class: "message", "data-sd": "past-message", "data-author": m.author,
          "data-note": m.note ? "true" : null },
        el("span", { class: "who" }, m.note ? "Note" : (m.agent && m.agent.name) || AUTHORS[m.author] || m.author),
        " ", el("span", { "data-sd": "message-text" }, m.text),
        " ", el("time", { datetime: m.at }, formatTime(m.at))))));
  }
}
