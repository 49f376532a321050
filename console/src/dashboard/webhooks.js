// Webhooks (GET/POST/DELETE /api/webhooks, POST /api/webhooks/{id}/enable|disable,
// GET /api/webhooks/{id}/deliveries, POST .../deliveries/{id}/redeliver): the
// endpoints of the site picked, an add form whose signing secret comes back
// once, and one endpoint's delivery log. What a receiver answered (its error,
// an excerpt of its response) comes from a server the desk does not control:
// it reaches the page as text, as everything does (dom.js).
import { $, button, chatLink, el, fill, labelCells, pill, show, showError, ShownOnce, timeEl } from "./dom.js";
import { s } from "../strings.js";

const STATE_KIND = { delivered: "ok", pending: "info", failing: "warn", given_up: "bad" };
const PAGE_SIZE = 20; // deliveries a page of the log; "Load more" reads the next

function hookPath(hook, rest = "") {
  return `/api/webhooks/${encodeURIComponent(hook.id)}${rest}`;
}

function never() {
  return el("span", { class: "muted" }, s("integrations.never"));
}

export class Webhooks {
  constructor(app) {
    this.app = app;
    const root = app.root;
    this.site = $(root, "hook-site");
    this.form = $(root, "hook-form");
    this.all = $(root, "hook-all-events");
    this.eventList = $(root, "hook-event-list");
    this.error = $(root, "hook-error");
    this.listError = $(root, "hook-list-error");
    this.rows = $(root, "hook-rows");
    this.secret = new ShownOnce(app, $(root, "hook-secret-card"), $(root, "hook-secret-value"),
      $(root, "hook-secret-copy"), $(root, "hook-secret-done"));
    this.log = new DeliveryLog(app, () => this.load());
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.add();
    });
    this.all.addEventListener("change", () => this.syncEvents());
    this.site.addEventListener("change", () => this.pickSite());
    this.loadEvents();
  }

  /** The site picker's keys; keeps the one picked, else the page's ?site=, else the first. */
  setSites(keys) {
    const wanted = this.site.value || new URLSearchParams(window.location.search).get("site");
    fill(this.site, ...keys.map((key) => el("option", { value: key }, key)));
    this.site.value = keys.includes(wanted) ? wanted : (keys[0] || "");
    this.load();
  }

  pickSite() {
    const url = new URL(window.location.href);
    url.searchParams.set("site", this.site.value);
    window.history.replaceState(null, "", url); // a reload stays on the site
    this.log.close();
    this.load();
  }

  async loadEvents() {
    let events;
    try {
      events = (await this.app.api.get("/api/webhooks/events")).events || [];
    } catch (err) {
      showError(this.error, err);
      return;
    }
    fill(this.eventList, ...events.map((name) => el("label", { class: "check" },
      el("input", { type: "checkbox", name: "event", value: name, "data-sd": "hook-event" }), " ", el("code", {}, name))));
    this.syncEvents();
  }

  /** The list of events shows once "all events" is unticked: most endpoints take them all. */
  syncEvents() {
    show(this.eventList, !this.all.checked);
  }

  async load() {
    const site = this.site.value;
    fill($(this.app.root, "hook-list-title"), site ? s("integrations.endpoints_of", { site }) : s("integrations.endpoints"));
    let hooks = [];
    if (site) {
      try {
        hooks = (await this.app.api.get("/api/webhooks", { site })).webhooks || [];
      } catch (err) {
        showError(this.listError, err);
        return;
      }
    }
    showError(this.listError, null);
    if (site !== this.site.value) return; // another site was picked meanwhile
    fill(this.rows, ...hooks.map((hook) => this.row(hook)));
    labelCells($(this.app.root, "hook-table"));
    this.rows.setAttribute("data-count", String(hooks.length));
    show($(this.app.root, "hooks-empty"), hooks.length === 0);
  }

  row(hook) {
    const events = hook.events.length
      ? el("ul", { class: "plain-list" }, ...hook.events.map((name) => el("li", {}, el("code", {}, name))))
      : el("span", { class: "muted" }, s("integrations.all_events"));
    const state = hook.enabled ? pill(s("integrations.enabled"), "ok")
      : [pill(s("integrations.disabled"), "bad"), hook.disabled_reason
        ? el("div", { class: "muted", "data-sd": "hook-reason" }, hook.disabled_reason) : null];
    const toggle = hook.enabled
      ? button("hook-disable", s("integrations.disable"), () => this.toggle(hook, "disable"))
      : button("hook-enable", s("integrations.enable"), () => this.toggle(hook, "enable"));
    return el("tr", { "data-sd": "hook-row", "data-hook-id": hook.id, "data-enabled": String(hook.enabled) },
      el("td", { class: "url-cell" }, el("code", { "data-sd": "hook-row-url" }, hook.url)),
      el("td", {}, events),
      el("td", { "data-sd": "hook-state" }, state),
      el("td", { "data-sd": "hook-failures" }, String(hook.failures)),
      el("td", {}, hook.last_delivery_at ? timeEl(hook.last_delivery_at) : never()),
      el("td", { class: "row-actions" },
        button("hook-deliveries", s("integrations.deliveries"), () => this.log.open(hook)), toggle,
        button("hook-remove", s("integrations.remove"), () => this.remove(hook), "small danger")));
  }

  async add() {
    const f = this.form.elements;
    const events = this.all.checked ? [] : [...this.eventList.querySelectorAll("input:checked")].map((box) => box.value);
    if (!this.all.checked && events.length === 0) {
      showError(this.error, { message: s("integrations.pick_events") });
      return;
    }
    let answer;
    try {
      answer = await this.app.api.post("/api/webhooks", {
        site: this.site.value, url: f.url.value.trim(), events, secret: f.secret.value.trim() || null });
    } catch (err) {
      showError(this.error, err);
      return;
    }
    showError(this.error, null);
    this.form.reset();
    this.syncEvents();
    this.app.flash(s("integrations.hook_added", { url: answer.webhook.url }));
    fill($(this.app.root, "hook-secret-title"), s("integrations.secret_title", { url: answer.webhook.url }));
    this.secret.show(answer.secret);
    await this.load();
  }

  async toggle(hook, action) {
    try {
      await this.app.api.post(hookPath(hook, `/${action}`));
    } catch (err) {
      showError(this.listError, err);
      return;
    }
    this.app.flash(s(`integrations.hook_${action}d`, { url: hook.url }));
    await this.load();
  }

  async remove(hook) {
    const result = await this.app.dialog.open({
      action: "hook-remove", title: s("integrations.remove_title", { url: hook.url }),
      intro: s("integrations.remove_intro"), submitLabel: s("integrations.remove_submit"), danger: true, fields: [],
      run: () => this.app.api.remove(hookPath(hook)),
    });
    if (!result) return;
    if (this.log.hook && this.log.hook.id === hook.id) this.log.close();
    this.app.flash(s("integrations.hook_removed", { url: hook.url }));
    await this.load();
  }
}

