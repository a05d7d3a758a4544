// Sign in and sign up: plain HTML forms that work without JavaScript.
import { type Errors, Field, FormAlert } from '../../forms';
import { Layout } from '../../layout';

export function SignInPage(props: { next: string; email?: string; errors?: Errors; error?: string }) {
  return (
    <Layout title="Sign in" headerSearch={false}>
      <section class="narrow" aria-labelledby="page-title">
        <h1 id="page-title">Sign in</h1>
        <FormAlert message={props.error} />
        <form class="stack-form" action="/login" method="post" novalidate>
          <input type="hidden" name="next" value={props.next} />
          <Field
            name="email"
            label="Email"
            type="email"
            value={props.email}
            errors={props.errors}
            autocomplete="email"
            required
          />
          <Field
            name="password"
            label="Password"
            type="password"
            errors={props.errors}
            autocomplete="current-password"
            required
          />
          <button type="submit" class="button">
            Sign in
          </button>
        </form>
        <p>
          New here? <a href={`/register?next=${encodeURIComponent(props.next)}`}>Create an account</a>
        </p>
      </section>
    </Layout>
  );
}

export function RegisterPage(props: {
  next: string;
  values?: { username?: string; email?: string };
  errors?: Errors;
  error?: string;
}) {
  return (
    <Layout title="Create an account" headerSearch={false}>
      <section class="narrow" aria-labelledby="page-title">
        <h1 id="page-title">Create an account</h1>
        <FormAlert message={props.error} />
        <form class="stack-form" action="/register" method="post" novalidate>
          <input type="hidden" name="next" value={props.next} />
          <Field
            name="username"
            label="Username"
            value={props.values?.username}
            errors={props.errors}
            autocomplete="username"
            hint="1 to 32 lowercase letters, digits or hyphens. It is public."
            required
          />
          <Field
            name="email"
            label="Email"
            type="email"
            value={props.values?.email}
            errors={props.errors}
            autocomplete="email"
            hint="Never shown to anyone else."
            required
          />
          <Field
            name="password"
            label="Password"
            type="password"
            errors={props.errors}
            autocomplete="new-password"
            hint="At least 8 characters; not a common password."
            required
          />
          <button type="submit" class="button">
            Create account
          </button>
        </form>
        <p>
          Already have an account? <a href={`/login?next=${encodeURIComponent(props.next)}`}>Sign in</a>
        </p>
      </section>
    </Layout>
  );
}
