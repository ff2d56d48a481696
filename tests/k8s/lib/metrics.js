'use strict';
// Metric names in PromQL expressions, and the metric names the C++ sources register, so that
// dashboards and alerts cannot silently refer to metrics nobody exports.
const fs = require('fs');
const path = require('path');

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless',
  'bool', 'offset', 'inf', 'nan']);

function metricNames(expr) {
  let s = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  s = s.replace(/\{[^}]*\}/g, ' ');               // label matchers
  s = s.replace(/\[[^\]]*\]/g, ' ');              // range selectors
  s = s.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set();
  for (const m of s.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    if (m[2]) continue;                              // a function call
    if (KEYWORDS.has(m[1]) || /^[0-9]/.test(m[1])) continue;
    const before = s.slice(0, m.index);
    if (/[0-9.]$/.test(before)) continue;            // 1e3, 5m
    names.add(m[1]);
  }
  return names;
}

function walk(dir, out) {
  for (const e of fs.readdirSync(dir, {withFileTypes: true})) {
    if (e.name.startsWith('bazel-') || e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (/\.(cc|h)$/.test(e.name) && !/_test\.cc$/.test(e.name)) out.push(p);
  }
  return out;
}

// Names registered with prometheus-cpp builders (.Name("x")) or the services' helpers
// (Counter(r, "x", ...), Gauge(r, "x", ...)).
function exportedMetrics(root) {
  const names = new Set();
  for (const dir of ['libs', 'services', 'bff', 'edge']) {
    const d = path.join(root, dir);
    if (!fs.existsSync(d)) continue;
    for (const f of walk(d, [])) {
      const text = fs.readFileSync(f, 'utf8');
      for (const m of text.matchAll(/\.Name\(\s*"([a-zA-Z_:][a-zA-Z0-9_:]*)"\s*\)/g)) names.add(m[1]);
      for (const m of text.matchAll(/\b(?:Counter|Gauge|Histogram)\(\s*\w+\s*,\s*"([a-zA-Z_:][a-zA-Z0-9_:]*)"/g)) names.add(m[1]);
    }
  }
  return names;
}

function baseName(n) {
  return n.replace(/_(bucket|sum|count)$/, '');
}

module.exports = {metricNames, exportedMetrics, baseName};
