import { type AttributionModel, type FeatureAttributionOutput, InvalidInputError, attribute } from 'inseq';
import { OCCUPATIONS, type Occupation, PRONOUNS, TEMPLATES } from './occupations';
import { type WordScore, stepTokenScores, wordScores } from './word-scores';

/** Options of {@link runBiasCaseStudy}. */
export interface BiasCaseStudyOptions {
  /** Occupations to study. @defaultValue {@link OCCUPATIONS} (the demo corpus's 18) */
  readonly occupations?: readonly Occupation[];
  /** Prompts, each with one `{occupation}`, ending where the pronoun comes. @defaultValue {@link TEMPLATES} */
  readonly templates?: readonly string[];
  /** Gradient attribution method id. @defaultValue 'integrated_gradients' */
  readonly method?: string;
  /** Method options. @defaultValue `{ n_steps: 50 }` */
  readonly attributionArgs?: Readonly<Record<string, unknown>>;
  /** Called after each prompt. */
  readonly onPrompt?: (done: number, total: number, prompt: string) => void;
}

/** One prompt's measurements. */
export interface BiasPromptResult {
  readonly occupation: string;
  readonly statedSheRate: number;
  readonly template: string;
  readonly prompt: string;
  /** P(" she") and P(" he") at the step after the prompt. */
  readonly pShe: number;
  readonly pHe: number;
  /** pShe / (pShe + pHe): how often the model would say "she" if it had to pick one of the two. */
  readonly sheRate: number;
  /** The prompt's words, with the pronoun step's attribution summed over each word's tokens. */
  readonly words: readonly WordScore[];
  /** The occupation's attribution magnitude over the prompt's total (0..1). */
  readonly occupationShare: number;
  /** The occupation's signed attribution: positive pushes toward " she", negative toward " he". */
  readonly occupationSigned: number;
  /** The word with the largest attribution magnitude, and whether it is the occupation. */
  readonly topWord: string;
  readonly occupationIsTop: boolean;
  /** The attribution itself (for the heatmap). */
  readonly output: FeatureAttributionOutput;
}

/** One occupation's measurements, averaged over its prompts (one per template). */
export interface BiasOccupationSummary {
  readonly occupation: string;
  readonly statedSheRate: number;
  readonly sheRate: number;
  readonly occupationShare: number;
  /** In how many of its prompts the occupation got the largest attribution. */
  readonly topCount: number;
  readonly promptCount: number;
}

/** What {@link runBiasCaseStudy} measured. */
export interface BiasCaseStudyResult {
  readonly model: string;
  readonly method: string;
  readonly attributionArgs: Readonly<Record<string, unknown>>;
  /** The attributed function: P(" she") − P(" he") at the pronoun step. */
  readonly attributedFn: 'contrast_prob_diff';
  readonly prompts: readonly BiasPromptResult[];
  readonly occupations: readonly BiasOccupationSummary[];
}

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

/** The one token `pronoun` adds after `prompt`, or why there is none. */
function pronounToken(model: AttributionModel, prompt: string, pronoun: string): number {
  const promptIds = model.tokenizer.encode(prompt);
  const ids = model.tokenizer.encode(prompt + pronoun);
  const isPrefix = promptIds.every((id, i) => ids[i] === id);
  if (!isPrefix || ids.length !== promptIds.length + 1) {
    throw new InvalidInputError(
      `${JSON.stringify(pronoun)} after ${JSON.stringify(prompt)} is not one token of this tokenizer (${model.name}); ` +
        'the case study compares the two pronouns at a single generation step, so each must be one token.',
    );
  }
  return ids[ids.length - 1];
}

/**
 * The talk's case study: for each occupation and template, the model's P(" she") and P(" he") at
 * the step after the prompt (forced decoding), and which prompt word decides between them.
 *
 * The attributed function is the contrast P(" she") − P(" he") (`contrast_prob_diff`, Yin & Neubig
 * 2022), not the probability of one pronoun: attributing P(" she") alone also credits whatever makes
 * any pronoun likely after "said that", which every prompt shares; the contrast cancels it and
 * keeps what tips the choice. The pronoun step's attribution (one column) is reduced over the
 * hidden axis (L2 norm for the shares, sum for the direction) and summed over each word's tokens;
 * the occupation's share is its magnitude over the sum of all prompt words'.
 *
 * @throws InvalidInputError for a template without exactly one `{occupation}`, an empty list,
 *   a pronoun that is not one token after a prompt, or a prompt whose occupation is not a word.
 */
