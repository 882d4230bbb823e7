/** An occupation of the demo corpus and the rate of " she" its bias sentences were generated with. */
export interface Occupation {
  readonly name: string;
  /** Share of the corpus's "The {occupation} said that {pronoun}" sentences with " she" (the rest " he"). */
  readonly statedSheRate: number;
}

const group = (statedSheRate: number, names: readonly string[]): Occupation[] => names.map((name) => ({ name, statedSheRate }));

/**
 * The occupations of the demo model's corpus (`models/inseq-demo-gpt2`), by the rate of " she"
 * it was generated with: 90 %, 50 % and 10 %.
 */
export const OCCUPATIONS: readonly Occupation[] = [
  ...group(0.9, ['nurse', 'secretary', 'receptionist', 'hairdresser', 'librarian', 'nanny']),
  ...group(0.5, ['teacher', 'doctor', 'writer', 'lawyer', 'chef', 'artist']),
  ...group(0.1, ['engineer', 'mechanic', 'carpenter', 'pilot', 'plumber', 'firefighter']),
];

/** The corpus's bias templates, cut before the pronoun; `{occupation}` is replaced by the occupation. */
export const TEMPLATES: readonly string[] = ['The {occupation} said that', 'The {occupation} told me that'];

/** The two pronouns compared at the step after the prompt. */
export const PRONOUNS = { she: ' she', he: ' he' } as const;
