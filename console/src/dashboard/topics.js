// The desk's topics (GET/POST /api/topics, PATCH/DELETE /api/topics/{name}):
// the configuration file's and the dashboard's, as in effect. Adding a topic
// of the file's name, or editing one, keeps the lead's version; removing it
// brings the file's back.
import { $, el, fill, show, showError, timeEl } from "./dom.js";
import { s } from "../strings.js";

const FIELDS = ["skill", "priority", "department", "reason"];

export class Topics {
  constructor(app) {
    this.app = app;
    const root = app.root;
    this.form = $(root, "topic-form");
    this.rows = $(root, "topic-rows");
    this.error = $(root, "topic-error");
    this.saveButton = $(root, "topic-save");
    this.cancel = $(root, "topic-cancel");
    this.title = $(root, "topic-form-title");
    this.editing = null; // the name being edited, or null: adding
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.save();
    });
    this.cancel.addEventListener("click", () => this.reset());
    app.socket.on("topic", () => this.load()); // another lead's change shows at once
    this.load();
    this.offerSkills();
  }

  /** The agents' skills as suggestions for the skill field. */
  async offerSkills() {
    const skills = new Set((await this.app.loadAgents()).flatMap((a) => a.skills || []));
    fill($(this.app.root, "topic-skills"), ...[...skills].sort().map((k) => el("option", { value: k })));
  }

  async load() {
    let topics;
    try {
      topics = (await this.app.api.get("/api/topics")).topics || [];
    } catch (err) {
      this.showError(err);
      return;
    }
    fill(this.rows, ...topics.map((t) => this.row(t)));
    show($(this.app.root, "topics-empty"), topics.length === 0);
    this.rows.setAttribute("data-count", String(topics.length));
  }

  row(t) {
    const edit = el("button", { type: "button", class: "small", "data-sd": "topic-edit" }, s("topics.edit"));
    edit.addEventListener("click", () => this.edit(t));
    const actions = [edit];
    if (t.source !== "file") {
      const remove = el("button", { type: "button", class: "small danger", "data-sd": "topic-remove" },
        s(t.source === "override" ? "topics.revert" : "topics.remove"));
      remove.addEventListener("click", () => this.remove(t));
      actions.push(remove);
    }
    const chat = t.chat ? s(t.verified_only ? "topics.chat_verified" : "topics.chat_yes") : s("topics.chat_no");
    return el("tr", { "data-sd": "topic-row", "data-topic": t.name, "data-source": t.source },
      el("td", {}, el("code", {}, t.name)),
      el("td", { "data-sd": "topic-row-skill" }, t.skill || s("topics.any_agent")),
      el("td", { "data-sd": "topic-row-priority" }, t.priority),
      el("td", { "data-sd": "topic-row-chat", title: t.chat ? "" : t.reason }, chat),
      el("td", {}, t.department || "–"),
      el("td", { "data-sd": "topic-row-source" }, s(`topics.source.${t.source}`)),
      el("td", {}, t.updated_at ? timeEl(t.updated_at) : "–"),
      el("td", { class: "row-actions" }, ...actions));
  }

  edit(t) {
    this.editing = t.name;
    const f = this.form.elements;
    for (const key of FIELDS) f[key].value = t[key] || "";
    f.name.value = t.name;
    f.name.readOnly = true; // a topic's name is what chats, tickets and pages know it by
    f.chat.checked = Boolean(t.chat);
    f.verified_only.checked = Boolean(t.verified_only);
    fill(this.saveButton, s("topics.save"));
    fill(this.title, s("topics.change_title", { name: t.name }));
    this.cancel.hidden = false;
    f.skill.focus();
  }

  reset() {
    this.editing = null;
    this.form.reset();
    this.form.elements.name.readOnly = false;
    fill(this.saveButton, s("topics.add"));
    fill(this.title, s("topics.add_title"));
    this.cancel.hidden = true;
  }

  async save() {
    const f = this.form.elements;
    const body = { chat: f.chat.checked, verified_only: f.verified_only.checked };
    for (const key of FIELDS) body[key] = f[key].value.trim();
    const name = this.editing || f.name.value.trim();
    try {
      if (this.editing) await this.app.api.patch(`/api/topics/${encodeURIComponent(name)}`, body);
      else await this.app.api.post("/api/topics", { name, ...body });
    } catch (err) {
      this.showError(err);
      return;
    }
    this.showError(null);
    this.app.flash(s(this.editing ? "topics.saved" : "topics.added", { name }));
    this.reset();
    await this.load();
  }

  async remove(t) {
    const back = t.source === "override";
    const result = await this.app.dialog.open({
      action: "topic-remove", title: s(back ? "topics.revert_title" : "topics.remove_title", { name: t.name }),
      intro: s(back ? "topics.revert_intro" : "topics.remove_intro"),
      submitLabel: s(back ? "topics.revert_submit" : "topics.remove_submit"), danger: true, fields: [],
      run: () => this.app.api.remove(`/api/topics/${encodeURIComponent(t.name)}`),
    });
    if (result) {
      this.app.flash(s(back ? "topics.reverted" : "topics.removed", { name: t.name }));
      await this.load();
    }
  }

  showError(err) {
    showError(this.error, err);
  }
}
