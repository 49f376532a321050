// "Page and browser" beside a chat: the page the visitor is on (following
// it as it navigates), where it came from, its browser and system, its
// language and local time (ticking), the host page's own fields and the
// pages seen during the chat. Everything here is what the visitor's
// browser said: text only, and a link only for an http(s) URL.
import { el, formatTime } from "../../widget/src/util.js";
import { s } from "./strings.js";

const TICK_MS = 15000;

/** An `<a>` for an http(s) URL (a new tab that learns nothing of the
 * console), else the URL as plain text; `text` is what is shown. */
export function urlNode(url, text, sd) {
  const shown = String(text || url || "");
  let safe = null;
  try {
    const parsed = new URL(String(url));
    if (parsed.protocol === "http:" || parsed.protocol === "https:") safe = parsed.href;
  } catch (_) {
    // Not a URL: shown as text.
  }
  if (!safe) return el("span", { class: "visit-url", "data-sd": sd, "data-linked": "false" }, shown);
  return el("a", { class: "visit-url", "data-sd": sd, "data-linked": "true", href: safe, target: "_blank",
    rel: "noopener noreferrer" }, shown);
}

/** "14:05 (America/Toronto)" at `nowMs`: by the visitor's time zone when
 * this browser knows it, else by its UTC offset; "" when neither was sent. */
export function localTime(visit, nowMs = Date.now()) {
  const options = { hour: "2-digit", minute: "2-digit" };
  if (visit.time_zone) {
    try {
      const time = new Date(nowMs).toLocaleTimeString(undefined, { ...options, timeZone: String(visit.time_zone) });
      return `${time} (${visit.time_zone})`;
    } catch (_) {
      // An unknown zone name: the offset below.
    }
  }
  const offset = Number(visit.utc_offset_min);
  if (visit.utc_offset_min === null || visit.utc_offset_min === undefined || !Number.isFinite(offset)) return "";
  const shifted = new Date(nowMs + offset * 60000);
  const sign = offset < 0 ? "−" : "+";
  const hours = String(Math.floor(Math.abs(offset) / 60)).padStart(2, "0");
  const minutes = String(Math.abs(offset) % 60).padStart(2, "0");
  return `${shifted.toLocaleTimeString(undefined, { ...options, timeZone: "UTC" })} (UTC${sign}${hours}:${minutes})`;
}

function browserText(visit) {
  const vars = { browser: visit.browser, os: visit.os };
  const which = visit.browser && visit.os ? "browser_os" : visit.browser ? "browser" : visit.os ? "os" : null;
  if (!which) return visit.user_agent ? s("visit.unknown_browser") : "";
  return s(`visit.${which}${visit.mobile ? "_mobile" : ""}`, vars);
}

/** The section for VISIT (null: the widget has said nothing yet). */
export function visitSection(visit) {
  const section = el("section", { class: "pane-section visit", "data-sd": "visit" }, el("h4", {}, s("visit.title")));
  if (!visit) {
    section.append(el("p", { class: "muted" }, s("visit.nothing")));
    return section;
  }
  const facts = el("dl", { class: "facts" });
  const fact = (field, label, value) => {
    if (value === null || value === undefined || value === "") return;
    facts.append(el("dt", {}, label), el("dd", { "data-field": field }, value));
  };
  if (visit.url) {
    fact("page", s("visit.page"), el("span", {},
      el("span", { class: "visit-title", "data-sd": "visit-title" }, String(visit.title || s("visit.no_title"))),
      el("br", {}), urlNode(visit.url, visit.url, "visit-url")));
  }
  if (visit.referrer) fact("referrer", s("visit.referrer"), urlNode(visit.referrer, visit.referrer, "visit-referrer"));
  fact("browser", s("visit.browser_label"), browserText(visit));
  fact("language", s("visit.language"), visit.language ? String(visit.language) : "");
  const time = localTime(visit);
  if (time) {
    const clock = el("span", { "data-sd": "visit-local-time" }, time);
    fact("local-time", s("visit.local_time"), clock);
    const tick = setInterval(() => {
      if (!clock.isConnected) clearInterval(tick);
      else clock.textContent = localTime(visit);
    }, TICK_MS);
  }
  section.append(facts);
  const custom = Object.entries(visit.custom || {});
  if (custom.length) {
    const list = el("dl", { class: "facts visit-custom", "data-sd": "visit-custom" });
    for (const [name, value] of custom) {
      list.append(el("dt", {}, String(name)), el("dd", { "data-field": `custom:${name}` }, String(value)));
    }
    section.append(el("h5", {}, s("visit.custom")), list);
  }
  const pages = Array.isArray(visit.pages) ? visit.pages : [];
  if (pages.length) {
    const items = pages.slice().reverse().map((p) => el("li", { "data-sd": "visit-page" },
      el("span", { class: "previous-when" }, p.at ? formatTime(p.at) : ""), " ",
      el("span", { class: "visit-page-title" }, String(p.title || s("visit.no_title"))), " ",
      urlNode(p.url, p.url, "visit-page-link")));
    section.append(el("h5", {}, s("visit.pages", { count: pages.length })),
      el("ol", { class: "pane-list visit-pages", "data-sd": "visit-pages", reversed: true }, ...items));
  }
  return section;
}
