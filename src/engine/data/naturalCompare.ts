/**
 * "Natural" string order: digit runs compare by value, so class2 < class10. Locale-free (plain
 * code units otherwise) so the same folder names give the same class indices on every machine.
 */
export function naturalCompare(a: string, b: string): number {
  const chunksA = a.match(/\d+|\D+/g) ?? [];
  const chunksB = b.match(/\d+|\D+/g) ?? [];
  const n = Math.min(chunksA.length, chunksB.length);
  for (let i = 0; i < n; i++) {
    const x = chunksA[i];
    const y = chunksB[i];
    const bothDigits = isDigits(x) && isDigits(y);
    const order = bothDigits ? compareDigitRuns(x, y) : compareCodeUnits(x, y);
    if (order !== 0) return order;
  }
  if (chunksA.length !== chunksB.length) return chunksA.length - chunksB.length;
  return compareCodeUnits(a, b);
}

export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isDigits(s: string): boolean {
  const c = s.charCodeAt(0);
  return c >= 48 && c <= 57;
}

/** By value without parsing (runs may exceed 2^53); "2" before "02" on equal value. */
function compareDigitRuns(x: string, y: string): number {
  const sx = x.replace(/^0+(?=\d)/, '');
  const sy = y.replace(/^0+(?=\d)/, '');
  if (sx.length !== sy.length) return sx.length - sy.length;
  const byValue = compareCodeUnits(sx, sy);
  return byValue !== 0 ? byValue : x.length - y.length;
}
