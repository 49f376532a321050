// The widget's stylesheet. It lives inside the shadow root, so the host
// page's CSS cannot reach in and ours cannot leak out. The page's selectors
// can still match our host element: `:host { ... !important }` wins over
// them (for !important declarations the shadow tree's rules come last in
// the cascade, so `* { display: none !important }` or `all: unset` on the
// page cannot hide or restyle it), and `all: initial` on our root stops
// inherited properties (font, color, text-transform, ...) crossing over.
// Sizes are in px, never rem: the page's root font size does not reach us.
//
// Colours are variables on .sd-root (\`all\` leaves custom properties
// alone): light, or dark when the visitor's system asks for it
// (prefers-color-scheme) unless the script tag says data-theme="light";
// data-theme="dark" makes it dark everywhere. The dark set is written twice
// (media query, attribute). Text keeps a contrast of at least 4.5:1.
const LIGHT = `color-scheme: light;
  --sd-ink: #1f2933; --sd-muted: #616e7c; --sd-bg: #f5f7fa; --sd-panel: #fff; --sd-field: #fff;
  --sd-line: #e4e7eb; --sd-border: #cbd2d9; --sd-link: #2457c5; --sd-error: #b42318; --sd-ok: #1a7f37;
  --sd-mine: #dce8ff; --sd-mine-line: #c3d5fb; --sd-note: #fff8e1; --sd-note-line: #f0e0a0;
  --sd-warn: #fdecea; --sd-warn-line: #f5c2c0; --sd-confirm: #eef2ff; --sd-confirm-line: #c7d2fe;`;
const DARK = `color-scheme: dark;
  --sd-ink: #e4e7eb; --sd-muted: #a7b1bc; --sd-bg: #12181f; --sd-panel: #1c242d; --sd-field: #242e38;
  --sd-line: #323f4b; --sd-border: #4b5866; --sd-link: #9dbcff; --sd-error: #ff8f85; --sd-ok: #6fdd8b;
  --sd-mine: #1f3a66; --sd-mine-line: #35558f; --sd-note: #3a3214; --sd-note-line: #5c4f1c;
  --sd-warn: #4a1d1d; --sd-warn-line: #6e2b2b; --sd-confirm: #23294a; --sd-confirm-line: #3a4275;`;

