import {
  type FeatureAttributionOutput,
  type HeatmapView,
  aggregateAttributionScores,
  attachVizBehaviour,
  buildHeatmapView,
  createDefaultRegistries,
  defaultAggregationFunction,
  describeOptions,
  outputFromBytes,
  parseAggregationPipeline,
  renderSequenceHtml,
  vizStyles,
} from 'inseq';
import { type DownloadKind, downloadOutput } from './downloads';
import { fieldsFromOptions, type OptionField, optionFields, optionsFromFields } from './option-form';
import { type Engine, probeEngines } from './engines';
import { type PickedFolder, folderFromDrop, folderFromInput } from './picked-files';
import { type PreparedExample, forcedText, parsePreparedExamples, parseShippedModels } from './shipped-models';
import type { AttributeRequest, EngineId, ModelSource, WorkerMessage } from './worker-protocol';

/** What the page exposes for scripts and the browser test: the state and the numbers on screen. */
export interface InseqWebState {
  status: 'starting' | 'idle' | 'running' | 'done' | 'error';
  engines: Engine[];
  /** The shown heatmaps' `values`, one matrix per sequence. */
  views: (readonly (readonly number[])[])[];
  timings?: { loadMs: number; attributeMs: number };
  ranOn?: string;
  error?: string;
  /** The shipped model folder selected, and the labels of its prepared examples (none without examples.json). */
  shippedModel?: string;
  examples: string[];
}

