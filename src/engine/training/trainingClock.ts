/**
 * The progress bookkeeping every training loop shares (attack lab, distillation, NAD): images
 * per second since the loop started and the time left for the images still to come.
 */
export interface Throughput {
  imagesPerSecond: number | null;
  etaSeconds: number | null;
}

export class TrainingClock {
  private readonly started = Date.now();
  private done = 0;

  /** `totalImages`: every image the loop will see, all epochs together. */
  constructor(private readonly totalImages: number) {}

  /** Counts `images` more as done; the rate and ETA so far (null until time has passed). */
  advance(images: number): Throughput {
    this.done += images;
    const elapsed = (Date.now() - this.started) / 1000;
    const rate = elapsed > 0 ? this.done / elapsed : null;
    return { imagesPerSecond: rate, etaSeconds: rate ? Math.max(0, this.totalImages - this.done) / rate : null };
  }
}

/** Lets cancel messages and timers in between steps: the kernels themselves are synchronous. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
