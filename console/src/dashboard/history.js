// The lead's history page (/console/dashboard/history): full-text search
// over the whole desk (GET /api/search) and the past chats by filters
// (GET /api/history/chats), each row opening the chat's page; both narrow
// to a tag and show the tags of what they list. Text stays text:
// highlights are <mark> nodes (snippet.js), tags chips (tag-chips.js),
// never innerHTML.
import { resultPeople, resultTitle, snippetNode } from "../snippet.js";
import { fillTagSelect, tagChips } from "../tag-chips.js";
import { $, chatLink, el, fill, pill, show, timeEl, visitorLink, visitorName } from "./dom.js";
import { s, sn } from "../strings.js";

const PAGE = 50;
const SEARCH_PAGE = 20;
const OUTCOMES = new Set(["agent", "visitor", "converted", "abandoned", "suspended"]); // "history.outcome.<reason>"

export class History {
  constructor(app) {
    this.app = app;
    const root = app.root;
    this.searchForm = $(root, "search-form");
    this.searchInput = $(root, "search-input");
    this.searchTag = $(root, "search-tag");
    this.filterTag = $(root, "filter-tag");
    this.searchStatus = $(root, "search-status");
    this.results = $(root, "search-results");
    this.searchMore = $(root, "search-more");
    this.filters = $(root, "past-filters");
    this.rows = $(root, "past-chats").querySelector("tbody");
    this.error = $(root, "past-error");
    this.pastMore = $(root, "past-more");
    this.query = "";
    this.searchOffset = 0;
    this.pastOffset = 0;
    this.searchForm.addEventListener("submit", (e) => {
      e.preventDefault();
      this.search(this.searchInput.value.trim(), 0);
    });
    this.searchMore.addEventListener("click", () => this.search(this.query, this.searchOffset + SEARCH_PAGE));
    this.filters.addEventListener("submit", (e) => {
      e.preventDefault();
      this.loadPast(0);
    });
    this.pastMore.addEventListener("click", () => this.loadPast(this.pastOffset + PAGE));
    this.fillAgents();
    this.fillTags();
    app.socket.on("tags", () => this.fillTags()); // a lead added, renamed or archived one
    this.loadPast(0);
  }

  /** Both tag filters offer every tag, archived ones too (old chats carry them). */
  async fillTags() {
    let tags = [];
    try {
      tags = (await this.app.api.get("/api/tags")).tags || [];
    } catch (err) {
      console.warn("tags:", err.message); // eslint-disable-line no-console
    }
    fillTagSelect(this.searchTag, tags, s("history.any_tag"));
    fillTagSelect(this.filterTag, tags, s("history.any"));
  }

  async fillAgents() {
    const select = $(this.app.root, "filter-agent");
    const agents = await this.app.loadAgents();
    select.append(...agents.map((a) => el("option", { value: a.id }, a.name)));
  }

  async search(query, offset) {
    if (!query) return;
    this.query = query;
    this.searchOffset = offset;
    fill(this.searchStatus, s("history.searching"));
    if (offset === 0) fill(this.results); // at once: no result of the last query stands meanwhile
    show(this.searchMore, false);
    let answer;
    try {
      answer = await this.app.api.get("/api/search", { q: query, tag: this.searchTag.value, limit: SEARCH_PAGE,
        offset });
    } catch (err) {
      fill(this.searchStatus, err.message);
      return;
    }
    this.results.append(...answer.results.map((r) => el("li", {
      class: "search-result", "data-sd": "search-result", "data-kind": r.kind, "data-id": r.id },
    el("a", { href: r.link, "data-sd": "search-open" }, resultTitle(r)), " ",
    timeEl(r.at), " ", el("span", { class: "who", "data-sd": "search-who" }, resultPeople(r)),
    r.visitor && r.visitor.id ? [" ", visitorLink(r.visitor.id, s("accounts.open_visitor"))] : null,
    r.note ? pill(s("history.note"), "muted") : null, " ", tagChips(r.tags),
    snippetNode(r.snippet))));
    const count = this.results.children.length;
    fill(this.searchStatus, !count ? s("history.nothing")
      : answer.more ? sn("history.found_so_far", count) : sn("history.found", count));
    show(this.searchMore, answer.more);
  }

  /** Every named field of the filter form that has a value (a new filter is one more field). */
  filterValues() {
    const values = {};
    for (const [name, value] of new FormData(this.filters).entries()) {
      if (String(value).trim()) values[name] = String(value).trim();
    }
    return values;
  }

  async loadPast(offset) {
    this.pastOffset = offset;
    let answer;
    try {
      answer = await this.app.api.get("/api/history/chats", { ...this.filterValues(), limit: PAGE, offset });
    } catch (err) {
      fill(this.error, err.message);
      show(this.error, true);
      return;
    }
    show(this.error, false);
    if (offset === 0) fill(this.rows);
    this.rows.append(...answer.chats.map((c) => el("tr", { "data-sd": "past-chat", "data-chat-id": c.id },
      el("td", {}, timeEl(c.started_at)),
      el("td", {}, c.visitor && c.visitor.id ? visitorLink(c.visitor.id, visitorName(c.visitor)) : visitorName(c.visitor)),
      el("td", {}, c.agent ? c.agent.name : "–"),
      el("td", {}, c.topic || "–"),
      el("td", {}, OUTCOMES.has(c.end_reason) ? s(`history.outcome.${c.end_reason}`) : c.end_reason || "–"),
      el("td", { "data-sd": "past-rating" }, c.rating ? s("history.rating", { rating: c.rating }) : "–"),
      el("td", {}, c.sla_breached ? pill(s("history.breached"), "bad") : pill(s("history.met"), "ok")),
      el("td", { "data-sd": "past-tags" }, tagChips(c.tags) || "–"),
      el("td", {}, chatLink(c.id, s("history.open"))))));
    if (!this.rows.children.length) {
      this.rows.append(el("tr", {}, el("td", { colspan: "9", class: "muted" }, s("history.no_chats"))));
    }
    show(this.pastMore, answer.more);
  }
}
