// The schedule editor: Azure ML's {"computeStartStop": [...]} as a form or as pasted JSON, previewed as you
// type (POST /api/preview: each entry's description and next runs, and the draft's week), errors shown at
// the field they point at, saved with If-Match so that nobody's change is overwritten unseen.

import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api.js';
import { EntryForm, entryPointers, newEntry } from './entry-form.js';
import { errorsByField } from './fields.js';
import { formatWhen, ianaZone } from './time.js';
import { WeekView } from './week.js';

/** What the API returns for an entry, less what it adds (description, next occurrences). */
function stored({ description: _d, nextOccurrences: _n, ...entry }) {
  return entry;
}

/** A pasted document: the body itself, an ARM compute's `properties.schedules`, or a bare list of entries. */
export function parseDocument(text) {
  const value = JSON.parse(text);
  if (Array.isArray(value)) return { computeStartStop: value };
  return value?.properties?.schedules ?? value?.schedules ?? value;
}

const PREVIEW_DELAY_IN_MS = 250;

/** Previews `doc` a moment after the last keystroke; only the newest answer is kept. */
function usePreview(doc, jsonError, weekStart) {
  const [preview, setPreview] = useState({ errors: [] });
  useEffect(() => {
    if (jsonError || !doc) return undefined;
    let current = true;
    const timer = setTimeout(async () => {
      // Next runs from now; the draft's week from now (or the week's start, if later) to the week's end.
      const from = Math.max(Date.now(), weekStart);
      const to = Math.max(from + 60_000, weekStart + 7 * 86_400_000);
      const window = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;
      try {
        const { data } = await api(`/preview?count=5&${window}`, { method: 'POST', body: doc });
        if (current) setPreview({ result: data, errors: [] });
      } catch (e) {
        if (current)
          setPreview({ errors: e instanceof ApiError ? problemErrors(e) : [{ reason: String(e) }] });
      }
    }, PREVIEW_DELAY_IN_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [JSON.stringify(doc), jsonError, weekStart]);
  return preview;
}

function problemErrors(error) {
  return error.errors.length > 0 ? error.errors : [{ pointer: '', reason: error.message }];
}

function NextRuns({ result, windowsZones, viewer }) {
  return html`<ol class="preview" aria-label="Preview">
    ${result.computeStartStop.map((entry, i) => {
      const zone = ianaZone((entry.cron ?? entry.recurrence)?.timeZone, windowsZones);
      return html`<li data-preview-entry=${i}>
        <strong>${entry.action}</strong> — <span data-field="description">${entry.description}</span>
        ${entry.status === 'Disabled' ? html` <em>(disabled: never fires)</em>` : null}
        <ul>
          ${entry.nextOccurrences.map((at) => {
            const t = Date.parse(at);
            return html`<li>
              <time datetime=${at}>${formatWhen(t, zone)}</time>
              ${zone === viewer ? null : html` <span class="note">(${formatWhen(t, viewer)} your time)</span>`}
            </li>`;
          })}
        </ul>
      </li>`;
    })}
  </ol>`;
}

function JsonEditor({ text, onChange, errors }) {
  const invalid = errors.length > 0;
  return html`<div class="field">
    <label for="schedule-json"
      >Azure ML schedules JSON (<code>{"computeStartStop": [...]}</code>, or a compute's
      <code>properties.schedules</code>)</label
    >
    <textarea
      id="schedule-json"
      spellcheck="false"
      value=${text}
      onInput=${(e) => onChange(e.currentTarget.value)}
      aria-invalid=${invalid ? 'true' : 'false'}
      aria-describedby=${invalid ? 'schedule-json-error' : undefined}
    ></textarea>
    ${
      invalid
        ? html`<ul class="field-error" id="schedule-json-error">
            ${errors.map((e) => html`<li>${e.pointer ? html`<code>${e.pointer}</code>: ` : null}${e.reason}</li>`)}
          </ul>`
        : null
    }
  </div>`;
}

function FormEditor({ doc, setDoc, errors, revision, defaultZone }) {
  const entries = Array.isArray(doc?.computeStartStop) ? doc.computeStartStop : [];
  const pointers = entries.flatMap((e, i) => [`/computeStartStop/${i}`, ...entryPointers(e, i)]);
  const { byField, rest } = errorsByField(errors, pointers);
  const change = (list) => setDoc({ ...doc, computeStartStop: list });
  return html`<div>
    ${entries.map(
      (entry, i) =>
        html`<${EntryForm}
          key=${`${revision}-${i}-${entry.triggerType}`}
          entry=${entry}
          index=${i}
          onChange=${(e) => change(entries.map((x, j) => (j === i ? e : x)))}
          onRemove=${() => change(entries.filter((_, j) => j !== i))}
          errorsAt=${(p) => byField.get(p) ?? []}
          entryErrors=${(byField.get(`/computeStartStop/${i}`) ?? []).map((reason) => ({ pointer: `entry ${i + 1}`, reason }))}
        />`,
    )}
    ${rest.map((e) => html`<p class="field-error">${e.pointer ? html`<code>${e.pointer}</code>: ` : null}${e.reason}</p>`)}
    <p>
      <button type="button" onClick=${() => change([...entries, newEntry(defaultZone)])}>Add entry</button>
    </p>
  </div>`;
}

/**
 * Edits `target`'s schedule. `schedules` and `etag` are what was read; `onSaved` is told after a save.
 * `weekStart` and `zone` place the draft's week beside the saved one.
 */
export function ScheduleEditor({
  target,
  schedules,
  etag,
  onSaved,
  onReload,
  weekStart,
  windowsZones,
  viewer,
  zone,
}) {
  const initial = { computeStartStop: (schedules?.computeStartStop ?? []).map(stored) };
  const [mode, setMode] = useState('form');
  const [doc, setDoc] = useState(initial);
  const [text, setText] = useState(JSON.stringify(initial, null, 2));
  const [jsonError, setJsonError] = useState();
  const [revision, setRevision] = useState(0);
  const [saveState, setSaveState] = useState({});
  const preview = usePreview(doc, jsonError, weekStart);
  const errors = jsonError ? [{ pointer: '', reason: jsonError }] : (saveState.errors ?? preview.errors);

  const editText = (value) => {
    setText(value);
    try {
      setDoc(parseDocument(value));
      setJsonError(undefined);
    } catch (e) {
      setJsonError(`not JSON yet: ${e.message}`);
    }
    setSaveState({});
  };
  const editDoc = (value) => {
    setDoc(value);
    setText(JSON.stringify(value, null, 2));
    setSaveState({});
  };
  const switchTo = (next) => {
    if (next === 'form') setRevision((r) => r + 1);
    setMode(next);
  };
  const save = async () => {
    setSaveState({ saving: true });
    try {
      const { etag: saved } = await api(`/targets/${target.id}/schedules`, {
        method: 'PUT',
        body: doc,
        headers: etag ? { 'If-Match': etag } : {},
      });
      setSaveState({ message: 'Saved.' });
      onSaved(saved);
    } catch (e) {
      if (e instanceof ApiError && e.status === 412)
        setSaveState({
          conflict: true,
          message:
            'Someone changed this schedule since you opened it. Reload to see their change (yours is lost on reload: copy the JSON first).',
        });
      else
        setSaveState({
          message: 'Not saved: fix the fields marked below.',
          errors: e instanceof ApiError ? problemErrors(e) : [{ reason: String(e) }],
        });
    }
  };
  const canSave = !jsonError && !saveState.saving && preview.errors.length === 0 && preview.result;
  return html`<div class="editor">
    <div class="tabs" role="group" aria-label="Edit as">
      <button type="button" aria-pressed=${mode === 'form'} onClick=${() => switchTo('form')}>Form</button>
      <button type="button" aria-pressed=${mode === 'json'} onClick=${() => switchTo('json')}>JSON</button>
    </div>
    ${
      mode === 'json'
        ? html`<${JsonEditor} text=${text} onChange=${editText} errors=${errors} />`
        : html`<${FormEditor}
            doc=${doc}
            setDoc=${editDoc}
            errors=${errors}
            revision=${revision}
            defaultZone=${viewer}
          />`
    }
    <div class="actions">
      <button type="button" class="primary" disabled=${!canSave} onClick=${save}>Save schedule</button>
      ${saveState.conflict ? html`<button type="button" onClick=${onReload}>Reload</button>` : null}
    </div>
    <p class="status" role="status">${saveState.saving ? 'Saving…' : (saveState.message ?? '')}</p>
    <h3>Preview</h3>
    ${
      preview.result
        ? html`<${NextRuns} result=${preview.result} windowsZones=${windowsZones} viewer=${viewer} />
            <${WeekView}
              timeline=${preview.result.timeline}
              zone=${zone}
              weekStart=${weekStart}
              now=${Date.now()}
              draft
              label="Draft schedule"
            />`
        : html`<p class="note">
            ${errors.length ? 'Fix the fields marked above to see the next runs.' : 'Previewing…'}
          </p>`
    }
  </div>`;
}