export const CSS = `
:host { all: initial !important; display: block !important; }
.sd-root { ${LIGHT} }
@media (prefers-color-scheme: dark) { .sd-root:not([data-theme="light"]) { ${DARK} } }
.sd-root[data-theme="dark"] { ${DARK} }
* { box-sizing: border-box; }
.sd-root {
  all: initial; /* host rules can still reach the host element; cut inheritance here */
  position: fixed; right: 20px; bottom: 20px; z-index: 2147483647;
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--sd-ink); display: flex; flex-direction: column; align-items: flex-end; gap: 12px;
}
button, textarea, input { font: inherit; color: inherit; }
.sd-launcher {
  position: relative; border: 0; border-radius: 24px; padding: 12px 18px;
  background: #2457c5; color: #fff; cursor: pointer; font-weight: 600;
  box-shadow: 0 4px 14px rgba(0,0,0,.2);
}
.sd-launcher:focus-visible, button:focus-visible, textarea:focus-visible, input:focus-visible {
  outline: 3px solid #f0b429; outline-offset: 2px;
}
.sd-launcher > span:first-child { display: block; }
.sd-presence { display: block; margin-top: 2px; font-size: 12px; font-weight: 400; opacity: .92; text-align: left; }
.sd-presence::before {
  content: ""; display: inline-block; width: 8px; height: 8px; margin-right: 6px;
  border-radius: 50%; background: #9aa5b1;
}
.sd-presence[data-state="online"]::before { background: #3ebd93; }
.sd-launcher[aria-expanded="true"] .sd-presence { display: none; }
.sd-badge {
  position: absolute; top: -6px; right: -6px; min-width: 20px; height: 20px; padding: 0 6px;
  border-radius: 10px; background: #d64545; color: #fff; font-size: 12px; line-height: 20px;
}
.sd-panel {
  width: min(360px, calc(100vw - 40px)); height: min(540px, calc(100vh - 100px));
  display: flex; flex-direction: column; background: var(--sd-panel); border-radius: 12px;
  box-shadow: 0 8px 30px rgba(0,0,0,.25); overflow: hidden;
}
.sd-panel[hidden], [hidden] { display: none !important; }
.sd-header { display: flex; align-items: center; gap: 8px; padding: 12px 14px; background: #2457c5; color: #fff; }
.sd-title { font-weight: 700; }
.sd-status { font-size: 12px; opacity: .9; }
.sd-status::before {
  content: ""; display: inline-block; width: 8px; height: 8px; margin-right: 6px;
  border-radius: 50%; background: #9aa5b1;
}
.sd-status[data-state="online"]::before, .sd-status[data-state="active"]::before { background: #3ebd93; }
.sd-status[data-state="queued"]::before { background: #f0b429; }
.sd-close { border: 0; background: transparent; color: #fff; font-size: 20px; line-height: 1; cursor: pointer; padding: 0 4px; }
.sd-heading { flex: 1; min-width: 0; display: flex; flex-direction: column; }
.sd-agent { font-weight: 700; overflow-wrap: anywhere; }
.sd-banner { padding: 8px 14px; font-size: 13px; background: var(--sd-note); border-bottom: 1px solid var(--sd-note-line); }
.sd-warn { background: var(--sd-warn); border-color: var(--sd-warn-line); }
.sd-body { flex: 1; overflow-y: auto; background: var(--sd-bg); display: flex; flex-direction: column; }
.sd-messages { padding: 12px; display: flex; flex-direction: column; gap: 8px; }
.sd-messages:empty { display: none; }
.sd-section { padding: 10px 14px; font-size: 13px; display: flex; flex-direction: column; gap: 8px; border-top: 1px solid var(--sd-line); background: var(--sd-panel); }
.sd-section p, .sd-section ul { margin: 0; }
.sd-section ul { padding-left: 18px; }
.sd-section form { margin: 0; display: flex; flex-direction: column; gap: 8px; }
.sd-error:empty { display: none; }
.sd-error { color: var(--sd-error); }
.sd-field[aria-invalid=true] { border-color: var(--sd-error); }
.sd-ok { color: var(--sd-ok); }
.sd-star { border: 0; background: transparent; font-size: 26px; line-height: 1; color: var(--sd-border); cursor: pointer; padding: 2px; }
.sd-star[aria-pressed="true"] { color: #f0b429; }
.sd-msg { max-width: 85%; padding: 8px 10px; border-radius: 10px; background: var(--sd-panel); border: 1px solid var(--sd-line); white-space: pre-wrap; overflow-wrap: anywhere; }
.sd-msg[data-author="visitor"] { align-self: flex-end; background: var(--sd-mine); border-color: var(--sd-mine-line); }
.sd-msg[data-author="system"] { align-self: center; background: transparent; border: 0; color: var(--sd-muted); font-size: 12px; text-align: center; }
.sd-msg[data-state="sending"] { opacity: .6; }
.sd-msg[data-state="failed"] { border-color: #d64545; }
[data-sd="delivery"] { display: block; font-size: 11px; color: var(--sd-muted); }
[data-state="failed"] [data-sd="delivery"] { color: #d64545; }
/* its own line, so that a right-to-left message (dir="auto") also aligns right */
.sd-text { display: block; }
.sd-who { display: block; font-size: 11px; color: var(--sd-muted); margin-bottom: 2px; }
.sd-meta { display: block; font-size: 11px; color: var(--sd-muted); margin-top: 2px; }
.sd-typing { padding: 0 14px; min-height: 18px; font-size: 12px; color: var(--sd-muted); }
/* Before the first message nothing stands above the first step (pre-chat
   form, offline form): no blank typing line, no empty notice band. */
.sd-messages:empty + .sd-typing:empty, .sd-section:empty { display: none; }
.sd-row { display: flex; gap: 6px; flex-wrap: wrap; }
.sd-btn { border: 1px solid var(--sd-link); background: var(--sd-panel); color: var(--sd-link); border-radius: 6px; padding: 6px 10px; cursor: pointer; }
.sd-header .sd-btn { border-color: rgba(255,255,255,.7); background: transparent; color: #fff; padding: 2px 8px; font-size: 12px; }
.sd-btn[aria-pressed="true"] { background: #2457c5; color: #fff; }
.sd-btn-primary { background: #2457c5; color: #fff; }
.sd-field { width: 100%; padding: 6px 8px; border: 1px solid var(--sd-border); border-radius: 6px; background: var(--sd-field); }
.sd-composer { display: flex; gap: 8px; padding: 10px; border-top: 1px solid var(--sd-line); }
.sd-input { flex: 1; resize: none; height: 40px; padding: 8px; border: 1px solid var(--sd-border); border-radius: 8px; background: var(--sd-field); }
.sd-send { border: 0; border-radius: 8px; padding: 0 14px; background: #2457c5; color: #fff; font-weight: 600; cursor: pointer; }
.sd-send:disabled, .sd-input:disabled { opacity: .5; cursor: not-allowed; }
.sd-attach { border: 1px solid #ccd; border-radius: 8px; background: transparent; color: inherit; font-size: 20px; line-height: 1; padding: 0 10px; cursor: pointer; }
.sd-files { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 4px; }
.sd-thumb { max-width: 160px; max-height: 120px; border-radius: 6px; cursor: pointer; background: #eee; }
.sd-file { border: 1px solid #ccd; border-radius: 6px; padding: 4px 8px; background: #fff; color: inherit; cursor: pointer; text-align: left; overflow-wrap: anywhere; }
.sd-file-size { opacity: .7; font-size: 12px; }
.sd-uploads { padding: 0 12px; font-size: 13px; }
.sd-upload[data-state="failed"] { color: #b3261e; }
.sd-staged { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 4px; font-size: 13px; overflow-wrap: anywhere; }
.sd-upload-dismiss { border: 0; background: none; color: inherit; cursor: pointer; font-size: 16px; padding: 0 4px; }
.sd-confirm { display: flex; flex-direction: column; gap: 6px; background: var(--sd-confirm); border-color: var(--sd-confirm-line); }
.sd-stack { display: flex; flex-direction: column; gap: 8px; }
.sd-after { flex: none; max-height: 60%; overflow-y: auto; }
.sd-topic { padding: 6px 12px 0; font-size: 12px; color: var(--sd-muted); border-top: 1px solid var(--sd-line); }
.sd-topic + .sd-composer { border-top: 0; }
.sd-link { border: 0; background: transparent; color: var(--sd-link); text-decoration: underline; cursor: pointer; padding: 0 2px; font-size: 12px; }
@media (max-width: 480px) {
  .sd-root { right: 8px; bottom: 8px; }
  .sd-panel { width: calc(100vw - 16px); height: calc(100vh - 76px); }
}
.sd-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
