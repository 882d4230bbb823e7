import { InseqError } from 'inseq';

/** Library option names (`attribute()`'s, Inseq's snake_case) → the `inseq attribute` flags that set them. */
export const ATTRIBUTE_FLAG_NAMES: Readonly<Record<string, string>> = {
  maxNewTokens: '--max-new-tokens',
  batchSize: '--batch-size',
  attrPosStart: '--start-pos',
  attrPosEnd: '--end-pos',
  contrastTargetsAlignments: '--contrast-targets-alignments',
  contrastTargets: '--contrast-targets',
  contrastSources: '--contrast-sources',
  contrastForceInputs: '--contrast-force-inputs',
  generatedTexts: '--generated-texts',
  attributionArgs: '--attribution-kwargs',
  attribution_args: '--attribution-kwargs',
  stepScoresArgs: '--step-scores-args',
  step_scores_args: '--step-scores-args',
  attributedFnArgs: '--attributed-fn-args',
  attributed_fn_args: '--attributed-fn-args',
  stepScores: '--step-scores',
  attributedFn: '--attributed-fn',
  generateFromTargetPrefix: '--generate-from-target-prefix',
  attributeTarget: '--attribute-target',
  chatTemplate: '--chat-template',
  includeEosBaseline: '--include-eos-baseline',
  outputStepAttributions: '--output-step-attributions',
  srcLang: '--tokenizer-kwargs src_lang',
  tgtLang: '--tokenizer-kwargs tgt_lang',
};

/** Library option names → the `inseq evaluate` flags that set them. */
export const EVALUATE_FLAG_NAMES: Readonly<Record<string, string>> = {
  batchSize: '--batch-size',
  attributionArgs: '--attribution-kwargs',
  maxCases: '--max-cases',
};

/** `text` with every library option name of `names` (whole words only) replaced by its flag. */
export function renameToFlags(text: string, names: Readonly<Record<string, string>>): string {
  const keys = Object.keys(names).sort((a, b) => b.length - a.length);
  if (keys.length === 0) return text;
  const pattern = new RegExp(`(?<![\\w-])(${keys.join('|')})(?![\\w-])`, 'g');
  return text.replace(pattern, (name) => names[name]);
}

/**
 * Runs `work` and, when it throws an inseq-ts error, makes its message name what the user typed:
 * library option names become flags, and `flag` (when given) is put in front unless the message
 * already names it. The error keeps its class, code and cause.
 */
export async function namingFlags<T>(work: () => T | Promise<T>, names: Readonly<Record<string, string>>, flag?: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (InseqError.isInstance(error)) {
      const renamed = renameToFlags(error.message, names);
      error.message = flag === undefined || renamed.includes(flag) ? renamed : `${flag}: ${renamed}`;
    }
    throw error;
  }
}
