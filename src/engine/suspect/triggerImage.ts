/**
 * The recovered trigger (mask x pattern) as a PNG data URI, so the panel can show it inline
 * without writing a file. Pixels are enlarged (nearest neighbour) to about 112 px for visibility.
 */
import { PNG } from 'pngjs';

/** @param values H x W x C in 0..1, channels last (C = 1 or 3). */
export function triggerPngDataUri(values: Float32Array | number[], height: number, width: number, channels: number, targetSize = 112): string {
  const scale = Math.max(1, Math.floor(targetSize / Math.max(height, width)));
  const png = new PNG({ width: width * scale, height: height * scale });
  for (let y = 0; y < height * scale; y++) {
    for (let x = 0; x < width * scale; x++) {
      const src = (Math.floor(y / scale) * width + Math.floor(x / scale)) * channels;
      const o = (y * width * scale + x) * 4;
      for (let c = 0; c < 3; c++) {
        const v = values[src + (channels === 3 ? c : 0)];
        png.data[o + c] = Math.max(0, Math.min(255, Math.round(v * 255)));
      }
      png.data[o + 3] = 255;
    }
  }
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}
