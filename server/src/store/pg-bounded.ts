// The pg pool the store's queries run on, bounded (issue 14): every query and new connection fails within the bound
// with an error that says so, counted, and a statement that ran past the bound leaves no busy connection behind
// for the next query (pg's query_timeout only stops waiting on the client: the statement goes on, the connection
// stays busy, and pg-pool hands it to the next query first).
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';

/** What a query that timed out fails with (its message starts so, then the statement's first words). */
export const QUERY_TIMEOUT_MESSAGE = 'PostgreSQL did not answer within';

export interface QueryBound {
  /** the longest a query, or taking a connection, may wait for an answer */
  ms: number;
  /** hears each query, or connection, that timed out */
  onTimeout?: () => void;
  /** hears a connection the server or the network ended while a query or transaction held it (then closed) */
  onLost?: (err: Error) => void;
}

/**
 * The server's own bound, a tenth under the client's: when PostgreSQL is reachable and a statement waits (a lock,
 * a slow plan), the server cancels it and answers before the client gives up, so the connection is free again at
 * once and a write reported as failed cannot land later (after the lock it waited for is let go).
 */
export function statementTimeoutMs(boundMs: number): number {
  return Math.max(1, Math.floor(boundMs * 0.9));
}

const READ_TIMEOUT = 'Query read timeout'; // pg's query_timeout
// pg-pool's connectionTimeoutMillis: waiting for a connection of a full pool, or opening a new one
const CONNECT_TIMEOUTS = ['timeout exceeded when trying to connect', 'Connection terminated due to connection timeout'];
const QUERY_CANCELED = '57014'; // SQLSTATE of a statement cancelled (statement_timeout, or a cancel request)

function firstWords(text: string): string {
  return text.trimStart().split(/\s+/).slice(0, 3).join(' ');
}

/**
 * `pool` (made with query_timeout and connectionTimeoutMillis of `bound.ms`) as kysely's PostgresPool. Each new
 * connection first sets statement_timeout and idle_in_transaction_session_timeout (set_config, not startup
 * parameters, so a pooler in session mode passes them). The second is for a link that dies inside a transaction:
 * the server never hears the client close, and the session would sit in its transaction with its locks (the lease
 * row a core write reads FOR SHARE, which every takeover then waits on) until TCP keepalive gives up, hours later;
 * a live transaction of the store idle that long between statements could not serve the core's deadline either.
 * A connection whose query the client gave up on (no answer within the bound: a link that drops packets, a server
 * that stopped answering; a server-side timeout cannot help there, its answer is lost too) is closed when released,
 * never handed to another query; its transaction's rollback is not sent (the server rolls back a closed session), so
 * a transaction fails at its statement's bound with that statement's error, not one bound later at the rollback's.
 */
export function boundedPool(pool: pg.Pool, bound: QueryBound): PostgresPool {
  const serverMs = statementTimeoutMs(bound.ms);
  const prepared = new WeakSet<pg.PoolClient>();
  const timedOut = (err: Error, what: string): Error => {
    err.message = `${QUERY_TIMEOUT_MESSAGE} ${bound.ms} ms (${what})`;
    bound.onTimeout?.();
    return err;
  };

  const checkOut = async (): Promise<pg.PoolClient> => {
    try {
      return await pool.connect();
    } catch (err) {
      if (err instanceof Error && CONNECT_TIMEOUTS.includes(err.message)) throw timedOut(err, `connecting; pg: ${err.message}`);
      throw err;
    }
  };

  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await checkOut();
      /** the first words of the query this client gave up on; set, the connection is closed on release */
      let abandoned: string | null = null;
      // pg-pool listens for a connection's errors only while it is idle: one the server ends between two statements
      // of a transaction (a restart, pg_terminate_backend, a failover) emitted 'error' with no listener, which threw
      // out of the socket's handler and ended the process. Heard here, its next query fails and release closes it.
      let lost: Error | null = null;
      const onError = (err: Error) => {
        lost ??= err;
        bound.onLost?.(err);
      };
      client.on('error', onError);

      const run = async <R>(text: string, params: readonly unknown[]): Promise<PostgresQueryResult<R>> => {
        if (abandoned !== null) {
          // the connection is closed on release: that is the rollback (kysely reads `command` only for a write's count)
          if (/^\s*rollback\s*$/i.test(text)) return { command: 'SELECT', rowCount: 0, rows: [] };
          throw new Error(
            `PostgreSQL connection given up: ${abandoned} ... did not answer on it within ${bound.ms} ms (${firstWords(text)} ... not sent)`,
          );
        }
        const started = performance.now();
        try {
          return (await client.query(text, [...params])) as unknown as PostgresQueryResult<R>;
        } catch (err) {
          if (!(err instanceof Error)) throw err;
          if (err.message === READ_TIMEOUT) {
            abandoned = firstWords(text);
            throw timedOut(err, `${abandoned} ...; pg: ${err.message}`);
          }
          // the server's statement_timeout (a cancel request from elsewhere comes before it, and is not a timeout)
          if ((err as { code?: unknown }).code === QUERY_CANCELED && performance.now() - started >= serverMs)
            throw timedOut(err, `${firstWords(text)} ...; cancelled by PostgreSQL at its statement_timeout of ${serverMs} ms`);
          throw err;
        }
      };

      const wrapped = {
        query: run as PostgresPoolClient['query'],
        release(): void {
          client.off('error', onError);
          // with an Error pg-pool closes the connection instead of keeping it for the next query
          client.release(abandoned !== null ? new Error(`${abandoned} ... did not answer within ${bound.ms} ms`) : (lost ?? undefined));
        },
      };
      if (!prepared.has(client)) {
        try {
          await run(
            `select set_config('statement_timeout', '${serverMs}', false), set_config('idle_in_transaction_session_timeout', '${bound.ms}', false)`,
            [],
          );
        } catch (err) {
          client.off('error', onError);
          client.release(true); // not prepared: never handed out
          throw err;
        }
        prepared.add(client);
      }
      return wrapped;
    },
    end: () => pool.end(),
  };
}
