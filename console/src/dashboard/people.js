// People (GET/POST/PATCH /api/people, POST /api/people/{id}/disable|enable|reset):
// the desk's agents with an add-or-edit form. A password link the server
// did not mail is shown once, here, for the lead to pass on.
import { $, copyField, el, fill, show, showError, when } from "./dom.js";
import { s } from "../strings.js";

function skillsOf(text) {
  return text.split(",").map((x) => x.trim()).filter(Boolean);
}

export class People {
  constructor(app) {
    this.app = app;
    const root = app.root;
    this.form = $(root, "person-form");
    this.rows = $(root, "people-rows");
    this.error = $(root, "person-error");
    this.saveButton = $(root, "person-save");
    this.cancelButton = $(root, "person-cancel");
    this.linkBox = $(root, "person-link");
    this.editing = null; // the person being edited, or null: adding
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.save();
    });
    this.cancelButton.addEventListener("click", () => this.stopEditing());
    $(root, "person-link-copy").addEventListener("click", () => this.copyLink());
    app.socket.on("people", () => this.load()); // another lead's change shows at once
    this.load();
  }

  async load() {
    let people;
    try {
      people = (await this.app.api.get("/api/people")).people || [];
    } catch (err) {
      showError(this.error, err);
      return;
    }
    fill(this.rows, ...people.map((p) => this.row(p)));
    show($(this.app.root, "people-empty"), people.length === 0);
  }

  row(p) {
    const me = p.id === this.app.root.dataset.me;
    const edit = el("button", { type: "button", class: "small", "data-sd": "person-edit" }, s("manage.edit"));
    edit.addEventListener("click", () => this.edit(p));
    const actions = [edit];
    if (!p.disabled) {
      const link = el("button", { type: "button", class: "small", "data-sd": "person-reset" }, s("people.reset"));
      link.addEventListener("click", () => this.reset(p));
      actions.push(link);
    }
    if (p.disabled) {
      const enable = el("button", { type: "button", class: "small", "data-sd": "person-enable" }, s("people.enable"));
      enable.addEventListener("click", () => this.enable(p));
      actions.push(enable);
    } else if (!me) {
      const disable = el("button", { type: "button", class: "small danger", "data-sd": "person-disable" }, s("people.disable"));
      disable.addEventListener("click", () => this.disable(p));
      actions.push(disable);
    }
    const status = p.disabled ? s("people.disabled") : `${s(`console.status.${p.status}`)}${p.connected ? "" : ` · ${s("people.offline")}`}`;
    return el("tr", { "data-sd": "person-row", "data-agent-id": p.id, "data-email": p.email, class: p.disabled ? "muted" : null },
      el("td", { "data-sd": "person-row-name" }, p.name, me ? ` ${s("people.you")}` : ""),
      el("td", { "data-sd": "person-row-email" }, p.email),
      el("td", { "data-sd": "person-row-role" }, s(`people.role.${p.role}`)),
      el("td", {}, String(p.tier)),
      el("td", { "data-sd": "person-row-skills" }, p.skills.join(", ") || "—"),
      el("td", { "data-sd": "person-row-capacity" }, String(p.capacity)),
      el("td", { "data-sd": "person-row-shift" }, p.shift ? el("code", {}, p.shift) : s("people.desk_hours")),
      el("td", {}, p.on_call ? s("people.yes") : ""),
      el("td", { "data-sd": "person-row-status" }, status),
      el("td", { class: "row-actions" }, ...actions));
  }

  values() {
    const f = this.form.elements;
    return {
      name: f.name.value.trim(), role: f.role.value, tier: Number(f.tier.value), skills: skillsOf(f.skills.value),
      capacity: Number(f.capacity.value), shift: f.shift.value.trim(), on_call: f.on_call.checked,
    };
  }

  /** The link shown once goes away with the next thing the lead does. */
  hideLink() {
    this.linkBox.hidden = true;
    $(this.app.root, "person-link-url").value = "";
  }

  edit(p) {
    this.hideLink();
    this.editing = p;
    const f = this.form.elements;
    f.email.value = p.email;
    f.email.disabled = true;
    f.name.value = p.name;
    f.role.value = p.role;
    f.role.disabled = p.id === this.app.root.dataset.me; // the server refuses a lead's own role change
    f.tier.value = String(p.tier);
    f.skills.value = p.skills.join(", ");
    f.capacity.value = String(p.capacity);
    f.shift.value = p.shift;
    f.on_call.checked = p.on_call;
    fill($(this.app.root, "person-form-title"), s("people.edit_title", { name: p.name }));
    fill($(this.app.root, "person-form-intro"), s("people.edit_intro"));
    fill(this.saveButton, s("manage.save"));
    this.cancelButton.hidden = false;
    showError(this.error, null);
    f.name.focus();
  }

  stopEditing() {
    this.editing = null;
    this.form.reset();
    this.form.elements.email.disabled = false;
    this.form.elements.role.disabled = false;
    fill($(this.app.root, "person-form-title"), s("people.add_title"));
    fill($(this.app.root, "person-form-intro"), s("people.add_intro"));
    fill(this.saveButton, s("people.add"));
    this.cancelButton.hidden = true;
  }

  async save() {
    this.hideLink();
    const body = this.values();
    const editing = this.editing;
    let answer;
    try {
      if (editing) {
        if (editing.id === this.app.root.dataset.me) delete body.role;
        answer = await this.app.api.patch(`/api/people/${encodeURIComponent(editing.id)}`, body);
      } else {
        answer = await this.app.api.post("/api/people", { email: this.form.elements.email.value.trim(), ...body });
      }
    } catch (err) {
      showError(this.error, err);
      return;
    }
    showError(this.error, null);
    this.stopEditing();
    if (editing) this.app.flash(s("people.saved", { name: answer.agent.name }));
    else this.showLink(answer.agent, answer.link, true);
    await this.load();
  }

  showLink(person, link, added) {
    const url = $(this.app.root, "person-link-url");
    url.value = link.url || "";
    url.closest(".inline-form").hidden = !link.url;
    const until = when(link.expires_at);
    const key = link.url ? (added ? "people.added_link" : "people.link_shown") : (added ? "people.added_mailed" : "people.link_mailed");
    fill($(this.app.root, "person-link-text"), s(key, { name: person.name, email: link.mailed_to || person.email, until }));
    this.linkBox.hidden = false;
    this.app.flash(added ? s("people.added", { name: person.name }) : s("people.link_made", { name: person.name }));
  }

  async copyLink() {
    // without a clipboard the link stays selected: the lead copies it by hand
    if (await copyField($(this.app.root, "person-link-url"))) this.app.flash(s("people.copied"));
  }

  async reset(p) {
    this.hideLink();
    const result = await this.app.dialog.open({
      action: "person-reset", title: s("people.reset_title", { name: p.name }), intro: s("people.reset_intro"),
      submitLabel: s("people.reset_submit"), fields: [],
      run: () => this.app.api.post(`/api/people/${encodeURIComponent(p.id)}/reset`),
    });
    if (result) this.showLink(p, result.link, false);
  }

  async disable(p) {
    const result = await this.app.dialog.open({
      action: "person-disable", title: s("people.disable_title", { name: p.name }), intro: s("people.disable_intro"),
      submitLabel: s("people.disable_submit"), danger: true, fields: [],
      run: () => this.app.api.post(`/api/people/${encodeURIComponent(p.id)}/disable`),
    });
    if (result) {
      this.app.flash(s("people.disabled_done", { name: p.name }));
      await this.load();
    }
  }

  async enable(p) {
    try {
      await this.app.api.post(`/api/people/${encodeURIComponent(p.id)}/enable`);
    } catch (err) {
      showError(this.error, err);
      return;
    }
    this.app.flash(s("people.enabled_done", { name: p.name }));
    await this.load();
  }
}
