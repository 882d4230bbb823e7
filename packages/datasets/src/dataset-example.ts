import { InseqError } from '@inseq/core';

/** One row of a dataset, as `inseq attribute-dataset` attributes it. */
export interface DatasetExample {
  /** 0-based position of the row in the whole selected input (all files of the split, in order). */
  readonly index: number;
  readonly inputText: string;
  readonly generatedText?: string;
}

/** Which columns of a row hold the texts (Inseq's `--input-text-field` / `--generated-text-field`). */
export interface TextFields {
  /** @defaultValue `'text'` */
  readonly inputTextField?: string;
  readonly generatedTextField?: string;
}

/** A dataset problem the user can fix: the message names the file, row and what was expected. */
export function datasetError(message: string, cause?: unknown): InseqError {
  return new InseqError(message, { code: 'INVALID_INPUT', ...(cause !== undefined && { cause }) });
}

/** Reads the text fields of one row (an object of column → value). */
export function exampleFromRow(row: Record<string, unknown>, index: number, fields: TextFields, where: string): DatasetExample {
  const inputField = fields.inputTextField ?? 'text';
  const text = (field: string, required: boolean): string | undefined => {
    if (!(field in row)) {
      if (!required) return undefined;
      throw datasetError(`${where}: row ${index} has no field '${field}'; its fields are ${Object.keys(row).map((k) => `'${k}'`).join(', ') || '(none)'}. Choose the text column with --input-text-field / --generated-text-field.`);
    }
    const value = row[field];
    if (typeof value !== 'string') {
      throw datasetError(`${where}: row ${index} field '${field}' must be a string, got ${value === null ? 'null' : typeof value}.`);
    }
    return value;
  };
  const inputText = text(inputField, true) as string;
  const generatedText = fields.generatedTextField === undefined ? undefined : text(fields.generatedTextField, true);
  return { index, inputText, ...(generatedText !== undefined && { generatedText }) };
}
