import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
	appUrlFor,
	dropSchema,
	migrate,
	supabaseDir,
	withDatabase
} from '../../src/lib/server/db/setup.js';
import { closePool } from '$lib/server/db';
import * as accounts from '$lib/server/auth/accounts';
import { validateSessionToken } from '$lib/server/auth/session';
import * as chat from '$lib/server/chat';
import * as courses from '$lib/server/courses';
import * as enrolments from '$lib/server/enrolments';
import * as groups from '$lib/server/groups';
import * as memberships from '$lib/server/memberships';
import * as organisations from '$lib/server/organisations';
import { resetTransport } from '$lib/server/email';
import { closeAdmin } from './helpers';
import { signUpThroughLink } from './signup-link';
import { startSink } from './smtp-sink';

// A Supabase project created without default privileges for new objects (the CLI's default for
// new projects): nothing the migrations create is granted to anon, authenticated or
// service_role unless the migrations say so. Plain Postgres with the shim applied, then every
// default privilege taken back, then the migrations, then the app: everything it needs must be
// granted explicitly.

const serverUrl = inject('pgServerUrl');
const appPassword = inject('appPassword');
const database = `nodefaults_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const adminUrl = withDatabase(serverUrl, database);
let owner: postgres.Sql;
const previousAppUrl = process.env.TESSERA_APP_DATABASE_URL;
const previousAdminUrl = process.env.TESSERA_TEST_ADMIN_URL;

const API_DEFAULTS = `
	select coalesce(array_agg(format('%s in %s on %s: %s', defaclrole::regrole, case when defaclnamespace = 0 then 'every schema' else defaclnamespace::regnamespace::text end,
	                                 defaclobjtype, defaclacl::text) order by 1), '{}') as defaults
	from pg_default_acl`;

let sink: Awaited<ReturnType<typeof startSink>>;

beforeAll(async () => {
	sink = await startSink();
	process.env.SMTP_URL = `smtp://127.0.0.1:${sink.port}`;
	resetTransport();
	const server = postgres(serverUrl, { max: 1, onnotice: () => {} });
	await server.unsafe(`create database ${database}`);
	await server.end();
	owner = postgres(adminUrl, { max: 2, onnotice: () => {} });
	await owner.unsafe(readFileSync(path.join(supabaseDir, 'bootstrap/supabase-shim.sql'), 'utf8'));
	await owner.unsafe(`
		alter default privileges in schema public revoke all on tables from anon, authenticated, service_role;
		alter default privileges in schema public revoke all on sequences from anon, authenticated, service_role;
		alter default privileges in schema public revoke all on functions from anon, authenticated, service_role;
		-- Postgres's own default, EXECUTE for everyone, goes too: every function grant must be written.
		alter default privileges revoke execute on functions from public;`);
	const [{ defaults }] = await owner.unsafe(API_DEFAULTS);
	expect(defaults).toEqual(['postgres in every schema on f: {postgres=X/postgres}']);
	// The shim is there, so the runner applies only the migrations.
	await migrate(adminUrl, { appPassword });
	await closePool();
	process.env.TESSERA_APP_DATABASE_URL = appUrlFor(adminUrl, appPassword);
	process.env.TESSERA_TEST_ADMIN_URL = adminUrl;
	await closeAdmin();
});

afterAll(async () => {
	delete process.env.SMTP_URL;
	resetTransport();
	await sink?.close();
	await closePool();
	await closeAdmin();
	process.env.TESSERA_APP_DATABASE_URL = previousAppUrl;
	process.env.TESSERA_TEST_ADMIN_URL = previousAdminUrl;
	await owner?.end();
	const server = postgres(serverUrl, { max: 1, onnotice: () => {} });
	await server.unsafe(`drop database if exists ${database} with (force)`);
	await server.end();
});

const PASSWORD = 'Quartz-lantern-harbour-91';

describe('a database without default privileges', () => {
	it('signs people up and in, and runs the API for an admin and a learner', async () => {
		const tag = randomUUID().slice(0, 8);
		const admin = await accounts.createAdmin({
			email: `admin-${tag}@example.test`,
			displayName: 'First Admin',
			password: PASSWORD
		});
		const signedUp = await signUpThroughLink(sink.inbox, {
			email: `learner-${tag}@example.test`,
			displayName: 'New Learner',
			password: PASSWORD
		});
		expect(signedUp.user.displayName).toBe('New Learner');
		const signedIn = await accounts.signIn(
			{ email: `learner-${tag}@example.test`, password: PASSWORD },
			'198.51.100.7'
		);
		const { user: learner } = await validateSessionToken(signedIn.token);
		expect(learner?.id).toBe(signedUp.user.id);

		const asAdmin = { id: admin.id, email: admin.email };
		const organisation = await organisations.create(asAdmin, {
			name: `Harbour College ${tag}`,
			slug: `harbour-${tag}`
		});
		const course = await courses.create(asAdmin, organisation.id, {
			code: `SEA${tag}`,
			name: 'Sea shanties'
		});
		await enrolments.enrolUsers(asAdmin, course.id, { userIds: [learner!.id] });
		const group = await groups.create(asAdmin, {
			scope: 'course',
			courseId: course.id,
			name: 'Tutorial A'
		});
		await memberships.add(asAdmin, group.id, { userIds: [learner!.id] });

		const asLearner = { id: learner!.id, email: learner!.email };
		expect((await groups.get(asLearner, group.id)).name).toBe('Tutorial A');
		const roster = await memberships.list(asLearner, group.id);
		expect(JSON.stringify(roster)).toContain('New Learner');
		const channel = (await chat.listChannels(asLearner, group.id)).find(
			(candidate) => candidate.kind === 'chat'
		)!;
		const { message } = await chat.send(asLearner, {
			channelId: channel.id,
			clientId: randomUUID(),
			body: 'Hello, tutorial A'
		});
		const { messages } = await chat.history(asAdmin, { channelId: channel.id });
		expect(messages.map((m) => [m.id, m.body])).toEqual([[message.id, 'Hello, tutorial A']]);
	});

	it('keeps the grants the migrations wrote, and nothing else, through a db:reset', async () => {
		const grants = () =>
			owner.unsafe(`
				select c.relname, c.relacl::text from pg_class c
				where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' order by 1`);
		const [{ defaults: before }] = await owner.unsafe(API_DEFAULTS);
		const [schemaBefore] =
			await owner`select nspowner::regrole::text as owner, nspacl::text as acl from pg_namespace where nspname = 'public'`;
		const tablesBefore = await grants();
		await closePool();
		await dropSchema(adminUrl);
		const [{ count }] =
			await owner`select count(*)::int from pg_class where relnamespace = 'public'::regnamespace`;
		expect(count).toBe(0);
		const [{ defaults: after }] = await owner.unsafe(API_DEFAULTS);
		expect(after).toEqual(before);
		const [schemaAfter] =
			await owner`select nspowner::regrole::text as owner, nspacl::text as acl from pg_namespace where nspname = 'public'`;
		expect(schemaAfter).toEqual(schemaBefore);
		await migrate(adminUrl, { appPassword });
		expect(await grants()).toEqual(tablesBefore);
	});
});
