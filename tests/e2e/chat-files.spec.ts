import { expect, test, type Page } from './fixtures';
import { browserFor, groupWithLeaderAndMember, LEADER, MEMBER, PHONE } from './people';

// Files from the device in the chat composer: dropped, pasted or picked; checked in the browser
// before a byte is sent; uploaded with progress into the group's resources ("Shared in chat");
// shown to the other browser as an inline preview; the resources list updates live.

/** A real 160×90 PNG, drawn by the browser (a blue sky over green hills). */
async function picture(page: Page): Promise<Buffer> {
	const base64 = await page.evaluate(async () => {
		const canvas = new OffscreenCanvas(160, 90);
		const context = canvas.getContext('2d')!;
		context.fillStyle = '#7dd3fc';
		context.fillRect(0, 0, 160, 90);
		context.fillStyle = '#16a34a';
		context.beginPath();
		context.ellipse(50, 95, 80, 40, 0, 0, Math.PI * 2);
		context.ellipse(130, 100, 70, 45, 0, 0, Math.PI * 2);
		context.fill();
		const bytes = new Uint8Array(await (await canvas.convertToBlob()).arrayBuffer());
		return btoa(String.fromCharCode(...bytes));
	});
	return Buffer.from(base64, 'base64');
}

/** Drops a file on the composer the way a desktop drag does (a DataTransfer carrying Files). */
async function dropFile(page: Page, name: string, bytes: Buffer, type: string) {
	const transfer = await page.evaluateHandle(
		({ name, base64, type }) => {
			const data = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
			const transfer = new DataTransfer();
			transfer.items.add(new File([data], name, { type }));
			return transfer;
		},
		{ name, base64: bytes.toString('base64'), type }
	);
	const composer = page.getByTestId('composer');
	await composer.dispatchEvent('dragenter', { dataTransfer: transfer });
	await composer.dispatchEvent('dragover', { dataTransfer: transfer });
	await expect(composer.getByText('Drop to share in #general')).toBeVisible();
	await composer.dispatchEvent('drop', { dataTransfer: transfer });
}

/** Pastes a file into the message box, as copying an image and pressing Ctrl+V does. */
async function pasteFile(page: Page, name: string, bytes: Buffer, type: string) {
	await page.getByLabel('Message #general').evaluate(
		(box, { name, base64, type }) => {
			const data = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
			const transfer = new DataTransfer();
			transfer.items.add(new File([data], name, { type }));
			box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true }));
		},
		{ name, base64: bytes.toString('base64'), type }
	);
}

for (const [size, viewport] of [
	['desktop', undefined],
	['phone', PHONE]
] as const) {
	test(`files from the device reach the chat with a preview and the library live (${size})`, async ({
		browser
	}) => {
		const stamp = Date.now().toString(36);
		const groupId = await groupWithLeaderAndMember(browser, `Photo club ${size} ${stamp}`);
		const member = await browserFor(browser, MEMBER, viewport);
		const leader = await browserFor(browser, LEADER, viewport);
		const library = await leader.context().newPage();
		for (const page of [member, leader]) {
			await page.goto(`/groups/${groupId}/channels`);
			await expect(page.getByTestId('connection-status')).toHaveText('Live');
		}
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

		// On a phone nothing spills sideways.
		if (viewport) {
			for (const page of [member, leader]) {
				expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
					viewport.width
				);
			}
		}
		await member.screenshot({ path: `test-results/chat-files-${size}.png` });
	});
}
