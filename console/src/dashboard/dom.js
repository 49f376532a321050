// DOM and formatting helpers of the dashboard. Everything a visitor or an
// agent wrote reaches the page as text: `el` appends strings as text nodes
// and sets attributes one by one (never innerHTML, never a style attribute:
// the CSP has no 'unsafe-inline').
import { s } from "../strings.js";

/** An element with attributes (null/false skipped, true -> "") and children
 * (strings and numbers become text nodes; null is skipped). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "style" || name.startsWith("on")) throw new Error(`el: ${name} is not allowed`);
    node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of `node` (text stays text). */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export function $(root, name) {
  return root.querySelector(`[data-sd="${name}"]`);
}

export function show(node, visible) {
  if (node) node.hidden = !visible;
}

/** Seconds as "45 s", "3:05", "1:02:03"; null as "–". */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(Number(seconds))) return "–";
  const secs = Math.max(0, Math.round(Number(seconds)));
  if (secs < 60) return s("dom.seconds", { seconds: secs });
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const pad = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(secs % 60)}` : `${m}:${pad(secs % 60)}`;
}

export function pct(value) {
  return value === null || value === undefined ? "–" : `${Number(value).toFixed(Number(value) % 1 ? 1 : 0)}%`;
}

export function num(value, digits = 0) {
  return value === null || value === undefined ? "–" : Number(value).toFixed(digits);
}

const TIME = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const FULL = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "long" }); // with the zone
const CLOCK = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
// A calendar day ("2026-12-24") is no instant: shown as it is named, in UTC, never shifted a day.
const DAY = new Intl.DateTimeFormat(undefined, { weekday: "short", year: "numeric", month: "short", day: "numeric",
  timeZone: "UTC" });
const SHORT_DAY = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", timeZone: "UTC" });

/** An ISO time as the reader's local date and time ("" for none). */
export function when(iso) {
  if (!iso) return "";
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? String(iso) : TIME.format(at);
}

export function clock(iso) {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? "" : CLOCK.format(at);
}

/** A <time> element showing `iso` (machine-readable in datetime; the
 * full date, time and zone on hover). */
export function timeEl(iso, text = when(iso)) {
  const at = iso ? new Date(iso) : null;
  const full = at && !Number.isNaN(at.getTime()) ? FULL.format(at) : null;
  return el("time", { datetime: iso || null, title: full }, text);
}

/** A desk day "YYYY-MM-DD" as people write it ("Thu, Dec 24, 2026"); `short`: "Dec 24". */
export function dayText(day, short = false) {
  const at = new Date(`${day}T00:00:00Z`);
  if (!day || Number.isNaN(at.getTime())) return String(day || "");
  return (short ? SHORT_DAY : DAY).format(at);
}

export function chatLink(chatId, text = shortId(chatId)) {
  return el("a", { href: `/console/dashboard/chats/${encodeURIComponent(chatId)}`, "data-sd": "chat-link",
    "data-chat-id": chatId }, text);
}

export function shortId(id) {
  return String(id || "").slice(0, 8);
}

/** "YYYY-MM-DD" of `iso` shifted by `days`. */
export function addDays(iso, days) {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Gives each cell of `table`'s body its column's heading as data-label:
 * at phone width a row of a .stack-table stacks, each value under it. */
export function labelCells(table) {
  const labels = [...table.querySelectorAll("thead th")].map((th) => th.textContent);
  for (const row of table.tBodies[0].rows) {
    [...row.cells].forEach((cell, i) => labels[i] && cell.setAttribute("data-label", labels[i]));
  }
}

/** A row's button: `run` on a click (a <button type=button>, so Enter and Space work too). */
export function button(name, label, run, kind = "small") {
  const node = el("button", { type: "button", class: kind, "data-sd": name }, label);
  node.addEventListener("click", run);
  return node;
}

export function pill(text, kind) {
  return el("span", { class: "pill", "data-kind": kind || null }, text);
}

/** The visitor's name as a node: its (unverified) claim, or "Visitor". */
export function visitorName(visitor) {
  const v = visitor || {};
  const name = v.name || (v.id ? s("dom.visitor_id", { id: shortId(v.id) }) : s("dom.visitor"));
  return el("span", { class: "who", "data-sd": "visitor-name" },
    el("span", { class: "who-name", title: name }, name),  // clamped to 3 lines in tables; the title has it all
    v.verified ? pill(s("dom.verified"), "ok") : null);
}

/** The lead's page of one visitor (/console/dashboard/visitors/{id}). */
export function visitorHref(visitorId) {
  return `/console/dashboard/visitors/${encodeURIComponent(visitorId)}`;
}

/** The lead's page of a verified account of a site (its key). */
export function accountHref(site, accountId) {
  return `/console/dashboard/accounts/${encodeURIComponent(site)}/${encodeURIComponent(accountId)}`;
}

export function visitorLink(visitorId, text) {
  return el("a", { href: visitorHref(visitorId), "data-sd": "visitor-link", "data-visitor-id": visitorId }, text);
}

export function accountLink(site, accountId, text) {
  return el("a", { href: accountHref(site, accountId), "data-sd": "account-link", "data-account-id": accountId }, text);
}

/** A form's error line: the ApiError's message (a sentence, errors.js), or hidden for none. */
export function showError(node, err) {
  fill(node, err ? err.message : "");
  show(node, Boolean(err));
}

/** Puts `field`'s text on the clipboard; true if it went. Falls back to
 * selecting it and the old copy command where the Clipboard API is missing
 * (a desk served over plain HTTP on another host than localhost is no
 * secure context); the text stays selected either way, to copy by hand. */
export async function copyField(field) {
  field.focus();
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
    return true;
  } catch (_) {
    return document.execCommand("copy");
  }
}

/** A secret the server shows once (a signing secret, a token): `box` holds
 * the readonly `field`, a Copy and a Done button. Done empties the field:
 * nothing on the page shows the secret again. */
export class ShownOnce {
  constructor(app, box, field, copy, done) {
    Object.assign(this, { box, field });
    copy.addEventListener("click", async () => app.flash(s(await copyField(field) ? "dom.copied" : "sites.copy_failed")));
    done.addEventListener("click", () => this.hide());
  }

  show(value) {
    this.field.value = value;
    show(this.box, true);
    this.box.scrollIntoView({ block: "nearest" });
    this.field.focus();
    this.field.select();
  }

  hide() {
    this.field.value = "";
    show(this.box, false);
  }
}
