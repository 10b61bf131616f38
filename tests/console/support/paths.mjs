// Where the harness finds the repository, the build and the browser; overridable by environment.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const buildDir = process.env.BURGERNET_BUILD_DIR || path.join(repoRoot, 'build');
export const daemonBinary = path.join(buildDir, 'burgernetd');
export const ctlBinary = path.join(buildDir, 'burgernetctl');
export const municipalitiesFile = path.join(repoRoot, 'tests/data/gemeenten-2025.geojson');
// The screenshots of each screen are part of the docs (docs/console/README.md).
export const screenshotDir = process.env.BURGERNET_CONSOLE_SCREENSHOTS || path.join(repoRoot, 'docs/console');
export const chromiumBinary = process.env.BURGERNET_CHROMIUM || '/usr/bin/chromium';
