'use strict';
// A small Dockerfile linter (Debian has no hadolint) for the rules our images must follow:
//   from-pinned            every base image has a tag other than latest, or a digest
//   stages-named           every stage of a multi-stage build is named (FROM ... AS name)
//   copy-from-known-stage  COPY --from names an earlier stage
//   final-user-nonroot     the final stage sets USER to a numeric non-zero uid (Kubernetes can
//                          then verify runAsNonRoot without a passwd lookup)
//   final-no-shell         the final stage is FROM scratch (or distroless) and has no RUN
//   exec-form              ENTRYPOINT and CMD use the JSON (exec) form, so signals reach the binary
//   apt-hygiene            apt-get install with -y and --no-install-recommends, update and install
//                          in the same RUN, package lists removed in that RUN
//   no-add                 COPY, not ADD
//   no-sudo                no sudo
//   no-secrets             no ARG/ENV that looks like a secret
//   absolute-workdir       WORKDIR is absolute
// lint(text) returns [{line, rule, message}].
const SECRETISH = /(PASSWORD|PASSWD|TOKEN|SECRET|API_KEY|PRIVATE_KEY|CREDENTIAL)/i;

function instructions(text) {
  const out = [];
  const lines = text.split('\n');
  let buf = '';
  let start = 0;
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (!buf && (line.trim() === '' || line.trimStart().startsWith('#'))) return;
    if (buf && line.trimStart().startsWith('#')) return;  // comment inside a continuation
    if (!buf) start = i + 1;
    if (line.endsWith('\\')) { buf += line.slice(0, -1) + ' '; return; }
    buf += line;
    const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(buf);
    if (m) out.push({line: start, cmd: m[1].toUpperCase(), args: m[2].trim()});
    buf = '';
  });
  return out;
}

function lint(text) {
  const problems = [];
  const add = (line, rule, message) => problems.push({line, rule, message});
  const ins = instructions(text);
  const args = {};
  const stages = [];
  for (const i of ins) {
    if (i.cmd === 'ARG' && !stages.length) {
      const [k, v] = i.args.split('=');
      args[k] = v;
    }
    if (i.cmd === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(i.args);
      if (!m) { add(i.line, 'from-pinned', `cannot parse FROM ${i.args}`); continue; }
      const image = m[1].replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, k) => args[k] || '');
      stages.push({name: m[2], image, line: i.line, ins: []});
      const known = stages.slice(0, -1).some((s) => s.name === image);
      if (image !== 'scratch' && !known) {
        const t = /^(.*?)(?::([^:/@]+))?(?:@(.+))?$/.exec(image);
        if (!t[3] && (!t[2] || t[2] === 'latest')) add(i.line, 'from-pinned', `base image ${image || m[1]} is not pinned to a tag or digest`);
      }
      continue;
    }
    if (stages.length) stages[stages.length - 1].ins.push(i);
    else if (i.cmd !== 'ARG') add(i.line, 'from-pinned', `${i.cmd} before the first FROM`);
  }
  if (!stages.length) { add(1, 'from-pinned', 'no FROM'); return problems; }
  if (stages.length > 1) for (const s of stages) if (!s.name) add(s.line, 'stages-named', 'unnamed stage in a multi-stage build');
  stages.forEach((s, idx) => {
    for (const i of s.ins) {
      if (i.cmd === 'ADD') add(i.line, 'no-add', 'use COPY instead of ADD');
      if (i.cmd === 'RUN' && /(^|[\s;&|])sudo\s/.test(i.args)) add(i.line, 'no-sudo', 'sudo in RUN');
      if ((i.cmd === 'ENV' || i.cmd === 'ARG') && SECRETISH.test(i.args.split(/[=\s]/)[0])) add(i.line, 'no-secrets', `${i.cmd} ${i.args.split(/[=\s]/)[0]} looks like a secret`);
      if (i.cmd === 'WORKDIR' && !i.args.startsWith('/') && !i.args.startsWith('$')) add(i.line, 'absolute-workdir', `WORKDIR ${i.args} is relative`);
      if ((i.cmd === 'ENTRYPOINT' || i.cmd === 'CMD')) {
        let ok = false;
        try { ok = Array.isArray(JSON.parse(i.args)); } catch (e) { ok = false; }
        if (!ok) add(i.line, 'exec-form', `${i.cmd} must use the exec form ["binary", "arg"]`);
      }
      if (i.cmd === 'COPY') {
        const m = /--from=(\S+)/.exec(i.args);
        if (m && !stages.slice(0, idx).some((x) => x.name === m[1])) add(i.line, 'copy-from-known-stage', `COPY --from=${m[1]} is not an earlier stage`);
      }
      if (i.cmd === 'RUN' && /apt-get\s+(-\S+\s+)*install/.test(i.args)) {
        if (!/--no-install-recommends/.test(i.args)) add(i.line, 'apt-hygiene', 'apt-get install without --no-install-recommends');
        if (!/(\s-y\b|\s-[a-z]*y[a-z]*\b|--yes|--assume-yes)/.test(i.args)) add(i.line, 'apt-hygiene', 'apt-get install without -y');
        if (!/apt-get\s+update/.test(i.args)) add(i.line, 'apt-hygiene', 'apt-get install without apt-get update in the same RUN');
        if (!/rm -rf \/var\/lib\/apt\/lists/.test(i.args)) add(i.line, 'apt-hygiene', 'apt lists not removed in the same RUN');
      } else if (i.cmd === 'RUN' && /apt-get\s+update/.test(i.args)) {
        add(i.line, 'apt-hygiene', 'apt-get update without install in the same RUN');
      }
    }
  });
  const last = stages[stages.length - 1];
  const users = last.ins.filter((i) => i.cmd === 'USER');
  const user = users.length ? users[users.length - 1].args.split(':')[0] : null;
  if (user === null) add(last.line, 'final-user-nonroot', 'final stage has no USER (runs as root)');
  else if (!/^[0-9]+$/.test(user) || user === '0') add(users[users.length - 1].line, 'final-user-nonroot', `USER ${user} must be a numeric non-zero uid`);
  if (last.image !== 'scratch' && !/distroless/.test(last.image)) add(last.line, 'final-no-shell', `final stage is ${last.image}, which has a shell`);
  for (const i of last.ins) if (i.cmd === 'RUN') add(i.line, 'final-no-shell', 'RUN in the final stage needs a shell at build time and leaves one');
  if (!last.ins.some((i) => i.cmd === 'ENTRYPOINT' || i.cmd === 'CMD')) add(last.line, 'exec-form', 'final stage has no ENTRYPOINT');
  return problems;
}

module.exports = {lint, instructions};