export async function runBiasCaseStudy(model: AttributionModel, options: BiasCaseStudyOptions = {}): Promise<BiasCaseStudyResult> {
  const occupations = options.occupations ?? OCCUPATIONS;
  const templates = options.templates ?? TEMPLATES;
  const method = options.method ?? 'integrated_gradients';
  const attributionArgs = options.attributionArgs ?? { n_steps: 50 };
  if (occupations.length === 0 || templates.length === 0) throw new InvalidInputError('The case study needs at least one occupation and one template.');
  for (const template of templates) {
    if (template.split('{occupation}').length !== 2) {
      throw new InvalidInputError(`Template ${JSON.stringify(template)} must hold "{occupation}" exactly once, e.g. "The {occupation} said that".`);
    }
  }
  const total = occupations.length * templates.length;
  const prompts: BiasPromptResult[] = [];
  for (const { name: occupation, statedSheRate } of occupations) {
    for (const template of templates) {
      const prompt = template.replace('{occupation}', occupation);
      const promptLength = model.tokenizer.encode(prompt).length;
      // Both checked first: one token each, so a single step compares them.
      pronounToken(model, prompt, PRONOUNS.she);
      pronounToken(model, prompt, PRONOUNS.he);
      const output = await attribute(model, prompt, {
        method,
        attributionArgs,
        generatedTexts: prompt + PRONOUNS.she,
        contrastTargets: prompt + PRONOUNS.he,
        // The pronoun positions face each other (the prompts are the same tokens).
        contrastTargetsAlignments: [[promptLength, promptLength]],
        attributedFn: 'contrast_prob_diff',
        stepScores: ['probability', 'contrast_prob'],
      });
      const sequence = output.sequence_attributions[0];
      const pShe = sequence.step_scores.probability.data[0];
      const pHe = sequence.step_scores.contrast_prob.data[0];
      const ids = sequence.target.slice(0, sequence.attr_pos_start).map((token) => token.id);
      const words = wordScores(model.tokenizer, ids, prompt, stepTokenScores(sequence, 0));
      const start = template.indexOf('{occupation}');
      const word = words.find((candidate) => candidate.start === start && candidate.end === start + occupation.length);
      if (word === undefined) {
        throw new InvalidInputError(
          `In ${JSON.stringify(prompt)} the tokenizer does not make ${JSON.stringify(occupation)} a word of its own ` +
            `(words: ${words.map((candidate) => JSON.stringify(candidate.text)).join(', ')}); put spaces around {occupation}.`,
        );
      }
      const totalScore = words.reduce((sum, candidate) => sum + candidate.score, 0);
      const top = words.reduce((best, candidate) => (candidate.score > best.score ? candidate : best));
      prompts.push({
        occupation,
        statedSheRate,
        template,
        prompt,
        pShe,
        pHe,
        sheRate: pShe / (pShe + pHe),
        words,
        occupationShare: word.score / totalScore,
        occupationSigned: word.signed,
        topWord: top.text,
        occupationIsTop: top === word,
        output,
      });
      options.onPrompt?.(prompts.length, total, prompt);
    }
  }
  const summaries = occupations.map(({ name, statedSheRate }) => {
    const own = prompts.filter((result) => result.occupation === name);
    return {
      occupation: name,
      statedSheRate,
      sheRate: mean(own.map((result) => result.sheRate)),
      occupationShare: mean(own.map((result) => result.occupationShare)),
      topCount: own.filter((result) => result.occupationIsTop).length,
      promptCount: own.length,
    };
  });
  return { model: model.name, method, attributionArgs, attributedFn: 'contrast_prob_diff', prompts, occupations: summaries };
}

/** The numbers of `result` as plain JSON (no attribution tensors), for `--json`. */
export function biasCaseStudyJson(result: BiasCaseStudyResult): unknown {
  return {
    ...result,
    prompts: result.prompts.map(({ output: _output, ...numbers }) => numbers),
  };
}
