// Reports over a date range (GET /api/reports), a row per agent and day,
// the totals, and the same as CSV (GET /api/reports.csv).
import { tagChip, tagLabel } from "../tag-chips.js";
import { $, addDays, dayText, duration, el, fill, num, pct, show } from "./dom.js";
import { clean } from "./net.js";
import { Tiles } from "./tiles.js";
import { parts, s } from "../strings.js";

// The report's flat totals as the live tiles' snapshot shape.
const nested = (t) => ({
  today: {
    chats: t.chats,
    first_response: { count: t.first_response_count, median_s: t.first_response_median_s, p90_s: t.first_response_p90_s,
      within_pct: t.first_response_within_pct, breaches: t.first_response_breaches },
    response_gap: { count: t.response_gap_count, median_s: t.response_gap_median_s, p90_s: t.response_gap_p90_s,
      breaches: t.response_gap_breaches },
    handle: { count: t.handle_count, median_s: t.handle_median_s, mean_s: t.handle_mean_s },
    converted: t.converted, abandoned: t.abandoned,
    csat: { pct: t.csat_pct, average: t.csat_average, count: t.csat_count },
  },
});

const TOTALS = [
  { key: "chats", label: s("reports.chats_handled"), raw: (m) => m.today.chats },
  "first-response", "first-response-breaches", "response-gap", "handle", "converted", "abandoned", "csat",
];
// The live tiles count today; a report counts the days it was asked for.
const IN_RANGE = new Set(["converted", "abandoned"]);

function totalSpec(t, tileSpecs) {
  if (typeof t !== "string") return t;
  const spec = tileSpecs.find((one) => one.key === t);
  return IN_RANGE.has(t) ? { ...spec, sub: () => s("reports.in_these_days") } : spec;
}

const COLUMNS = [
  ["chats", num], ["first_response_median_s", duration], ["first_response_p90_s", duration],
  ["first_response_within_pct", pct], ["first_response_breaches", num], ["response_gap_median_s", duration],
  ["response_gap_breaches", num], ["handle_median_s", duration], ["converted", num], ["abandoned", num],
  ["csat_pct", pct], ["csat_count", num],
];

const PRIORITIES = ["critical", "high", "medium", "low"];
const TICKET_COLUMNS = ["tickets", "response_met", "response_breached", "response_open", "resolution_met",
  "resolution_breached", "resolution_open"];

export class Reports {
  constructor(app, tileSpecs) {
    this.app = app;
    const root = app.root;
    this.form = $(root, "report-form");
    this.from = $(root, "report-from");
    this.to = $(root, "report-to");
    this.agent = $(root, "report-agent");
    this.tag = $(root, "report-tag");
    this.scope = $(root, "report-scope");
    this.csv = $(root, "report-csv");
    this.rows = $(root, "report-rows");
    this.error = $(root, "report-error");
    const specs = TOTALS.map((t) => totalSpec(t, tileSpecs));
    this.totals = new Tiles($(root, "report-totals"), { longestWait: () => 0, firstResponseS: app.firstResponseS }, specs);
    this.to.value = app.today;
    this.from.value = addDays(app.today, -6);
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.load();
    });
    this.form.addEventListener("input", () => this.link());
    this.fillAgents();
    this.fillTags();
    app.socket.on("tags", () => this.fillTags()); // a lead added or renamed one
    this.load();
  }

  query() {
    return clean({ from: this.from.value, to: this.to.value, agent_id: this.agent.value, tag: this.tag.value });
  }

  link() {
    this.csv.setAttribute("href", `/api/reports.csv?${new URLSearchParams(this.query())}`);
  }

  async fillAgents() {
    const agents = await this.app.loadAgents();
    const chosen = this.agent.value;
    fill(this.agent, el("option", { value: "" }, s("reports.all_agents")), ...agents.map((a) => el("option", { value: a.id }, a.name)));
    this.agent.value = chosen;
  }

  /** Every tag, archived ones too (marked): their chats are still counted. */
  async fillTags() {
    let tags = [];
    try {
      tags = (await this.app.api.get("/api/tags")).tags || [];
    } catch (err) {
      console.warn("tags:", err.message); // eslint-disable-line no-console
      return;
    }
    const chosen = this.tag.value;
    fill(this.tag, el("option", { value: "" }, s("reports.all_chats")), ...tags.map((t) => el("option", { value: t.id }, tagLabel(t))));
    this.tag.value = chosen;
    this.link();
  }

  /** The ticket SLA figures per priority (`tickets_sla` of GET /api/reports). */
  ticketsSla(figures) {
    const body = $(this.app.root, "tickets-sla-rows");
    if (!body) return;
    fill(body, ...PRIORITIES.filter((p) => figures[p]).map((p) => {
      const f = figures[p];
      const cells = [f.tickets, f.response.met, f.response.breached, f.response.open,
        f.resolution.met, f.resolution.breached, f.resolution.open];
      return el("tr", { "data-sd": "tickets-sla-row", "data-priority": p }, el("th", { scope: "row" }, s(`reports.priority.${p}`)),
        ...cells.map((n, i) => el("td", { "data-col": TICKET_COLUMNS[i] }, num(n))));
    }));
  }

  async load() {
    this.link();
    let data;
    try {
      data = await this.app.api.get("/api/reports", this.query());
    } catch (err) {
      fill(this.error, err.message);
      show(this.error, true);
      return;
    }
    show(this.error, false);
    if (data.tag) fill(this.scope, ...parts("reports.tagged", { tag: tagChip(data.tag) }));
    else fill(this.scope);
    this.totals.update(nested(data.totals));
    fill(this.rows, ...data.rows.map((r) => el("tr", { "data-sd": "report-row", "data-day": r.day, "data-agent-id": r.agent_id },
      el("td", {}, el("time", { datetime: r.day }, dayText(r.day))), el("td", { "data-sd": "report-agent-name" }, r.agent_name),
      ...COLUMNS.map(([key, show2]) => el("td", { "data-col": key }, show2(r[key]))))));
    if (data.rows.length) {
      const t = data.totals;
      this.rows.append(el("tr", { class: "total", "data-sd": "report-total" }, el("td", {}, s("reports.total")), el("td", {}, ""),
        ...COLUMNS.map(([key, show2]) => el("td", { "data-col": key }, show2(t[key])))));
    }
    show($(this.app.root, "report-empty"), data.rows.length === 0);
    this.ticketsSla(data.tickets_sla || {});
    this.rows.setAttribute("data-loaded", `${data.from}/${data.to}${data.tag ? `/${data.tag.id}` : ""}`);
  }
}
