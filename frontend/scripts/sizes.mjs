#!/usr/bin/env node
// Prints the gzip sizes of the built front end as JSON: the embed loader and,
// for each surface, every JS and CSS file its page loads.
// `--check` exits 1 when the loader or the guest panel is over its budget; `--quiet` prints only problems.
import { readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const LOADER_BUDGET_GZIP = 3 * 1024;
// The guest panel (JS + CSS its page loads), downloaded only when a guest opens the chat.
// 30 KB until business hours (opening times) and the postal look-up joined the entry form.
const GUEST_BUDGET_GZIP = 32 * 1024;
const here = dirname(fileURLToPath(import.meta.url));
const staticDir = join(here, '..', '..', 'src', 'chats', 'static');
const surfaces = ['console', 'admin', 'guest'];

function measure(path) {
  const buf = readFileSync(path);
  return { raw: buf.length, gzip: gzipSync(buf, { level: 9 }).length };
}

/** Files referenced by a built page: module scripts, preloads and stylesheets under /static/. */
function assetsOf(html) {
  const refs = new Set();
  for (const m of html.matchAll(/<(?:script|link)\b[^>]*?(?:src|href)="\/static\/([^"]+)"/g)) refs.add(m[1]);
  return [...refs];
}

function total(files, ext) {
  const picked = files.filter((f) => f.file.endsWith(ext));
  return {
    files: picked.length,
    raw: picked.reduce((n, f) => n + f.raw, 0),
    gzip: picked.reduce((n, f) => n + f.gzip, 0),
  };
}

if (!existsSync(join(staticDir, 'widget.js'))) {
  console.error(`nothing built in ${staticDir}: run npm run build first`);
  process.exit(2);
}

const loader = { ...measure(join(staticDir, 'widget.js')), budget_gzip: LOADER_BUDGET_GZIP };
loader.within_budget = loader.gzip <= LOADER_BUDGET_GZIP;

const report = { 'widget.js': loader };
for (const name of surfaces) {
  const html = readFileSync(join(staticDir, name, 'index.html'), 'utf8');
  const files = assetsOf(html).map((file) => ({ file, ...measure(join(staticDir, file)) }));
  const js = total(files, '.js');
  const css = total(files, '.css');
  report[name] = { js, css, total_gzip: js.gzip + css.gzip, files };
}

report.guest.budget_gzip = GUEST_BUDGET_GZIP;
report.guest.within_budget = report.guest.total_gzip <= GUEST_BUDGET_GZIP;

if (!process.argv.includes('--quiet')) console.log(JSON.stringify(report, null, 2));
if (process.argv.includes('--check') && !loader.within_budget) {
  console.error(`widget.js is ${loader.gzip} B gzip, over the ${LOADER_BUDGET_GZIP} B budget`);
  process.exit(1);
}
if (process.argv.includes('--check') && !report.guest.within_budget) {
  console.error(`the guest panel is ${report.guest.total_gzip} B gzip, over the ${GUEST_BUDGET_GZIP} B budget`);
  process.exit(1);
}
