import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as groups from '$lib/server/groups';
import * as invites from '$lib/server/memberships/invites';
import { resetTransport } from '$lib/server/email';
import {
	actor,
	addOrganisationMember,
	createOrganisation,
	createUser,
	ownerDb,
	type TestUser
} from './helpers';

type Received = { to: string[]; raw: string };

/** A real SMTP server in this process: it accepts every message and keeps it. */
function startSink(): Promise<{ port: number; inbox: Received[]; close: () => Promise<void> }> {
	const inbox: Received[] = [];
	const server = new SMTPServer({
		secure: false,
		authOptional: true,
		disabledCommands: ['STARTTLS'],
		onData(stream, session, callback) {
			let raw = '';
			stream.on('data', (chunk) => (raw += chunk.toString()));
			stream.on('end', () => {
				inbox.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
				callback();
			});
		}
	});
	return new Promise((resolve) => {
		server.listen(0, '127.0.0.1', () => {
			const address = server.server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			resolve({ port, inbox, close: () => new Promise((done) => server.close(() => done())) });
		});
	});
}

let sink: Awaited<ReturnType<typeof startSink>>;
let org: { id: string };
let admin: TestUser;

beforeAll(async () => {
	sink = await startSink();
	process.env.SMTP_URL = `smtp://127.0.0.1:${sink.port}`;
	resetTransport();
	org = await createOrganisation();
	admin = await createUser({ name: 'Inès Moreau' });
	await addOrganisationMember(org.id, admin.id, 'admin');
});

afterAll(async () => {
	delete process.env.SMTP_URL;
	resetTransport();
	await sink.close();
});

describe('email invitations', () => {
	it('emails the invited person a link that lets them, and only them, join', async () => {
		const group = await groups.create(actor(admin), {
			organisationId: org.id,
			name: 'Évening <Lab>'
		});
		const invited = await createUser();
		const created = await invites.create(actor(admin), group.id, { email: invited.email }, 'app', {
			origin: 'https://tessera.example'
		});
		expect(created.emailed).toBe(true);
		expect(sink.inbox).toHaveLength(1);
		const [message] = sink.inbox;
		expect(message.to).toEqual([invited.email]);
		const unfolded = message.raw.replace(/=\r?\n/g, '');
		expect(unfolded).toContain(`https://tessera.example/invite/${created.token}`);
		expect(unfolded).toMatch(/^Subject: =\?UTF-8\?/m);
		expect(unfolded).toContain('invited you to join');
		expect(unfolded).not.toContain('<Lab></strong>');
		const token = unfolded.match(/\/invite\/([a-z2-7]+)/)![1];
		await invites.redeem({ id: invited.id, email: invited.email }, token);
		const rows =
			await ownerDb()`select source from public.group_members where group_id = ${group.id} and user_id = ${invited.id}`;
		expect(rows).toEqual([{ source: 'invite' }]);
	});

	it('keeps the invitation when the mail server is down, and says it was not sent', async () => {
		const group = await groups.create(actor(admin), { organisationId: org.id, name: 'Offline' });
		const invited = await createUser();
		process.env.SMTP_URL = 'smtp://127.0.0.1:1';
		resetTransport();
		try {
			const created = await invites.create(
				actor(admin),
				group.id,
				{ email: invited.email },
				'app',
				{ origin: 'https://x.example' }
			);
			expect(created.emailed).toBe(false);
			expect((await invites.peek(created.token)).groupName).toBe('Offline');
		} finally {
			process.env.SMTP_URL = `smtp://127.0.0.1:${sink.port}`;
			resetTransport();
		}
	});
});
