// Canned replies (GET/POST/DELETE /api/canned) and one-off closures
// (GET/POST/DELETE /api/closures): lists with an add form; changes need
// the page's CSRF token, which `Api` sends.
import { $, dayText, el, fill, show, showError, timeEl } from "./dom.js";
import { s } from "../strings.js";

function formValues(form) {
  return Object.fromEntries(new FormData(form).entries());
}

export class Canned {
  constructor(app) {
    this.app = app;
    const root = app.root;
    this.form = $(root, "canned-form");
    this.rows = $(root, "canned-rows");
    this.error = $(root, "canned-error");
    this.editing = null; // the id being edited in the form, or null: adding
    this.saveButton = $(root, "canned-save");
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.save();
    });
    app.socket.on("canned", () => this.load()); // another lead's change shows at once
    this.load();
  }

  async load() {
    let replies;
    try {
      replies = (await this.app.api.get("/api/canned")).replies || [];
    } catch (err) {
      showError(this.error, err);
      return;
    }
    fill(this.rows, ...replies.map((r) => this.row(r)));
    show($(this.app.root, "canned-empty"), replies.length === 0);
  }

  row(r) {
    const edit = el("button", { type: "button", class: "small", "data-sd": "canned-edit" }, s("manage.edit"));
    const remove = el("button", { type: "button", class: "small danger", "data-sd": "canned-delete" }, s("manage.delete"));
    edit.addEventListener("click", () => this.edit(r));
    remove.addEventListener("click", () => this.remove(r));
    return el("tr", { "data-sd": "canned-row", "data-canned-id": r.id },
      el("td", {}, el("code", { "data-sd": "canned-row-shortcut" }, `/${r.shortcut}`)),
      el("td", { "data-sd": "canned-row-title" }, r.title),
      el("td", { class: "text-cell", "data-sd": "canned-row-text" }, r.text),
      el("td", {}, timeEl(r.updated_at)),
      el("td", { class: "row-actions" }, edit, remove));
  }

  edit(r) {
    this.editing = r.id;
    for (const key of ["shortcut", "title", "text"]) this.form.elements[key].value = r[key];
    fill(this.saveButton, s("manage.save"));
    this.form.elements.shortcut.focus();
  }

  async save() {
    const v = formValues(this.form);
    const body = { shortcut: v.shortcut.trim(), title: v.title.trim(), text: v.text };
    try {
      if (this.editing) await this.app.api.post(`/api/canned/${encodeURIComponent(this.editing)}`, body);
      else await this.app.api.post("/api/canned", body);
    } catch (err) {
      showError(this.error, err);
      return;
    }
    showError(this.error, null);
    this.app.flash(this.editing ? s("manage.canned_saved") : s("manage.canned_added"));
    this.editing = null;
    fill(this.saveButton, s("manage.add"));
    this.form.reset();
    await this.load();
  }

  async remove(r) {
    const result = await this.app.dialog.open({
      action: "canned-delete", title: s("manage.canned_delete_title", { shortcut: r.shortcut }),
      intro: s("manage.canned_delete_intro"), submitLabel: s("manage.canned_delete_submit"), danger: true,
      fields: [],
      run: () => this.app.api.remove(`/api/canned/${encodeURIComponent(r.id)}`),
    });
    if (result) {
      this.app.flash(s("manage.canned_deleted"));
      await this.load();
    }
  }
}

export class Closures {
  constructor(app) {
    this.app = app;
    const root = app.root;
    this.form = $(root, "closure-form");
    this.rows = $(root, "closure-rows");
    this.error = $(root, "closure-error");
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.add();
    });
    app.socket.on("closure", () => this.load()); // another lead's change shows at once
    this.load();
  }

  async load() {
    let closures;
    try {
      closures = (await this.app.api.get("/api/closures")).closures || [];
    } catch (err) {
      showError(this.error, err);
      return;
    }
    const known = new Set(this.app.agents().map((a) => a.id));
    if (closures.some((c) => c.created_by && !known.has(c.created_by))) await this.app.loadAgents(); // names, not ids
    fill(this.rows, ...closures.map((c) => {
      const remove = el("button", { type: "button", class: "small danger", "data-sd": "closure-remove" }, s("manage.closure_remove"));
      remove.addEventListener("click", () => this.remove(c));
      return el("tr", { "data-sd": "closure-row", "data-day": c.day },
        el("td", {}, el("time", { datetime: c.day }, dayText(c.day))), el("td", { "data-sd": "closure-row-reason" }, c.reason),
        el("td", {}, timeEl(c.created_at), c.created_by ? ` ${s("manage.closure_by", { name: this.app.agentName(c.created_by) })}` : ""),
        el("td", { class: "row-actions" }, remove));
    }));
    show($(this.app.root, "closures-empty"), closures.length === 0);
  }

  async add() {
    const v = formValues(this.form);
    try {
      await this.app.api.post("/api/closures", { day: v.day, reason: v.reason.trim() });
    } catch (err) {
      showError(this.error, err);
      return;
    }
    showError(this.error, null);
    this.app.flash(s("manage.closure_added", { day: dayText(v.day) }));
    this.form.reset();
    await this.load();
  }

  async remove(c) {
    const result = await this.app.dialog.open({
      action: "closure-remove", title: s("manage.closure_remove_title", { day: dayText(c.day) }),
      intro: s("manage.closure_remove_intro"),
      submitLabel: s("manage.closure_remove_submit"), danger: true, fields: [],
      run: () => this.app.api.remove(`/api/closures/${encodeURIComponent(c.id)}`),
    });
    if (result) {
      this.app.flash(s("manage.closure_removed"));
      await this.load();
    }
  }
}
