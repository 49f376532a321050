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
import { parts, s, sn } from "./strings.js";

const PAGE = 20;
// Words by code, in strings.js: "search.author.<author>", "search.ended.<reason>",
// "search.clock.<kind>".
const AUTHORS = new Set(["visitor", "agent", "system"]);
const ENDED = new Set(["visitor", "agent", "converted", "abandoned", "suspended", "transferred"]);
const CLOCKS = new Set(["first_response", "response_gap", "duration"]);

/** `set`'s word for `code` (`prefix.code`), or the code itself. */
function word(set, prefix, code) {
  return set.has(code) ? s(`${prefix}.${code}`) : code;
}

function seconds(value) {
  if (value === null || value === undefined) return "–";
  return value < 60 ? s("search.seconds", { seconds: value })
    : s("search.minutes", { minutes: Math.floor(value / 60), seconds: value % 60 });
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
      placeholder: s("search.placeholder"), "aria-label": s("search.label") });
    this.tag = el("select", { "data-sd": "search-tag", "aria-label": s("search.tag_label") },
      el("option", { value: "" }, s("search.any_tag")));
    this.tag.addEventListener("focus", () => this.fillTags());
    // the list loads once and follows the `tags` event: the filter with it
    if (tagStore) tagStore.bars.add({ draw: () => this.fillTags(), renamed: () => {} });
    const form = el("form", { class: "ticket-tools", role: "search", "data-sd": "search-form" }, this.input,
      this.tag, el("button", { type: "submit" }, s("search.submit")));
    this.status = el("p", { class: "muted", "data-sd": "search-status", role: "status" });
    this.list = el("ol", { class: "search-results", "data-sd": "search-results" });
    this.more = el("button", { type: "button", "data-sd": "search-more", hidden: true }, s("search.more"));
    this.listPane = el("section", { class: "tickets-pane" },
      el("header", { class: "pane-head" }, el("h2", {}, s("search.title")), form), this.status, this.list, this.more);
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
    if (this.tagStore) fillTagSelect(this.tag, this.tagStore.tags, s("search.any_tag"));
  }

  async run(query, offset) {
    if (!query) return;
    this.query = query;
    this.offset = offset;
    this.status.textContent = s("search.searching");
    if (offset === 0) this.list.replaceChildren(); // at once: no result of the last query stands meanwhile
    this.more.hidden = true;
    const params = new URLSearchParams({ q: query, limit: PAGE, offset });
    if (this.tag.value) params.set("tag", this.tag.value);
    const answer = await this.api.get(`/api/search?${params}`);
    if (!answer.ok) {
      this.status.textContent = errorText(answer, s("search.failed"));
      return;
    }
    this.list.append(...answer.results.map((r) => this.item(r)));
    const count = this.list.children.length;
    this.status.textContent = !count ? s("search.nothing")
      : answer.more ? sn("search.found_so_far", count) : sn("search.found", count);
    this.more.hidden = !answer.more;
  }

  item(result) {
    const href = result.kind === "chat" ? `#history/${encodeURIComponent(result.id)}` : result.link;
    return el("li", { class: "search-result", "data-sd": "search-result", "data-kind": result.kind,
      "data-id": result.id },
    el("a", { href, "data-sd": "search-open" }, resultTitle(result)),
    " ", el("span", { class: "muted" }, formatTime(result.at, true)),
    " ", el("span", { class: "who", "data-sd": "search-who" }, resultPeople(result)),
    result.note ? el("span", { class: "muted" }, ` · ${s("search.note")}`) : null,
    result.tags && result.tags.length ? " " : null, tagChips(result.tags),
    el("div", {}, snippetNode(result.snippet)));
  }

  async loadChat(chatId) {
    this.detail.replaceChildren(el("p", { class: "muted" }, s("search.loading")));
    const answer = await this.api.get(`/api/history/chats/${encodeURIComponent(chatId)}`);
    if (!answer.ok) {
      this.detail.replaceChildren(el("a", { href: "#search" }, s("search.back")),
        el("p", { class: "error", role: "alert" }, errorText(answer, s("search.open_failed"))));
      return;
    }
    const { chat, visitor, messages, survey, sla, tags } = answer;
    const who = (visitor && visitor.name) || s("search.visitor");
    const ended = chat.ended_at ? s("search.ended_at", { time: formatTime(chat.ended_at, true),
      reason: word(ENDED, "search.ended", chat.end_reason) }) : s("search.not_ended");
    const rated = survey && (survey.comment ? s("search.survey_comment", { rating: survey.rating, comment: survey.comment })
      : s("search.survey", { rating: survey.rating }));
    const fired = sla && sla.events.length
      ? sla.events.map((e) => s("search.sla_event", { clock: word(CLOCKS, "search.clock", e.kind), stage: e.stage,
        elapsed: seconds(e.elapsed_s) })).join(s("search.sla_separator"))
      : s("search.no_sla_event");
    const facts = [
      [s("search.fact.visitor"), who], [s("search.fact.topic"), chat.topic || "–"],
      [s("search.fact.agent"), chat.agent ? chat.agent.name : "–"],
      [s("search.fact.started"), formatTime(chat.started_at, true)],
      [s("search.fact.ended"), ended],
      [s("search.fact.survey"), rated || "–"],
      [s("search.fact.first_response"), seconds(sla && sla.first_response_s)],
      [s("search.fact.duration"), seconds(sla && sla.duration_s)],
      [s("search.fact.sla"), fired],
      [s("search.fact.tags"), tagChips(tags, "past-chat-tags") || "–"],
    ];
    this.detail.replaceChildren(
      el("a", { href: "#search", "data-sd": "past-chat-back" }, s("search.back")),
      el("h2", {}, ...parts("search.past_chat", { who, read_only: el("span", { class: "muted" }, s("search.read_only")) })),
      el("dl", { class: "facts", "data-sd": "past-chat-facts" },
        ...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])),
      el("div", { class: "transcript", "data-sd": "past-transcript" },
        ...messages.map((m) => el("div", { class: "message", "data-sd": "past-message", "data-author": m.author,
          "data-note": m.note ? "true" : null },
        el("span", { class: "who" }, m.note ? s("search.note_author")
          : (m.agent && m.agent.name) || word(AUTHORS, "search.author", m.author)),
        " ", el("span", { "data-sd": "message-text" }, m.text),
        " ", el("time", { datetime: m.at }, formatTime(m.at))))));
  }
}
