// Sign in and sign up: plain HTML forms that work without JavaScript.
import type { Child } from 'hono/jsx';
import { type Errors, Field, FormAlert } from '../../forms';
import { Layout } from '../../layout';

const EMAIL = { name: 'email', label: 'Email', type: 'email', autocomplete: 'email', required: true };
const PASSWORD = { name: 'password', label: 'Password', type: 'password', required: true };

/** What both forms share: the title, the form's error, the return path, and the way to the other form. */
function EntryPage(props: {
  title: string;
  action: string;
  next: string;
  error?: string;
  submit: string;
  other: Child;
  children: Child;
}) {
  return (
    <Layout title={props.title} headerSearch={false}>
      <section class="narrow" aria-labelledby="page-title">
        <h1 id="page-title">{props.title}</h1>
        <FormAlert message={props.error} />
        <form class="stack-form" action={props.action} method="post" novalidate>
          <input type="hidden" name="next" value={props.next} />
          {props.children}
          <button type="submit" class="button">
            {props.submit}
          </button>
        </form>
        <p>{props.other}</p>
      </section>
    </Layout>
  );
}

export function SignInPage(props: { next: string; email?: string; errors?: Errors; error?: string }) {
  const other = (
    <>
      New here? <a href={`/register?next=${encodeURIComponent(props.next)}`}>Create an account</a>
    </>
  );
  return (
    <EntryPage title="Sign in" action="/login" next={props.next} error={props.error} submit="Sign in" other={other}>
      <Field {...EMAIL} value={props.email} errors={props.errors} />
      <Field {...PASSWORD} errors={props.errors} autocomplete="current-password" />
    </EntryPage>
  );
}

export function RegisterPage(props: {
  next: string;
  values?: { username?: string; email?: string };
  errors?: Errors;
  error?: string;
}) {
  const other = (
    <>
      Already have an account? <a href={`/login?next=${encodeURIComponent(props.next)}`}>Sign in</a>
    </>
  );
  return (
    <EntryPage
      title="Create an account"
      action="/register"
      next={props.next}
      error={props.error}
      submit="Create account"
      other={other}
    >
      <Field
        name="username"
        label="Username"
        value={props.values?.username}
        errors={props.errors}
        autocomplete="username"
        hint="1 to 32 lowercase letters, digits or hyphens. It is public."
        required
      />
      <Field {...EMAIL} value={props.values?.email} errors={props.errors} hint="Never shown to anyone else." />
      <Field
        {...PASSWORD}
        errors={props.errors}
        autocomplete="new-password"
        hint="At least 8 characters; not a common password."
      />
    </EntryPage>
  );
}
