/**
 * Input scaling a PyTorch model expects, from the .onnx file's metadata_props: a `scaling` entry
 * in --scaling syntax ("mean=0.485,0.456,0.406;std=0.229,0.224,0.225"), or `mean` and `std` entries.
 * Set them with: m = onnx.load(p); m.metadata_props.add(key="scaling", value="mean=..;std=.."); onnx.save(m, p)
 */
import type { ModelProto } from './onnxProto';

export function scalingFromMetadata(model: ModelProto): string | null {
  const props = new Map(model.metadata_props.map((p) => [p.key.toLowerCase(), p.value.trim()]));
  const text = props.get('scaling') ?? props.get('bcu.scaling');
  if (text) return text;
  const mean = props.get('mean');
  const std = props.get('std');
  if (!mean && !std) return null;
  return [mean ? `mean=${mean.replace(/[[\]\s]/g, '')}` : '', std ? `std=${std.replace(/[[\]\s]/g, '')}` : ''].filter(Boolean).join(';');
}

