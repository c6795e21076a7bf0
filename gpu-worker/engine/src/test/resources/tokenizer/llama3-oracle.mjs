// Independent oracle for the Llama 3 byte-level BPE tests (TokenizerLlama3OracleTest).
// Usage: node llama3-oracle.mjs <node_modules dir>  < strings.json  > ids.json
// Reads a JSON array of strings on stdin and writes a JSON array of id arrays: llama3-tokenizer-js's
// encoding of each string without BOS/EOS. That library is a separate JavaScript implementation
// (its own regex translation, merge queue and baked vocabulary), not a port of the Rust crate.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const modulesDir = process.argv[2];
if (!modulesDir) {
  console.error('usage: node llama3-oracle.mjs <node_modules dir>');
  process.exit(2);
}
// Resolve through the package's own "main", then import it as the ES module it is.
const require = createRequire(join(modulesDir, 'noop.js'));
const entry = require.resolve('llama3-tokenizer-js');
const { default: tokenizer } = await import(pathToFileURL(entry).href);

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const texts = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const ids = texts.map((text) => tokenizer.encode(text, { bos: false, eos: false }));
process.stdout.write(JSON.stringify(ids));
