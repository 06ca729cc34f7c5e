/** The tool's version, from package.json (bundled in by esbuild, read by tsc through resolveJsonModule). */
import packageJson from '../../package.json';

export const TOOL_VERSION: string = packageJson.version;
