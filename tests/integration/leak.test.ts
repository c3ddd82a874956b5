import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService, closePool, pool, withUser, type Actor } from '$lib/server/db';
import {
	createCourse,
	createOrganisation,
	createUser,
	enrol,
	ownerDb,
	type TestUser
} from './helpers';

// Few connections and many transactions, so every connection serves many users in turn: any claim
// or role left behind on a connection would show up in someone else's answer.
const POOL_SIZE = 3;
const USERS = 20;
const CALLS = 400;

type Person = { user: TestUser; courses: string[] };
let people: Person[];
let allCourses: string[];

beforeAll(async () => {
	// The pool is created on first use; start this file with a small one.
	await closePool();
	process.env.DATABASE_POOL_SIZE = String(POOL_SIZE);
	const organisation = await createOrganisation();
	const courses = await Promise.all(
		Array.from({ length: 10 }, () => createCourse(organisation.id))
	);
	allCourses = courses.map((course) => course.id).sort();
	people = [];
	for (let i = 0; i < USERS; i++) {
		const user = await createUser();
		// Each person sees one or two courses, and no two neighbours see the same set.
		const mine = [courses[i % 10].id, ...(i % 3 === 0 ? [courses[(i + 3) % 10].id] : [])];
		for (const courseId of mine) {
			await enrol(courseId, user.id, i % 4 === 0 ? 'instructor' : 'learner');
		}
		people.push({ user, courses: [...mine].sort() });
	}
});

afterAll(async () => {
	await closePool();
	delete process.env.DATABASE_POOL_SIZE;
});

class Injected extends Error {}

type Seen = { uid: string | null; role: string; claims: string | null; courses: string[] };
type Result = { kind: string; i: number; seen?: Seen; person?: Person };

async function whoAmI(tx: Parameters<Parameters<typeof withUser>[1]>[0]): Promise<Seen> {
	const [me] = await tx<{ uid: string | null; role: string; claims: string | null }[]>`
		select auth.uid()::text as uid, current_user as role, current_setting('request.jwt.claims', true) as claims`;
	// Yield to the event loop between statements so transactions interleave on the pool.
	await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
	const rows = await tx<{ id: string }[]>`select id::text from public.courses order by id`;
	return { ...me, courses: rows.map((row) => row.id).sort() };
}

describe('connection reuse', () => {
	it('never lets claims, role or rows leak between transactions on a shared pool', async () => {
		expect(pool().options.max).toBe(POOL_SIZE);
		const calls = Array.from({ length: CALLS }, (_, i): Promise<Result> => {
			const person = people[i % USERS];
			const actor: Actor = { id: person.user.id, email: person.user.email };
			switch (i % 8) {
				case 0:
					// Throws after a query: the transaction must roll back and leave nothing behind.
					return withUser(actor, async (tx) => {
						await whoAmI(tx);
						throw new Injected(`call ${i}`);
					}).then(
						() => ({ kind: 'unexpected success', i }),
						(error) => ({
							kind: error instanceof Injected ? 'injected' : `wrong error ${error}`,
							i
						})
					);
				case 1:
					// A bad statement aborts the transaction on the server.
					return withUser(actor, async (tx) => {
						await whoAmI(tx);
						await tx`select * from public.no_such_table`;
					}).then(
						() => ({ kind: 'unexpected success', i }),
						(error) => ({ kind: error.code === '42P01' ? 'injected' : `wrong error ${error}`, i })
					);
				case 2:
					// Throws before its first query has come back.
					return withUser(actor, async (tx) => {
						void tx`select pg_sleep(0.001)`.catch(() => {});
						throw new Injected(`call ${i}`);
					}).then(
						() => ({ kind: 'unexpected success', i }),
						(error) => ({
							kind: error instanceof Injected ? 'injected' : `wrong error ${error}`,
							i
						})
					);
				case 3:
					return withUser(null, whoAmI).then((seen) => ({ kind: 'anon', i, seen }));
				case 4:
					return asService(whoAmI).then((seen) => ({ kind: 'service', i, seen }));
				default:
					return withUser(actor, whoAmI).then((seen) => ({ kind: 'user', i, seen, person }));
			}
		});
		const results = await Promise.all(calls);

		const counts: Record<string, number> = {};
		for (const result of results) counts[result.kind] = (counts[result.kind] ?? 0) + 1;
		expect(counts).toEqual({ injected: 150, anon: 50, service: 50, user: 150 });

		for (const result of results) {
			if (result.kind === 'user') {
				const seen = result.seen!;
				const person = result.person;
				expect(seen.uid, `call ${result.i}`).toBe(person!.user.id);
				expect(seen.role).toBe('authenticated');
				expect(JSON.parse(seen.claims!).sub).toBe(person!.user.id);
				expect(seen.courses, `call ${result.i}`).toEqual(person!.courses);
			} else if (result.kind === 'anon') {
				expect(result.seen).toMatchObject({ uid: null, role: 'anon', courses: [] });
			} else if (result.kind === 'service') {
				expect(result.seen).toMatchObject({ uid: null, role: 'service_role' });
				expect(result.seen!.courses).toEqual(allCourses);
			}
		}

		// Every connection of the pool, held at once: no claims, no role, no open transaction.
		const connections = await Promise.all(
			Array.from({ length: POOL_SIZE }, () => pool().reserve())
		);
		try {
			const states = await Promise.all(
				connections.map(async (connection) => {
					// Bare, the login role cannot even reach auth.uid(): it acts only through the API roles.
					const [state] = await connection<
						{ pid: number; claims: string | null; role: string; user: string }[]
					>`
						select pg_backend_pid() as pid, current_setting('request.jwt.claims', true) as claims,
						       current_setting('role') as role, current_user as user`;
					return state;
				})
			);
			expect(new Set(states.map((state) => state.pid)).size).toBe(POOL_SIZE);
			for (const state of states) {
				expect(state.claims ?? '').toBe('');
				expect(state).toMatchObject({ role: 'none', user: 'tessera_app' });
			}
			const activity = await ownerDb()<{ state: string }[]>`
				select state from pg_stat_activity
				where datname = current_database() and application_name = 'tessera' and pid = any(${states.map((s) => s.pid)}::int[])`;
			expect(
				activity.map((row) => row.state).filter((state) => state !== 'idle' && state !== 'active')
			).toEqual([]);
		} finally {
			for (const connection of connections) connection.release();
		}

		const [{ count }] = await ownerDb()`
			select count(*)::int from pg_stat_activity where datname = current_database() and application_name = 'tessera'`;
		expect(count).toBeLessThanOrEqual(POOL_SIZE);
	});

	it('never lets the injected failures write anything', async () => {
		const results = await Promise.allSettled(
			people.map((person) =>
				withUser({ id: person.user.id }, async (tx) => {
					await tx`update public.users set display_name = 'Should not stick' where id = ${person.user.id}`;
					throw new Injected('after a write');
				})
			)
		);
		expect(
			results.every((result) => result.status === 'rejected' && result.reason instanceof Injected)
		).toBe(true);
		const [{ count }] =
			await ownerDb()`select count(*)::int from public.users where display_name = 'Should not stick'`;
		expect(count).toBe(0);
	});

	it('binds claims as data: a hostile email cannot change the role or the user', async () => {
		const person = people[0];
		const email = `x'), set_config('role', 'service_role', false), ('"}`;
		const seen = await withUser({ id: person.user.id, email }, whoAmI);
		expect(seen.uid).toBe(person.user.id);
		expect(seen.role).toBe('authenticated');
		expect(JSON.parse(seen.claims!).email).toBe(email);
		expect(seen.courses).toEqual(person.courses);
	});
});
