// Form fields that show the API's errors where they point: each field has a JSON pointer into the schedule
// document, and an error goes to the field whose pointer is the longest prefix of the error's.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

export const fieldId = (pointer) => `field${pointer.replace(/[^A-Za-z0-9]+/g, '-')}`;

/** Splits errors into those of `pointers` (by field) and the rest. */
export function errorsByField(errors, pointers) {
  const byField = new Map();
  const rest = [];
  for (const error of errors) {
    const at = error.pointer ?? '';
    let best;
    for (const pointer of pointers)
      if ((at === pointer || at.startsWith(`${pointer}/`)) && (!best || pointer.length > best.length))
        best = pointer;
    if (best) byField.set(best, [...(byField.get(best) ?? []), error.reason]);
    else rest.push(error);
  }
  return { byField, rest };
}

/** A labelled control; `errors` are the reasons the API gave for this field. */
export function Field({ label, pointer, errors = [], children }) {
  const id = fieldId(pointer);
  const invalid = errors.length > 0;
  const control = children({
    id,
    'data-pointer': pointer,
    'aria-invalid': invalid ? 'true' : 'false',
    'aria-describedby': invalid ? `${id}-error` : undefined,
  });
  return html`<div class="field">
    <label for=${id}>${label}</label>
    ${control} ${invalid ? html`<p class="field-error" id=${`${id}-error`}>${errors.join('; ')}</p>` : null}
  </div>`;
}

/** Numbers as "8, 12": what is typed stays as typed; what is not a whole number is sent as is, for the API to name. */
export function parseList(text) {
  return text
    .split(/[\s,]+/)
    .filter((t) => t.length > 0)
    .map((t) => (/^-?\d+$/.test(t) ? Number(t) : t));
}

export function ListInput({ value = [], onChange, ...attributes }) {
  const [text, setText] = useState(value.join(', '));
  return html`<input
    ...${attributes}
    value=${text}
    inputmode="numeric"
    onInput=${(e) => {
      setText(e.currentTarget.value);
      onChange(parseList(e.currentTarget.value));
    }}
  />`;
}
