import { json } from '@sveltejs/kit';
import { asService } from '$lib/server/db';

/** Reports the app and the database; 503 when the database does not answer. */
export async function GET() {
	const started = performance.now();
	try {
		const [row] = await asService(
			(tx) => tx<{ version: string; migration: string | null }[]>`
			select current_setting('server_version') as version,
			       (select max(version) from supabase_migrations.schema_migrations) as migration`
		);
		return json({
			status: 'ok',
			app: { uptimeSeconds: Math.round(process.uptime()) },
			database: {
				status: 'ok',
				version: row.version,
				migration: row.migration,
				latencyMs: Math.round(performance.now() - started)
			}
		});
	} catch {
		return json(
			{
				status: 'degraded',
				app: { uptimeSeconds: Math.round(process.uptime()) },
				database: { status: 'unreachable' }
			},
			{ status: 503 }
		);
	}
}
