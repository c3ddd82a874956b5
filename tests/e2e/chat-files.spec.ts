import { dropFile, openGeneral, pasteFile, picture } from './chat';
import { expect, test } from './fixtures';
import {
	browserFor,
	groupWithLeaderAndMember,
	LEADER,
	MEMBER,
	noSidewaysScroll,
	SIZES
} from './people';

// Files from the device in the chat composer: dropped, pasted or picked; checked in the browser
// before a byte is sent; uploaded with progress into the group's resources ("Shared in chat");
// shown to the other browser as an inline preview; the resources list updates live.

for (const [size, viewport] of SIZES) {
	test(`files from the device reach the chat with a preview and the library live (${size})`, async ({
		browser
	}) => {
		const stamp = Date.now().toString(36);
		const groupId = await groupWithLeaderAndMember(browser, `Photo club ${size} ${stamp}`);
		const member = await browserFor(browser, MEMBER, viewport);
		const leader = await browserFor(browser, LEADER, viewport);
		const library = await leader.context().newPage();
		for (const page of [member, leader]) await openGeneral(page, groupId);
		await library.goto(`/groups/${groupId}/resources`);
		await expect(library.getByText('No resources yet')).toBeVisible();

		// Every request the member's browser makes to upload, to show a bad file never goes.
		const uploads: string[] = [];
		member.on('request', (request) => {
			if (request.method() === 'POST' && request.url().includes('/resources/upload')) {
				uploads.push(request.url());
			}
		});

		// A web page named like an image, picked from the device: refused before its bytes leave.
		await member.getByTestId('composer-file').setInputFiles({
			name: 'holiday.png',
			mimeType: 'image/png',
			buffer: Buffer.from('<html><body><script>alert(1)</script></body></html>')
		});
		await expect(member.getByRole('alert')).toContainText(
			'holiday.png: This file contains web page (HTML, SVG or XML) markup'
		);
		expect(uploads).toEqual([]);

		const PNG = await picture(member);
		// An image dropped on the composer uploads, shows a preview and goes with the message.
		await dropFile(member, `map-${stamp}.png`, PNG, 'image/png');
		await expect(member.getByText(`Attached: map-${stamp}.png`)).toBeVisible();
		await expect(member.getByAltText(`Preview of map-${stamp}.png`)).toBeVisible();
		expect(uploads).toHaveLength(1);
		await member.getByLabel('Message #general').fill(`Here is the map ${stamp}`);
		await member.getByLabel('Message #general').press('Enter');

		// The leader's browser shows the image inline, loaded, with the message.
		const message = leader
			.getByRole('log', { name: 'Messages in #general' })
			.getByTestId('message')
			.filter({ hasText: `Here is the map ${stamp}` });
		const image = message.getByAltText(`Attached image: map-${stamp}.png`);
		await expect(image).toBeVisible();
		await expect
			.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
			.toBe(160);

		// The leader's library page, open all along, lists it in "Shared in chat" without a reload.
		const shared = library.getByTestId('resource').filter({ hasText: `map-${stamp}.png` });
		await expect(shared).toBeVisible();
		await expect(library.getByRole('region', { name: 'Folder Shared in chat' })).toContainText(
			`map-${stamp}.png`
		);

		// A pasted image attaches the same way; the leader sees it too.
		await pasteFile(leader, `screenshot-${stamp}.png`, PNG, 'image/png');
		await expect(leader.getByText(`Attached: screenshot-${stamp}.png`)).toBeVisible();
		await leader.getByLabel('Message #general').press('Enter');
		await expect(
			member
				.getByRole('log', { name: 'Messages in #general' })
				.getByAltText(`Attached image: screenshot-${stamp}.png`)
		).toBeVisible();
		await expect(
			library.getByTestId('resource').filter({ hasText: `screenshot-${stamp}` })
		).toBeVisible();

		// Nothing spills sideways, on a phone least of all.
		for (const page of [member, leader]) await noSidewaysScroll(page);
		await member.screenshot({ path: `test-results/chat-files-${size}.png` });
	});
}
