'use strict';
// JSON 6902 patch operations add, remove, replace and test (what deploy/ uses), with RFC 6901
// pointers. Returns a patched copy; throws on a missing path or a failed test.
function parsePointer(p) {
  if (p === '') return [];
  if (!p.startsWith('/')) throw new Error(`JSON pointer ${p} must start with /`);
  return p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function applyJsonPatch(doc, ops) {
  const out = JSON.parse(JSON.stringify(doc));
  for (const op of ops) {
    const parts = parsePointer(op.path);
    const last = parts.pop();
    let parent = out;
    for (const p of parts) {
      if (parent === null || typeof parent !== 'object' || !(p in parent)) throw new Error(`${op.op} ${op.path}: path not found`);
      parent = parent[p];
    }
    const isArr = Array.isArray(parent);
    const idx = isArr ? (last === '-' ? parent.length : Number(last)) : last;
    switch (op.op) {
      case 'add':
        if (isArr) parent.splice(idx, 0, op.value); else parent[idx] = op.value;
        break;
      case 'replace':
        if (!(idx in parent)) throw new Error(`replace ${op.path}: path not found`);
        parent[idx] = op.value;
        break;
      case 'remove':
        if (!(idx in parent)) throw new Error(`remove ${op.path}: path not found`);
        if (isArr) parent.splice(idx, 1); else delete parent[idx];
        break;
      case 'test':
        if (JSON.stringify(parent[idx]) !== JSON.stringify(op.value)) throw new Error(`test ${op.path} failed`);
        break;
      default:
        throw new Error(`JSON patch op ${op.op} is not supported`);
    }
  }
  return out;
}

module.exports = {applyJsonPatch};
