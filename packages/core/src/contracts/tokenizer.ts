/** Ids of the special tokens a method or the loop may need (baselines, padding, stopping). */
export interface SpecialTokenIds {
  readonly bos?: number;
  readonly eos?: number;
  readonly unk?: number;
  readonly pad?: number;
}

/** The tokenizer as the attribution loop sees it. */
export interface Tokenizer {
  /** Ids of `text`, with the special tokens the model's tokenizer adds by default. */
  encode(text: string): number[];
  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): string;
  /** The vocabulary entry of `id` (`Ġcapital` for GPT-2), as Inseq shows in `source`/`target`. */
  idToToken(id: number): string;
  /** The id of a vocabulary entry (e.g. a language code such as `it_IT` or `__it__`), if the vocabulary has it. */
  tokenToId?(token: string): number | undefined;
  readonly specialTokenIds: SpecialTokenIds;
}
