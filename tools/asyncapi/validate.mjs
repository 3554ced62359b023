// Validate an AsyncAPI document with the AsyncAPI parser: `node tools/asyncapi/validate.mjs FILE`.
// Prints every diagnostic; exits 1 on an error (warnings are printed, not fatal).
import { readFileSync } from "node:fs";
import { Parser } from "@asyncapi/parser";

const file = process.argv[2];
const parser = new Parser();
const { document, diagnostics } = await parser.parse(readFileSync(file, "utf8"), { source: file });
const errors = diagnostics.filter((d) => d.severity === 0);
for (const d of diagnostics) {
  const level = ["error", "warning", "info", "hint"][d.severity];
  console.log(`${level}: ${d.message} at ${(d.path || []).join(".")}`);
}
if (!document || errors.length) {
  console.log(`${file}: INVALID (${errors.length} error(s))`);
  process.exit(1);
}
console.log(`${file}: valid AsyncAPI ${document.version()}, ${document.channels().length} channels, ` +
  `${document.operations().length} operations, ${document.components().messages().length} messages`);
