// The tag list (GET/POST /api/tags, .../archive, .../restore): add, rename
// and recolour, archive and restore. Tags are never deleted: an archived
// one stays on its chats and tickets and in the reports' filter.
import { PALETTE, tagChip } from "../tag-chips.js";
import { $, el, fill, show, showError, timeEl } from "./dom.js";
import { s } from "../strings.js";

/** A palette colour's name ("tags.colour.<colour>"), or the code itself. */
function colourName(colour) {
  return PALETTE.includes(colour) ? s(`tags.colour.${colour}`) : String(colour);
}

export class Tags {
  constructor(app) {
    this.app = app;
    const root = app.root;
    this.form = $(root, "tag-form");
    this.name = $(root, "tag-name");
    this.colour = $(root, "tag-colour");
    this.rows = $(root, "tag-rows");
    this.error = $(root, "tag-error");
    this.saveButton = $(root, "tag-save");
    this.cancel = $(root, "tag-cancel");
    this.title = $(root, "tag-form-title");
    this.editing = null;
    this.colour.append(...PALETTE.map((c) => el("option", { value: c }, colourName(c))));
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.save();
    });
    this.cancel.addEventListener("click", () => this.reset());
    app.socket.on("tags", () => this.load()); // another lead's change shows at once
    this.load();
  }

  async load() {
    let tags;
    try {
      tags = (await this.app.api.get("/api/tags")).tags || [];
    } catch (err) {
      this.showError(err);
      return;
    }
    fill(this.rows, ...tags.map((t) => this.row(t)));
    show($(this.app.root, "tags-empty"), tags.length === 0);
    this.rows.setAttribute("data-count", String(tags.length));
  }

  row(t) {
    const edit = el("button", { type: "button", class: "small", "data-sd": "tag-edit" }, s("tags.edit"));
    edit.addEventListener("click", () => this.edit(t));
    const toggle = t.archived
      ? el("button", { type: "button", class: "small", "data-sd": "tag-restore" }, s("tags.restore"))
      : el("button", { type: "button", class: "small danger", "data-sd": "tag-archive" }, s("tags.archive"));
    toggle.addEventListener("click", () => (t.archived ? this.restore(t) : this.archive(t)));
    return el("tr", { "data-sd": "tag-row", "data-tag-id": t.id, "data-archived": String(Boolean(t.archived)) },
      el("td", {}, tagChip(t)), el("td", {}, t.colour ? colourName(t.colour) : s("tags.no_colour")),
      el("td", {}, t.archived ? s("tags.archived") : s("tags.offered")), el("td", {}, timeEl(t.updated_at)),
      el("td", { class: "row-actions" }, edit, toggle));
  }

  edit(t) {
    this.editing = t.id;
    this.name.value = t.name;
    this.colour.value = t.colour || "";
    fill(this.saveButton, s("tags.save"));
    fill(this.title, s("tags.change_title"));
    this.cancel.hidden = false;
    this.name.focus();
  }

  reset() {
    this.editing = null;
    this.form.reset();
    fill(this.saveButton, s("tags.add"));
    fill(this.title, s("tags.add_title"));
    this.cancel.hidden = true;
  }

  async save() {
    const body = { name: this.name.value.trim(), colour: this.colour.value || null };
    try {
      if (this.editing) await this.app.api.post(`/api/tags/${encodeURIComponent(this.editing)}`, body);
      else await this.app.api.post("/api/tags", body);
    } catch (err) {
      this.showError(err);
      return;
    }
    this.showError(null);
    this.app.flash(this.editing ? s("tags.saved") : s("tags.added", { name: body.name }));
    this.reset();
    await this.load();
  }

  async archive(t) {
    const result = await this.app.dialog.open({
      action: "tag-archive", title: s("tags.archive_title", { name: t.name }),
      intro: s("tags.archive_intro"),
      submitLabel: s("tags.archive_submit"), danger: true, fields: [],
      run: () => this.app.api.post(`/api/tags/${encodeURIComponent(t.id)}/archive`, {}),
    });
    if (result) {
      this.app.flash(s("tags.archived_done"));
      await this.load();
    }
  }

  async restore(t) {
    try {
      await this.app.api.post(`/api/tags/${encodeURIComponent(t.id)}/restore`, {});
    } catch (err) {
      this.showError(err);
      return;
    }
    this.app.flash(s("tags.restored"));
    await this.load();
  }

  showError(err) {
    showError(this.error, err);
  }
}
