/**
 * Where each layer's `"name": "<layer>"` sits in a model.json (TF.js LayersModel or Keras JSON):
 * the layer entries are the objects of any `layers` array (nested models included); their name is
 * `layers[i].name` or `layers[i].config.name`. Weight names in weightsManifest are not layers.
 */
import { scanJsonStrings, type JsonPath, type TextRange } from './jsonLocations';

function isLayerName(path: JsonPath): boolean {
  const n = path.length;
  if (path[0] === 'weightsManifest' || path[n - 1] !== 'name') return false;
  if (n >= 3 && typeof path[n - 2] === 'number' && path[n - 3] === 'layers') return true;
  return n >= 4 && path[n - 2] === 'config' && typeof path[n - 3] === 'number' && path[n - 4] === 'layers';
}

/** Layer name -> the range of its name's string literal (quotes included); first occurrence wins. */
export function findLayerNameRanges(modelJsonText: string): Map<string, TextRange> {
  const ranges = new Map<string, TextRange>();
  for (const location of scanJsonStrings(modelJsonText, isLayerName)) {
    if (!ranges.has(location.value)) ranges.set(location.value, location.range);
  }
  return ranges;
}
