#!/usr/bin/env node
// The launcher. It runs the bundle (dist/bundle/em-fit.js, one CommonJS file made by
// scripts/build.mjs) with V8's code cache beside it, which spares a run most of its parsing
// and compiling; without a bundle, the compiled modules in dist/ (README, Performance: "Start-up").
// This directory's package.json makes this file CommonJS, so that node loads it without the
// module loader's own start.
'use strict';
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');
const { pathToFileURL } = require('node:url');
const vm = require('node:vm');

const bundle = join(__dirname, '..', 'dist', 'bundle', 'em-fit.js');

if (existsSync(bundle)) {
  const cacheFile = `${bundle}.cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // No cache (not built yet, or removed): V8 compiles as usual.
  }
  const script = new vm.Script(Module.wrap(readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, Module.createRequire(bundle), module, bundle, dirname(bundle));
  // The build's one run that makes the cache (scripts/build.mjs), after the code has run.
  if (process.env.EM_FIT_WRITE_CODE_CACHE === '1') {
    process.on('exit', () => {
      try {
        writeFileSync(cacheFile, script.createCachedData());
      } catch (error) {
        // An installed copy may be read-only: the program's outcome stands; the build checks for the file.
        process.stderr.write(`em-fit: could not write the code cache ${cacheFile}: ${error.message}\n`);
      }
    });
  }
  module.exports.run();
} else {
  import(pathToFileURL(join(__dirname, '..', 'dist', 'cli', 'main.js')).href).then(
    (main) => main.run(),
    (error) => {
      // Neither the bundle nor the modules: an install or build that did not finish.
      const missing = error && error.code === 'ERR_MODULE_NOT_FOUND' && !existsSync(join(__dirname, '..', 'dist', 'cli', 'main.js'));
      process.stderr.write(`em-fit: cannot start: ${missing ? `the program is not built (no ${join(__dirname, '..', 'dist')}); run npm install, or npm run build` : error}\n`);
      process.exitCode = 1;
    },
  );
}
