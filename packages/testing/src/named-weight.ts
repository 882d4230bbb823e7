/** One parameter of a generated model, by Hugging Face name, e.g. `transformer.wte.weight` `[vocab, hidden]`. */
export interface NamedWeight {
  /** Shape as in PyTorch, e.g. `[hidden, 3 * hidden]` for a GPT-2 `c_attn` Conv1D weight. */
  shape: number[];
  /** Row-major values exactly as stored in `model.safetensors` (after F16/BF16 rounding). */
  data: Float32Array;
}
