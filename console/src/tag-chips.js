// Tags as the console and the dashboard show them: a chip per tag, its
// name as text and its colour a palette name the stylesheet maps to its
// own light and dark shades (never CSS from the server).
import { s } from "./strings.js";

export const PALETTE = ["grey", "red", "orange", "yellow", "green", "teal", "blue", "purple", "pink"];

/** A chip for TAG, with `extra` children (a remove button) after its name. */
export function tagChip(tag, ...extra) {
  const chip = document.createElement("span");
  chip.className = "chip tag-chip";
  chip.setAttribute("data-sd", "tag-chip");
  chip.setAttribute("data-tag-id", String(tag.id));
  if (PALETTE.includes(tag.colour)) chip.setAttribute("data-colour", tag.colour);
  if (tag.archived) chip.setAttribute("data-archived", "true");
  const name = document.createElement("span");
  name.className = "tag-name";
  name.textContent = String(tag.name);
  chip.append(name, ...extra);
  return chip;
}

/** The name shown in a list of choices: archived ones say so. */
export function tagLabel(tag) {
  return tag.archived ? s("tagchips.archived", { name: tag.name }) : String(tag.name);
}

/** The chips of a chat's or ticket's TAGs in a list or a result (no remove
 * buttons), or null when it carries none. */
export function tagChips(tags, name = "result-tags") {
  if (!Array.isArray(tags) || !tags.length) return null;
  const chips = document.createElement("span");
  chips.className = "chips result-tags";
  chips.setAttribute("data-sd", name);
  chips.append(...tags.map((t) => tagChip(t)));
  return chips;
}

/** Fills a <select> of tags to filter by: every tag, archived ones too
 * (marked: old chats and tickets carry them), after a first "any" option. */
export function fillTagSelect(select, tags, anyText) {
  const chosen = select.value;
  const option = (value, text) => {
    const o = document.createElement("option");
    o.value = value;
    o.textContent = text;
    return o;
  };
  select.replaceChildren(option("", anyText), ...tags.map((t) => option(String(t.id), tagLabel(t))));
  select.value = tags.some((t) => String(t.id) === chosen) ? chosen : "";
}
