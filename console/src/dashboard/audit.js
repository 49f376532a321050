// The audit log (GET /api/audit): newest first, filtered by action and
// target, a page of PAGE entries at a time, each entry a sentence. What an
// entry is about is chosen in words (a visitor or an account found by
// name, email or account; a day), never typed as the API's target syntax.
import { auditSentence } from "./audit-text.js";
import { $, el, fill, show, timeEl } from "./dom.js";
import { clean } from "./net.js";
import { WhoPicker } from "./who.js";
import { s } from "../strings.js";

const PAGE = 50;

export class Audit {
  constructor(app) {
    this.app = app;
    const root = app.root;
    this.form = $(root, "audit-form");
    this.action = $(root, "audit-action");
    this.about = $(root, "audit-about");
    this.dayField = $(root, "audit-day-field");
    this.day = $(root, "audit-day");
    this.whoBox = $(root, "audit-who");
    this.who = null;
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
    this.about.addEventListener("change", () => this.aboutChanged());
    this.day.addEventListener("change", () => {
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

  /** "About": the fields of the kind chosen; back to everything at once. */
  aboutChanged() {
    const kind = this.about.value;
    show(this.dayField, kind === "day");
    show(this.whoBox, kind === "who");
    if (kind === "who") {
      this.who = new WhoPicker(this.app.api, {}, "suspend", () => {
        this.offset = 0;
        this.load();
      });
      fill(this.whoBox, this.who.node);
      this.who.search.focus();
    } else {
      this.who = null;
      fill(this.whoBox);
    }
    if (kind === "day") this.day.focus();
    this.offset = 0;
    if (kind === "") this.load();
  }

  /** The API's `target` for what "About" names ("": no filter), and
   * whether the lead still has to say whom or which day. */
  target() {
    const kind = this.about.value;
    if (kind === "day") return { target: this.day.value ? `closure:${this.day.value}` : "", missing: !this.day.value };
    if (kind !== "who") return { target: "", missing: false };
    const chosen = this.who && this.who.chosen;
    if (!chosen) return { target: "", missing: true };
    const v = this.who.value();
    if (v.visitor_id) return { target: `visitor:${v.visitor_id}`, missing: false };
    return { target: v.site ? `account:${v.site}/${v.account_id}` : "", missing: !v.site };
  }

  async load() {
    const about = this.target();
    if (about.missing) {
      fill(this.error, this.about.value === "day" ? s("audit.choose_day") : s("who.choose"));
      show(this.error, true);
      return;
    }
    let entries;
    try {
      // one more than a page: whether there is an older page
      entries = (await this.app.api.get("/api/audit", clean({
        action: this.action.value, target: about.target, limit: PAGE + 1, offset: this.offset,
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
    fill(this.pageLabel, s("audit.page", { page: Math.floor(this.offset / PAGE) + 1 }));
    this.rows.setAttribute("data-offset", String(this.offset));
  }
}
