#!/usr/bin/env node
// Empties dist/ before `npm run build`: tsc never deletes output, so files compiled from sources
// since moved or removed (or source maps from an older config) would otherwise stay in dist/ and
// ship in the package (test/package-contents.test.ts checks what ships).
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

rmSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'dist'), { recursive: true, force: true });