/** One endpoint's deliveries, newest first, a page at a time. */
class DeliveryLog {
  constructor(app, changed) {
    this.app = app;
    this.changed = changed; // the endpoints' list reads its counters again
    const root = app.root;
    this.card = $(root, "deliveries-card");
    this.rows = $(root, "delivery-rows");
    this.more = $(root, "deliveries-more");
    this.error = $(root, "deliveries-error");
    this.hook = null;
    this.next = null;
    this.more.addEventListener("click", () => this.page(this.next));
    $(root, "deliveries-refresh").addEventListener("click", () => this.open(this.hook));
    $(root, "deliveries-close").addEventListener("click", () => this.close());
  }

  async open(hook) {
    this.hook = hook;
    fill($(this.app.root, "deliveries-title"), s("integrations.deliveries_title", { url: hook.url }));
    fill(this.rows);
    show(this.card, true);
    await Promise.all([this.page(null), this.changed()]); // the endpoint's failures and last delivery too
    this.card.scrollIntoView({ block: "nearest" });
  }

  close() {
    this.hook = null;
    show(this.card, false);
  }

  async page(before) {
    const hook = this.hook;
    let answer;
    try {
      answer = await this.app.api.get(hookPath(hook, "/deliveries"), { limit: PAGE_SIZE, before });
    } catch (err) {
      showError(this.error, err);
      return;
    }
    if (hook !== this.hook) return; // another endpoint's log was opened meanwhile
    showError(this.error, null);
    this.rows.append(...answer.deliveries.map((d) => this.row(d)));
    labelCells($(this.app.root, "deliveries-table"));
    this.next = answer.next;
    show(this.more, Boolean(answer.next));
    show($(this.app.root, "deliveries-empty"), this.rows.children.length === 0);
    this.rows.setAttribute("data-count", String(this.rows.children.length));
  }

  row(d) {
    const at = (key, iso) => (iso ? el("div", {}, s(key), " ", timeEl(iso)) : null);
    return el("tr", { "data-sd": "delivery-row", "data-delivery-id": d.id, "data-state": d.state },
      el("td", {}, el("code", { "data-sd": "delivery-type", title: d.event_id }, d.type)),
      el("td", {}, d.chat_id ? chatLink(d.chat_id) : "–"),
      el("td", { "data-sd": "delivery-state" }, pill(s(`integrations.state.${d.state}`), STATE_KIND[d.state])),
      el("td", { "data-sd": "delivery-attempts" }, String(d.attempts)),
      el("td", { "data-sd": "delivery-status" }, d.last_status ?? "–"),
      el("td", { class: "details answer-cell" },
        d.last_error ? el("div", { "data-sd": "delivery-error" }, d.last_error) : null,
        d.response_excerpt ? el("div", { "data-sd": "delivery-excerpt" }, d.response_excerpt) : null),
      el("td", { class: "times" }, at("integrations.created", d.created_at),
        at("integrations.delivered_at", d.delivered_at), at("integrations.next_attempt", d.next_attempt_at)),
      el("td", { class: "row-actions" },
        button("delivery-redeliver", s("integrations.redeliver"), () => this.redeliver(d))));
  }

  async redeliver(d) {
    try {
      await this.app.api.post(hookPath(this.hook, `/deliveries/${encodeURIComponent(d.id)}/redeliver`));
    } catch (err) {
      showError(this.error, err);
      return;
    }
    this.app.flash(s("integrations.redelivering", { type: d.type }));
    await this.open(this.hook);
  }
}
