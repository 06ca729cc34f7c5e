/**
 * Source lines that load a model file from a path literal: TS/JS `tf.loadLayersModel('...')`,
 * Python `load_model('...')` (keras, tf.keras.models), `torch.load('...')`, `onnx.load('...')` and
 * `torch.onnx.export(model, x, '....onnx')` (the file it writes). Pure: text in, the
 * calls with their positions and the literal's path out (a `file://` prefix dropped; URLs skipped).
 */
import * as path from 'node:path';
import type { TextRange } from './jsonLocations';

export interface ModelLoadCall {
  /** From the start of the callee (e.g. `tf.loadLayersModel`) to the end of the path literal. */
  range: TextRange;
  /** The path as written, without a `file://` prefix. */
  literal: string;
}

const JS_LANGUAGES = new Set(['javascript', 'typescript', 'javascriptreact', 'typescriptreact']);
const PY_LANGUAGES = new Set(['python']);
/** The language ids whose documents get load-call lenses. */
export const LOAD_CALL_LANGUAGES: readonly string[] = [...JS_LANGUAGES, ...PY_LANGUAGES];

// The literal: '...', "..." or (JS) `...` without interpolation; Python may prefix r/R.
const JS_CALL = /\b((?:tf\s*\.\s*)?loadLayersModel)\s*\(\s*(['"`])((?:(?!\2)[^\\\n$]|\\.)+)\2/g;
const PY_CALL = /\b((?:(?:tf\s*\.\s*)?keras\s*\.\s*models\s*\.\s*)?load_model|torch\s*\.\s*load|onnx\s*\.\s*load)\s*\(\s*[rR]?(['"])((?:(?!\2)[^\\\n]|\\.)+)\2/g;
// torch.onnx.export(model, args, 'path.onnx', ...): the first string literal after two quote-free arguments.
const PY_EXPORT = /\b(torch\s*\.\s*onnx\s*\.\s*export)\s*\([^'"()]*(?:\([^'"()]*\)[^'"()]*)*,\s*[rR]?(['"])((?:(?!\2)[^\\\n]|\\.)+\.onnx)\2/g;

export function findModelLoadCalls(text: string, languageId: string): ModelLoadCall[] {
  const patterns = JS_LANGUAGES.has(languageId) ? [JS_CALL] : PY_LANGUAGES.has(languageId) ? [PY_CALL, PY_EXPORT] : [];
  if (patterns.length === 0) return [];
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const positionAt = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - lineStarts[lo] };
  };

  const calls: ModelLoadCall[] = [];
  const matches = patterns.flatMap((pattern) => [...text.matchAll(new RegExp(pattern.source, pattern.flags))]).sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  for (const match of matches) {
    const raw = match[3];
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) && !/^file:\/\//i.test(raw)) continue; // http://, indexeddb://...
    const literal = raw.replace(/^file:\/\//i, '');
    const start = match.index ?? 0;
    calls.push({ range: { start: positionAt(start), end: positionAt(start + match[0].length) }, literal });
  }
  return calls;
}

/**
 * The file a literal names: absolute as is; relative against the source file's folder first, then
 * each workspace folder (scripts are often run from the root). `exists` decides among candidates;
 * undefined when none exists.
 */
export function resolveLoadPath(literal: string, sourceFile: string, workspaceFolders: readonly string[], exists: (file: string) => boolean): string | undefined {
  const candidates = path.isAbsolute(literal)
    ? [literal]
    : [path.resolve(path.dirname(sourceFile), literal), ...workspaceFolders.map((folder) => path.resolve(folder, literal))];
  return candidates.find(exists);
}
