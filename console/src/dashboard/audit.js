// The audit log (GET /api/audit): newest first, filtered by action and
// target, a page of PAGE entries at a time, each entry a sentence.
import { auditSentence } from "./audit-text.js";
import { $, el, fill, show, timeEl } from "./dom.js";
import { clean } from "./net.js";

const PAGE = 50;

export class Audit {
  constructor(app) {
    this.app = app;
    const root = app.root;
    this.form = $(root, "audit-form");
    this.action = $(root, "audit-action");
    this.target = $(root, "audit-about");
    this.rows = $(root, "audit-rows");
    this.error = $(root, "audit-error");
    this.newer = $(root, "audit-newer");
    this.older = $(root, "audit-older");
    this.pageLabel = $(root, "audit-page");
    this.offset = 0;
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.offset = 0;
      this.load();
    });
    this.action.addEventListener("change", () => {
      this.offset = 0;
      this.load();
    });
    this.newer.addEventListener("click", () => {
      this.offset = Math.max(0, this.offset - PAGE);
      this.load();
    });
    this.older.addEventListener("click", () => {
      this.offset += PAGE;
      this.load();
    });
    app.loadAgents().then(() => this.load());
  }

  async load() {
    let entries;
    try {
      // one more than a page: whether there is an older page
      entries = (await this.app.api.get("/api/audit", clean({
        action: this.action.value, target: this.target.value.trim(), limit: PAGE + 1, offset: this.offset,
      }))).entries || [];
    } catch (err) {
      fill(this.error, err.message);
      show(this.error, true);
      return;
    }
    show(this.error, false);
    const more = entries.length > PAGE;
    fill(this.rows, ...entries.slice(0, PAGE).map((e) => el("tr", { "data-sd": "audit-row", "data-action": e.action },
      el("td", { class: "audit-when" }, timeEl(e.at)),
      el("td", { "data-sd": "audit-sentence" }, ...auditSentence(e, (id) => this.app.agentName(id))))));
    show($(this.app.root, "audit-empty"), entries.length === 0);
    this.newer.disabled = this.offset === 0;
    this.older.disabled = !more;
    fill(this.pageLabel, `Page ${Math.floor(this.offset / PAGE) + 1}`);
    this.rows.setAttribute("data-offset", String(this.offset));
  }
}
