// The colour theme of the console and the dashboard: "system" (follow
// prefers-color-scheme, the default), "light" or "dark", picked in the top
// bar's menu and remembered in localStorage for every page of the console.
// The choice is data-theme on <html>; console.css has the colours.
export const THEME_KEY = "shiftdesk:theme";
const CHOICES = ["system", "light", "dark"];

export function storedTheme(storage = window.localStorage) {
  try {
    const value = storage.getItem(THEME_KEY);
    return CHOICES.includes(value) ? value : "system";
  } catch (_) {
    return "system"; // storage refused (privacy settings): follow the system
  }
}

export function applyTheme(choice, doc = document) {
  if (choice === "light" || choice === "dark") doc.documentElement.setAttribute("data-theme", choice);
  else doc.documentElement.removeAttribute("data-theme");
}

/** Applies the remembered theme and wires the menu (data-sd="theme"), if
 * the page has one; another tab's choice is followed too. */
export function setupTheme(doc = document) {
  const menu = doc.querySelector('[data-sd="theme"]');
  const show = (choice) => {
    applyTheme(choice, doc);
    if (menu) menu.value = choice;
  };
  show(storedTheme());
  if (menu) {
    menu.addEventListener("change", () => {
      const choice = CHOICES.includes(menu.value) ? menu.value : "system";
      try {
        window.localStorage.setItem(THEME_KEY, choice);
      } catch (_) {
        // Not remembered, but still applied to this page.
      }
      show(choice);
    });
  }
  window.addEventListener("storage", (event) => {
    if (event.key === THEME_KEY) show(storedTheme());
  });
}
