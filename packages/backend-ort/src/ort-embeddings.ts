import { type IntTensor, MissingCapabilityError, type ModelConfig, type Tensor } from '@inseq/core';
import { embedFromTable } from './embed-from-table';
import type { EmbeddingTableLocation } from './onnx/find-embedding-table';
import type { ExternalDataReader, OnnxInitializer } from './onnx/read-onnx-initializer';

/**
 * A graph's token embedding table, read on the first `embed` (ids-only methods never need it, so
 * a large table in external data is not read at load), with the factor `embed` multiplies its rows
 * by (the attributed tensor: BART/mBART/Marian's `embed_scale`, see docs/attributed-embeddings.md;
 * absent: 1), or the reason there is none.
 */
export type OrtEmbeddings = { readonly table: () => Promise<OnnxInitializer>; readonly scale?: number } | { readonly missing: string };

/** {@link OrtEmbeddings} of a table located by `findEmbeddingTable`, read once through `readExternal`; its rows are multiplied by `scale` when given. */
export function lazyEmbeddings(location: EmbeddingTableLocation, readExternal: ExternalDataReader, scale?: number): OrtEmbeddings {
  if (!location.found) return { missing: location.reason };
  let table: Promise<OnnxInitializer> | undefined;
  return {
    ...(scale !== undefined && scale !== 1 && { scale }),
    table: () => {
      table ??= location.read(readExternal);
      // A failed read is not cached: the next call tries again.
      table.catch(() => {
        table = undefined;
      });
      return table;
    },
  };
}

/** Embeds `inputIds` from `embeddings`, or throws a MissingCapabilityError saying why there is no table. */
export async function embedFrom(embeddings: OrtEmbeddings, inputIds: IntTensor, config: ModelConfig, side?: 'encoder' | 'decoder'): Promise<Tensor> {
  if ('missing' in embeddings) {
    throw new MissingCapabilityError(
      `backend 'ort' cannot return ${side ? `the ${side}'s ` : ''}token embeddings: ${embeddings.missing}. Methods that read embeddings ` +
        '(gradient methods, baselines as embeddings) need backend-tfjs or an export whose embedding table the graph gathers from; ' +
        'ids-only methods (dummy, attention, occlusion, LIME, ReAGent, value zeroing) still run.',
    );
  }
  let table: OnnxInitializer;
  try {
    table = await embeddings.table();
  } catch (cause) {
    throw new MissingCapabilityError(`backend 'ort' cannot return token embeddings: ${(cause as Error)?.message ?? String(cause)}.`);
  }
  if (table.dims[0] < config.vocabSize) {
    throw new MissingCapabilityError(`backend 'ort' found an embedding table of ${table.dims[0]} rows, fewer than the ${config.vocabSize} of vocab_size.`);
  }
  return embedFromTable(table, inputIds, config, embeddings.scale);
}
