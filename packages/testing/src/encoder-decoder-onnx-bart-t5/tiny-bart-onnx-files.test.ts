import { createTinyBart } from '../encoder-decoder/create-tiny-bart';
import { describeSeq2SeqOnnx } from './seq2seq-onnx-checks';
import { tinyBartOnnxFiles } from './tiny-bart-onnx-files';

for (const family of ['bart', 'mbart'] as const) {
  describeSeq2SeqOnnx(`tinyBartOnnxFiles (${family})`, () => {
    const model = createTinyBart({ family });
    const heads = model.config.decoder_attention_heads as number;
    return {
      model,
      files: tinyBartOnnxFiles({ family, withPast: true, merged: true, outputAttentions: true }),
      layers: model.config.decoder_layers as number,
      heads,
      headDim: (model.config.d_model as number) / heads,
    };
  });
}
