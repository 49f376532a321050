// Tags in the console: the shared list (GET /api/tags, kept fresh by the
// `tags` event) and a bar under a chat's or a ticket's header showing its
// tags, each with a remove button, and a menu of the tags still offered
// (archived ones are shown where they are, never offered). Names are text.
import { el } from "../../widget/src/util.js";
import { errorText } from "./api.js";
import { tagChip } from "./tag-chips.js";
import { s } from "./strings.js";

const MAX_ON_ONE = 20; // services/tags.py MAX_ON_ONE

/** The tag list, loaded once and on the `tags` event; bars redraw their menus. */
export class TagStore {
  constructor(api) {
    this.api = api;
    this.tags = [];
    this.bars = new Set();
  }

  async load() {
    const answer = await this.api.get("/api/tags");
    if (answer.ok && Array.isArray(answer.tags)) this.tags = answer.tags;
    this.redraw();
    return this.tags;
  }

  /** `tags` (a supervisor changed the list): menus follow at once. */
  changed({ tag }) {
    if (!tag || !tag.id) return;
    const key = (t) => String(t.name).toLowerCase(); // the server's order: case-folded, by code point
    this.tags = [...this.tags.filter((t) => t.id !== tag.id), tag]
      .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    for (const bar of this.bars) bar.renamed(tag);
    this.redraw();
  }

  redraw() {
    for (const bar of this.bars) bar.draw();
  }
}

export class TagBar {
  /**
   * @param {TagStore} store
   * @param {{name: string, add: (tagId: string) => Promise<object>, remove: (tagId: string) => Promise<object>}} deps
   *   `add` and `remove` resolve to an answer `{ok, tags}` or `{ok: false, error}`.
   */
  constructor(store, deps) {
    this.store = store;
    this.deps = deps;
    this.tags = [];
    this.chips = el("span", { class: "chips", "data-sd": "tag-list" });
    this.menu = el("select", { "data-sd": "tag-add",
      "aria-label": deps.name === "ticket" ? s("tagbar.add_to_ticket") : s("tagbar.add_to_chat") });
    this.error = el("span", { class: "tags-error", "data-sd": "tags-error", role: "alert", hidden: true });
    this.element = el("div", { class: `${deps.name}-tags`, "data-sd": `${deps.name}-tags` },
      el("span", { class: "tags-label" }, s("tagbar.label")), this.chips, this.menu, this.error);
    this.menu.addEventListener("change", () => {
      const id = this.menu.value;
      this.menu.value = "";
      if (id) this.change(this.deps.add(id), s("tagbar.add_failed"));
    });
    store.bars.add(this);
    this.draw();
  }

  /** The chat's or ticket's tags as the server has them now. */
  set(tags) {
    this.tags = Array.isArray(tags) ? tags : [];
    this.draw();
  }

  /** A tag of the list was renamed, recoloured or archived: so is its chip. */
  renamed(tag) {
    if (this.tags.some((t) => t.id === tag.id)) this.tags = this.tags.map((t) => (t.id === tag.id ? tag : t));
  }

  detach() {
    this.store.bars.delete(this);
  }

  draw() {
    this.chips.replaceChildren(...this.tags.map((t) => {
      const remove = el("button", { type: "button", class: "tag-remove", "data-sd": "tag-remove",
        "aria-label": s("tagbar.remove_label", { name: t.name }), title: s("tagbar.remove") }, "×");
      remove.addEventListener("click", () => this.change(this.deps.remove(t.id), s("tagbar.remove_failed")));
      return tagChip(t, remove);
    }));
    const have = new Set(this.tags.map((t) => t.id));
    const offered = this.store.tags.filter((t) => !t.archived && !have.has(t.id));
    const full = this.tags.length >= MAX_ON_ONE;
    const first = offered.length && !full ? s("tagbar.add") : full ? s("tagbar.full") : s("tagbar.none_to_add");
    this.menu.replaceChildren(el("option", { value: "" }, first),
      ...(full ? [] : offered.map((t) => el("option", { value: t.id }, String(t.name)))));
    this.menu.disabled = full || !offered.length;
  }

  async change(pending, action) {
    const answer = await pending;
    if (!answer || !answer.ok) {
      this.error.textContent = errorText(answer, action, {
        too_large: this.deps.name === "ticket" ? s("tagbar.too_many_ticket", { max: MAX_ON_ONE })
          : s("tagbar.too_many_chat", { max: MAX_ON_ONE }),
        unknown_tag: s("tagbar.unknown_tag"),
        tag_archived: s("tagbar.tag_archived"),
      });
      this.error.hidden = false;
      return;
    }
    this.error.hidden = true;
    this.set(answer.tags);
  }
}