declare global {
  interface Window {
    inseqWeb: InseqWebState;
  }
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const state: InseqWebState = { status: 'starting', engines: [], views: [], examples: [] };
window.inseqWeb = state;
const registries = createDefaultRegistries();
let output: FeatureAttributionOutput | undefined;
let folder: PickedFolder | undefined;
let worker: Worker | undefined;
let detachViz: (() => void) | undefined;

function fillSelect(select: HTMLSelectElement, ids: readonly string[], selected: string): void {
  select.replaceChildren(...ids.map((id) => new Option(id, id, id === selected, id === selected)));
}

let optionForm: OptionField[] = [];

/** The input of one generated option field. */
function optionInput(field: OptionField): HTMLInputElement | HTMLSelectElement {
  const { option } = field;
  const hint = `default: ${option.default === undefined ? (option.required ? 'required' : 'none') : JSON.stringify(option.default)}`;
  if (field.kind === 'boolean' || field.kind === 'choice') {
    const select = document.createElement('select');
    const values = field.kind === 'boolean' ? ['true', 'false'] : field.values;
    select.append(new Option(`(${hint})`, ''), ...values.map((value) => new Option(value, value)));
    return select;
  }
  const input = document.createElement('input');
  input.type = field.kind === 'number' ? 'number' : 'text';
  if (field.kind === 'number') {
    input.step = field.step;
    if (field.min !== undefined) input.min = String(field.min);
    if (field.max !== undefined) input.max = String(field.max);
  }
  input.placeholder = hint;
  return input;
}

/** The generated option fields' current raw values, by option name. */
function optionFieldValues(): Record<string, string> {
  const values: Record<string, string> = {};
  for (const element of document.querySelectorAll<HTMLInputElement | HTMLSelectElement>('#method-option-form [data-option]')) {
    values[element.dataset.option!] = element.value;
  }
  return values;
}

/** Form → JSON: the options the user set in the form, written to the JSON field that the request reads. */
function syncJsonFromForm(): void {
  try {
    $<HTMLInputElement>('method-options').value = JSON.stringify(optionsFromFields(optionForm, optionFieldValues()));
    $('error').textContent = '';
  } catch (error) {
    showError((error as Error).message);
  }
}

/** JSON → form: fills the generated fields from the JSON field (e.g. after a prepared example). */
function syncFormFromJson(): void {
  let options: unknown;
  try {
    options = JSON.parse($<HTMLInputElement>('method-options').value || '{}');
  } catch {
    return; // readRequest reports malformed JSON when the attribution starts
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) return;
  const values = fieldsFromOptions(optionForm, options as Record<string, unknown>);
  for (const element of document.querySelectorAll<HTMLInputElement | HTMLSelectElement>('#method-option-form [data-option]')) {
    element.value = values[element.dataset.option!] ?? '';
  }
}

/** Shows what the chosen method is and builds its option form from its spec (`describeOptions`). */
function describeMethod(): void {
  const method = registries.methods.get($<HTMLSelectElement>('method').value);
  $('method-help').textContent = method.description;
  optionForm = optionFields(describeOptions(method.options));
  $('method-option-form').replaceChildren(
    ...optionForm.map((field) => {
      const label = document.createElement('label');
      label.title = `${field.option.description} (${field.option.constraint})`;
      const input = optionInput(field);
      input.dataset.option = field.option.name;
      input.addEventListener('change', syncJsonFromForm);
      label.append(`${field.option.name} `, input);
      return label;
    }),
  );
  $('method-option-form').hidden = optionForm.length === 0;
  syncFormFromJson();
}

function stepScoreBoxes(): void {
  $('step-scores').replaceChildren(
    ...registries.stepFunctions.list().map((id) => {
      const label = document.createElement('label');
      label.innerHTML = `<input type="checkbox" name="step-score" value="${id}" /> ${id}`;
      return label;
    }),
  );
}

function showError(message: string): void {
  state.status = 'error';
  state.error = message;
  $('error').textContent = message;
}

function modelSource(): ModelSource {
  const kind = (document.querySelector('input[name="model-source"]:checked') as HTMLInputElement).value;
  if (kind === 'shipped') return { kind: 'url', url: new URL(`models/${$<HTMLSelectElement>('shipped-model').value}/`, document.baseURI).href };
  if (kind === 'url') {
    const url = $<HTMLInputElement>('model-url').value.trim();
    if (url === '') throw new Error('Type the URL of a model folder (the one holding config.json).');
    return { kind: 'url', url: new URL(url, document.baseURI).href };
  }
  if (kind === 'hub') {
    const id = $<HTMLInputElement>('hub-id').value.trim();
    if (id === '') throw new Error("Type a Hugging Face Hub model id ('org/name', optionally '@revision').");
    const endpoint = $<HTMLInputElement>('hub-endpoint').value.trim() || 'https://huggingface.co';
    const token = $<HTMLInputElement>('hub-token').value.trim();
    return { kind: 'hub', id, endpoint, ...(token !== '' && { token }) };
  }
  if (folder === undefined) throw new Error('Pick a model folder, or drop one on the page.');
  return { kind: 'files', name: folder.name, files: folder.files };
}

function readRequest(): AttributeRequest {
  let methodOptions: Record<string, unknown>;
  try {
    methodOptions = JSON.parse($<HTMLInputElement>('method-options').value || '{}');
  } catch (error) {
    throw new Error(`Method options must be a JSON object: ${(error as Error).message}`);
  }
  const generated = $<HTMLInputElement>('generated-text').value;
  return {
    type: 'attribute',
    assetBase: new URL('./', document.baseURI).href,
    model: modelSource(),
    engine: $<HTMLSelectElement>('engine').value as EngineId,
    input: $<HTMLInputElement>('input-text').value,
    ...(generated.trim() !== '' && { generated }),
    maxNewTokens: Number($<HTMLInputElement>('max-new-tokens').value) || 5,
    method: $<HTMLSelectElement>('method').value,
    methodOptions,
    attributedFn: $<HTMLSelectElement>('attributed-fn').value,
    stepScores: Array.from(document.querySelectorAll<HTMLInputElement>('input[name="step-score"]:checked'), (box) => box.value),
  };
}

function setRunning(running: boolean): void {
  $<HTMLButtonElement>('attribute').disabled = running;
  $<HTMLButtonElement>('cancel').disabled = !running;
  if (running) $<HTMLProgressElement>('progress').removeAttribute('value');
}

function startAttribution(): void {
  $('error').textContent = '';
  let request: AttributeRequest;
  try {
    request = readRequest();
  } catch (error) {
    showError((error as Error).message);
    return;
  }
  worker?.terminate();
  const current = new Worker(new URL('./attribution.worker.ts', import.meta.url), { type: 'module' });
  worker = current;
  state.status = 'running';
  state.error = undefined;
  setRunning(true);
  current.addEventListener('message', (event: MessageEvent<WorkerMessage>) => {
    const message = event.data;
    if (message.type === 'status') $('status').textContent = message.text;
    else if (message.type === 'progress') {
      const bar = $<HTMLProgressElement>('progress');
      bar.max = message.total;
      bar.value = message.done;
      $('status').textContent = `${message.done} / ${message.total} steps`;
    } else {
      current.terminate();
      worker = undefined;
      setRunning(false);
      if (message.type === 'error') {
        $('status').textContent = '';
        showError(message.message);
        return;
      }
      state.timings = message.timings;
      state.ranOn = message.ranOn;
      $('status').textContent = `Done on ${message.ranOn}: model loaded in ${message.timings.loadMs.toFixed(0)} ms, attributed in ${message.timings.attributeMs.toFixed(0)} ms.`;
      show(message.output);
    }
  });
  current.addEventListener('error', (event) => {
    setRunning(false);
    showError(`The attribution worker failed: ${event.message}`);
  });
  current.postMessage(request);
}

function cancel(): void {
  worker?.terminate();
  worker = undefined;
  setRunning(false);
  $<HTMLProgressElement>('progress').value = 0;
  $('status').textContent = 'Cancelled.';
  state.status = 'idle';
}

interface Shown {
  readonly html: string;
  readonly view: HeatmapView;
}

/** Each sequence of `result` under the chosen aggregation; empty aggregators give Inseq's default (as the CLI). */
function shownSequences(result: FeatureAttributionOutput): Shown[] {
  const steps = $<HTMLInputElement>('aggregators').value.trim();
  const aggregated =
    steps === ''
      ? result
      : aggregateAttributionScores(result, {
          attributionAggregators: parseAggregationPipeline(steps),
          normalize: $<HTMLInputElement>('normalize').checked,
          rescale: $<HTMLInputElement>('rescale').checked,
          methods: registries.methods,
          registries: { aggregators: registries.aggregators },
        });
  const method = aggregated.info.attribution_method;
  const options = { aggregateFn: defaultAggregationFunction(typeof method === 'string' ? method : undefined) };
  return aggregated.sequence_attributions.map((sequence, i) => ({
    html: renderSequenceHtml(sequence, { ...options, heading: `Sequence ${i + 1} of ${aggregated.sequence_attributions.length}` }),
    view: buildHeatmapView(sequence, options),
  }));
}

/**
 * Gives every heatmap score cell its exact value in `data-value` (the drawn text is rounded), for
 * scripts and the browser test; the cells are in `view.values` order, the step scores excluded.
 */
function markValues(container: Element, view: HeatmapView): void {
  const rows = container.querySelectorAll('table.heatmap > tbody:not(.step-scores) > tr');
  rows.forEach((row, r) => {
    row.querySelectorAll('td').forEach((cell, c) => {
      cell.dataset.value = String(view.values[r][c]);
    });
  });
}

function render(): void {
  if (output === undefined) return;
  try {
    const shown = shownSequences(output);
    detachViz?.();
    const results = $('results');
    results.innerHTML = shown.map(({ html }, i) => `<div data-sequence="${i}">${html}</div>`).join('');
    for (const [i, { view }] of shown.entries()) markValues(results.querySelector(`[data-sequence="${i}"]`)!, view);
    detachViz = attachVizBehaviour(results);
    state.views = shown.map(({ view }) => view.values);
    $('error').textContent = '';
    state.status = 'done';
  } catch (error) {
    showError((error as Error).message);
  }
}

function show(result: FeatureAttributionOutput): void {
  output = result;
  for (const id of ['download-json', 'download-inseq', 'download-html']) $<HTMLButtonElement>(id).disabled = false;
  render();
}

/**
 * Opens a dropped or picked attribution file through core's limited reader: the File itself is
 * handed over, so its size is checked before it is read and gzip is inflated as a stream that stops
 * at the limit (512 MiB; a bomb or gzip inside gzip ends in a message, not a dead tab).
 */
async function openSaved(file: File): Promise<void> {
  try {
    show(await outputFromBytes(file, { name: file.name, raiseHint: 'this page cannot; read it in Node with loadOutput(path, { maxBytes })' }));
    $('status').textContent = `Opened ${file.name}.`;
  } catch (error) {
    showError(`Could not open ${file.name}: ${(error as Error).message}`);
  }
}

function pickFolder(picked: PickedFolder): void {
  folder = picked;
  (document.querySelector('input[name="model-source"][value="folder"]') as HTMLInputElement).checked = true;
  showSourceFields();
  $('folder-summary').textContent = `${picked.name}: ${Object.keys(picked.files).sort().join(', ')}`;
}

function showSourceFields(): void {
  const kind = (document.querySelector('input[name="model-source"]:checked') as HTMLInputElement).value;
  $('folder-source').hidden = kind !== 'folder';
  $('url-source').hidden = kind !== 'url';
  $('hub-source').hidden = kind !== 'hub';
}

/** Fills the shipped-model select from `models/index.json` (the build lists every folder of `models/`). */
async function loadShippedModels(): Promise<void> {
  const url = new URL('models/index.json', document.baseURI).href;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: the build lists the shipped models there.`);
  const shipped = parseShippedModels(await response.json(), url);
  fillSelect($('shipped-model'), shipped.models, shipped.default);
}

/** Which `showExamples` call is current: a later model choice makes earlier answers stale. */
let examplesRequest = 0;

/**
 * Shows the prepared examples of the selected shipped model (`examples.json` in its folder): a
 * button each. No file hides the menu; a malformed one shows why.
 */
async function showExamples(): Promise<void> {
  const request = ++examplesRequest;
  const name = $<HTMLSelectElement>('shipped-model').value;
  const url = new URL(`models/${name}/examples.json`, document.baseURI).href;
  let examples: PreparedExample[] = [];
  let error = '';
  try {
    const response = await fetch(url);
    if (response.ok) examples = parsePreparedExamples(await response.json(), url, registries.methods.list());
    else if (response.status !== 404) error = `GET ${url} answered ${response.status} ${response.statusText}.`;
  } catch (caught) {
    error = `Could not read the prepared examples: ${(caught as Error).message}`;
  }
  if (request !== examplesRequest) return;
  state.shippedModel = name;
  state.examples = examples.map((example) => example.label);
  $('examples-model').textContent = name;
  $('examples-error').textContent = error;
  $('example-buttons').replaceChildren(
    ...examples.map((example) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = example.label;
      button.title = `${example.phenomenon ? `${example.phenomenon}: ` : ''}${example.prompt} (${example.method})`;
      button.addEventListener('click', () => runExample(example));
      return button;
    }),
  );
  $('examples').hidden = examples.length === 0 && error === '';
}

/** Fills the form with `example` on the shipped model and attributes it. */
function runExample(example: PreparedExample): void {
  (document.querySelector('input[name="model-source"][value="shipped"]') as HTMLInputElement).checked = true;
  showSourceFields();
  $<HTMLInputElement>('input-text').value = example.prompt;
  $<HTMLInputElement>('generated-text').value = forcedText(example) ?? '';
  $<HTMLSelectElement>('method').value = example.method;
  describeMethod();
  $<HTMLInputElement>('method-options').value = JSON.stringify(example.attributionArgs ?? {});
  syncFormFromJson();
  startAttribution();
}

async function start(): Promise<void> {
  document.head.append(Object.assign(document.createElement('style'), { textContent: vizStyles }));
  fillSelect($('method'), registries.methods.list(), 'integrated_gradients');
  fillSelect($('attributed-fn'), registries.stepFunctions.list(), 'probability');
  stepScoreBoxes();
  describeMethod();
  $('method').addEventListener('change', () => {
    $<HTMLInputElement>('method-options').value = '{}'; // another method: its own options
    describeMethod();
  });
  $('method-options').addEventListener('input', syncFormFromJson);
  for (const radio of document.querySelectorAll('input[name="model-source"]')) radio.addEventListener('change', showSourceFields);
  $<HTMLInputElement>('folder-input').addEventListener('change', (event) => {
    const files = (event.target as HTMLInputElement).files;
    if (files && files.length > 0) pickFolder(folderFromInput(files));
  });
  const drop = $('drop-zone');
  document.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  document.addEventListener('dragleave', () => drop.classList.remove('over'));
  document.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    if (event.dataTransfer) folderFromDrop(event.dataTransfer).then(pickFolder, (error) => showError(`Could not read the dropped folder: ${error}`));
  });
  $('shipped-model').addEventListener('change', () => {
    (document.querySelector('input[name="model-source"][value="shipped"]') as HTMLInputElement).checked = true;
    showSourceFields();
    showExamples();
  });
  $('attribute').addEventListener('click', startAttribution);
  $('cancel').addEventListener('click', cancel);
  for (const id of ['aggregators', 'normalize', 'rescale']) $(id).addEventListener('change', render);
  const downloads: [string, DownloadKind][] = [
    ['download-json', 'inseq-ts'],
    ['download-inseq', 'inseq-python'],
    ['download-html', 'html'],
  ];
  for (const [id, kind] of downloads) {
    $(id).addEventListener('click', () => {
      if (output) downloadOutput(output, kind).catch((error) => showError(String(error)));
    });
  }
  $<HTMLInputElement>('open-json').addEventListener('change', (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file) openSaved(file);
  });

  await loadShippedModels();
  await showExamples();
  state.engines = await probeEngines();
  const select = $<HTMLSelectElement>('engine');
  select.replaceChildren(
    ...state.engines.map((engine) => {
      const option = new Option(engine.unavailable ? `${engine.label} — ${engine.unavailable}` : engine.label, engine.id);
      option.disabled = engine.unavailable !== undefined;
      return option;
    }),
  );
  select.value = state.engines.find((engine) => engine.unavailable === undefined)?.id ?? 'tfjs:cpu';
  state.status = 'idle';
}

start().catch((error) => showError(`The page did not start: ${(error as Error).message}`));
