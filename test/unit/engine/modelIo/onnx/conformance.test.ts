/**
 * Conformance: every case of ONNX's backend node tests (Debian libonnx-testdata) whose nodes are
 * all supported ops goes through the importer; outputs must match within 1e-4 (the kernel tests'
 * measure: max |diff| / max(1, max |expected|)). Cases we cannot run are listed below with why;
 * the test fails if one of them starts to pass (update the list) or a new one is skipped.
 * Reproduce: npm run build:tests && npx mocha out/test/unit/engine/modelIo/onnx/conformance.test.js
 */
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { NODE_TEST_DIR, runCase, supportedCases, type CaseResult } from '../../../../fixtures/onnx/conformanceCases';

/** Case -> why it is skipped (the start of the importer's or harness's reason). */
export const EXPECTED_SKIPS: Record<string, string> = {
  test_add_uint8: "non-float tensors (ONNX data types 2); images are float32",
  test_averagepool_1d_default: "input rank 3 (only 2-D pooling on NCHW images)",
  test_averagepool_3d_default: "input rank 5 (only 2-D pooling on NCHW images)",
  test_batchnorm_epsilon_training_mode: "attribute training_mode=1 (export the model in eval mode: model.eval() before torch.onnx.export)",
  test_batchnorm_example_training_mode: "attribute training_mode=1 (export the model in eval mode: model.eval() before torch.onnx.export)",
  test_cast_BFLOAT16_to_FLOAT: "non-float tensors (ONNX data types 4,1); images are float32",
  test_cast_DOUBLE_to_FLOAT16: "non-float tensors (ONNX data types 11,10); images are float32",
  test_cast_FLOAT16_to_DOUBLE: "non-float tensors (ONNX data types 10,11); images are float32",
  test_cast_FLOAT16_to_FLOAT: "non-float tensors (ONNX data types 10,1); images are float32",
  test_cast_FLOAT_to_BFLOAT16: "non-float tensors (ONNX data types 1,4); images are float32",
  test_cast_FLOAT_to_FLOAT16: "non-float tensors (ONNX data types 1,10); images are float32",
  test_cast_FLOAT_to_STRING: "non-float tensors (ONNX data types 1,8); images are float32",
  test_cast_STRING_to_FLOAT: "non-float tensors (ONNX data types 8,1); images are float32",
  test_castlike_BFLOAT16_to_FLOAT_expanded: "non-float tensors (ONNX data types 4,1); images are float32",
  test_castlike_DOUBLE_to_FLOAT16_expanded: "non-float tensors (ONNX data types 11,10); images are float32",
  test_castlike_FLOAT16_to_DOUBLE_expanded: "non-float tensors (ONNX data types 10,11); images are float32",
  test_castlike_FLOAT16_to_FLOAT_expanded: "non-float tensors (ONNX data types 10,1); images are float32",
  test_castlike_FLOAT_to_BFLOAT16_expanded: "non-float tensors (ONNX data types 1,4); images are float32",
  test_castlike_FLOAT_to_FLOAT16_expanded: "non-float tensors (ONNX data types 1,10); images are float32",
  test_castlike_FLOAT_to_STRING_expanded: "non-float tensors (ONNX data types 1,8); images are float32",
  test_castlike_STRING_to_FLOAT_expanded: "non-float tensors (ONNX data types 8,1); images are float32",
  test_clip_default_int8_inbounds: "non-float tensors (ONNX data types 3); images are float32",
  test_clip_default_int8_max: "non-float tensors (ONNX data types 3); images are float32",
  test_clip_default_int8_min: "non-float tensors (ONNX data types 3); images are float32",
  test_constantofshape_int_shape_zero: "non-float tensors (ONNX data types 7,6); images are float32",
  test_constantofshape_int_zeros: "non-float tensors (ONNX data types 7,6); images are float32",
  test_div_uint8: "non-float tensors (ONNX data types 2); images are float32",
  test_dropout_default_mask: "non-float tensors (ONNX data types 1,9); images are float32",
  test_dropout_default_mask_ratio: "non-float tensors (ONNX data types 1,9); images are float32",
  test_edge_pad: "non-float tensors (ONNX data types 6,7); images are float32",
  test_gemm_all_attributes: "attribute transA=1 (the batch must be the first axis of A)",
  test_gemm_default_matrix_bias: "input C of shape [3,4] (a bias must have 1 or 4 values)",
  test_gemm_transposeA: "attribute transA=1 (the batch must be the first axis of A)",
  test_identity_opt: "sequence or optional typed values (image models carry tensors only)",
  test_identity_sequence: "sequence or optional typed values (image models carry tensors only)",
  test_maxpool_1d_default: "input rank 3 (only 2-D pooling on NCHW images)",
  test_maxpool_2d_uint8: "non-float tensors (ONNX data types 2); images are float32",
  test_maxpool_3d_default: "input rank 5 (only 2-D pooling on NCHW images)",
  test_maxpool_with_argmax_2d_precomputed_pads: "output Indices",
  test_maxpool_with_argmax_2d_precomputed_strides: "output Indices",
  test_mul_uint8: "non-float tensors (ONNX data types 2); images are float32",
  test_reflect_pad: "non-float tensors (ONNX data types 6,7); images are float32",
  test_reshape_allowzero_reordered: "attribute allowzero=1 with a zero in the shape (empty tensors)",
  test_sub_uint8: "non-float tensors (ONNX data types 2); images are float32",
  test_training_dropout: "non-float tensors (ONNX data types 1,9); images are float32",
  test_training_dropout_default: "non-float tensors (ONNX data types 1,9); images are float32",
  test_training_dropout_default_mask: "non-float tensors (ONNX data types 1,9); images are float32",
  test_training_dropout_mask: "non-float tensors (ONNX data types 1,9); images are float32",
  test_training_dropout_zero_ratio: "non-float tensors (ONNX data types 1,9); images are float32",
  test_training_dropout_zero_ratio_mask: "non-float tensors (ONNX data types 1,9); images are float32",
};

describe('ONNX conformance (libonnx-testdata node tests)', function () {
  this.timeout(300_000);
  const available = existsSync(NODE_TEST_DIR);
  before(async function () {
    if (!available) {
      console.log(`    ${NODE_TEST_DIR} is missing (apt-get install libonnx-testdata); conformance skipped`);
      this.skip();
    }
    await tf.setBackend('cpu');
  });

  it('passes every supported-op case except the listed skips, each for its listed reason', () => {
    const results: CaseResult[] = supportedCases().map((name) => runCase(NODE_TEST_DIR, name));
    const passed = results.filter((r) => r.status === 'pass');
    const failed = results.filter((r) => r.status === 'fail');
    const skipped = results.filter((r) => r.status === 'skip');
    console.log(`    ${results.length} cases: ${passed.length} pass, ${skipped.length} skipped, ${failed.length} fail`);
    assert.deepEqual(failed.map((r) => `${r.name} (error ${(r as { error: number }).error})`), []);
    for (const r of skipped) {
      const expected = EXPECTED_SKIPS[r.name];
      assert.ok(expected, `${r.name} is skipped but not listed: ${(r as { reason: string }).reason}`);
      assert.ok((r as { reason: string }).reason.includes(expected), `${r.name}: reason "${(r as { reason: string }).reason}" is not "${expected}"`);
    }
    const notSkipped = Object.keys(EXPECTED_SKIPS).filter((name) => !skipped.some((r) => r.name === name));
    assert.deepEqual(notSkipped, [], 'listed skips that now run: remove them from EXPECTED_SKIPS');
    assert.ok(passed.length >= 150, `only ${passed.length} cases passed`);
  });
});
