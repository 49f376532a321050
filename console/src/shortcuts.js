// Keyboard shortcuts between chats, for agents who answer several at once:
// Alt+ArrowDown / Alt+ArrowUp open the next / previous chat in the list
// (wrapping around), Alt+1 ... Alt+9 the first ... ninth; the chat's reply
// box takes the focus. Alt with a key is left to the browser and the
// system otherwise. Keys are read by position (`code`), so they work on
// layouts where Alt+digit types a character (macOS).

const STEP = { ArrowDown: 1, ArrowUp: -1 };

/** Binds the shortcuts to `desk` (the console: its `panels`, `tabs`, `selected` and `select`). */
export function bindShortcuts(desk) {
  document.addEventListener("keydown", (event) => {
    if (!event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const panel = target(desk, event.code);
    if (!panel) return;
    event.preventDefault();
    if (window.location.hash) { // from the tickets back to the chats, shown now: a hidden box takes no focus
      window.location.hash = "";
      desk.route();
    }
    desk.select(panel, true);
    panel.input.focus();
  });
}

/** The panel a shortcut asks for, in the order the list shows them; null for none. */
function target(desk, code) {
  const byTab = new Map([...desk.panels.values()].map((p) => [p.tab, p]));
  const order = [...desk.tabs.children].map((tab) => byTab.get(tab)).filter(Boolean);
  if (!order.length) return null;
  if (code in STEP) {
    const at = order.indexOf(desk.selected);
    return order[(at + STEP[code] + order.length) % order.length];
  }
  const digit = /^Digit([1-9])$/.exec(code);
  return digit ? order[Number(digit[1]) - 1] || null : null;
}
