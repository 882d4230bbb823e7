/** Whether a file name is a PyTorch pickle checkpoint (`pytorch_model.bin`, its index, `*.pt`, `*.ckpt`, `*.pth`). */
export function isPickleWeightsFile(name: string): boolean {
  const base = name.split('/').at(-1) ?? name;
  return /^pytorch_model(-\d+-of-\d+)?\.bin$/.test(base) || base === 'pytorch_model.bin.index.json' || /\.(pt|pth|ckpt)$/.test(base);
}

/**
 * Why a folder whose only weights are PyTorch pickles is not read, and how to convert it; shared by
 * every backend's messages so that `loadModel`'s combined "no backend can load" error carries it.
 *
 * @param location - the folder, for the message.
 * @param found - the pickle files found.
 */
export function pickleWeightsMessage(location: string, found: readonly string[]): string {
  return (
    `${location} holds its weights only as PyTorch pickle (${found.join(', ')}). inseq-ts does not read pickles: ` +
    'unpickling can run arbitrary code hidden in the file. Convert the checkpoint to safetensors — in Python, ' +
    "AutoModelForCausalLM (or AutoModelForSeq2SeqLM).from_pretrained(folder).save_pretrained(folder, safe_serialization=True), " +
    "or the Hub's 'convert to safetensors' Space (huggingface.co/spaces/safetensors/convert) — or export it to ONNX " +
    'for @inseq/backend-ort (optimum-cli export onnx --model folder out/)'
  );
}
