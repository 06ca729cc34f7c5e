/** Plain code-unit order (what JavaScript's default sort and Python's sorted() use for ASCII names). */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
