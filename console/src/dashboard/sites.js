// The sites (GET/POST /api/sites, PATCH /api/sites/{id}, POST .../rotate):
// add one, change its origins and identity mode, rotate its identity
// secret with a grace period the lead picks, copy the embed snippet. A
// secret comes back only from an add or a rotation and is shown that once;
// the list never has one.
import { $, button, copyField, el, fill, show, showError, timeEl, when } from "./dom.js";
import { s } from "../strings.js";

const GRACES = [0, 1, 24, 48, 168]; // hours the replaced secret is still accepted
const MAX_GRACE_HOURS = 168;

/** The one <script> tag a site's pages carry (docs/widget.md), for the desk at `origin`. */
export function embedSnippet(origin, key) {
  const attr = (text) => String(text).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  return `<script src="${attr(origin)}/widget.js" data-site="${attr(key)}" async></script>`;
}


function graceText(hours) {
  if (hours === 0) return s("sites.grace_none");
  if (hours === 168) return s("sites.grace_week");
  return hours === 1 ? s("sites.grace_hour") : s("sites.grace_hours", { hours });
}

export class Sites {
  constructor(app) {
    this.app = app;
    const root = app.root;
    this.form = $(root, "site-form");
    this.key = $(root, "site-key");
    this.origins = $(root, "site-origins");
    this.identity = $(root, "site-identity");
    this.rows = $(root, "site-rows");
    this.error = $(root, "site-error");
    this.saveButton = $(root, "site-save");
    this.cancel = $(root, "site-cancel");
    this.title = $(root, "site-form-title");
    this.secretCard = $(root, "secret-card");
    this.secretValue = $(root, "secret-value");
    this.snippetCard = $(root, "snippet-card");
    this.snippetValue = $(root, "snippet-value");
    this.editing = null;
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.save();
    });
    this.cancel.addEventListener("click", () => this.reset());
    $(root, "secret-copy").addEventListener("click", () => this.copyFrom(this.secretValue, s("sites.secret_copied")));
    $(root, "snippet-copy").addEventListener("click", () => this.copyFrom(this.snippetValue, s("sites.snippet_copied")));
    $(root, "secret-done").addEventListener("click", () => this.forgetSecret());
    app.socket.on("sites", () => this.load()); // another lead's change shows at once
    this.load();
  }

  async load() {
    let sites;
    try {
      sites = (await this.app.api.get("/api/sites")).sites || [];
    } catch (err) {
      this.showError(err);
      return;
    }
    fill(this.rows, ...sites.map((site) => this.row(site)));
    show($(this.app.root, "sites-empty"), sites.length === 0);
    this.rows.setAttribute("data-count", String(sites.length));
  }

  row(site) {
    const origins = site.origins.length
      ? el("ul", { class: "plain-list" }, ...site.origins.map((o) => el("li", {}, el("code", {}, o))))
      : el("span", { class: "muted" }, s("sites.any_origin"));
    const secret = site.rotating
      ? el("span", { "data-sd": "site-rotating" }, s("sites.rotating"), " ", timeEl(site.previous_until))
      : el("span", { class: "muted" }, s("sites.one_secret"));
    return el("tr", { "data-sd": "site-row", "data-site-key": site.key, "data-site-id": site.id },
      el("td", {}, el("code", {}, site.key)), el("td", {}, origins),
      el("td", { "data-sd": "site-identity-cell" }, s(`sites.identity.${site.identity}`)), el("td", {}, secret),
      el("td", { class: "row-actions" },
        button("site-edit", s("sites.edit"), () => this.edit(site)),
        button("site-snippet", s("sites.snippet"), () => this.showSnippet(site)),
        button("site-rotate", s("sites.rotate"), () => this.rotate(site), "small danger")));
  }

  edit(site) {
    this.editing = site;
    this.key.value = site.key;
    this.key.disabled = true; // the key is in every embedding page: it does not change
    this.origins.value = site.origins.join("\n");
    this.identity.value = site.identity;
    fill(this.saveButton, s("sites.save"));
    fill(this.title, s("sites.change_title", { key: site.key }));
    this.cancel.hidden = false;
    this.origins.focus();
  }

  reset() {
    this.editing = null;
    this.form.reset();
    this.key.disabled = false;
    fill(this.saveButton, s("sites.add"));
    fill(this.title, s("sites.add_title"));
    this.cancel.hidden = true;
  }

  async save() {
    const origins = this.origins.value.split(/[\s,]+/).filter(Boolean);
    const body = { origins, identity: this.identity.value };
    const editing = this.editing;
    let answer;
    try {
      if (editing) {
        answer = await this.app.api.patch(`/api/sites/${encodeURIComponent(editing.id)}`, body);
      } else {
        const key = this.key.value.trim();
        answer = await this.app.api.post("/api/sites", key ? { ...body, key } : body);
      }
    } catch (err) {
      this.showError(err);
      return;
    }
    this.showError(null);
    this.reset();
    if (editing) {
      this.app.flash(s("sites.saved", { key: answer.site.key }));
    } else {
      this.app.flash(s("sites.added", { key: answer.site.key }));
      this.showSecret(answer.site, answer.secret, null);
      this.showSnippet(answer.site);
    }
    await this.load();
  }

  async rotate(site) {
    const intro = site.rotating
      ? s("sites.rotate_intro_again", { until: when(site.previous_until) })
      : s("sites.rotate_intro");
    const result = await this.app.dialog.open({
      action: "site-rotate", title: s("sites.rotate_title", { key: site.key }), intro,
      submitLabel: s("sites.rotate_submit"), danger: true,
      fields: [
        { name: "grace", label: s("sites.grace_label"), type: "select", value: "24",
          options: [...GRACES.map((h) => [String(h), graceText(h)]), ["other", s("sites.grace_other")]] },
        { name: "hours", label: s("sites.hours_label", { max: MAX_GRACE_HOURS }), type: "number", min: 0,
          max: MAX_GRACE_HOURS, required: true, disabledWhen: (v) => v.grace !== "other" },
      ],
      run: (values) => this.app.api.post(`/api/sites/${encodeURIComponent(site.id)}/rotate`, {
        grace_hours: values.grace === "other" ? values.hours : Number(values.grace),
      }),
    });
    if (!result) return;
    this.app.flash(s("sites.rotated", { key: site.key }));
    this.showSecret(result.site, result.secret, result.site.previous_until || false);
    await this.load();
  }

  /** `until`: when the replaced secret stops working; false: it already
   * has (a rotation without grace); null: nothing was replaced (a new site). */
  showSecret(site, secret, until) {
    fill($(this.app.root, "secret-title"), s("sites.secret_title", { key: site.key }));
    this.secretValue.value = secret;
    const grace = $(this.app.root, "secret-grace");
    if (until) fill(grace, s("sites.secret_grace"), " ", timeEl(until), ".");
    else fill(grace, until === false ? s("sites.secret_no_grace") : "");
    show(this.secretCard, true);
    this.secretCard.scrollIntoView({ block: "nearest" });
  }

  forgetSecret() {
    this.secretValue.value = ""; // gone from the page: it is not shown again
    show(this.secretCard, false);
  }

  showSnippet(site) {
    fill($(this.app.root, "snippet-title"), s("sites.snippet_title", { key: site.key }));
    this.snippetValue.value = embedSnippet(window.location.origin, site.key);
    show($(this.app.root, "snippet-identity"), site.identity === "required");
    show(this.snippetCard, true);
  }

  async copyFrom(field, done) {
    if (await copyField(field)) this.app.flash(done);
    else this.app.flash(s("sites.copy_failed"));
  }

  showError(err) {
    showError(this.error, err);
  }
}
