// One modal form for every action that needs a confirmation or a reason
// (never window.prompt): a <dialog> whose fields each action describes.
import { staffError } from "../errors.js";
import { el, fill } from "./dom.js";
import { s } from "../strings.js";

let counter = 0;

export class ActionDialog {
  constructor(host) {
    this.dialog = el("dialog", { class: "action-dialog", "data-sd": "action-dialog", "aria-labelledby": "action-title" });
    this.title = el("h2", { id: "action-title", "data-sd": "action-title" });
    this.intro = el("p", { class: "muted", "data-sd": "action-intro" });
    this.fields = el("div", { class: "stack-form" });
    this.error = el("p", { class: "error", role: "alert", "data-sd": "action-error", hidden: true });
    this.submit = el("button", { type: "submit", class: "primary", "data-sd": "action-submit" }, s("dialog.ok"));
    this.cancel = el("button", { type: "button", "data-sd": "action-cancel" }, s("actions.cancel"));
    this.form = el("form", { "data-sd": "action-form", novalidate: false },
      this.title, this.intro, this.fields, this.error, el("div", { class: "actions" }, this.cancel, this.submit));
    this.dialog.append(this.form);
    host.append(this.dialog);
    this.current = null;
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.run();
    });
    this.form.addEventListener("input", () => this.refresh());
    this.cancel.addEventListener("click", () => this.close(null));
    this.dialog.addEventListener("cancel", (e) => {
      e.preventDefault();
      this.close(null);
    });
  }

  /** Shows the form; resolves with what `spec.run(values)` returned once it
   * succeeded ({ok: true, ...}), or null when cancelled. */
  open(spec) {
    if (this.current) this.close(null);
    fill(this.title, spec.title);
    fill(this.intro, spec.intro || "");
    this.intro.hidden = !spec.intro;
    this.inputs = new Map();
    fill(this.fields, ...(spec.fields || []).map((f) => this.field(f)));
    fill(this.submit, spec.submitLabel || s("dialog.ok"));
    this.submit.className = spec.danger ? "danger" : "primary";
    this.submit.disabled = false;
    this.error.hidden = true;
    this.dialog.setAttribute("data-action", spec.action || "");
    return new Promise((resolve) => {
      this.current = { spec, resolve };
      this.refresh();
      this.dialog.showModal();
      const first = this.fields.querySelector("input:not([type=hidden]):not(:disabled), select, textarea");
      if (first) first.focus();
    });
  }

  field(f) {
    if (f.type === "custom") { // a component: {node, value(), check()}
      this.inputs.set(f.name, { spec: f });
      return f.widget.node;
    }
    const id = `action-field-${++counter}`;
    const attrs = { id, name: f.name, "data-sd": `action-${f.name}`, required: Boolean(f.required),
      min: f.min, max: f.max, maxlength: f.maxlength, placeholder: f.placeholder };
    let input;
    if (f.type === "textarea") {
      input = el("textarea", { ...attrs, rows: f.rows || 3 });
      input.value = f.value || "";
    } else if (f.type === "select") {
      input = el("select", attrs, ...(f.options || []).map(([value, label]) => el("option", { value }, label)));
      if (f.value !== undefined) input.value = f.value;
    } else {
      input = el("input", { ...attrs, type: f.type || "text" });
      if (f.type === "checkbox") input.checked = Boolean(f.value);
      else if (f.value !== undefined && f.value !== null) input.value = String(f.value);
    }
    this.inputs.set(f.name, { input, spec: f });
    const label = el("label", { for: id }, f.label);
    if (f.type === "checkbox") return el("div", { class: "check" }, input, label);
    return el("div", { class: "field" }, label, input, f.help ? el("small", { class: "muted" }, f.help) : null);
  }

  values() {
    const found = {};
    for (const [name, { input, spec }] of this.inputs) {
      if (spec.type === "custom") found[name] = spec.widget.value();
      else if (spec.type === "checkbox") found[name] = input.checked;
      else if (spec.type === "number") found[name] = input.value === "" ? null : Number(input.value);
      else found[name] = input.value;
    }
    return found;
  }

  refresh() {
    if (!this.current) return;
    const values = this.values();
    for (const { input, spec } of this.inputs.values()) {
      if (spec.disabledWhen && input) input.disabled = Boolean(spec.disabledWhen(values));
    }
  }

  async run() {
    if (!this.current || !this.form.reportValidity()) return;
    const { spec } = this.current;
    const missing = [...this.inputs.values()].map(({ spec: f }) => (f.type === "custom" ? f.widget.check() : ""))
      .find(Boolean);
    if (missing) {
      fill(this.error, missing);
      this.error.hidden = false;
      return;
    }
    this.submit.disabled = true;
    this.error.hidden = true;
    let result;
    try {
      result = await spec.run(this.values());
    } catch (err) {
      result = { ok: false, error: { code: (err && err.code) || "network", message: (err && err.message) || "" } };
    }
    this.submit.disabled = false;
    if (result && result.ok) {
      this.close(result);
    } else {
      fill(this.error, staffError(result && result.error, spec.errors));
      this.error.hidden = false;
    }
  }

  close(result) {
    const current = this.current;
    this.current = null;
    if (this.dialog.open) this.dialog.close();
    if (current) current.resolve(result);
  }
}

/** A reason field, as every audited action asks (1-500 characters). */
export function reasonField(label = s("dialog.reason")) {
  return { name: "reason", label, type: "textarea", required: true, maxlength: 500 };
}
