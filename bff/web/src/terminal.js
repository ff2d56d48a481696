// The web SSH terminal: xterm.js + the fit addon with its stylesheet, loaded on demand (a separate
// chunk, imported only when an operator opens web SSH).
//
// The BFF's Content-Security-Policy has `style-src 'self'` (no 'unsafe-inline'), and xterm.js's DOM
// renderer writes CSS into <style> elements it creates and sets some cell colours with
// setAttribute('style', ...); the browser refuses both. cspSafeStyles() routes these to the CSSOM
// (constructed style sheets adopted by the document, element.style.cssText), which the policy
// allows, so the terminal renders fully with no CSP violations and no weaker policy. It patches
// Document.prototype.createElement('style') and Element.prototype.setAttribute('style', ...)
// for the whole page once this chunk is loaded; both keep their meaning.
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';

let patched = false;

function cspSafeStyles() {
  if (patched || typeof CSSStyleSheet === 'undefined' || !('adoptedStyleSheets' in Document.prototype)) return;
  patched = true;
  const createElement = Document.prototype.createElement;
  Document.prototype.createElement = function patchedCreateElement(tag, options) {
    if (String(tag).toLowerCase() !== 'style') return createElement.call(this, tag, options);
    // Even an empty <style> in the document is refused, so xterm gets an inert <template> in
    // its place (it only appends it, sets textContent and removes it).
    const el = createElement.call(this, 'template');
    const doc = this;
    const sheet = new CSSStyleSheet();
    let text = '';
    let adopted = false;
    const adopt = () => {
      if (!adopted) {
        doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
        adopted = true;
      }
    };
    Object.defineProperty(el, 'textContent', {
      configurable: true,
      get: () => text,
      set: (v) => {
        text = v == null ? '' : String(v);
        sheet.replaceSync(text);
        adopt();
      },
    });
    const remove = el.remove.bind(el);
    el.remove = () => {
      doc.adoptedStyleSheets = doc.adoptedStyleSheets.filter((s) => s !== sheet);
      adopted = false;
      remove();
    };
    return el;
  };
  const setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function patchedSetAttribute(name, value) {
    if (String(name).toLowerCase() === 'style' && this.style) {
      this.style.cssText = String(value);
      return;
    }
    setAttribute.call(this, name, value);
  };
}

// Creates a terminal inside `element`, sized to it. Returns { term, fit }.
export function createTerminal(element) {
  cspSafeStyles();
  const term = new Terminal({
    cursorBlink: true,
    convertEol: false,
    fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
    fontSize: 13,
    scrollback: 2000,
    theme: { background: '#101722', foreground: '#e6edf3', cursor: '#9cc1ff' },
  });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.open(element);
  try {
    fit.fit();
  } catch {
    // Not laid out yet (hidden): the default 80x24 stays until the next resize.
  }
  return { term, fit };
}
