import { readFile } from 'node:fs/promises';
import { expect, test } from './fixtures';
import { ADMIN, browserFor, groupWithLeaderAndMember, LEADER, MEMBER } from './people';

const OUTSIDER = { email: 'elias.byrne1@learners.test', password: 'demo-pass-2026' };

test('two people chat live, see an announcement arrive, and share a file; outsiders get 404', async ({
	browser
}) => {
	const stamp = Date.now().toString(36);
	const groupId = await groupWithLeaderAndMember(browser, `Study circle ${stamp}`);
	const leader = await browserFor(browser, LEADER);
	const member = await browserFor(browser, MEMBER);

	// Both open the group's channels from the group page and land in #general, live.
	for (const page of [leader, member]) {
		await page.goto(`/groups/${groupId}`);
		await page
			.getByRole('navigation', { name: 'Group sections' })
			.getByRole('link', { name: 'Channels' })
			.click();
		await expect(page.getByRole('heading', { level: 2, name: 'general' })).toBeVisible();
		await expect(page.getByTestId('connection-status')).toHaveText('Live');
	}
	await expect(
		leader.getByRole('list', { name: 'Online now' }).getByText(MEMBER.name)
	).toBeVisible();

	// A keyboard user skips the header and the messages straight to the message box.
	await member.getByRole('link', { name: 'Skip to the message box' }).focus();
	await expect(member.getByRole('link', { name: 'Skip to the message box' })).toBeVisible();
	await member.keyboard.press('Enter');
	await expect(member.getByLabel('Message #general')).toBeFocused();

	// The leader writes; the member sees it without reloading, formatted and with no HTML run.
	const leaderLog = leader.getByRole('log', { name: 'Messages in #general' });
	const memberLog = member.getByRole('log', { name: 'Messages in #general' });
	await leader
		.getByLabel('Message #general')
		.fill(`Welcome **everyone** ${stamp} <img src=x onerror=alert(1)>`);
	await leader.getByLabel('Message #general').press('Enter');
	await expect(leaderLog.getByText(`Welcome everyone ${stamp}`, { exact: false })).toBeVisible();
	const welcome = memberLog
		.getByTestId('message-body')
		.filter({ hasText: `Welcome everyone ${stamp}` });
	await expect(welcome).toBeVisible();
	await expect(welcome.locator('strong')).toHaveText('everyone');
	await expect(welcome).toContainText('<img src=x onerror=alert(1)>');
	await expect(memberLog.locator('img')).toHaveCount(0);

	// The leader sees the member typing.
	await member.getByLabel('Message #general').pressSequentially('Than');
	await expect(leader.getByTestId('typing')).toHaveText(`${MEMBER.name} is typing…`);

	// The member answers with a mention; the leader sees it live, and it is read out politely.
	await member.getByLabel('Message #general').fill(`Thanks @${LEADER.name}!`);
	await member.getByRole('button', { name: 'Send' }).click();
	await expect(leaderLog.getByText(`@${LEADER.name}`)).toBeVisible();
	await expect(leader.getByTestId('chat-announcer')).toContainText(`${MEMBER.name}: Thanks`);

	// With the keyboard only, the member reacts to the welcome and edits their own message.
	const welcomeForMember = memberLog.getByTestId('message').filter({ hasText: 'Welcome' });
	await welcomeForMember.getByRole('button', { name: `React to ${LEADER.name}'s message` }).focus();
	await member.keyboard.press('Enter');
	await member.getByRole('button', { name: 'React with 🎉' }).focus();
	await member.keyboard.press('Enter');
	await expect(
		leaderLog
			.getByTestId('message')
			.filter({ hasText: 'Welcome' })
			.getByRole('button', { name: /🎉 1/ })
	).toBeVisible();
	const thanks = memberLog.getByTestId('message').filter({ hasText: 'Thanks' });
	await thanks.getByRole('button', { name: 'Edit your message' }).focus();
	await member.keyboard.press('Enter');
	await expect(member.getByLabel('Edit your message')).toBeFocused();
	await member.keyboard.press('ControlOrMeta+a');
	await member.keyboard.type(`Thanks a lot ${stamp}`);
	await member.keyboard.press('Enter');
	const edited = leaderLog.getByTestId('message').filter({ hasText: `Thanks a lot ${stamp}` });
	await expect(edited).toContainText('(edited)');

	// The leader removes the member's message; it goes for the member too, its place kept. Escape
	// first backs out of the question and gives the focus back to the Delete button.
	const deleteButton = edited.getByRole('button', { name: `Delete ${MEMBER.name}'s message` });
	await deleteButton.click();
	await expect(edited.getByRole('group', { name: 'Confirm delete' })).toBeVisible();
	await leader.keyboard.press('Escape');
	await expect(edited.getByRole('group', { name: 'Confirm delete' })).toHaveCount(0);
	await expect(deleteButton).toBeFocused();
	await leader.keyboard.press('Enter');
	await edited.getByRole('button', { name: 'Delete', exact: true }).click();
	await expect(memberLog.getByText('This message was deleted.')).toBeVisible();
	await expect(memberLog.getByText(`Thanks a lot ${stamp}`)).toHaveCount(0);

	// The member opens the announcements feed; the leader posts one; it appears there live.
	await member
		.getByRole('navigation', { name: 'Channels' })
		.getByRole('link', { name: 'Announcements' })
		.click();
	await expect(member.getByRole('heading', { level: 2, name: 'Announcements' })).toBeVisible();
	await expect(member.getByText('No announcements yet')).toBeVisible();
	await leader
		.getByRole('navigation', { name: 'Channels' })
		.getByRole('link', { name: 'Announcements' })
		.click();
	await leader.getByRole('button', { name: 'New announcement' }).click();
	await leader.getByLabel('Title', { exact: true }).fill(`Field trip ${stamp}`);
	await leader.getByLabel('Message', { exact: true }).fill('Meet at the **main gate** at 9.');
	await leader.getByRole('button', { name: 'Post announcement' }).click();
	await expect(leader.getByText(`Posted “Field trip ${stamp}”.`)).toBeVisible();
	const live = member.getByRole('article', { name: `Field trip ${stamp}` });
	await expect(live).toBeVisible();
	await expect(live.locator('strong')).toHaveText('main gate');
	// The leader sees who has seen it once the member's browser has reported it.
	await expect(async () => {
		await leader.reload();
		await expect(
			leader.getByRole('article', { name: `Field trip ${stamp}` }).getByText('Seen by 1 of 1')
		).toBeVisible({ timeout: 1000 });
	}).toPass({ timeout: 10_000 });

	// The leader corrects it; the member, still on the feed, sees the new text marked edited, live.
	const card = leader.getByRole('article', { name: `Field trip ${stamp}` });
	await card.getByRole('button', { name: `Edit Field trip ${stamp}` }).click();
	const editor = card.getByRole('form', { name: `Edit Field trip ${stamp}` });
	await editor.getByLabel('Message').press('Escape');
	await expect(editor).toHaveCount(0);
	await expect(card.getByRole('button', { name: `Edit Field trip ${stamp}` })).toBeFocused();
	await leader.keyboard.press('Enter');
	await editor.getByLabel('Message').fill('Meet at the **side gate** at 9.');
	await editor.getByRole('button', { name: 'Save' }).click();
	await expect(leader.getByText(`Saved “Field trip ${stamp}”.`)).toBeVisible();
	await expect(live.locator('strong')).toHaveText('side gate');
	await expect(live.getByTestId('edited')).toHaveText('edited');

	// The leader uploads a file with a progress bar; the member downloads the same bytes.
	const content = `Reading list ${stamp}\nChapter 1 to 3.\n`;
	await leader
		.getByRole('navigation', { name: 'Channels' })
		.getByRole('link', { name: 'Resources' })
		.click();
	await expect(leader.getByText('No resources yet')).toBeVisible();
	await leader.getByLabel('Title (optional)').fill(`Reading list ${stamp}`);
	await leader.getByLabel('Folder (optional)').first().fill('Week 1');
	await leader.getByLabel('File', { exact: true }).setInputFiles({
		name: 'reading-list.txt',
		mimeType: 'text/plain',
		buffer: Buffer.from(content)
	});
	await leader.getByRole('button', { name: 'Upload', exact: true }).click();
	await expect(leader.getByText(`Uploaded “Reading list ${stamp}”.`)).toBeVisible();
	await expect(
		leader.getByTestId('resource').filter({ hasText: `Reading list ${stamp}` })
	).toBeVisible();

	await member
		.getByRole('navigation', { name: 'Channels' })
		.getByRole('link', { name: 'Resources' })
		.click();
	const item = member.getByTestId('resource').filter({ hasText: `Reading list ${stamp}` });
	await expect(item).toContainText('added by Nora Nowak');
	const [download] = await Promise.all([
		member.waitForEvent('download'),
		item.getByRole('link', { name: `Reading list ${stamp} (download)` }).click()
	]);
	expect(download.suggestedFilename()).toBe('reading-list.txt');
	expect(await readFile((await download.path())!, 'utf8')).toBe(content);
	const downloadUrl = download.url();

	// Someone outside the group gets a 404 for its channels, its feed, its library and the file.
	const outsider = await browserFor(browser, OUTSIDER);
	for (const path of [
		`/groups/${groupId}/channels`,
		`/groups/${groupId}/announcements`,
		`/groups/${groupId}/resources`
	]) {
		const response = await outsider.goto(path);
		expect(response?.status(), path).toBe(404);
	}
	expect((await outsider.request.get(downloadUrl)).status()).toBe(404);
	await expect(outsider.getByText('Welcome')).toHaveCount(0);
});

