/**
 * Form controls with their labels and errors: a field's error sits right under it, is tied to it with
 * aria-describedby, and is listed in a summary at the top that links to the field.
 */
import { ValidationError } from '../validation.js';
import { html, type Html } from './html.js';

/** Error messages by field name. */
export type FormErrors = Record<string, string>;

/** Runs a change; a ValidationError becomes the errors to show, anything else propagates. */
export async function attempt(change: () => Promise<unknown>): Promise<FormErrors | null> {
  try {
    await change();
    return null;
  } catch (e) {
    if (e instanceof ValidationError) return { [e.field]: e.message };
    throw e;
  }
}

export const errorId = (name: string): string => `${name}-error`;

export function fieldError(errors: FormErrors, name: string): Html | '' {
  const msg = errors[name];
  return msg ? html`<p class="error" id="${errorId(name)}">${msg}</p>` : '';
}

function invalidAttrs(errors: FormErrors, name: string): Html | '' {
  return errors[name] ? html` aria-invalid="true" aria-describedby="${errorId(name)}"` : '';
}

export interface InputOptions {
  name: string;
  label: string;
  value?: string;
  type?: 'text' | 'password';
  autocomplete?: string;
  required?: boolean;
  autofocus?: boolean;
  hint?: string;
}

export function input(o: InputOptions, errors: FormErrors): Html {
  const hintId = `${o.name}-hint`;
  return html`<div class="field">
<label for="${o.name}">${o.label}</label>
${o.hint ? html`<p class="hint" id="${hintId}">${o.hint}</p>` : ''}
<input id="${o.name}" name="${o.name}" type="${o.type ?? 'text'}" value="${o.value ?? ''}"${o.autocomplete ? html` autocomplete="${o.autocomplete}"` : ''}${o.required ? html` required` : ''}${o.autofocus ? html` autofocus` : ''}${errors[o.name] ? invalidAttrs(errors, o.name) : o.hint ? html` aria-describedby="${hintId}"` : ''}>
${fieldError(errors, o.name)}
</div>`;
}

export function select(o: { name: string; label: string; value: string; options: { value: string; label: string }[] }, errors: FormErrors): Html {
  return html`<div class="field">
<label for="${o.name}">${o.label}</label>
<select id="${o.name}" name="${o.name}"${invalidAttrs(errors, o.name)}>
${o.options.map((opt) => html`<option value="${opt.value}"${opt.value === o.value ? html` selected` : ''}>${opt.label}</option>`)}
</select>
${fieldError(errors, o.name)}
</div>`;
}

export function checkboxes(o: { name: string; legend: string; hint?: string; values: string[]; options: { value: string; label: string }[] }, errors: FormErrors): Html {
  return html`<fieldset class="field"${errors[o.name] ? html` aria-describedby="${errorId(o.name)}"` : ''}>
<legend>${o.legend}</legend>
${o.hint ? html`<p class="hint">${o.hint}</p>` : ''}
${o.options.map((opt) => html`<div class="check"><input type="checkbox" id="${o.name}-${opt.value}" name="${o.name}" value="${opt.value}"${o.values.includes(opt.value) ? html` checked` : ''}><label for="${o.name}-${opt.value}">${opt.label}</label></div>`)}
${fieldError(errors, o.name)}
</fieldset>`;
}

export const csrfField = (token: string): Html => html`<input type="hidden" name="_csrf" value="${token}">`;

/** The summary at the top of a form that failed; `anchors` maps a field to the control to jump to. */
export function errorSummary(errors: FormErrors, anchors: Record<string, string> = {}): Html | '' {
  const entries = Object.entries(errors);
  if (!entries.length) return '';
  return html`<div class="error-summary" role="alert">
<h2>入力内容を確認してください (please check the form)</h2>
<ul>${entries.map(([name, msg]) => html`<li><a href="#${anchors[name] ?? name}">${msg}</a></li>`)}</ul>
</div>`;
}
