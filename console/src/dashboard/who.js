// "Who" in the suspend and lift forms: a visitor or an account, named the
// way a lead knows them (name, email, account), never by a raw id. Given
// from where the lead stands (a chat, an alert, a queue row) it is filled
// in; otherwise a search (GET /api/visitors?q=) finds them. For a verified
// visitor with an account, the lead picks the visitor alone or the account.
import { el, fill, pill, when } from "./dom.js";
import { s } from "../strings.js";

const SEARCH_DELAY_MS = 250;

/** One line naming a visitor: "Kim Lee · kim@shop.test · account acme-42". */
export function describeVisitor(v) {
  const bits = [v.name || v.email || s("context.anonymous")];
  if (v.name && v.email) bits.push(v.email);
  if (v.account) bits.push(s("who.account", { account: v.account }));
  return bits.join(" · ");
}

/** What keeps them out now, in words ("" when nothing does). */
export function describeHold(hold) {
  if (!hold) return "";
  const who = hold.account_id ? s("who.account", { account: hold.account_id }) : s("who.this_visitor");
  return hold.ban ? s("who.banned", { who }) : s("who.suspended", { who, until: when(hold.until) });
}

export class WhoPicker {
  /**
   * @param api the dashboard's Api
   * @param {{visitor_id?: string, account_id?: string, site?: string, visitor?: object}} target what the
   *   lead acted from (`visitor`: what the page knows of them already)
   * @param {"suspend"|"lift"} mode lift: the scope that holds is picked first
   * @param {() => void} onChoose called when the lead picks someone or a scope
   */
  constructor(api, target, mode, onChoose = () => {}) {
    this.api = api;
    this.mode = mode;
    this.onChoose = onChoose;
    this.chosen = null; // a /api/visitors result, or {account, site} for an account none of whose visitors is known
    this.scope = target.account_id ? "account" : "visitor";
    this.timer = null;
    this.search = el("input", { type: "search", "data-sd": "who-search", maxlength: 100, autocomplete: "off",
      placeholder: s("who.placeholder"), "aria-label": s("who.search_label") });
    this.results = el("ul", { class: "who-results", "data-sd": "who-results", "aria-live": "polite" });
    this.chosenBox = el("div", { class: "who-chosen", "data-sd": "who-chosen", hidden: true });
    this.finder = el("div", { class: "who-finder" }, this.search, this.results);
    this.node = el("div", { class: "field who", "data-sd": "who" }, el("span", { class: "who-label" }, s("who.label")),
      this.chosenBox, this.finder);
    this.search.addEventListener("input", () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.find(this.search.value.trim()), SEARCH_DELAY_MS);
    });
    this.search.addEventListener("keydown", (e) => {
      if (e.key === "Enter") e.preventDefault(); // Enter picks nothing by itself: the list is the choice
    });
    this.prefill(target);
  }

  /** From a chat or an alert: look the target up, to name it. */
  async prefill(target) {
    const key = target.visitor_id || target.account_id;
    if (!key) return;
    const known = target.visitor || {}; // the row's visitor, shown while the look-up runs
    this.choose({ ...known, id: target.visitor_id || null, account: target.account_id || known.account || null,
      site: target.site || null, verified: Boolean(target.account_id || known.verified) });
    const found = await this.lookup(key);
    const match = found.find((v) => (target.visitor_id ? v.id === target.visitor_id
      : v.account === target.account_id && (!target.site || v.site === target.site)));
    if (match && !this.picked) this.choose(match);
  }

  async lookup(q) {
    if (q.length < 2) return [];
    try {
      return (await this.api.get("/api/visitors", { q, limit: 10 })).visitors || [];
    } catch (err) {
      fill(this.results, el("li", { class: "error" }, err.message));
      return [];
    }
  }

  async find(q) {
    if (q.length < 2) {
      fill(this.results);
      return;
    }
    const found = await this.lookup(q);
    if (this.search.value.trim() !== q) return; // typed on meanwhile
    if (!found.length) {
      fill(this.results, el("li", { class: "muted" }, s("who.nobody")));
      return;
    }
    fill(this.results, ...found.map((v) => {
      const pick = el("button", { type: "button", class: "who-result", "data-sd": "who-result", "data-visitor-id": v.id },
        el("span", {}, describeVisitor(v)), v.verified ? pill(s("dom.verified"), "ok") : pill(s("chat.not_verified"), "muted"),
        v.suspension ? el("span", { class: "who-hold" }, describeHold(v.suspension)) : null);
      pick.addEventListener("click", () => {
        this.picked = true;
        this.choose(v);
        this.onChoose();
      });
      return el("li", {}, pick);
    }));
  }

  choose(v) {
    this.chosen = v;
    const held = v.suspension;
    if (this.mode === "lift" && held) this.scope = held.account_id ? "account" : "visitor";
    if (!v.account || !v.verified) this.scope = v.id ? "visitor" : "account";
    const change = el("button", { type: "button", class: "small", "data-sd": "who-change" }, s("who.change"));
    change.addEventListener("click", () => {
      this.chosen = null;
      this.chosenBox.hidden = true;
      this.finder.hidden = false;
      this.search.focus();
    });
    const name = v.id ? describeVisitor(v) : s("who.account", { account: v.account });
    fill(this.chosenBox,
      el("p", { class: "who-name" }, el("strong", { "data-sd": "who-name" }, name),
        v.id ? (v.verified ? pill(s("dom.verified"), "ok") : pill(s("chat.not_verified"), "muted")) : null,
        v.site ? el("span", { class: "muted" }, ` ${s("who.on_site", { site: v.site })}`) : null, " ", change),
      held ? el("p", { class: "muted", "data-sd": "who-hold" }, s("who.now", { hold: describeHold(held) })) : null,
      this.scopeChoice(v));
    this.chosenBox.hidden = false;
    this.finder.hidden = true;
  }

  /** Only this visitor, or their whole account (a verified account only). */
  scopeChoice(v) {
    if (!v.id || !v.account || !v.verified) return null;
    const option = (value, label) => {
      const input = el("input", { type: "radio", name: "who-scope", value, "data-sd": `who-scope-${value}`,
        checked: this.scope === value });
      input.addEventListener("change", () => {
        this.scope = value;
        this.onChoose();
      });
      return el("label", { class: "check" }, input, label);
    };
    return el("div", { class: "who-scope", role: "radiogroup", "aria-label": s("who.scope") },
      option("visitor", s("who.scope_visitor")),
      option("account", s("who.scope_account", { account: v.account })));
  }

  /** A sentence naming the target, for titles and the flash. */
  label() {
    const v = this.chosen || {};
    if (this.scope === "account") return s("who.account", { account: v.account });
    return v.name || v.email || s("who.the_visitor");
  }

  /** Why the form cannot go yet, or "". */
  check() {
    return this.chosen ? "" : s("who.choose");
  }

  /** The protocol's target: {visitor_id} or {account_id, site}. */
  value() {
    const v = this.chosen || {};
    if (this.scope === "account") return { account_id: v.account, ...(v.site ? { site: v.site } : {}) };
    return { visitor_id: v.id };
  }
}
