// Runs in a browser page (scripts/browser/index.html), importing the built core (dist/src/index.js) as plain ES
// modules: no bundler, no Node. It does the main jobs on inputs fetched from the harness's server and writes a
// JSON summary into <pre id="result"> for scripts/browser-check.mjs to read.
import {
  assemble,
  capturePackets,
  compileCbpf,
  compileFilter,
  conformanceHelpers,
  JitMemoryRunner,
  loadCollection,
  loadObjectSpec,
  MemoryRunner,
  parseConformanceFile,
  runConformanceTest,
  runOverPackets,
  verifyObjectProgram,
} from '/dist/src/index.js';

const bytes = async (path) => new Uint8Array(await (await fetch(path)).arrayBuffer());

async function conformance(files) {
  const helpers = conformanceHelpers();
  const runners = {
    vm: (insns, mem) => new MemoryRunner(insns, helpers, mem.length).run(mem).r0,
    jit: (insns, mem) => new JitMemoryRunner(insns, helpers, mem.length).run(mem).r0,
  };
  const asm = (text) => assemble(text, { syntax: 'ubpf', allowLargeShifts: true }).insns;
  const out = {};
  for (const [name, run] of Object.entries(runners)) {
    let passed = 0;
    const failed = [];
    for (const file of files) {
      const test = parseConformanceFile(await (await fetch(`/shared/conformance/${file}`)).text(), file);
      const r = await runConformanceTest(test, asm, run);
      if (r.status === 'passed') passed++;
      else failed.push(file);
    }
    out[name] = { passed, failed };
  }
  return out;
}

async function objectOverCapture(object, section, capture) {
  const spec = loadObjectSpec(await bytes(`/main/${object}`), { name: object });
  const verdicts = {};
  for (const program of spec.programs) {
    verdicts[program.name] = verifyObjectProgram(spec, program).verdict;
  }
  const collection = loadCollection(spec, { backend: 'jit' });
  const program = [...collection.programs.values()].find((p) => p.spec.section === section);
  const frames = [...capturePackets(await bytes(`/shared/pcaps/${capture}`))].map((p) => p.data);
  const summary = await runOverPackets(program, frames);
  const maps = {};
  const plain = (value) => JSON.parse(JSON.stringify(value, (_, x) => (typeof x === 'bigint' ? `${x}` : x)));
  for (const map of collection.maps.values()) maps[map.name] = plain(map.decodedEntries());
  collection.close();
  return {
    verifier: verdicts,
    packets: summary.packets,
    verdicts: Object.fromEntries([...summary.verdicts].map(([k, v]) => [String(k), v])),
    maps,
  };
}

async function filter(expression, capture) {
  const packets = [...capturePackets(await bytes(`/shared/pcaps/${capture}`))];
  const matcher = compileCbpf(compileFilter(expression, { linkType: packets[0].linkType }));
  return {
    packets: packets.length,
    matched: packets.filter((p) => matcher(p.data, p.originalLength) !== 0).length,
  };
}

const params = new URLSearchParams(location.search);
const result = document.getElementById('result');
try {
  const files = (await (await fetch('/conformance-list.json')).json()).slice(0, Number(params.get('limit') ?? 1e9));
  const summary = {
    userAgent: navigator.userAgent,
    conformance: await conformance(files),
    object: await objectOverCapture(params.get('object'), params.get('section'), params.get('pcap')),
    filter: await filter(params.get('filter'), params.get('pcap')),
  };
  result.textContent = JSON.stringify(summary);
} catch (error) {
  result.textContent = JSON.stringify({ error: `${error?.name}: ${error?.message}`, stack: String(error?.stack) });
}
result.setAttribute('data-done', '1');
