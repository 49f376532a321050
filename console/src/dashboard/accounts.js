// The lead's accounts search (/console/dashboard/accounts): visitors by
// name, email, account id or visitor id (GET /api/visitors?q=), grouped by
// account: a verified account of a site is one row (its visitors under it),
// an unverified visitor one row alone. Each row opens its page.
import { $, accountLink, el, fill, pill, visitorLink } from "./dom.js";
import { describeHold, describeVisitor } from "./who.js";
import { s, sn } from "../strings.js";

const LIMIT = 20; // the search's most

/** Visitors as rows: [{site, account, visitors}] for verified accounts, [{visitor}] for the others, in found order. */
export function groupByAccount(visitors) {
  const rows = [];
  const accounts = new Map();
  for (const v of visitors) {
    if (!v.verified || !v.account || !v.site) {
      rows.push({ visitor: v });
      continue;
    }
    const key = JSON.stringify([v.site, v.account]);
    if (!accounts.has(key)) {
      const row = { site: v.site, account: v.account, visitors: [] };
      accounts.set(key, row);
      rows.push(row);
    }
    accounts.get(key).visitors.push(v);
  }
  return rows;
}

export class AccountSearch {
  constructor(app) {
    this.app = app;
    const root = app.root;
    this.form = $(root, "account-search-form");
    this.input = $(root, "account-search-input");
    this.status = $(root, "account-search-status");
    this.results = $(root, "account-results");
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.find(this.input.value.trim());
    });
    const asked = new URLSearchParams(window.location.search).get("q");
    if (asked) {
      this.input.value = asked;
      this.find(asked.trim());
    }
  }

  async find(q) {
    if (q.length < 2) {
      fill(this.status, s("accounts.too_short"));
      return;
    }
    fill(this.status, s("accounts.searching"));
    fill(this.results);
    let found;
    try {
      found = (await this.app.api.get("/api/visitors", { q, limit: LIMIT })).visitors || [];
    } catch (err) {
      fill(this.status, err.message);
      return;
    }
    if (this.input.value.trim() !== q) return; // asked again meanwhile
    const rows = groupByAccount(found);
    fill(this.status, found.length ? sn("accounts.found", found.length) : s("who.nobody"));
    fill(this.results, ...rows.map((row) => (row.account ? this.accountRow(row) : this.visitorRow(row.visitor))));
  }

  accountRow({ site, account, visitors }) {
    const held = visitors.map((v) => v.suspension).find(Boolean);
    return el("li", { class: "account-result", "data-sd": "account-result", "data-kind": "account" },
      accountLink(site, account, s("who.account", { account })), " ", pill(s("dom.verified"), "ok"),
      el("span", { class: "muted" }, ` ${s("who.on_site", { site })}`),
      held ? el("span", { class: "who-hold", "data-sd": "result-hold" }, ` ${describeHold(held)}`) : null,
      el("ul", { class: "plain" }, ...visitors.map((v) => el("li", {}, visitorLink(v.id, describeVisitor(v))))));
  }

  visitorRow(v) {
    return el("li", { class: "account-result", "data-sd": "account-result", "data-kind": "visitor" },
      visitorLink(v.id, describeVisitor(v)), " ",
      v.verified ? pill(s("dom.verified"), "ok") : pill(s("chat.not_verified"), "muted"),
      v.site ? el("span", { class: "muted" }, ` ${s("who.on_site", { site: v.site })}`) : null,
      v.suspension ? el("span", { class: "who-hold", "data-sd": "result-hold" }, ` ${describeHold(v.suspension)}`) : null);
  }
}
