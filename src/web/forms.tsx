// Form pieces the account pages share: the CSRF field, a labelled input whose
// error sits right under it (and is announced with it), and how a service's
// ApiError becomes words next to the field that caused it.
import type { Child } from 'hono/jsx';
import type { z } from 'zod';
import { ApiError } from '../errors';
import { fieldErrors } from '../router';

export type Errors = Record<string, string>;

export function Csrf(props: { token: string }) {
  return <input type="hidden" name="csrf" value={props.token} />;
}

export function Field(props: {
  name: string;
  label: string;
  type?: string;
  value?: string;
  errors?: Errors;
  hint?: Child;
  autocomplete?: string;
  required?: boolean;
  id?: string;
}) {
  const id = props.id ?? `f-${props.name}`;
  const error = props.errors?.[props.name];
  const described = [props.hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div class={`field${error ? ' has-error' : ''}`}>
      <label for={id}>{props.label}</label>
      {props.hint ? (
        <p class="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      ) : null}
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value ?? ''}
        autocomplete={props.autocomplete}
        required={props.required}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={described || undefined}
      />
      {error ? (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** A page-wide banner, announced when the page loads; nothing when there is no text. */
const Banner = (props: { text?: string; tone: 'danger' | 'ok'; role: 'alert' | 'status' }) =>
  props.text ? (
    <div class={`banner ${props.tone}`} role={props.role}>
      {props.text}
    </div>
  ) : null;

/** A message not tied to one field (or a summary). */
export const FormAlert = (props: { message?: string }) => <Banner text={props.message} tone="danger" role="alert" />;

/** A fixed notice chosen by a `?done=` code: no user text ever travels in the URL. */
export const Notice = (props: { text?: string }) => <Banner text={props.text} tone="ok" role="status" />;

/** zod's issues, one message per form field. */
export const zodErrors = (error: z.ZodError): Errors => fieldErrors(error);

/**
 * A refusal from a service, as field errors where it names a field (the
 * API's `details.fields` / `details.field`) and a general message otherwise.
 */
export function serviceErrors(err: unknown, fieldFor: Record<string, string> = {}): { form?: string; fields: Errors } {
  if (!(err instanceof ApiError) || err.status >= 500) throw err;
  const details = err.details as { fields?: Record<string, string>; field?: string; url?: string } | undefined;
  const fields: Errors = {};
  if (details?.fields) for (const [k, v] of Object.entries(details.fields)) fields[fieldFor[k] ?? k] = v;
  if (details?.field) fields[fieldFor[details.field] ?? details.field] = err.message;
  if (typeof details?.url === 'string' && !details.fields) fields.url = err.message;
  return Object.keys(fields).length ? { fields } : { form: err.message, fields };
}

/**
 * A one-button form (revoke, remove, accept...): posts to `action` with this
 * session's CSRF token, any fixed hidden fields, and `children` (extra
 * controls) before the button. Inline unless `block`.
 */
export function ActionForm(props: {
  action: string;
  csrf: string;
  label: Child;
  /** What the button does, for screen readers, when the row around it does not say. */
  ariaLabel?: string;
  primary?: boolean;
  block?: boolean;
  fields?: Record<string, string>;
  children?: Child;
}) {
  return (
    <form class={props.block ? undefined : 'inline-form'} action={props.action} method="post">
      <Csrf token={props.csrf} />
      {Object.entries(props.fields ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      {props.children}
      <button type="submit" class={props.primary ? 'button' : 'button secondary'} aria-label={props.ariaLabel}>
        {props.label}
      </button>
    </form>
  );
}

/** The tabs of a settings area (account, a package's settings), the page's notice, and the open tab's panel. */
export function TabPanel<T extends string>(props: {
  label: string;
  tabs: [T, string, string][];
  current: T;
  notice?: string;
  children: Child;
}) {
  return (
    <>
      <nav class="tabs" aria-label={props.label}>
        {props.tabs.map(([tab, label, href]) => (
          <a href={href} aria-current={tab === props.current ? 'page' : undefined}>
            {label}
          </a>
        ))}
      </nav>
      <Notice text={props.notice} />
      <div class="tab-panel">{props.children}</div>
    </>
  );
}

/** A form of fields: its error above it, this session's CSRF token, then the fields and button given. */
export function StackForm(props: { action: string; csrf: string; error?: string; children: Child }) {
  return (
    <>
      <FormAlert message={props.error} />
      <form class="stack-form narrow" action={props.action} method="post" novalidate>
        <Csrf token={props.csrf} />
        {props.children}
      </form>
    </>
  );
}

/** Checkboxes sharing one name (a list field), with the field's error under them. */
export function Checkboxes<T extends string>(props: {
  name: string;
  legend: string;
  options: readonly T[];
  checked: readonly string[];
  errors: Errors;
  hint?: Child;
  help?: (option: T) => Child;
}) {
  const error = props.errors[props.name];
  const errorId = `${props.name}-error`;
  return (
    <fieldset class={error ? 'has-error' : undefined} aria-describedby={error ? errorId : undefined}>
      <legend>{props.legend}</legend>
      {props.hint ? <p class="hint">{props.hint}</p> : null}
      {props.options.map((option) => (
        <label class="check">
          <input type="checkbox" name={props.name} value={option} checked={props.checked.includes(option)} /> {option}
          {props.help ? (
            <>
              {' '}
              <span class="muted">— {props.help(option)}</span>
            </>
          ) : null}
        </label>
      ))}
      {error ? (
        <p class="field-error" id={errorId}>
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
