'use strict';
// The flags a binary accepts: from its own --help (FlagSet::Usage lines "  --name (env FLEET_NAME,
// default ...)") when the binary is built, else from the FlagSet registrations in its sources
// (f.String("name", ...), flags.Int("name", ...)). Both are compared when both exist, so the
// source reading cannot drift from what the binary really does.
const fs = require('fs');
const path = require('path');
const {spawnSync} = require('child_process');

const REGISTRATION = /\.\s*(?:String|Int|Double|Bool|Duration)\(\s*"([A-Za-z0-9_.-]+)"/g;

function flagsFromSources(root, sources) {
  const found = sources.map((s) => path.join(root, s)).filter((p) => fs.existsSync(p));
  if (!found.length) return null;
  const flags = new Set();
  for (const f of found) for (const m of fs.readFileSync(f, 'utf8').matchAll(REGISTRATION)) flags.add(m[1]);
  const mtime = Math.max(...found.map((f) => fs.statSync(f).mtimeMs));
  return {flags, from: found.map((f) => path.relative(root, f)).join(', '), mtime};
}

function flagsFromBinary(binDirs, rel) {
  for (const dir of binDirs) {
    const bin = path.join(dir, rel);
    if (!fs.existsSync(bin)) continue;
    const r = spawnSync(bin, ['--help'], {encoding: 'utf8', timeout: 10000, env: {PATH: process.env.PATH}});
    if (r.status !== 0) return {error: `${bin} --help exited ${r.status}: ${(r.stderr || '').slice(0, 200)}`};
    const flags = new Set([...r.stdout.matchAll(/^\s+--([A-Za-z0-9_.-]+) \(env FLEET_/gm)].map((m) => m[1]));
    if (!flags.size) return {error: `${bin} --help printed no flags`};
    return {flags, from: `${bin} --help`, mtime: fs.statSync(bin).mtimeMs};
  }
  return null;
}

// FLEET_<NAME> back to the flag name (FlagSet::EnvName upper-cases and maps '-' and '.' to '_').
function envToFlag(env) {
  return env.startsWith('FLEET_') ? env.slice(6).toLowerCase() : null;
}

module.exports = {flagsFromSources, flagsFromBinary, envToFlag};
