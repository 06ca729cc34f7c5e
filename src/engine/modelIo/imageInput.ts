/**
 * The cleanser feeds NHWC images: refuse models whose input is anything else, saying what we saw.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ImageShape } from '../data/types';
import { InputError } from '../errors';

export function imageInputShape(model: tf.LayersModel, modelJsonPath: string): ImageShape {
  if (model.inputs.length !== 1) {
    const shapes = model.inputs.map((input) => formatShape(input.shape)).join(', ');
    throw new InputError(
      `${modelJsonPath}: the model has ${model.inputs.length} inputs (${shapes}); Backdoor Cleanse needs an image classifier with a single ` +
        `image input [batch,height,width,channels]. Export a model that takes only the image.`,
      modelJsonPath,
    );
  }
  const shape = model.inputs[0].shape;
  const [, height, width, channels] = shape;
  if (shape.length !== 4 || channels == null || channels < 1 || channels > 4) {
    const channelsFirst = shape.length === 4 && shape[1] != null && shape[1] >= 1 && shape[1] <= 4;
    throw new InputError(
      `${modelJsonPath}: model input shape ${formatShape(shape)} is not an image (expected [batch,height,width,channels] with 1 to 4 ` +
        `channels, e.g. [null,32,32,3]). ` +
        (channelsFirst
          ? 'It looks channels-first (NCHW): export the model channels-last (NHWC).'
          : 'Backdoor Cleanse works on image classifiers; a flattened input must be reshaped inside the model.'),
      modelJsonPath,
    );
  }
  if (height == null || width == null) {
    throw new InputError(
      `${modelJsonPath}: model input shape ${formatShape(shape)} has no fixed height and width, so images cannot be resized for it. ` +
        `Export the model with a fixed input size, e.g. [null,224,224,${channels}].`,
      modelJsonPath,
    );
  }
  if (channels !== 1 && channels !== 3) {
    throw new InputError(
      `${modelJsonPath}: model input shape ${formatShape(shape)} has ${channels} channels; Backdoor Cleanse feeds gray (1 channel) ` +
        `or RGB (3 channels) images. Export the model with a 1- or 3-channel input.`,
      modelJsonPath,
    );
  }
  return { height, width, channels };
}

function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d == null ? 'null' : String(d))).join(',')}]`;
}
