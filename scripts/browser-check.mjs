#!/usr/bin/env node
// Proves the core runs in a browser: serves the built project (dist/) and ../shared over HTTP on loopback, opens
// scripts/browser/index.html in headless Chromium, and prints the JSON summary the page computed there: the
// conformance suite on the interpreter and the JIT, an XDP object verified, loaded and run over a capture, and a
// tcpdump filter compiled and matched. Exit 0 when the page finished, 1 when it failed, 77 when no Chromium.
//   node scripts/browser-check.mjs [--chromium PATH] [--limit N]
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const shared = join(root, '..', 'shared');
const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
};
const chromium = option('--chromium') ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
if (!chromium) {
  console.log('no Chromium found (apt-get install chromium, or --chromium PATH)');
  process.exit(77);
}

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html', '.json': 'application/json' };
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/conformance-list.json') {
    const files = readdirSync(join(shared, 'conformance')).filter((f) => f.endsWith('.data')).sort();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(files));
    return;
  }
  // /dist/... and /main/... come from the project, /shared/... from ../shared; nothing outside them
  const [, top, ...rest] = normalize(decodeURIComponent(url.pathname)).split('/');
  const base = top === 'shared' ? shared : top === 'dist' ? join(root, 'dist') : top === 'main' ? root : undefined;
  const path = base && join(base, ...rest);
  if (!path || !path.startsWith(base) || !existsSync(path)) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(readFileSync(path));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const query = new URLSearchParams({
  object: 'test/fixtures/objects/xdp_parse.bpf.o',
  section: 'xdp',
  pcap: 'dns_tcp.pcap',
  filter: 'tcp port 53',
  limit: option('--limit') ?? '100000',
});
const page = `http://127.0.0.1:${port}/main/scripts/browser/index.html?${query}`;
const flags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  `--user-data-dir=${join('/tmp', `tsbpf-chromium-${process.pid}`)}`,
  // --dump-dom prints the DOM once the page and its module script are done; the budget lets async work finish
  '--virtual-time-budget=60000',
  '--dump-dom',
  page,
];
execFile(chromium, flags, { timeout: 120_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
  server.close();
  const match = /<pre id="result"[^>]*>([\s\S]*?)<\/pre>/.exec(stdout);
  if (!match) {
    console.log(`no result from Chromium: ${error?.message ?? ''} ${stderr.split('\n').slice(-5).join(' | ')}`);
    process.exit(1);
  }
  const text = match[1].replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&amp;', '&');
  console.log(text);
  try {
    process.exit(JSON.parse(text).error ? 1 : 0);
  } catch {
    process.exit(1);
  }
});
