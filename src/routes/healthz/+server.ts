import { json } from '@sveltejs/kit';
import { asService } from '$lib/server/db';
import { listenerState } from '$lib/server/db/listen';

/** A health check answers in this time whatever the database does. */
const CHECK_TIMEOUT_MS = 1500;

async function checkDatabase() {
	const started = performance.now();
	let timer: ReturnType<typeof setTimeout> | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS);
	});
	try {
		const [row] = await Promise.race([
			asService(
				(tx) => tx<{ version: string; migration: string | null }[]>`
				select current_setting('server_version') as version,
				       (select max(version) from supabase_migrations.schema_migrations) as migration`
			),
			timeout
		]);
		return {
			status: 'ok' as const,
			version: row.version,
			migration: row.migration,
			latencyMs: Math.round(performance.now() - started)
		};
	} catch {
		return { status: 'unreachable' as const };
	} finally {
		clearTimeout(timer);
	}
}

/**
 * Reports the app and what it depends on: the database (a query), and the LISTEN connection that
 * carries new messages and membership changes to sockets. 503 names what is down.
 */
export async function GET() {
	const database = await checkDatabase();
	const listener = listenerState();
	const down = [
		...(database.status === 'ok' ? [] : ['database']),
		...(listener.status === 'reconnecting' ? ['listener'] : [])
	];
	return json(
		{
			status: down.length === 0 ? 'ok' : 'degraded',
			down,
			app: { uptimeSeconds: Math.round(process.uptime()) },
			database,
			listener
		},
		{ status: down.length === 0 ? 200 : 503, headers: { 'cache-control': 'no-store' } }
	);
}
