#!/usr/bin/env node
/**
 * Launcher of the `lucid` command. The CLI is TypeScript run through tsx, so there is no build step; this file
 * registers tsx's require hook and hands over to src/cli/main.ts. Works from any directory.
 */
'use strict';

const path = require('node:path');

const projectRoot = path.resolve(__dirname, '..');
// Compile with the project's own tsconfig, not whatever tsconfig the current directory happens to have.
process.env.TSX_TSCONFIG_PATH = process.env.TSX_TSCONFIG_PATH || path.join(projectRoot, 'tsconfig.json');
require('tsx/cjs/api').register();

require(path.join(projectRoot, 'src', 'cli', 'main.ts')).runCliAndExit(process.argv.slice(2));
