// The integrations page: a site's webhooks (webhooks.js) and the desk's
// integration tokens (GET/POST/DELETE /api/integration-tokens), the keys
// of the public API /api/v1. A new token comes back once, from its
// creation; the list never has one.
import { $, button, el, fill, labelCells, show, showError, ShownOnce, timeEl } from "./dom.js";
import { Webhooks } from "./webhooks.js";
import { s } from "../strings.js";

export class Integrations {
  constructor(app) {
    this.app = app;
    this.hooks = new Webhooks(app);
    this.tokens = new IntegrationTokens(app);
    app.socket.on("sites", () => this.loadSites()); // a site added meanwhile can be picked
    app.socket.on("alert", (a) => a && a.kind === "webhook_disabled" && this.hooks.load()); // the desk gave up on one
    this.loadSites();
  }

  async loadSites() {
    let sites;
    try {
      sites = (await this.app.api.get("/api/sites")).sites || [];
    } catch (err) {
      showError($(this.app.root, "hook-list-error"), err);
      return;
    }
    const keys = sites.map((site) => site.key);
    this.hooks.setSites(keys);
    this.tokens.setSites(keys);
  }
}

class IntegrationTokens {
  constructor(app) {
    this.app = app;
    const root = app.root;
    this.form = $(root, "token-form");
    this.site = $(root, "token-site");
    this.rows = $(root, "token-rows");
    this.error = $(root, "token-error");
    this.secret = new ShownOnce(app, $(root, "token-secret"), $(root, "token-value"), $(root, "token-copy"),
      $(root, "token-done"));
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.create();
    });
    this.load();
  }

  setSites(keys) {
    const picked = this.site.value;
    fill(this.site, el("option", { value: "" }, s("integrations.all_sites")),
      ...keys.map((key) => el("option", { value: key }, key)));
    this.site.value = keys.includes(picked) ? picked : "";
  }

  async load() {
    let tokens;
    try {
      tokens = (await this.app.api.get("/api/integration-tokens")).tokens || [];
    } catch (err) {
      showError(this.error, err);
      return;
    }
    fill(this.rows, ...tokens.map((token) => this.row(token)));
    labelCells($(this.app.root, "token-table"));
    this.rows.setAttribute("data-count", String(tokens.length));
    show($(this.app.root, "tokens-empty"), tokens.length === 0);
  }

  row(token) {
    return el("tr", { "data-sd": "token-row", "data-token-id": token.id },
      el("td", { "data-sd": "token-row-name" }, token.name),
      el("td", { "data-sd": "token-row-scope" }, s(`integrations.scope.${token.scope}`)),
      el("td", { "data-sd": "token-row-site" }, token.site ? el("code", {}, token.site)
        : el("span", { class: "muted" }, s("integrations.all_sites"))),
      el("td", {}, token.created_by || "–"),
      el("td", {}, timeEl(token.created_at)),
      el("td", { "data-sd": "token-row-used" }, token.last_used_at ? timeEl(token.last_used_at)
        : el("span", { class: "muted" }, s("integrations.never"))),
      el("td", { class: "row-actions" },
        button("token-revoke", s("integrations.revoke"), () => this.revoke(token), "small danger")));
  }

  async create() {
    const f = this.form.elements;
    let answer;
    try {
      answer = await this.app.api.post("/api/integration-tokens", {
        name: f.name.value.trim(), scope: f.scope.value, site: f.site.value || null });
    } catch (err) {
      showError(this.error, err);
      return;
    }
    showError(this.error, null);
    this.form.reset();
    this.app.flash(s("integrations.token_created", { name: answer.token.name }));
    this.secret.show(answer.secret);
    await this.load();
  }

  async revoke(token) {
    const result = await this.app.dialog.open({
      action: "token-revoke", title: s("integrations.revoke_title", { name: token.name }),
      intro: s("integrations.revoke_intro"), submitLabel: s("integrations.revoke_submit"), danger: true, fields: [],
      run: () => this.app.api.remove(`/api/integration-tokens/${encodeURIComponent(token.id)}`),
    });
    if (!result) return;
    this.app.flash(s("integrations.token_revoked", { name: token.name }));
    await this.load();
  }
}
