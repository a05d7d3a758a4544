// Counts the SQL statements Postgres executed per request, from
// pg_stat_statements (the bench starts Postgres with it preloaded). For the
// single-statement reads this is the number of database round trips.
import pg from 'pg';

// The flush transaction's statements (and its BEGIN/COMMIT, which single-statement reads never send).
const FLUSH_PATTERN = '^(begin|commit|rollback)|download_flushes|insert into version_downloads';

export class StatementCounter {
  private readonly client: pg.Client;

  private constructor(client: pg.Client) {
    this.client = client;
  }

  static async connect(databaseUrl: string): Promise<StatementCounter> {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query('create extension if not exists pg_stat_statements');
    return new StatementCounter(client);
  }

  async reset(): Promise<void> {
    await this.client.query('select pg_stat_statements_reset()');
  }

  /**
   * Statements run since reset(), excluding this counter's own and the
   * DownloadCounter's batched flushes, which run on an alarm rather than on the
   * request path (counted separately by flushStatements()).
   */
  async count(): Promise<number> {
    const { rows } = await this.client.query<{ n: string | null }>(
      `select sum(calls)::bigint as n from pg_stat_statements
       where query not ilike '%pg_stat_statements%' and query !~* $1
         and dbid = (select oid from pg_database where datname = current_database())`,
      [FLUSH_PATTERN],
    );
    return Number(rows[0]?.n ?? 0);
  }

  close(): Promise<void> {
    return this.client.end();
  }
}
