/**
 * Class indices for class subfolders. Evaluation only: the indices must match the model's output
 * order, so the rule is simple and predictable: a classes.txt wins; else folders named 0..K-1 are
 * those indices; else names in plain code-unit order, as torchvision's ImageFolder and Keras sort
 * class folders (class10 before class2), so models trained with those tools line up.
 */
import * as path from 'path';
import { InputError } from '../errors';
import { compareCodeUnits } from './codeUnitOrder';

export const CLASSES_FILE = 'classes.txt';

export interface ClassIndex {
  /** Class names by index. */
  names: string[];
  /** Folder name -> class index. */
  indexOf: Map<string, number>;
}

/**
 * @param folderNames the top folder's immediate (non-hidden) subfolders
 * @param classesText contents of the top folder's classes.txt, or null when there is none
 */
export function classIndexFor(root: string, folderNames: string[], classesText: string | null): ClassIndex {
  if (classesText !== null) return fromClassesFile(root, folderNames, classesText);
  // A cap keeps a stray "20240101" folder from creating millions of empty classes.
  if (folderNames.length > 0 && folderNames.every((name) => /^(0|[1-9]\d{0,4})$/.test(name))) {
    return fromNumberedFolders(folderNames);
  }
  const names = [...folderNames].sort(compareCodeUnits);
  return { names, indexOf: new Map(names.map((name, i) => [name, i])) };
}

export function parseClassesFile(text: string): string[] {
  return text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

function fromClassesFile(root: string, folderNames: string[], classesText: string): ClassIndex {
  const file = path.join(root, CLASSES_FILE);
  const names = parseClassesFile(classesText);
  if (names.length === 0) {
    throw new InputError(`${file} lists no classes; write one class name a line, in the model's class order, or delete it.`, file);
  }
  const indexOf = new Map<string, number>();
  names.forEach((name, i) => {
    if (indexOf.has(name)) {
      throw new InputError(`${file} lists "${name}" twice (lines ${indexOf.get(name)! + 1} and ${i + 1} of the non-empty lines); each class must appear once.`, file);
    }
    indexOf.set(name, i);
  });
  for (const folder of folderNames) {
    if (!indexOf.has(folder)) {
      const folderPath = path.join(root, folder);
      throw new InputError(
        `The folder ${folderPath} is not listed in ${file}; add "${folder}" to it (one class name a line, in the model's class order) or move the folder out.`,
        folderPath,
      );
    }
  }
  return { names, indexOf };
}

/** Folders 0..K-1 keep their numbers even when some are missing (e.g. a class held out). */
function fromNumberedFolders(folderNames: string[]): ClassIndex {
  const max = Math.max(...folderNames.map(Number));
  const names = Array.from({ length: max + 1 }, (_, i) => String(i));
  return { names, indexOf: new Map(folderNames.map((name) => [name, Number(name)])) };
}