test('an organisation admin turns messaging off for several groups at once, and their channels become read-only', async ({
	browser
}) => {
	const stamp = Date.now().toString(36);
	const first = `Quiet room ${stamp}`;
	const second = `Quiet annex ${stamp}`;
	const firstId = await groupWithLeaderAndMember(browser, first);
	await groupWithLeaderAndMember(browser, second);
	const admin = await browserFor(browser, ADMIN);
	const member = await browserFor(browser, MEMBER);

	await admin.goto('/organisations/northfield/groups');
	const messaging = admin.getByRole('region', { name: 'Messaging' });
	await messaging.getByRole('checkbox', { name: first }).check();
	await messaging.getByRole('checkbox', { name: second }).check();
	await messaging.getByRole('button', { name: 'Turn messaging off' }).click();
	await expect(messaging.getByText('Messaging is off in 2 groups (2 changed).')).toBeVisible();

	await member.goto(`/groups/${firstId}/channels`);
	await expect(
		member.getByText('Messaging is off in this group: channels are read-only.')
	).toBeVisible();
	await expect(member.getByText(/You can read this channel but not post/)).toBeVisible();
	await expect(member.getByLabel('Message #general')).toHaveCount(0);

	await messaging.getByRole('checkbox', { name: first }).check();
	await messaging.getByRole('button', { name: 'Turn messaging on' }).click();
	await expect(messaging.getByText('Messaging is on in 1 group (1 changed).')).toBeVisible();
	await member.reload();
	await member.getByLabel('Message #general').fill(`Back again ${stamp}`);
	await member.getByLabel('Message #general').press('Enter');
	await expect(
		member.getByRole('log', { name: 'Messages in #general' }).getByText(`Back again ${stamp}`)
	).toBeVisible();
});
