// Vite build of the operator console: plain ES modules + Preact (JSX compiled by esbuild).
// Output: dist/index.html + dist/assets/<name>-<hash>.{js,css}; no inline scripts (the BFF's
// Content-Security-Policy forbids them), no CDN.
import { defineConfig } from 'vite';

export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2020',
  },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080' } },
});
