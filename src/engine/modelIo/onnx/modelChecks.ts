/**
 * Everything checked about an .onnx file before any weight is allocated: that it decodes as a
 * ModelProto, its opset, one image input with a fixed size, one output, and declared tensor sizes.
 */
import { InputError } from '../../errors';
import { decodeModel, toNumber, type GraphProto, type ModelProto } from './onnxProto';
import { declaredBytes } from './tensorData';
import type { GraphInput } from './graphToLayers';

/**
 * Default-domain opsets whose semantics for the supported ops we implement (attributes of older
 * versions, such as consumed_inputs, are refused by name when a node has them).
 */
export const MIN_OPSET = 1;
export const MAX_OPSET = 18;

export function decodeOnnxFile(bytes: Uint8Array, onnxPath: string): ModelProto & { graph: GraphProto } {
  const notOnnx = (why: string) =>
    new InputError(`${onnxPath} is not a valid ONNX model (${why}); export it with torch.onnx.export or save it with onnx.save.`, onnxPath);
  if (bytes.length === 0) throw notOnnx('the file is empty');
  let model: ModelProto;
  try {
    model = decodeModel(bytes);
  } catch (error) {
    throw notOnnx(`protobuf: ${(error as Error).message}; the file may be truncated or not ONNX at all`);
  }
  if (toNumber(model.ir_version) <= 0 || !model.graph) throw notOnnx('no ir_version or graph: wrong kind of file');
  return model as ModelProto & { graph: GraphProto };
}

export function defaultOpset(model: ModelProto, onnxPath: string): number {
  const entry = model.opset_import.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  const opset = entry ? toNumber(entry.version) : 1;
  if (opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new InputError(
      `${onnxPath} uses ONNX opset ${opset}; Backdoor Cleanse imports opsets ${MIN_OPSET} to ${MAX_OPSET}. ` +
        `Export with torch.onnx.export(..., opset_version=13) or convert with onnx.version_converter.`,
      onnxPath,
    );
  }
  return opset;
}

export function checkDeclaredSizes(graph: GraphProto, onnxPath: string): void {
  for (const tensor of graph.initializer) declaredBytes(tensor, onnxPath);
}

/** The single image input (NCHW, fixed channels, height and width; the batch may be free). */
export function imageInput(graph: GraphProto, onnxPath: string): GraphInput {
  const initializers = new Set(graph.initializer.map((t) => t.name));
  const inputs = graph.input.filter((i) => !initializers.has(i.name));
  if (inputs.length !== 1) {
    throw new InputError(
      `${onnxPath} has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ') || 'none'}); Backdoor Cleanse needs an image classifier ` +
        `with one image input. Export the model with a single input tensor.`,
      onnxPath,
    );
  }
  if (graph.output.length !== 1) {
    throw new InputError(
      `${onnxPath} has ${graph.output.length} outputs (${graph.output.map((o) => o.name).join(', ')}); Backdoor Cleanse needs one output of class scores.`,
      onnxPath,
    );
  }
  const input = inputs[0];
  const dims = input.type?.tensor_type?.shape?.dim ?? [];
  const shown = dims.map((d) => (d.dim_value != null && toNumber(d.dim_value) > 0 ? String(toNumber(d.dim_value)) : d.dim_param || '?')).join(',');
  if (dims.length !== 4) {
    throw new InputError(`${onnxPath}: input "${input.name}" has shape [${shown}]; an image input [batch,channels,height,width] (NCHW) is needed.`, onnxPath);
  }
  const fixed = dims.map((d) => (d.dim_value != null && toNumber(d.dim_value) > 0 ? toNumber(d.dim_value) : null));
  const [, channels, height, width] = fixed;
  if (channels == null || height == null || width == null) {
    throw new InputError(
      `${onnxPath}: input "${input.name}" has shape [${shown}] with dynamic channels, height or width, which cannot be resolved; export with a fixed ` +
        `image size (torch.onnx.export with an example input of that size, dynamic_axes only on the batch).`,
      onnxPath,
    );
  }
  if (channels > 4) {
    throw new InputError(`${onnxPath}: input "${input.name}" has shape [${shown}]: ${channels} channels is not an image (1 to 4 channels, NCHW).`, onnxPath);
  }
  return { name: input.name, dims: [null, channels, height, width] };
}
