// The widget's words, one table per locale. Every string a visitor reads
// comes from here through `t(key, vars)`; `{name}` in a string is replaced
// by `vars.name`. A key missing from a locale falls back to English.
// docs/widget.md ("Languages") says how to add a locale.

const en = {
  // attachments
  "attach.button": "Attach a file",
  "attach.uploading": "Uploading {name}… {percent}%",
  "attach.dismiss": "Dismiss",
  "attach.remove": "Remove {name}",
  "attach.failed": "{name} was not sent: {reason}",
  "attach.no_chat": "Start the chat first, then add files.",
  "attach.download": "Download {name}",
  "attach.network": "the desk could not be reached",
};

export const LOCALES = { en };

let current = en;

/** Choose the locale: `data-locale` if the desk has it, else the browser's
 * languages in order, else English. Returns the code chosen. */
export function chooseLocale(wanted, languages = []) {
  for (const code of [wanted, ...languages]) {
    if (!code) continue;
    const lower = String(code).toLowerCase();
    const hit = LOCALES[lower] ? lower : LOCALES[lower.split("-")[0]] ? lower.split("-")[0] : null;
    if (hit) {
      current = LOCALES[hit];
      return hit;
    }
  }
  current = en;
  return "en";
}

/** The current locale's text for `key`, with `{name}` filled from `vars`. */
export function t(key, vars) {
  const text = current[key] ?? en[key] ?? key;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}
