/** Ids of the special tokens a method or the loop may need (baselines, padding, stopping). */
export interface SpecialTokenIds {
  readonly bos?: number;
  readonly eos?: number;
  readonly unk?: number;
  readonly pad?: number;
}

/** One turn of a chat, as chat templates take it. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant' | (string & {});
  readonly content: string;
}

/** The tokenizer as the attribution loop sees it. */
export interface Tokenizer {
  /**
   * Ids of `text`, with the special tokens the model's tokenizer adds by default
   * (`addSpecialTokens: false` leaves them out, as for text a chat template already marked up).
   */
  encode(text: string, options?: { readonly addSpecialTokens?: boolean }): number[];
  /**
   * Renders `messages` with the model's chat template (`chat_template` of tokenizer_config.json),
   * as transformers' `apply_chat_template(tokenize=False)`; absent when the tokenizer has none.
   */
  applyChatTemplate?(messages: readonly ChatMessage[], options?: { readonly addGenerationPrompt?: boolean }): string;
  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): string;
  /** The vocabulary entry of `id` (`Ġcapital` for GPT-2), as Inseq shows in `source`/`target`. */
  idToToken(id: number): string;
  /** The id of a vocabulary entry (e.g. a language code such as `it_IT` or `__it__`), if the vocabulary has it. */
  tokenToId?(token: string): number | undefined;
  readonly specialTokenIds: SpecialTokenIds;
}
