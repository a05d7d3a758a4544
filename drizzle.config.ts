import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes migrations from the schema; `npm run db:migrate`
// applies them to the database in DATABASE_URL (Neon in production).
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
  dbCredentials: { url: process.env.DATABASE_URL ?? '' },
  strict: true,
  verbose: true,
});
