/** Per-epoch schedules of the distillation: temperature and learning rate. */

/**
 * The reference's temperature: T(e) = start + (end - start) * (e + 1) / E for epoch e = 0..E-1.
 * With start 1 and end 4 this is BCU's 1 + 3(e+1)/E: it rises from just above 1 to 4 in the last epoch.
 */
export function temperatureAt(epoch: number, epochs: number, start = 1, end = 4): number {
  return start + ((end - start) * (epoch + 1)) / epochs;
}

/** Cosine annealing stepped once per epoch (PyTorch CosineAnnealingLR with T_max = epochs). */
export function cosineLrAt(epoch: number, epochs: number, baseLr: number, minLr = 0): number {
  return minLr + ((baseLr - minLr) * (1 + Math.cos((Math.PI * epoch) / epochs))) / 2;
}
