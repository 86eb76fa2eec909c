#!/usr/bin/env node
// solc-shim: the native `solc` command line, emulated over solc-js (npm `solc`),
// so Brownie (py-solc-x) and Forge compile offline with the pinned compiler.
//
// Supported, and nothing else (anything else exits 1 with a message, so a tool
// that starts passing a new flag fails loudly instead of compiling wrongly):
//   --version                     native form: "Version: <ver>+commit.<hash>.Linux.g++"
//   --standard-json               standard JSON on stdin -> stdout
//   --base-path P, --include-path P (repeatable), --allow-paths P1,P2,...
// Both "--flag value" and "--flag=value" spellings are accepted.
'use strict';
const fs = require('fs');
const path = require('path');

function die(msg) {
  process.stderr.write(`solc-shim: ${msg}\n`);
  process.exit(1);
}

// ---- argument parsing -----------------------------------------------------
const opts = { version: false, standardJson: false, basePath: null, includePaths: [], allowPaths: [] };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  let arg = argv[i];
  let value = null;
  const eq = arg.indexOf('=');
  if (arg.startsWith('--') && eq > 0) { value = arg.slice(eq + 1); arg = arg.slice(0, eq); }
  const takeValue = () => {
    if (value !== null) return value;
    if (i + 1 >= argv.length) die(`option '${arg}' needs a value`);
    return argv[++i];
  };
  switch (arg) {
    case '--version': opts.version = true; break;
    case '--standard-json': opts.standardJson = true; break;
    case '--base-path': opts.basePath = takeValue(); break;
    case '--include-path': opts.includePaths.push(takeValue()); break;
    case '--allow-paths': opts.allowPaths.push(...takeValue().split(',').filter(Boolean)); break;
    default:
      die(`unsupported option '${argv[i]}' (this shim emulates only --version, ` +
          `--standard-json, --base-path, --include-path, --allow-paths; full argv: ${JSON.stringify(argv)})`);
  }
}
if (!opts.version && !opts.standardJson) die('nothing to do: pass --version or --standard-json');

// ---- --version, cached ----------------------------------------------------
// Trap: loading solc-js costs ~0.4 s and Brownie asks for the version about a
// dozen times per compile. The long version string is cached in
// node_modules/.cache, keyed on the solc package version and soljson.js
// size+mtime, so it is recomputed (from solc-js itself) whenever solc changes.
function nativeVersion() {
  const solcPkg = require.resolve('solc/package.json');
  const solcDir = path.dirname(solcPkg);
  const st = fs.statSync(path.join(solcDir, 'soljson.js'));
  const key = `${require(solcPkg).version}:${st.size}:${st.mtimeMs}`;
  const cacheFile = path.join(solcDir, '..', '.cache', 'solc-shim', 'version.json');
  try {
    const c = JSON.parse(fs.readFileSync(cacheFile, 'utf8'));
    if (c.key === key && c.version) return c.version;
  } catch (_) { /* miss */ }
  // solc-js reports "0.8.28+commit.7893614a.Emscripten.clang"; native is ".Linux.g++".
  const long = require('solc').version().replace(/\.Emscripten\.clang$/, '.Linux.g++');
  try {
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.tmp`; // atomic: parallel callers never read half a file
    fs.writeFileSync(tmp, JSON.stringify({ key, version: long }));
    fs.renameSync(tmp, cacheFile);
  } catch (_) { /* read-only node_modules: just no cache */ }
  return long;
}

// ---- blocking-safe I/O ------------------------------------------------------
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

// Trap: process.stdout.write + exit delivered only 64 KiB through a pipe, and a
// non-blocking pipe makes writeSync throw EAGAIN. Loop until every byte is out.
function writeAll(fd, text) {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) {
    try { off += fs.writeSync(fd, buf, off, buf.length - off); }
    catch (e) { if (e.code === 'EAGAIN') { sleep(2); continue; } throw e; }
  }
}

function readAll(fd) {
  const chunks = [];
  const buf = Buffer.alloc(1 << 16);
  for (;;) {
    let n;
    try { n = fs.readSync(fd, buf, 0, buf.length, null); }
    catch (e) {
      if (e.code === 'EAGAIN') { sleep(2); continue; }
      if (e.code === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

if (opts.version) {
  writeAll(1, `solc, the solidity compiler commandline interface\nVersion: ${nativeVersion()}\n`);
  process.exit(0);
}

// ---- --standard-json ------------------------------------------------------
// Import callback: a source unit name is looked up as an absolute path, then
// under base path, include paths, allow paths and the working directory, in
// that order. Like native solc, nothing outside those directories is read
// (containment is checked lexically, so symlinked node_modules still work).
const cwd = process.cwd();
const roots = [...new Set([opts.basePath, ...opts.includePaths, ...opts.allowPaths, cwd]
  .filter((p) => p !== null && p !== '')
  .map((p) => path.resolve(cwd, p)))];
const inside = (file) => roots.some((r) => file === r || file.startsWith(r.endsWith(path.sep) ? r : r + path.sep));

function findImport(name) {
  const candidates = path.isAbsolute(name) ? [path.normalize(name)] : roots.map((r) => path.join(r, name));
  for (const file of candidates) {
    if (!inside(file)) continue;
    try {
      if (fs.statSync(file).isFile()) return { contents: fs.readFileSync(file, 'utf8') };
    } catch (_) { /* try next root */ }
  }
  return { error: `File not found: '${name}' (searched: ${candidates.join(', ')})` };
}

// Trap: solc-js copies the whole standard-JSON input onto the wasm stack and
// crashes ("memory access out of bounds") once it passes about 1.25 MiB, which
// Forge reaches with the test tree. Inline sources are therefore moved out of
// the JSON: each becomes `urls: [name]` and its text is served by the import
// callback, whose result solc-js copies to the heap. The compiler sees the same
// source unit names and contents, so the output is the same bytes.
const input = readAll(0);
let request;
try { request = JSON.parse(input); } catch (_) { request = null; }
const inline = new Map();
if (request && request.sources && typeof request.sources === 'object') {
  for (const [name, src] of Object.entries(request.sources)) {
    if (src && typeof src.content === 'string') {
      inline.set(name, src.content);
      request.sources[name] = { ...src, content: undefined, urls: [name] };
    }
  }
}
const readSource = (name) => (inline.has(name) ? { contents: inline.get(name) } : findImport(name));
const solc = require('solc');
// solc-js returns JSON text; invalid input yields a JSON error object with exit 0, as native solc does.
const compileInput = request && inline.size > 0 ? JSON.stringify(request) : input;
writeAll(1, solc.compile(compileInput, { import: readSource }));
process.exit(0);
