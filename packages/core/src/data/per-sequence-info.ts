/**
 * `info` fields that hold one entry per sequence, in sequence order: merging concatenates them
 * and selecting sequences picks from them. (`contrast_targets` is per sequence when an array.)
 */
export const PER_SEQUENCE_INFO_FIELDS: readonly string[] = ['input_texts', 'generated_texts', 'contrast_targets'];
