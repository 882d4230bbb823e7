import { type FeatureAttributionOutput, outputToBytes, outputToInseqJson, renderOutputHtml } from 'inseq';

/** What the page offers to save; the JSON ones are read back by the CLI, this page and Python Inseq. */
export type DownloadKind = 'inseq-ts' | 'inseq-python' | 'html';

/** Saves `output` through the browser's download, nothing leaves the page otherwise. */
export async function downloadOutput(output: FeatureAttributionOutput, kind: DownloadKind): Promise<void> {
  const [content, type, name] =
    kind === 'inseq-ts'
      ? [await outputToBytes(output, { format: 'inseq-ts' }), 'application/json', 'attribution.json']
      : kind === 'inseq-python'
        ? [outputToInseqJson(output), 'application/json', 'attribution.inseq.json']
        : [renderOutputHtml(output), 'text/html', 'attribution.html'];
  const url = URL.createObjectURL(new Blob([content as BlobPart], { type }));
  const link = Object.assign(document.createElement('a'), { href: url, download: name });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
