// Minimal client-side routing over the History API (the BFF serves index.html for these paths).
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set();

export function navigate(path) {
  if (path === location.pathname + location.search) return;
  history.pushState(null, '', path);
  listeners.forEach((l) => l());
}

export function useLocation() {
  const [loc, setLoc] = useState(location.pathname + location.search);
  useEffect(() => {
    const update = () => setLoc(location.pathname + location.search);
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return loc;
}

// Intercepts clicks on same-origin <a href="/..."> so they do not reload the page.
export function onLinkClick(e) {
  const a = e.target.closest && e.target.closest('a[href^="/"]');
  if (!a || a.target || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  navigate(a.getAttribute('href'));
}
